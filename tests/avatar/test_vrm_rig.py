"""Normalized rig: the same normalized rotation moves the same bone the same way in world space on
every sample, VRM 0.x (faces -Z in the file) and 1.0 alike."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.gltf.animation import AnimationPose
from avatar.gltf.pose import quaternion_to_matrix
from avatar.vrm.loader import load_vrm, normalized_world_matrices
from avatar.vrm.rig import HumanoidRig, quat_multiply

VRMS = ["Godette_vrm_v4.vrm", "sphere_cc0.vrm", "human_male.vrm", "debug_robot.vrm",
        "VRMC_vrm_expressions_isBinary_Overrides.vrm"]


def _axis_angle(axis, degrees):
    axis = np.asarray(axis, np.float64) / np.linalg.norm(axis)
    half = np.radians(degrees) / 2
    return np.append(axis * np.sin(half), np.cos(half))


def _posed_world(rig, normalized):
    rotations = rig.raw_local_rotations(normalized)
    transforms = rig.rest.with_overrides(AnimationPose(0.0, rotations=rotations))
    return normalized_world_matrices(rig.model, transforms.local_matrices())


def _direction(world, model, a, b):
    return world[model.humanoid.bones[b]][:3, 3] - world[model.humanoid.bones[a]][:3, 3]


@pytest.mark.parametrize("name", VRMS)
def test_identity_normalized_pose_is_the_rest_pose(test_data, name):
    rig = HumanoidRig.of(load_vrm(test_data / f"vrm/{name}"))
    identity = {bone: np.array([0, 0, 0, 1.0]) for bone in rig.model.humanoid.bones}
    np.testing.assert_allclose(_posed_world(rig, identity), rig.rest_world, atol=1e-5)


@pytest.mark.parametrize("name", VRMS)
def test_normalized_rotations_act_in_the_plus_z_model_frame(test_data, name):
    model = load_vrm(test_data / f"vrm/{name}")
    rig = HumanoidRig.of(model)
    raise_arm = _axis_angle([0, 0, 1], 90)  # +90 deg about +Z: +X (the left side) turns towards +Y
    bend_elbow = _axis_angle([0, 1, 0], -45)  # -45 deg about +Y: +X turns towards +Z (forward)
    world = _posed_world(rig, {"leftUpperArm": raise_arm, "leftLowerArm": bend_elbow})
    upper_rest = _direction(rig.rest_world, model, "leftUpperArm", "leftLowerArm")
    lower_rest = _direction(rig.rest_world, model, "leftLowerArm", "leftHand")
    np.testing.assert_allclose(_direction(world, model, "leftUpperArm", "leftLowerArm"),
                               quaternion_to_matrix(raise_arm) @ upper_rest, atol=1e-5)
    chained = quaternion_to_matrix(quat_multiply(raise_arm, bend_elbow))
    np.testing.assert_allclose(_direction(world, model, "leftLowerArm", "leftHand"), chained @ lower_rest, atol=1e-5)
    # the left arm rests on the +X side in every model, so raising it lifts the hand
    assert upper_rest[0] > 0 and world[model.humanoid.bones["leftHand"]][1, 3] > rig.rest_world_position("leftHand")[1]


def test_unknown_bone_is_named(test_data):
    rig = HumanoidRig.of(load_vrm(test_data / "vrm/human_male.vrm"))
    with pytest.raises(KeyError, match="'tail' is not a humanoid bone of this model; it has hips"):
        rig.raw_local_rotations({"tail": np.array([0, 0, 0, 1.0])})
