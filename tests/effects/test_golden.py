"""Golden images of a few built-in effects on the public-domain portrait (llvmpipe), time fixed."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from effects.package import load_package
from effects.preview import fire_all
from effects.stack import EffectStack
from tests.effects.conftest import LIBRARY
from tests.golden import Tolerance, compare_golden

PORTRAIT = "painting_girl_with_a_pearl_earring.jpg"
# Tolerances: exact on one llvmpipe build; edges of anti-aliased stickers / props move by a
# pixel with other Mesa versions or landmark changes of the tracker in the last decimal.
TOL = Tolerance(max_mean=2.0, bad_threshold=48, max_bad_fraction=0.01)


@pytest.mark.parametrize("effect", ["cat_ears", "cartoon_head", "tiger_paint", "party_hat", "breathing_challenge"])
def test_golden(rc, tracked_portraits, regenerate_golden, effect):
    image, tracking = tracked_portraits[PORTRAIT]
    with EffectStack(rc, load_package(LIBRARY / effect), (image.shape[1], image.shape[0])) as stack:
        fire_all(stack, 0.2)
        out = stack.render(image, tracking, time_s=0.8).image
    h, w = out.shape[:2]
    small = cv2.resize(out, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    compare_golden(f"effects_{effect}", np.ascontiguousarray(small), regenerate_golden, TOL)
