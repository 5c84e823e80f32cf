"""Expression displacement fields on the 468 face-mesh points, designed from the photo's own
face geometry (so they scale with it and keep its identity).

Each expression is a few handle points with a hand-designed displacement (e.g. the mouth
corners move out and up for a smile) and pinned points (displacement 0). Every other point
gets a Gaussian-weighted average of the handles (Shepard interpolation, normalised by
max(sum of weights, 1) so the field fades to zero away from the handles). Fields are linear in
the expression weight: a frame is rest + sum(weight * field).

Blinks move the upper lid onto the lower lid (the photo's own lid skin and lashes slide down,
the crease follows part way); the eyelid pass in renderer.py redraws the eye below the lid edge
unsqueezed (no smeared iris) and evens the lid skin with a colour sampled around the eye.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from effects.photo import landmarks as L

# Sizes as fractions of the mouth width (corner to corner) or eye distance, chosen by looking
# at rendered frames of the shared portraits and re-tracking them with MediaPipe.
JAW_DROP = 0.6  # lower lip drop at weight 1, x mouth width
SMILE_OUT = 0.10  # mouth corners outward, x mouth width
SMILE_UP = 0.09  # mouth corners upward, x mouth width
CHEEK_UP = 0.04
BROW_UP = 0.13  # brows upward, x eye distance
FIELD_SIGMA_MOUTH = 0.32  # Gaussian radius, x mouth width
FIELD_SIGMA_BROW = 0.35  # x eye distance

NOSE_PINS = (1, 2, 4, 5, 98, 327, 168, 6, 197, 195)


@dataclass(frozen=True)
class FaceUnits:
    centre_x: float
    mouth_width: float
    eye_distance: float


def face_units(rest: np.ndarray) -> FaceUnits:
    xy = rest[:, :2]
    mouth_w = float(np.linalg.norm(xy[61] - xy[291]))
    right_eye = xy[list(L.RIGHT_EYE_UPPER + L.RIGHT_EYE_LOWER)].mean(axis=0)
    left_eye = xy[list(L.LEFT_EYE_UPPER + L.LEFT_EYE_LOWER)].mean(axis=0)
    return FaceUnits(float((xy[61, 0] + xy[291, 0]) / 2), max(mouth_w, 1.0),
                     max(float(np.linalg.norm(right_eye - left_eye)), 1.0))


def shepard_field(rest_xy: np.ndarray, handles: dict[int, tuple[float, float]],
                  sigma: float) -> np.ndarray:
    """(N, 2) displacement: handles exactly, others a Gaussian-weighted average fading to 0."""
    ids = np.array(list(handles), np.int64)
    disp = np.array([handles[i] for i in ids], np.float64)
    d2 = ((rest_xy[:, None, :] - rest_xy[None, ids, :]) ** 2).sum(axis=2)
    w = np.exp(-d2 / (2.0 * sigma * sigma))
    field = (w @ disp) / np.maximum(w.sum(axis=1), 1.0)[:, None]
    field[ids] = disp
    return field


def _lateral(rest_xy: np.ndarray, idx: int, units: FaceUnits, half_width: float) -> float:
    """Signed horizontal position of a point relative to the mouth centre, -1..1 of half_width."""
    return float(np.clip((rest_xy[idx, 0] - units.centre_x) / half_width, -1.0, 1.0))


def jaw_field(rest: np.ndarray) -> np.ndarray:
    xy = rest[:, :2].astype(np.float64)
    u = face_units(rest)
    drop = JAW_DROP * u.mouth_width
    handles: dict[int, tuple[float, float]] = {}
    for i in L.LIPS_INNER_UPPER + L.LIPS_OUTER_UPPER + NOSE_PINS:
        handles[i] = (0.0, 0.0)
    for i in L.LIPS_INNER_LOWER + L.LIPS_OUTER_LOWER:
        t = _lateral(xy, i, u, u.mouth_width / 2)
        handles[i] = (0.0, drop * (0.3 + 0.7 * (1.0 - t * t)))
    for i in L.MOUTH_CORNERS:
        handles[i] = (0.0, 0.25 * drop)
    corner_y = float(xy[[61, 291], 1].mean())
    jaw_half = float(np.abs(xy[[L.FACE_LEFT_EDGE, L.FACE_RIGHT_EDGE], 0] - u.centre_x).max())
    for i in L.FACE_OVAL:
        if xy[i, 1] > corner_y:  # jaw line below the mouth follows the chin, less toward the ears
            t = _lateral(xy, i, u, jaw_half)
            handles[i] = (0.0, drop * max(0.0, 1.0 - t * t) ** 1.5)
        else:
            handles[i] = (0.0, 0.0)
    return shepard_field(xy, handles, FIELD_SIGMA_MOUTH * u.mouth_width)


def smile_field(rest: np.ndarray) -> np.ndarray:
    xy = rest[:, :2].astype(np.float64)
    u = face_units(rest)
    mw = u.mouth_width
    handles: dict[int, tuple[float, float]] = {i: (0.0, 0.0) for i in NOSE_PINS}
    for i in L.LIPS_INNER_UPPER + L.LIPS_INNER_LOWER + L.LIPS_OUTER_UPPER + L.LIPS_OUTER_LOWER:
        t = _lateral(xy, i, u, mw / 2)
        handles[i] = (np.sign(t) * SMILE_OUT * mw * abs(t) ** 2, -SMILE_UP * mw * abs(t) ** 1.5)
    for i in L.CHEEKS:
        handles[i] = (0.0, -CHEEK_UP * mw)
    for i in L.RIGHT_EYE_UPPER + L.LEFT_EYE_UPPER:
        handles[i] = (0.0, 0.0)
    for i in L.RIGHT_EYE_LOWER[1:-1] + L.LEFT_EYE_LOWER[1:-1]:
        handles[i] = (0.0, -0.012 * mw)  # a hint of cheek squint
    return shepard_field(xy, handles, FIELD_SIGMA_MOUTH * mw)


def brows_field(rest: np.ndarray) -> np.ndarray:
    xy = rest[:, :2].astype(np.float64)
    u = face_units(rest)
    lift = BROW_UP * u.eye_distance
    handles: dict[int, tuple[float, float]] = {i: (0.0, 0.0) for i in NOSE_PINS}
    for i in L.RIGHT_BROW + L.LEFT_BROW:
        handles[i] = (0.0, -lift)
    for i in L.RIGHT_EYE_UPPER + L.LEFT_EYE_UPPER + L.RIGHT_EYE_LOWER + L.LEFT_EYE_LOWER:
        handles[i] = (0.0, 0.0)
    return shepard_field(xy, handles, FIELD_SIGMA_BROW * u.eye_distance)


LOWER_LID_RISE = 0.08  # the lower lid rises this much of the eye opening in a blink
BLINK_SIGMA = 0.3  # x eye width


def blink_field(rest: np.ndarray, upper: tuple[int, ...], lower: tuple[int, ...]) -> np.ndarray:
    xy = rest[:, :2].astype(np.float64)
    eye_w = float(np.linalg.norm(xy[upper[0]] - xy[upper[-1]]))
    handles: dict[int, tuple[float, float]] = {i: (0.0, 0.0) for i in NOSE_PINS + L.RIGHT_BROW + L.LEFT_BROW}
    for u, low in zip(upper[1:-1], lower[1:-1]):
        gap = xy[low] - xy[u]
        handles[u] = (float(gap[0]) * (1 - LOWER_LID_RISE), float(gap[1]) * (1 - LOWER_LID_RISE))
        handles[low] = (-float(gap[0]) * LOWER_LID_RISE, -float(gap[1]) * LOWER_LID_RISE)
    handles[upper[0]] = handles[upper[-1]] = (0.0, 0.0)
    return shepard_field(xy, handles, BLINK_SIGMA * max(eye_w, 1.0))


@dataclass(frozen=True)
class ExpressionFields:
    """(468, 2) float32 displacement (pixels) of each expression at weight 1."""

    smile: np.ndarray
    jaw: np.ndarray
    brows: np.ndarray
    blink_right: np.ndarray
    blink_left: np.ndarray


def build_fields(rest: np.ndarray) -> ExpressionFields:
    pts = np.asarray(rest, np.float64)[:L.NUM_MESH_POINTS]
    fields = [f(pts) for f in (smile_field, jaw_field, brows_field)]
    fields += [blink_field(pts, L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER),
               blink_field(pts, L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER)]
    return ExpressionFields(*(f.astype(np.float32) for f in fields))
