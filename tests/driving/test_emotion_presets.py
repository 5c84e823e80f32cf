"""ARKit blendshapes -> the VRM emotion presets sad, surprised and relaxed (issue 4 §3), known
answers from synthetic blendshape vectors and the thresholds named in arkit_map.py."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.driving.arkit_map import FROWN_FULL, FROWN_START, WIDE_FULL, WIDE_START, vrm_preset_weights
from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.qmath import IDENTITY
from capture.types import NUM_BLENDSHAPES, Blendshape as B
from tests.driving import synthetic as syn

EMOTIONS = ("happy", "angry", "sad", "surprised", "relaxed")


def _shapes(**values: float) -> np.ndarray:
    b = np.zeros(NUM_BLENDSHAPES, np.float32)
    for name, v in values.items():
        b[B[name]] = v
    return b


def _only(weights: dict[str, float], emotion: str, value: float) -> None:
    """`emotion` at `value`, every other emotion at zero."""
    assert weights[emotion] == pytest.approx(value, abs=1e-4), f"{emotion}: {weights[emotion]:.4f}"
    others = {e: weights[e] for e in EMOTIONS if e != emotion}
    assert all(v == 0.0 for v in others.values()), others


def test_a_neutral_face_shows_no_emotion():
    w = vrm_preset_weights(_shapes())
    assert [w[e] for e in EMOTIONS] == [0.0] * 5


@pytest.mark.parametrize("shapes, expected", [
    # Frown 0.6 + inner brows 0.4 = 0.5 >= FROWN_FULL: fully sad.
    (dict(MOUTH_FROWN_LEFT=0.5, MOUTH_FROWN_RIGHT=0.5, BROW_INNER_UP=0.5), 1.0),
    # Mouth alone: 0.6 * 0.5 = 0.3 -> (0.3 - 0.15) / 0.35.
    (dict(MOUTH_FROWN_LEFT=0.5, MOUTH_FROWN_RIGHT=0.5), (0.3 - FROWN_START) / (FROWN_FULL - FROWN_START)),
    # Brows alone: 0.4 * 0.8 = 0.32.
    (dict(BROW_INNER_UP=0.8), (0.32 - FROWN_START) / (FROWN_FULL - FROWN_START)),
    # One corner down counts half (the mean of both sides).
    (dict(MOUTH_FROWN_LEFT=1.0), (0.3 - FROWN_START) / (FROWN_FULL - FROWN_START)),
    # Below FROWN_START (a resting mouth): not sad.
    (dict(MOUTH_FROWN_LEFT=0.2, MOUTH_FROWN_RIGHT=0.2), 0.0),
], ids=["frown_and_brows", "frown", "inner_brows", "one_corner", "resting"])
def test_sad_from_a_frown_and_raised_inner_brows(shapes, expected):
    w = vrm_preset_weights(_shapes(**shapes))
    if expected == 0.0:
        assert [w[e] for e in EMOTIONS] == [0.0] * 5
    else:
        _only(w, "sad", expected)


@pytest.mark.parametrize("shapes, expected", [
    (dict(BROW_OUTER_UP_LEFT=0.6, BROW_OUTER_UP_RIGHT=0.6, EYE_WIDE_LEFT=0.6, EYE_WIDE_RIGHT=0.6), 1.0),
    # Raised brows alone: half the signal, 0.3 -> (0.3 - 0.2) / 0.4.
    (dict(BROW_OUTER_UP_LEFT=0.6, BROW_OUTER_UP_RIGHT=0.6), (0.3 - WIDE_START) / (WIDE_FULL - WIDE_START)),
    # Wide eyes alone: the same.
    (dict(EYE_WIDE_LEFT=0.6, EYE_WIDE_RIGHT=0.6), (0.3 - WIDE_START) / (WIDE_FULL - WIDE_START)),
], ids=["brows_and_eyes", "brows", "eyes"])
def test_surprised_from_raised_outer_brows_and_wide_eyes(shapes, expected):
    _only(vrm_preset_weights(_shapes(**shapes)), "surprised", expected)


def test_relaxed_from_squinting_cheeks():
    _only(vrm_preset_weights(_shapes(CHEEK_SQUINT_LEFT=0.7, CHEEK_SQUINT_RIGHT=0.7)), "relaxed", 1.0)
    _only(vrm_preset_weights(_shapes(CHEEK_SQUINT_LEFT=0.5, CHEEK_SQUINT_RIGHT=0.5)), "relaxed", 0.5)
    assert vrm_preset_weights(_shapes(CHEEK_SQUINT_LEFT=0.25, CHEEK_SQUINT_RIGHT=0.25))["relaxed"] == 0.0


def test_a_smile_damps_sad_and_relaxed_but_not_surprised():
    """A smile squints the cheeks and can lift the inner brows: that is happy, not relaxed or sad.
    Surprise goes with a smile (a delighted face), so it is not damped."""
    half_smile = dict(MOUTH_SMILE_LEFT=0.475, MOUTH_SMILE_RIGHT=0.475)  # happy 0.5
    w = vrm_preset_weights(_shapes(**half_smile, CHEEK_SQUINT_LEFT=0.7, CHEEK_SQUINT_RIGHT=0.7,
                                   MOUTH_FROWN_LEFT=0.5, MOUTH_FROWN_RIGHT=0.5, BROW_INNER_UP=0.5,
                                   BROW_OUTER_UP_LEFT=0.6, BROW_OUTER_UP_RIGHT=0.6, EYE_WIDE_LEFT=0.6, EYE_WIDE_RIGHT=0.6))
    assert w["happy"] == pytest.approx(0.5, abs=1e-4)
    assert w["relaxed"] == pytest.approx(0.5, abs=1e-4) and w["sad"] == pytest.approx(0.5, abs=1e-4)
    assert w["surprised"] == pytest.approx(1.0, abs=1e-4)
    full = vrm_preset_weights(_shapes(MOUTH_SMILE_LEFT=0.8, MOUTH_SMILE_RIGHT=0.8, CHEEK_SQUINT_LEFT=0.7,
                                      CHEEK_SQUINT_RIGHT=0.7, MOUTH_FROWN_LEFT=0.5, MOUTH_FROWN_RIGHT=0.5))
    assert full["happy"] == 1.0 and full["relaxed"] == 0.0 and full["sad"] == 0.0


def test_sad_and_relaxed_faces_reach_the_avatars_morphs(test_data):
    """End to end on Godette (VRM 0.x Sorrow / Fun -> sad / relaxed): the preset's morph binds move."""
    avatar = load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")
    for emotion, shapes in (("sad", _shapes(MOUTH_FROWN_LEFT=0.5, MOUTH_FROWN_RIGHT=0.5, BROW_INNER_UP=0.5)),
                            ("relaxed", _shapes(CHEEK_SQUINT_LEFT=0.7, CHEEK_SQUINT_RIGHT=0.7))):
        driver = AvatarDriver(avatar, DriverOptions(use_idle=False))
        frame = driver.update(syn.tracking(0.0, faces=[syn.face(IDENTITY, 0.0, shapes)]))
        assert frame.pose.morphs[emotion] == pytest.approx(1.0, abs=1e-6)
        binds = avatar.binding.expressions[emotion].morph_binds
        assert binds
        for bind in binds:
            node = next(i for i, n in enumerate(avatar.doc.nodes) if n.mesh == bind.mesh)
            assert frame.node_weights[node][bind.target] == pytest.approx(bind.weight, abs=1e-3), emotion
