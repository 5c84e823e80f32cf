"""Appearance details: closed lids are skin (no iris left), an open mouth shows a dark interior
with teeth instead of stretched lips."""
from __future__ import annotations

import cv2
import numpy as np

from effects.photo import MotionState, PhotoAnimator
from effects.photo import landmarks as L
from effects.photo.deform import deform


def _mask(shape, polygon):
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon[:, :2]).astype(np.int32)], 1)
    return mask.astype(bool)


def _luma(rgb):
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def test_closed_eyes_are_covered_by_skin(biden_photo, rc):
    rest = biden_photo.faces[0].landmarks_px
    with PhotoAnimator(biden_photo, rc=rc) as animator:
        closed = animator.render(MotionState(blink_left=1.0, blink_right=1.0))
    skin = np.median(_luma(biden_photo.image)[_mask(biden_photo.image.shape, rest[list(L.FACE_OVAL)])])
    for upper, lower in ((L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER), (L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER)):
        eye = _mask(biden_photo.image.shape, rest[list(upper + lower[::-1])])
        before, after = _luma(biden_photo.image)[eye], _luma(closed)[eye]
        # the open eye has dark iris / lash pixels; the closed lid has (almost) none
        dark = 0.55 * skin
        assert (before < dark).mean() > 0.15
        assert (after < dark).mean() < 0.5 * (before < dark).mean()
        assert abs(np.median(after) - skin) < 0.3 * skin


def test_open_mouth_shows_dark_interior_and_teeth(biden_photo, rc):
    with PhotoAnimator(biden_photo, rc=rc) as animator:
        frame = animator.render(MotionState(jaw=0.8))
        _, faces = deform(animator.mesh, [MotionState(jaw=0.8)])
    pts = faces[0]
    opening = _mask(frame.shape, pts[list(L.LIPS_INNER_UPPER + L.LIPS_INNER_LOWER[::-1])])
    assert opening.sum() > 200  # the mouth really opened
    inside = _luma(frame)[opening]
    lips = _luma(biden_photo.image)[_mask(frame.shape, biden_photo.faces[0].landmarks_px[list(L.LIPS_OUTER_UPPER + L.LIPS_OUTER_LOWER[::-1])])]
    assert np.median(inside) < 0.6 * np.median(lips)  # a dark cavity, not stretched lip colour
    assert np.percentile(inside, 97) > 1.3 * np.median(lips)  # bright teeth under the upper lip
