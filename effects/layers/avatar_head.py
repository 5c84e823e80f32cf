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
from effects.gpu import EffectGpu, pixel_to_ndc
from effects.landmarks import FACE_OVAL, head_angles_deg
from effects.layers.base import COLOR, FrameInputs, Layer, LayerSpec, num, register_layer
from render.shaders import set_uniform

GLSL = Path(__file__).resolve().parent / "avatar_head.glsl"
YAW_SHIFT = 0.35  # feature shift (quad units) at 90 degrees of yaw


@dataclass(frozen=True)
class AvatarHeadParams:
    """skin / line / cheek colours, ears on or off, scale (1 = covers the face oval + hair)."""

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
    SCHEMA = {"skin": COLOR, "line": COLOR, "cheek": COLOR, "ears": {"type": "boolean"}, "scale": num(0.3, 3, 1.0)}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        self.program = gpu.program(GLSL)
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

    def render(self, frame: FrameInputs) -> None:
        faces = frame.face_frames(self.spec.max_faces)
        if not faces:
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
        self.vao.release()
        self.vbo.release()
