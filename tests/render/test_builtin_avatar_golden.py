"""Golden images of the built-in avatar on llvmpipe (neutral, smile, jaw open, arms raised), and
checks that each expression really changes the face where it should."""
from __future__ import annotations

import numpy as np
import pytest

from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.pose_presets import pose_preset
from avatar.posing import Pose
from render.stage import AvatarStage, Shot, StageOptions
from tests.golden import Tolerance, compare_golden

CASES = {
    "builtin_neutral": (Shot.MEDIUM, Pose(rotations=pose_preset("relaxed").rotations)),
    "builtin_smile": (Shot.CLOSEUP, Pose(rotations=pose_preset("relaxed").rotations, morphs={"happy": 1.0})),
    "builtin_jaw_open": (Shot.CLOSEUP, Pose(rotations=pose_preset("relaxed").rotations, morphs={"jawOpen": 1.0})),
    "builtin_arms_raised": (Shot.FULL, pose_preset("arms_raised")),
}


@pytest.fixture(scope="module")
def stage(rc):
    with AvatarStage(load_gltf(BUILTIN_AVATAR), StageOptions(width=640, height=360), rc=rc) as s:
        yield s


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(stage, regenerate_golden, name):
    shot, pose = CASES[name]
    stage.scene.camera = stage.shot_camera(shot)
    image = stage.render(pose)
    compare_golden(name, image[..., :3], regenerate_golden, Tolerance(max_mean=1.5, max_bad_fraction=0.01))


def test_expressions_change_the_face_only(stage):
    stage.scene.camera = stage.shot_camera(Shot.CLOSEUP)
    relaxed = pose_preset("relaxed").rotations
    neutral = stage.render(Pose(rotations=relaxed)).astype(np.int16)
    for morph in ("jawOpen", "happy", "blink", "aa"):
        changed = np.abs(stage.render(Pose(rotations=relaxed, morphs={morph: 1.0})).astype(np.int16) - neutral).max(axis=2) > 30
        ys, xs = np.nonzero(changed)
        assert len(ys) > 150, f"{morph} changes almost nothing"
        # The face is the middle of a close-up: nothing at the frame's edges may change.
        h, w = changed.shape
        assert xs.min() > w * 0.25 and xs.max() < w * 0.75, f"{morph} changed pixels outside the face"


def test_raised_arms_are_above_the_head(stage):
    stage.scene.camera = stage.shot_camera(Shot.FULL)
    image = stage.render(pose_preset("arms_raised"))
    relaxed = stage.render(pose_preset("relaxed"))
    background = image[0, 0, :3].astype(np.int16)
    def top_row(img):
        fg = np.abs(img[..., :3].astype(np.int16) - background).max(axis=2) > 25
        return int(np.nonzero(fg.any(axis=1))[0][0])
    assert top_row(image) < top_row(relaxed) - 15, "raised hands must reach above the head"
