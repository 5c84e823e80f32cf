"""GPU side of the living photo: the photo texture through the deformed warp mesh, then the
eyelid and mouth-interior passes, into an offscreen surface at the photo's full size."""
from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np

from effects.photo import landmarks as L
from effects.photo.appearance import LASH_DARKNESS, FaceColours, face_colours
from effects.photo.mesh import WarpMesh
from effects.photo.motion import MotionState
from render.context import RenderContext
from render.shaders import load_program, set_uniform
from render.surface import AlphaOutput, OffscreenSurface

GLSL = Path(__file__).resolve().parent / "glsl"
# Upper incisors show about this much (x mouth width) below the upper lip of an open mouth.
TEETH_HEIGHT = 0.11
TEETH_MAX_SHARE = 0.36  # of a small opening: teeth never fill the whole mouth
# Jaw weight at which the synthesized interior is fully opaque; below it fades in, so a barely
# parted mouth keeps the photo's own lips.
MOUTH_FULL_AT = 0.06

# The iris moves at most this much of the eye's width at gaze +-1 (eyes turn ~+-30 degrees
# before the head follows; the iris then travels about a fifth of the eye opening).
GAZE_SHIFT = 0.17

_EYE_STRIP = L.strip_triangles(L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER).ravel()
_MOUTH_STRIP = L.strip_triangles(L.LIPS_INNER_UPPER, L.LIPS_INNER_LOWER).ravel()
_EYES = ((L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER), (L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER))


def _strip_params(n: int) -> tuple[np.ndarray, np.ndarray]:
    along = np.concatenate([np.linspace(0, 1, n), np.linspace(0, 1, n)])
    across = np.concatenate([np.zeros(n), np.ones(n)])
    return along, across


class PhotoRenderer:
    """Draws frames of one photo + warp mesh. Owns its GL objects; release() is idempotent."""

    def __init__(self, rc: RenderContext, image: np.ndarray, mesh: WarpMesh) -> None:
        self.rc = rc
        ctx = rc.ctx
        self.mesh = mesh
        width, height = mesh.size
        self.size = (width, height)
        self.surface = OffscreenSurface(rc, width, height, samples=0)
        self.texture = ctx.texture((width, height), 4, np.ascontiguousarray(image).tobytes())
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.texture.repeat_x = self.texture.repeat_y = False
        self.warp = load_program(rc, GLSL / "warp.glsl")
        self.eyelid = load_program(rc, GLSL / "eyelid.glsl")
        self.mouth = load_program(rc, GLSL / "mouth.glsl")
        for prog in (self.warp, self.eyelid, self.mouth):
            set_uniform(prog, "u_size", (float(width), float(height)))
            set_uniform(prog, "u_photo", 0)
        set_uniform(self.warp, "u_depth_scale", 1.0 / float(width + height))

        self.pos_vbo = ctx.buffer(reserve=mesh.rest.nbytes)
        self.uv_vbo = ctx.buffer(mesh.uv.astype(np.float32).tobytes())
        # Outer triangles whose three vertices are fixed (grid, anchors) look the same in every
        # frame: they are drawn once, and later frames redraw only the region around the faces.
        # That region's border is made of fixed vertices, so its moving triangles always tile it.
        moving = np.zeros(len(mesh.rest), bool)
        moving[:len(mesh.rigs) * L.NUM_MESH_POINTS] = True
        for rig in mesh.rigs:
            moving[rig.ring_ids] = True
        dynamic = moving[mesh.outer_triangles.astype(np.int64)].any(axis=1)
        static_outer = mesh.outer_triangles[~dynamic]
        dynamic_outer = mesh.outer_triangles[dynamic]
        indices = np.concatenate([static_outer.ravel(), dynamic_outer.ravel(),
                                  mesh.face_triangles.ravel()]).astype(np.uint32)
        self.ibo = ctx.buffer(indices.tobytes())
        self.static_count = int(static_outer.size)
        self.outer_count = int(mesh.outer_triangles.size)
        self.face_count = int(mesh.face_triangles.size)
        self._background_drawn = False
        self.warp_vao = ctx.vertex_array(self.warp, [(self.pos_vbo, "3f", "in_pos"),
                                                     (self.uv_vbo, "2f", "in_uv")],
                                         index_buffer=self.ibo, index_element_size=4)

        self.colours: list[FaceColours] = [face_colours(image, rig.rest) for rig in mesh.rigs]
        n_eye = len(_EYE_STRIP)
        n_mouth = len(_MOUTH_STRIP)
        faces = max(len(mesh.rigs), 1)
        self.eye_vbo = ctx.buffer(reserve=faces * 2 * n_eye * 11 * 4)
        self.eye_vao = ctx.vertex_array(self.eyelid, [(self.eye_vbo, "3f 2f 1f 1f 2f 2f", "in_pos", "in_uv", "in_v",
                                                       "in_along", "in_lid_uv", "in_lid_step")])
        self.mouth_vbo = ctx.buffer(reserve=faces * n_mouth * 5 * 4)
        self.mouth_vao = ctx.vertex_array(self.mouth, [(self.mouth_vbo, "3f 2f", "in_pos", "in_param")])
        self._released = False

    # ------------------------------------------------------------------ frame
    def render(self, positions: np.ndarray, face_points: list[np.ndarray],
               states: list[MotionState]) -> np.ndarray:
        """One frame as (H, W, 4) uint8 RGBA, top row first."""
        ctx = self.rc.ctx
        self.surface.use()
        self.texture.use(0)
        self.pos_vbo.write(np.ascontiguousarray(positions, np.float32).tobytes())
        ctx.disable(moderngl.DEPTH_TEST | moderngl.BLEND | moderngl.CULL_FACE)
        if not self._background_drawn:
            ctx.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
            first = 0
            self._background_drawn = True
        else:
            fbo = self.surface.framebuffer
            fbo.color_mask = (False, False, False, False)  # keep the drawn background
            fbo.clear(depth=1.0)
            fbo.color_mask = (True, True, True, True)
            self.surface.use()  # moderngl applies the mask on use()
            first = self.static_count
        if self.outer_count - first:
            self.warp_vao.render(moderngl.TRIANGLES, vertices=self.outer_count - first, first=first)
        if self.face_count:
            ctx.enable(moderngl.DEPTH_TEST)
            ctx.depth_func = "<="
            self.warp_vao.render(moderngl.TRIANGLES, vertices=self.face_count, first=self.outer_count)
            ctx.disable(moderngl.DEPTH_TEST)
        self._draw_eyelids(face_points, states)
        self._draw_mouths(face_points, states)
        frame = self.surface.read(AlphaOutput.STRAIGHT)
        self.rc.gc()
        return frame

    def _draw_eyelids(self, face_points: list[np.ndarray], states: list[MotionState]) -> None:
        jobs = []
        data = []
        first = 0
        for k, (pts, state) in enumerate(zip(face_points, states)):
            rig = self.mesh.rigs[k]
            for (upper, lower), closure, lid in zip(_EYES, (state.blink_right, state.blink_left),
                                                    (self.colours[k].lid_right, self.colours[k].lid_left)):
                if closure <= 1e-4 and abs(state.gaze_x) <= 1e-4 and abs(state.gaze_y) <= 1e-4:
                    continue
                ids = np.array(upper + lower)[_EYE_STRIP]
                along, across = _strip_params(len(upper))
                corners = self.mesh.uv[rig.offset + np.array([upper[0], upper[-1]])]
                eye_w = float(np.linalg.norm(corners[1] - corners[0]))
                gaze = (state.gaze_x * GAZE_SHIFT * eye_w,
                        state.gaze_y * GAZE_SHIFT * eye_w * self.size[0] / self.size[1])
                uv_up = self.mesh.uv[rig.offset + np.array(upper + upper)]
                uv_low = self.mesh.uv[rig.offset + np.array(lower + lower)]
                verts = np.concatenate([pts[ids], self.mesh.uv[rig.offset + ids],
                                        across[_EYE_STRIP][:, None], along[_EYE_STRIP][:, None],
                                        uv_up[_EYE_STRIP],
                                        (uv_low - uv_up)[_EYE_STRIP]], axis=1)
                jobs.append((closure, lid, gaze, first, len(verts)))
                data.append(verts)
                first += len(verts)
        if not jobs:
            return
        self.eye_vbo.write(np.concatenate(data).astype(np.float32).tobytes())
        ctx = self.rc.ctx
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        for closure, lid, gaze, first, count in jobs:
            set_uniform(self.eyelid, "u_closure", float(closure))
            set_uniform(self.eyelid, "u_gaze_uv", gaze)
            set_uniform(self.eyelid, "u_lid", lid)
            set_uniform(self.eyelid, "u_lash", tuple(c * LASH_DARKNESS for c in lid))
            self.eye_vao.render(moderngl.TRIANGLES, vertices=count, first=first)
        ctx.disable(moderngl.BLEND)

    def _draw_mouths(self, face_points: list[np.ndarray], states: list[MotionState]) -> None:
        jobs = []
        data = []
        first = 0
        for k, (pts, state) in enumerate(zip(face_points, states)):
            if state.jaw <= 1e-4:
                continue
            rig = self.mesh.rigs[k]
            ids = np.array(L.LIPS_INNER_UPPER + L.LIPS_INNER_LOWER)[_MOUTH_STRIP]
            along, across = _strip_params(len(L.LIPS_INNER_UPPER))
            verts = np.concatenate([pts[ids], along[_MOUTH_STRIP][:, None],
                                    across[_MOUTH_STRIP][:, None]], axis=1)
            mouth_w = float(np.linalg.norm(rig.rest[61, :2] - rig.rest[291, :2]))
            opening = float(np.linalg.norm(pts[14, :2] - pts[13, :2]))
            teeth = min(TEETH_HEIGHT * mouth_w / max(opening, 1e-3), TEETH_MAX_SHARE)
            jobs.append((min(state.jaw / MOUTH_FULL_AT, 1.0), teeth, self.colours[k], first, len(verts)))
            data.append(verts)
            first += len(verts)
        if not jobs:
            return
        ctx = self.rc.ctx
        self.mouth_vbo.write(np.concatenate(data).astype(np.float32).tobytes())
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        for opacity, teeth, colours, first_vertex, count in jobs:
            set_uniform(self.mouth, "u_open", float(opacity))
            set_uniform(self.mouth, "u_teeth", float(teeth))
            set_uniform(self.mouth, "u_teeth_color", colours.teeth)
            set_uniform(self.mouth, "u_cavity_color", colours.cavity)
            self.mouth_vao.render(moderngl.TRIANGLES, vertices=count, first=first_vertex)
        ctx.disable(moderngl.BLEND)

    # ------------------------------------------------------------------ lifetime
    def release(self) -> None:
        if self._released:
            return
        self._released = True
        for obj in (self.warp_vao, self.eye_vao, self.mouth_vao, self.pos_vbo, self.uv_vbo, self.ibo,
                    self.eye_vbo, self.mouth_vbo, self.texture):
            obj.release()
        self.surface.release()
