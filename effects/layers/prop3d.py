"""`prop3d`: a glTF model bound to the head pose (MediaPipe's facial transformation matrix),
hidden behind the head by an invisible occluder (depth-only canonical face mesh + a skull
ellipsoid) drawn first. Camera space is MediaPipe's (cm, looking down -Z) with its 63 degree
perspective (effects.canonical.mediapipe_projection)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from avatar.gltf.loader import load_gltf
from avatar.gltf.pose import NodeTransforms, world_matrices
from effects.canonical import load_canonical_face_mesh, mediapipe_projection
from effects.gpu import FLIP_Y, EffectGpu, clear_depth
from effects.layers.base import ASSET, FrameInputs, Layer, LayerSpec, mat4_bytes, num, register_layer, vec
from render.model import ModelInstance
from render.scene import FrameState, default_lights

OCCLUDER_GLSL = Path(__file__).resolve().parent / "occluder.glsl"
# Skull proxy in canonical face space (cm), inside the face mesh (bounds x +-7.7, y -9.4..8.3,
# z -2.4..7.6): centre and radii picked so the ellipsoid stays behind the face surface.
SKULL_CENTER_CM = (0.0, 1.5, -4.0)
SKULL_RADII_CM = (7.3, 10.5, 10.0)


def ellipsoid(center: tuple, radii: tuple, rings: int = 12, segments: int = 20) -> tuple[np.ndarray, np.ndarray]:
    v = []
    for i in range(rings + 1):
        th = math.pi * i / rings
        for j in range(segments):
            ph = 2 * math.pi * j / segments
            v.append((math.sin(th) * math.cos(ph), math.cos(th), math.sin(th) * math.sin(ph)))
    verts = np.array(v) * radii + center
    tris = []
    for i in range(rings):
        for j in range(segments):
            a, b = i * segments + j, i * segments + (j + 1) % segments
            c, d = a + segments, b + segments
            tris += [(a, c, b), (b, c, d)]
    return verts.astype(np.float32), np.array(tris, np.int32)


@dataclass(frozen=True)
class PropParams:
    """model: .glb/.gltf in the package (metres, +Y up, facing +Z like the face).
    offset_cm: position in canonical face space (cm; +y up, +z out of the face; the nose tip is
    about (0, -1, 7.5), the forehead top (0, 8.3, 4.5)). rotation_deg: XYZ Euler. scale: model
    metres -> cm multiplier on top of the 100 unit conversion. occluder: draw the head occluder."""

    model: str = ""
    offset_cm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    scale: float = 1.0
    occluder: bool = True


def euler_matrix(deg: tuple[float, float, float]) -> np.ndarray:
    x, y, z = (math.radians(v) for v in deg)
    rx = np.array([[1, 0, 0], [0, math.cos(x), -math.sin(x)], [0, math.sin(x), math.cos(x)]])
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rz = np.array([[math.cos(z), -math.sin(z), 0], [math.sin(z), math.cos(z), 0], [0, 0, 1]])
    m = np.eye(4)
    m[:3, :3] = rz @ ry @ rx
    return m


@register_layer
class Prop3DLayer(Layer):
    type_name = "prop3d"
    PARAMS = PropParams
    REQUIRED = ("model",)
    ANCHORS = ("head",)
    DEFAULT_ANCHOR = "head"
    ASSET_FIELDS = ("model",)
    SCHEMA = {"model": ASSET, "offset_cm": vec(3, -100, 100), "rotation_deg": vec(3, -360, 360),
              "scale": num(0.001, 1000, 1.0), "occluder": {"type": "boolean"}}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        p = spec.params
        self.doc = load_gltf(root / p.model)
        self.model = ModelInstance(gpu.rc, self.doc, outlines=False)
        self.rest_world = world_matrices(self.doc, NodeTransforms.rest(self.doc).local_matrices()).astype(np.float64)
        s = np.diag([100.0 * p.scale] * 3 + [1.0])
        t = np.eye(4)
        t[:3, 3] = p.offset_cm
        self.local = t @ euler_matrix(p.rotation_deg) @ s
        mesh = load_canonical_face_mesh()
        ev, et = ellipsoid(SKULL_CENTER_CM, SKULL_RADII_CM)
        verts = np.concatenate([mesh.vertices, ev])
        tris = np.concatenate([mesh.triangles, et + len(mesh.vertices)])
        ctx = gpu.ctx
        self.occ_program = gpu.program(OCCLUDER_GLSL)
        self.occ_vbo = ctx.buffer(np.ascontiguousarray(verts, np.float32).tobytes())
        self.occ_ibo = ctx.buffer(np.ascontiguousarray(tris, np.int32).tobytes())
        self.occ_vao = ctx.vertex_array(self.occ_program, [(self.occ_vbo, "3f", "in_pos")], self.occ_ibo)
        self.occ_count = tris.size

    def projection(self, size: tuple[int, int]) -> np.ndarray:
        return FLIP_Y @ mediapipe_projection(*size)

    def prop_matrix(self, head_matrix: np.ndarray) -> np.ndarray:
        """Canonical-face-space placement -> camera space (cm)."""
        return np.asarray(head_matrix, np.float64) @ self.local

    def render(self, frame: FrameInputs) -> None:
        faces = [f for f, _ in frame.face_frames(self.spec.max_faces) if not np.isnan(f.head_matrix).any()]
        if not faces:
            return
        gpu, ctx = self.gpu, self.gpu.ctx
        gpu.begin_overlay()
        fbo = gpu.fbos[gpu.current]
        proj = self.projection(frame.size)
        state = FrameState(rc=gpu.rc, size=frame.size, view=np.eye(4), projection=proj,
                           camera_position=np.zeros(3), lights=tuple(default_lights()),
                           ambient_sky=(0.42, 0.44, 0.5), ambient_ground=(0.25, 0.22, 0.22),
                           time_s=frame.time_s)
        for face in faces:
            clear_depth(fbo)
            ctx.enable(moderngl.DEPTH_TEST)
            if self.spec.params.occluder:
                fbo.color_mask = (False, False, False, False)
                fbo.use()
                self.occ_program["u_mvp"].write(mat4_bytes(proj @ np.asarray(face.head_matrix, np.float64)))
                self.occ_vao.render(moderngl.TRIANGLES, vertices=self.occ_count)
                fbo.color_mask = (True, True, True, True)
                fbo.use()
            self.model.set_pose(self.prop_matrix(face.head_matrix) @ self.rest_world)
            ctx.front_face = "cw"  # FLIP_Y mirrors the winding
            self.model.draw(state)
            ctx.front_face = "ccw"
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)

    def release(self) -> None:
        self.model.release()
        for o in (self.occ_vao, self.occ_vbo, self.occ_ibo):
            o.release()
