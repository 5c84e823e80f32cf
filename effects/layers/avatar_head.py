"""`avatar_head`: a cartoon head replacing the real head, driven by the face's expression
(blink, jaw, smile, pucker, brows, gaze) and following its position, size, roll and yaw.
Drawn procedurally (signed distances), so it needs no asset and stays sharp at any size."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from capture.types import Blendshape as B
from assets.errors import AssetError
from assets.paths import BUILTIN_AVATAR
from effects.canonical import mediapipe_projection
from effects.gpu import FLIP_Y, EffectGpu, clear_depth, pixel_to_ndc
from effects.layers.avatar_model import AvatarHeadModel
from render.scene import FrameState, default_lights
from effects.landmarks import FACE_OVAL, head_angles_deg
from effects.layers.base import ASSET, COLOR, FrameInputs, Layer, LayerSpec, num, register_layer
from render.shaders import set_uniform

GLSL = Path(__file__).resolve().parent / "avatar_head.glsl"
YAW_SHIFT = 0.35  # feature shift (quad units) at 90 degrees of yaw


@dataclass(frozen=True)
class AvatarHeadParams:
    """style: "cartoon" (procedural 2D bear/cat head) or "avatar" (a 3D glTF head: `model` in
    the package, default the built-in avatar; its morph targets named like ARKit blendshapes).
    skin / line / cheek colours and ears are for "cartoon"; scale, a size multiplier, for both
    (1 for "avatar": the model's face and hair just cover a typical real head with its hair)."""

    style: str = "cartoon"
    model: str = ""
    skin: tuple = (0.98, 0.85, 0.55)
    line: tuple = (0.18, 0.12, 0.1)
    cheek: tuple = (1.0, 0.55, 0.6)
    ears: bool = True
    scale: float = 1.0


def _score(face: object, name: B) -> float:
    v = float(face.blendshapes[name])  # type: ignore[attr-defined]
    return 0.0 if math.isnan(v) else v


@register_layer
class AvatarHeadLayer(Layer):
    type_name = "avatar_head"
    PARAMS = AvatarHeadParams
    ANCHORS = ("head",)
    DEFAULT_ANCHOR = "head"
    ASSET_FIELDS = ("model",)
    SCHEMA = {"style": {"enum": ["cartoon", "avatar"]}, "model": ASSET, "skin": COLOR, "line": COLOR, "cheek": COLOR,
              "ears": {"type": "boolean"},
              "scale": num(0.3, 3, 1.0, "head size multiplier; for style avatar, 1 = the model's face and hair "
                                        "cover a typical head with its hair")}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        self.program = gpu.program(GLSL)
        self.head3d: AvatarHeadModel | None = None
        if spec.params.style == "avatar":
            path = root / spec.params.model if spec.params.model else BUILTIN_AVATAR
            try:
                self.head3d = AvatarHeadModel(gpu.rc, path, spec.params.scale)
            except ValueError as exc:
                raise AssetError(f"{path}: cannot use as an avatar head ({exc})") from exc
        self.vbo = gpu.ctx.buffer(reserve=6 * 4 * 4)
        self.vao = gpu.ctx.vertex_array(self.program, [(self.vbo, "2f 2f", "in_pos", "in_q")])

    def quad(self, ff: object) -> np.ndarray:
        """Corners in pixels (TL, TR, BR, BL) of the head quad for one face."""
        oval = ff.points[list(FACE_OVAL)]  # type: ignore[attr-defined]
        centre = oval.mean(axis=0)
        right, down = ff.axes()  # type: ignore[attr-defined]
        half = 0.82 * ff.width * self.spec.params.scale  # type: ignore[attr-defined]
        centre = centre - down * 0.12 * ff.width  # type: ignore[attr-defined]  (cover the hair line)
        return np.array([centre - right * half - down * half, centre + right * half - down * half,
                         centre + right * half + down * half, centre - right * half + down * half])

    def render_3d(self, frame: FrameInputs, faces: list) -> None:
        gpu, ctx = self.gpu, self.gpu.ctx
        gpu.begin_overlay()
        fbo = gpu.fbos[gpu.current]
        state = FrameState(rc=gpu.rc, size=frame.size, view=np.eye(4),
                           projection=FLIP_Y @ mediapipe_projection(*frame.size), camera_position=np.zeros(3),
                           lights=tuple(default_lights()), ambient_sky=(0.42, 0.44, 0.5),
                           ambient_ground=(0.25, 0.22, 0.22), time_s=frame.time_s)
        for face, _ff in faces:
            if np.isnan(face.head_matrix).any():
                continue
            clear_depth(fbo)
            self.head3d.pose(face)  # type: ignore[union-attr]
            ctx.front_face = "cw"  # FLIP_Y mirrors the winding
            ctx.depth_func = "<="  # eye parts sit on the eye white's surface: later draws win ties
            self.head3d.model.draw(state)  # type: ignore[union-attr]
            ctx.depth_func = "<"
            ctx.front_face = "ccw"
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)

    def render(self, frame: FrameInputs) -> None:
        faces = frame.face_frames(self.spec.max_faces)
        if not faces:
            return
        if self.head3d is not None:
            self.render_3d(frame, faces)
            return
        p, prog = self.spec.params, self.program
        self.gpu.begin_overlay()
        ctx = self.gpu.ctx
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        set_uniform(prog, "u_skin", tuple(p.skin[:3]))
        set_uniform(prog, "u_line", tuple(p.line[:3]))
        set_uniform(prog, "u_cheek", tuple(p.cheek[:3]))
        set_uniform(prog, "u_ears", 1 if p.ears else 0)
        set_uniform(prog, "u_opacity", self.spec.opacity)
        q = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32)
        for face, ff in faces:
            yaw = 0.0
            if not np.isnan(face.head_matrix).any():
                yaw = head_angles_deg(face.head_matrix)[1]
            shift = YAW_SHIFT * math.sin(math.radians(yaw))
            look = _score(face, B.EYE_LOOK_OUT_LEFT) - _score(face, B.EYE_LOOK_IN_LEFT)
            set_uniform(prog, "u_eyes", (_score(face, B.EYE_BLINK_LEFT), _score(face, B.EYE_BLINK_RIGHT),
                                         0.5 * (_score(face, B.EYE_WIDE_LEFT) + _score(face, B.EYE_WIDE_RIGHT)), look))
            set_uniform(prog, "u_mouth", (_score(face, B.JAW_OPEN),
                                          0.5 * (_score(face, B.MOUTH_SMILE_LEFT) + _score(face, B.MOUTH_SMILE_RIGHT)),
                                          _score(face, B.MOUTH_PUCKER), shift))
            set_uniform(prog, "u_brows", _score(face, B.BROW_INNER_UP))
            ndc = pixel_to_ndc(self.quad(ff), frame.size)
            v = np.c_[ndc, q].astype(np.float32)[[0, 1, 2, 0, 2, 3]]
            self.vbo.write(v.tobytes())
            self.vao.render(moderngl.TRIANGLES, vertices=6)
        ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        if self.head3d is not None:
            self.head3d.release()
        self.vao.release()
        self.vbo.release()
