"""`beauty`: skin smoothing restricted to skin, teeth whitening, brightening (one pass)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from effects.gpu import EffectGpu
from effects.landmarks import FACE_OVAL, INNER_LIPS, FaceLandmark as L
from effects.layers.base import FrameInputs, Layer, LayerSpec, num, register_layer
from render.shaders import set_uniform

GLSL = Path(__file__).resolve().parent / "beauty.glsl"
SMOOTH_RADIUS = 0.018  # face widths: a pore-sized blur (~4 px on a 230 px face)
EYE_RADIUS = 0.14  # face widths kept sharp around each eye centre


@dataclass(frozen=True)
class BeautyParams:
    """smooth, whiten, brighten: 0 = off, 1 = full."""

    smooth: float = 0.6
    whiten: float = 0.5
    brighten: float = 0.2


def ellipse_of(points: np.ndarray, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Centre and inverse-axes matrix of the principal ellipse around `points` (N, 2)."""
    c = points.mean(axis=0)
    d = points - c
    cov = d.T @ d / max(len(points), 1)
    vals, vecs = np.linalg.eigh(cov)
    # Points on an ellipse boundary have std = semi-axis / sqrt(2).
    axes = np.sqrt(np.maximum(vals, 1e-6) * 2.0) * scale
    m = np.diag(1.0 / axes) @ vecs.T
    return c, m


@register_layer
class BeautyLayer(Layer):
    type_name = "beauty"
    kind = "filter"
    PARAMS = BeautyParams
    ANCHORS = ("face_mesh",)
    DEFAULT_ANCHOR = "face_mesh"
    SCHEMA = {"smooth": num(0, 1, 0.6), "whiten": num(0, 1, 0.5), "brighten": num(0, 1, 0.2)}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        self.program = gpu.program(GLSL)

    def render(self, frame: FrameInputs) -> None:
        faces = frame.face_frames(self.spec.max_faces)
        q, k = self.spec.params, self.spec.opacity
        if not faces or max(q.smooth, q.whiten, q.brighten) * k <= 0.0:
            return
        src = self.gpu.begin_region_filter()
        p = self.program
        set_uniform(p, "u_smooth", q.smooth * k)
        set_uniform(p, "u_whiten", q.whiten * k)
        set_uniform(p, "u_brighten", q.brighten * k)
        for _face, ff in faces:
            oval = ff.points[list(FACE_OVAL)]
            c, m = ellipse_of(oval, 1.0)
            set_uniform(p, "u_face_c", tuple(c))
            set_uniform(p, "u_face_m", tuple(m.T.reshape(-1)))  # GLSL mat2 is column-major
            c, m = ellipse_of(ff.points[list(INNER_LIPS)], 1.15)
            set_uniform(p, "u_mouth_c", tuple(c))
            set_uniform(p, "u_mouth_m", tuple(m.T.reshape(-1)))
            le = ff.points[[L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER]].mean(axis=0)
            re = ff.points[[L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER]].mean(axis=0)
            set_uniform(p, "u_eyes", (*le, *re))
            set_uniform(p, "u_eye_r", EYE_RADIUS * ff.width)
            set_uniform(p, "u_radius", max(SMOOTH_RADIUS * ff.width, 1.5))
            lo, hi = oval.min(axis=0), oval.max(axis=0)
            pad = 0.08 * ff.width
            self.gpu.rect(p, (lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad), {"u_src": src})
