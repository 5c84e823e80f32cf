"""The 3D avatar head (`avatar_mask`) hides the whole real head on real photos: hair above the
forehead and beside the temples, and the chin."""
from __future__ import annotations

import numpy as np
import pytest

from effects.landmarks import face_frame
from effects.package import load_package
from effects.stack import EffectStack
from tests.effects.conftest import LIBRARY

CHANGED = 12  # a pixel is hidden when any channel moved by more than this (8-bit)
# The real head around the landmarks, in the face's own axes: its hair reaches about 0.3-0.4 of the
# landmark box's height above it on these photos (person mask), so the box grows up by 0.25 of
# its height and by 0.1 of its width beside each temple.
HAIR_MARGIN = 0.25
TEMPLE_MARGIN = 0.1
# Hidden fractions. When the avatar was fitted by its face alone, only 35-60% of the hair above
# the forehead and 82-94% of the grown box were hidden on these photos; now at least 95% and 97%.
MIN_HAIR_HIDDEN = 0.9
MIN_HEAD_HIDDEN = 0.95
# The chin's front arc of MediaPipe's face oval (the real chin is broader than a stylized one).
CHIN_ARC = (176, 148, 152, 377, 400)


@pytest.mark.parametrize("name", ["biden.jpg", "obama.jpg", "sergey.png", "two_people.jpg"])
def test_3d_avatar_head_hides_the_hair_and_the_chin(rc, tracked_portraits, name):
    image, tracking = tracked_portraits[name]
    h, w = image.shape[:2]
    with EffectStack(rc, load_package(LIBRARY / "avatar_mask"), (w, h)) as stack:
        out = stack.render(image, tracking, time_s=0.0).image
    hidden = np.abs(out[..., :3].astype(int) - image.astype(int)).max(axis=2) > CHANGED
    person = tracking.mask.mask > 0.5
    yy, xx = np.mgrid[0:h, 0:w]
    pixels = np.stack([xx + 0.5, yy + 0.5], axis=-1)
    for i, face in enumerate(tracking.faces):
        ff = face_frame(face, (w, h))
        right, down = ff.axes()
        across, along = ff.points[:468] @ right, ff.points[:468] @ down
        px_across, px_along = pixels @ right, pixels @ down
        top, width, height = along.min(), np.ptp(across), np.ptp(along)
        head = person & (px_along >= top - HAIR_MARGIN * height) & (px_along <= along.max())
        side = TEMPLE_MARGIN * width
        head &= (px_across >= across.min() - side) & (px_across <= across.max() + side)
        hair = head & (px_along < top)
        assert hair.sum() > 100, f"{name} face {i}: no hair region to check"
        assert hidden[hair].mean() >= MIN_HAIR_HIDDEN, \
            f"{name} face {i}: {1 - hidden[hair].mean():.0%} of the hair above the forehead shows"
        assert hidden[head].mean() >= MIN_HEAD_HIDDEN, \
            f"{name} face {i}: {1 - hidden[head].mean():.0%} of the head shows"
        chin = np.clip(ff.points[list(CHIN_ARC)].astype(int), 0, (w - 1, h - 1))
        shown = [index for index, (x, y) in zip(CHIN_ARC, chin) if not hidden[y, x]]
        assert not shown, f"{name} face {i}: chin landmarks {shown} show below the avatar's chin"
