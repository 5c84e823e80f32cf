"""Normalized rig on every sample (identity and non-identity rests, VRM 0.x turned to face +Z) and
rest-pose golden images of each VRM sample and facecap.glb."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.driving.avatar_model import load_drivable
from avatar.driving.qmath import qdistance, qeuler_deg
from avatar.driving.rig import normalized_world_rotations
from render.drive_view import DriveShot, DriveView
from avatar.posing import Pose
from render.context import RenderContext
from render.stage import StageOptions
from tests.golden import Tolerance, compare_golden

SAMPLES = ["vrm/Godette_vrm_v4.vrm", "vrm/VRMC_vrm_expressions_isBinary_Overrides.vrm", "vrm/debug_robot.vrm",
           "vrm/human_male.vrm", "vrm/sphere_cc0.vrm", "gltf/facecap/facecap.glb"]
GOLDEN_SIZE = (256, 256)
POSE = Pose(rotations={"spine": qeuler_deg(5, 10, 0), "head": qeuler_deg(-15, 30, 10),
                       "leftUpperArm": qeuler_deg(0, 0, 50), "leftLowerArm": qeuler_deg(0, -60, 0),
                       "rightUpperArm": qeuler_deg(10, 0, -70), "leftEye": qeuler_deg(-10, 15, 0)})


@pytest.fixture(scope="module")
def rc():
    context = RenderContext.headless()
    yield context
    context.release()


@pytest.mark.parametrize("name", SAMPLES[:5])
def test_normalized_pose_gives_the_same_world_rotations_on_raw_bones(test_data, name):
    """raw world = normalized world * W for any rest orientation (human_male and debug_robot have
    non-identity rest rotations; Godette and sphere are VRM 0.x, rotated to face +Z)."""
    avatar = load_drivable(test_data / name)
    world = avatar.rig.pose_world(POSE)
    expected = normalized_world_rotations(avatar.rig, POSE)
    for bone in expected:
        assert qdistance(avatar.rig.normalized_world_rotation(world, bone), expected[bone]) < 1e-9, bone


@pytest.mark.parametrize("name", ["vrm/Godette_vrm_v4.vrm", "vrm/sphere_cc0.vrm", "vrm/human_male.vrm"])
def test_every_model_faces_plus_z_with_its_left_arm_at_plus_x(test_data, name):
    rig = load_drivable(test_data / name).rig
    assert rig.bones["leftUpperArm"].rest_position[0] > rig.bones["rightUpperArm"].rest_position[0] + 0.05
    assert rig.bones["leftHand"].rest_position[0] > 0.2


def test_rest_pose_leaves_the_file_untouched(test_data):
    avatar = load_drivable(test_data / "vrm/human_male.vrm")
    assert np.allclose(avatar.rig.pose_world(Pose()), avatar.rig.rest_world, atol=1e-6)


@pytest.mark.parametrize("name", SAMPLES)
def test_rest_pose_golden(test_data, regenerate_golden, rc, name):
    avatar = load_drivable(test_data / name)
    width, height = GOLDEN_SIZE
    with DriveView(avatar, StageOptions(width=width, height=height), DriveShot.FULL, rc=rc) as view:
        image = view.render_rest()
    assert image[..., 3].mean() > 250  # opaque background
    assert (np.abs(image[..., :3].astype(int) - image[0, 0, :3]).max(axis=2) > 30).mean() > 0.02, "avatar not visible"
    key = name.split("/")[-1].rsplit(".", 1)[0]
    compare_golden(f"driving_rest_{key}", image, regenerate_golden, Tolerance(max_mean=1.5, max_bad_fraction=0.01))


def test_builtin_avatar_rest_golden_and_head_known_answer(builtin_avatar, regenerate_golden, rc):
    from avatar.driving.retarget import Retargeter
    from tests.driving import synthetic as syn

    avatar = load_drivable(builtin_avatar)
    assert avatar.binding.perfect_sync and avatar.vrm is not None
    head = qeuler_deg(-15, 30, 10)
    result = Retargeter(avatar.rig).update(syn.tracking(0.0, faces=[syn.face(head, 0.0)]))
    world = avatar.rig.pose_world(Pose(rotations=dict(result.rotations)))
    assert qdistance(avatar.rig.normalized_world_rotation(world, "head"), head) < 3.5e-4  # 3 deg
    with DriveView(avatar, StageOptions(width=256, height=256), DriveShot.FULL, rc=rc) as view:
        image = view.render_rest()
    compare_golden("driving_rest_builtin", image, regenerate_golden, Tolerance(max_mean=1.5, max_bad_fraction=0.01))
