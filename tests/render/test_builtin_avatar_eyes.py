"""The built-in avatar's irises stay in sight at every gaze weight.

Morph targets blend linearly, so part way through an eyeball turn each vertex cuts the chord
and sinks toward the eye's centre; an iris turning over a white that stayed put sank under it
and vanished at eyeLook* weights of 0.2-0.8 (the avatar_mask effect showed blank white eyes on
any face not looking straight ahead). An iris pixel is one that changes when the iris, its
highlight and the pupil are not drawn."""
from __future__ import annotations

import numpy as np
import pytest

from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.pose_presets import pose_preset
from avatar.posing import Pose
from render.stage import AvatarStage, Shot, StageOptions

IRIS_PARTS = ("iris", "iris_light", "pupil")
GAZES = {
    "out": ("eyeLookOutLeft",),
    "in": ("eyeLookInLeft",),
    "up": ("eyeLookUpLeft",),
    "down": ("eyeLookDownLeft",),
    "up and out": ("eyeLookUpLeft", "eyeLookOutLeft"),
}


def _close_up(rc, without: tuple[str, ...]) -> AvatarStage:
    stage = AvatarStage(load_gltf(BUILTIN_AVATAR), StageOptions(width=640, height=360), rc=rc)
    materials = stage.doc.materials
    if without:
        stage.model.keep_only(lambda item: item.material is None or materials[item.material].name not in without)
    stage.scene.camera = stage.shot_camera(Shot.CLOSEUP)
    return stage


@pytest.fixture(scope="module")
def stages(rc):
    with _close_up(rc, ()) as full, _close_up(rc, IRIS_PARTS) as blank:
        yield full, blank


def _left_iris_pixels(stages, morphs: dict[str, float]) -> int:
    """Iris pixels of the avatar's left eye (the right half of the picture)."""
    pose = Pose(rotations=dict(pose_preset("relaxed").rotations), morphs=morphs)
    full, blank = (stage.render(pose)[..., :3].astype(np.int16) for stage in stages)
    changed = np.abs(full - blank).max(axis=2) > 40
    return int(changed[:, changed.shape[1] // 2:].sum())


@pytest.mark.parametrize("gaze", sorted(GAZES))
def test_the_iris_stays_in_sight_through_a_gaze_turn(stages, gaze):
    rest = _left_iris_pixels(stages, {})
    assert rest > 150
    for weight in (0.15, 0.35, 0.5, 0.75, 1.0):
        shown = _left_iris_pixels(stages, {name: weight for name in GAZES[gaze]})
        assert shown > 0.6 * rest, f"looking {gaze} at {weight}: {shown} iris pixels of {rest} at rest"
