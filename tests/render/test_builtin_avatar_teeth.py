"""The built-in avatar's mouth: teeth hidden behind closed lips (angry, sad, a frown, a press, a
shrug, a nodding head) and seen when the mouth opens; jawOpen + mouthClose shuts the lips.

A teeth pixel is one that changes when the teeth are not drawn (the same frame rendered without
the teeth primitive); likewise for the mouth interior (bag, teeth and tongue)."""
from __future__ import annotations

import numpy as np
import pytest

from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.pose_presets import pose_preset
from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg
from render.stage import AvatarStage, Shot, StageOptions

SHUT = {
    "neutral": {},
    "angry": {"angry": 1.0},
    "sad": {"sad": 1.0},
    "sad+blink": {"sad": 1.0, "blink": 1.0},
    "relaxed": {"relaxed": 1.0},
    "sad+angry": {"sad": 1.0, "angry": 1.0},
    "frown": {"mouthFrownLeft": 1.0, "mouthFrownRight": 1.0},
    "frown left": {"mouthFrownLeft": 1.0},
    "press": {"mouthPressLeft": 1.0, "mouthPressRight": 1.0},
    "roll": {"mouthRollLower": 1.0, "mouthRollUpper": 1.0},
    "shrug upper": {"mouthShrugUpper": 1.0},
    "shrug": {"mouthShrugLower": 1.0, "mouthShrugUpper": 1.0},
    "smile": {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0},
    "stretch": {"mouthStretchLeft": 1.0, "mouthStretchRight": 1.0},
    "dimple": {"mouthDimpleLeft": 1.0, "mouthDimpleRight": 1.0},
    "pucker": {"mouthPucker": 1.0},
    "mouth left": {"mouthLeft": 1.0},
    "jaw open, lips closed": {"jawOpen": 1.0, "mouthClose": 1.0},
}
OPEN = {
    "aa": {"aa": 1.0},
    "oh": {"oh": 1.0},
    "surprised": {"surprised": 1.0},
    "jawOpen": {"jawOpen": 1.0},
    "sad+aa": {"sad": 1.0, "aa": 1.0},
    "upper lip up": {"mouthUpperUpLeft": 1.0, "mouthUpperUpRight": 1.0},
    "lower lip down": {"mouthLowerDownLeft": 1.0, "mouthLowerDownRight": 1.0},
}
# Head pitch in degrees (+ nods down). The close-up already looks down on the mouth by about 10
# degrees, so these span a view from about 2 below to 12.5 above the mouth.
HEAD_TILTS = (-12.0, 0.0, 3.0)


def _close_up(rc, without: tuple[str, ...]) -> AvatarStage:
    stage = AvatarStage(load_gltf(BUILTIN_AVATAR), StageOptions(width=640, height=360), rc=rc)
    materials = stage.doc.materials
    if without:
        stage.model.keep_only(lambda item: item.material is None or materials[item.material].name not in without)
    stage.scene.camera = stage.shot_camera(Shot.CLOSEUP)
    return stage


@pytest.fixture(scope="module")
def stages(rc):
    """The close-up three times: everything, all but the teeth, all but the mouth interior."""
    with _close_up(rc, ()) as full, _close_up(rc, ("teeth",)) as toothless, \
            _close_up(rc, ("mouth", "teeth", "tongue")) as hollow:
        assert len(toothless.model.draw_items) == len(full.model.draw_items) - 1, "one teeth primitive"
        yield full, toothless, hollow


def _pixels_of(stages, without: int, morphs: dict[str, float], head_tilt: float = 0.0) -> int:
    """How many pixels of the close-up change when `stages[without]` leaves its parts out."""
    rotations = dict(pose_preset("relaxed").rotations)
    if head_tilt:
        rotations["head"] = quat_from_euler_deg(head_tilt, 0, 0)
    pose = Pose(rotations=rotations, morphs=morphs)
    full, part = (stage.render(pose)[..., :3].astype(np.int16) for stage in (stages[0], stages[without]))
    return int((np.abs(full - part).max(axis=2) > 40).sum())


def _teeth_pixels(stages, morphs: dict[str, float], head_tilt: float = 0.0) -> int:
    return _pixels_of(stages, 1, morphs, head_tilt)


@pytest.mark.parametrize("name", sorted(SHUT))
def test_closed_lips_hide_the_teeth(stages, name):
    for tilt in HEAD_TILTS:
        count = _teeth_pixels(stages, SHUT[name], tilt)
        assert count == 0, f"{name} (head tilted {tilt:+.0f} deg): {count} teeth pixels show through the closed lips"


@pytest.mark.parametrize("name", sorted(OPEN))
def test_an_open_mouth_shows_the_teeth(stages, name):
    count = _teeth_pixels(stages, OPEN[name])
    assert count >= 30, f"{name}: only {count} teeth pixels in an open mouth"


@pytest.mark.parametrize("jaw", [1.0, 0.5])
def test_mouth_close_shuts_the_lips_over_an_open_jaw(stages, jaw):
    slit = _pixels_of(stages, 2, {})  # the closed mouth's dark line
    inside = _pixels_of(stages, 2, {"jawOpen": jaw, "mouthClose": jaw})
    assert inside <= slit + 6, f"jawOpen = mouthClose = {jaw}: {inside} pixels of mouth interior (closed: {slit})"
