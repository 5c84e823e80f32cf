"""A frame depends on its own pose only: rendering poses one after another in one stage gives the
pictures that fresh stages give (morph sets growing, shrinking and emptying, bones moving)."""
from __future__ import annotations

import numpy as np

from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg
from render.materials import ShadingStyle
from render.stage import AvatarStage, Shot, StageOptions

POSES = [
    Pose(morphs={"aa": 1.0, "jawOpen": 0.6, "blink": 0.4}),
    Pose(),
    Pose(rotations={"jaw": quat_from_euler_deg(12, 0, 0)}, morphs={"ih": 0.3}),
    Pose(morphs={"ou": 0.8, "mouthSmileLeft": 0.5, "browInnerUp": 0.7, "jawOpen": 0.2}),
    Pose(rotations={"head": quat_from_euler_deg(-10, 20, 5)}),
    Pose(morphs={"surprised": 1.0}),
]


def _stage(doc):
    stage = AvatarStage(doc, StageOptions(width=320, height=240, style=ShadingStyle.PBR))
    stage.scene.camera = stage.shot_camera(Shot.CLOSEUP)
    return stage


def test_a_sequence_equals_fresh_renders():
    doc = load_gltf(BUILTIN_AVATAR)
    with _stage(doc) as stage:
        sequence = [stage.render(pose) for pose in POSES]
    for index, (pose, image) in enumerate(zip(POSES, sequence)):
        with _stage(doc) as fresh:
            expected = fresh.render(pose)
        diff = np.abs(image.astype(int) - expected.astype(int))
        assert diff.max() <= 1, f"pose {index}: {(diff.max(axis=2) > 1).sum()} pixels differ from a fresh render"
    assert np.abs(sequence[0].astype(int) - sequence[1].astype(int)).max() > 50  # the poses do differ
