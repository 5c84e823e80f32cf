"""`warp`: beauty and fun reshaping driven by landmarks (enlarge eyes, slim face, lift smile,
big head) with a strength, per face, in one full-screen pass."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from effects.gpu import EffectGpu
from effects.landmarks import FaceLandmark as L
from effects.layers.base import FrameInputs, Layer, LayerSpec, num, register_layer
from render.shaders import set_uniform_array

GLSL = Path(__file__).resolve().parent / "warp.glsl"
MAX_OPS = 16
MODES = ("enlarge_eyes", "slim_face", "lift_smile", "big_head")
# Radii in face widths and strength scales, tuned by eye on the portraits: strength 1 is a
# strong but still plausible effect.
EYE_RADIUS = 0.22
EYE_GAIN = 0.35
SLIM_RADIUS = 0.35
SLIM_GAIN = 0.10  # face widths of inward shift at strength 1
SMILE_RADIUS = 0.16
SMILE_GAIN = 0.05
HEAD_RADIUS = 0.95
HEAD_GAIN = 0.30


@dataclass(frozen=True)
class WarpParams:
    """mode: one of MODES. strength: 0 = no change, 1 = full effect (negative inverts)."""

    mode: str = "enlarge_eyes"
    strength: float = 0.5


def warp_ops(mode: str, strength: float, points: np.ndarray, width: float, right: np.ndarray,
             down: np.ndarray) -> list[tuple[tuple[float, float, float, float], tuple[float, float]]]:
    """[(centre x, centre y, radius, strength), shift vector] for one face (pixels)."""
    def mean(*ids: int) -> np.ndarray:
        return points[list(ids)].mean(axis=0)

    ops = []
    if mode == "enlarge_eyes":
        for c in (mean(L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER), mean(L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER)):
            ops.append(((c[0], c[1], EYE_RADIUS * width, EYE_GAIN * strength), (0.0, 0.0)))
    elif mode == "slim_face":
        centre = mean(L.NOSE_TIP)
        for side in (L.LEFT_FACE_EDGE, L.RIGHT_FACE_EDGE):
            # Jaw points below the face edge, pulled towards the nose.
            jaw = points[side] * 0.55 + points[L.CHIN] * 0.45
            inward = centre - jaw
            inward = inward / max(np.linalg.norm(inward), 1e-6) * SLIM_GAIN * width
            ops.append(((jaw[0], jaw[1], SLIM_RADIUS * width, strength), (-inward[0], -inward[1])))
    elif mode == "lift_smile":
        up = -down * SMILE_GAIN * width
        for corner in (L.MOUTH_LEFT, L.MOUTH_RIGHT):
            c = points[corner]
            ops.append(((c[0], c[1], SMILE_RADIUS * width, strength), (-up[0], -up[1])))
    elif mode == "big_head":
        c = mean(L.NOSE_BRIDGE, L.FOREHEAD_CENTER)
        ops.append(((c[0], c[1], HEAD_RADIUS * width, HEAD_GAIN * strength), (0.0, 0.0)))
    return ops


@register_layer
class WarpLayer(Layer):
    type_name = "warp"
    kind = "filter"
    PARAMS = WarpParams
    ANCHORS = ("face_mesh",)
    DEFAULT_ANCHOR = "face_mesh"
    SCHEMA = {"mode": {"enum": list(MODES)}, "strength": num(-1, 2, 0.5)}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        self.program = gpu.program(GLSL, {"N_OPS": 2})  # compiled now so `check` catches errors

    def render(self, frame: FrameInputs) -> None:
        ops = []
        for _face, ff in frame.face_frames(self.spec.max_faces):
            right, down = ff.axes()
            ops += warp_ops(self.spec.params.mode, self.spec.params.strength * self.spec.opacity,
                            ff.points, ff.width, right, down)
        ops = ops[:MAX_OPS]
        if not ops:
            return
        src = self.gpu.begin_region_filter()
        p = self.gpu.program(GLSL, {"N_OPS": len(ops)})
        set_uniform_array(p, "u_op", [tuple(map(float, o)) for o, _ in ops], (0.0, 0.0, 1.0, 0.0))
        set_uniform_array(p, "u_vec", [tuple(map(float, v)) for _, v in ops], (0.0, 0.0))
        x0 = min(o[0] - o[2] for o, _ in ops)
        y0 = min(o[1] - o[2] for o, _ in ops)
        x1 = max(o[0] + o[2] for o, _ in ops)
        y1 = max(o[1] + o[2] for o, _ in ops)
        self.gpu.rect(p, (x0 - 1, y0 - 1, x1 + 1, y1 + 1), {"u_src": src})
