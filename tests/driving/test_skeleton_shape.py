"""Plain glTFs whose joint names are not humanoid names (CesiumMan, RiggedFigure) are mapped from
the skeleton's shape and driven; skeletons without a humanoid shape are refused clearly."""
from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from avatar.driving.avatar_model import DrivingError, load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.qmath import qdistance, qeuler_deg, qfrom_matrix
from avatar.driving.retarget import Retargeter
from avatar.driving.skeleton_shape import humanoid_from_shape
from avatar.loading import load_avatar_document
from avatar.posing import Pose
from tests.driving import synthetic as syn

MAX_DISTANCE = 1.0 - math.cos(math.radians(3.0) / 2)  # 1-|q1.q2| for a 3 deg difference

EXPECTED = {
    "gltf/CesiumMan/CesiumMan.glb": {
        "hips": "Skeleton_torso_joint_1", "spine": "Skeleton_torso_joint_2", "chest": "torso_joint_3",
        "neck": "Skeleton_neck_joint_1", "head": "Skeleton_neck_joint_2",
        "leftUpperArm": "Skeleton_arm_joint_L__4_", "leftLowerArm": "Skeleton_arm_joint_L__3_",
        "leftHand": "Skeleton_arm_joint_L__2_", "rightUpperArm": "Skeleton_arm_joint_R",
        "rightLowerArm": "Skeleton_arm_joint_R__2_", "rightHand": "Skeleton_arm_joint_R__3_",
        "leftUpperLeg": "leg_joint_L_1", "leftLowerLeg": "leg_joint_L_2", "leftFoot": "leg_joint_L_3",
        "rightUpperLeg": "leg_joint_R_1", "rightLowerLeg": "leg_joint_R_2", "rightFoot": "leg_joint_R_3"},
    "gltf/RiggedFigure/RiggedFigure.glb": {
        "hips": "torso_joint_1", "spine": "torso_joint_2", "chest": "torso_joint_3",
        "neck": "neck_joint_1", "head": "neck_joint_2",
        "leftUpperArm": "arm_joint_L_1", "leftLowerArm": "arm_joint_L_2", "leftHand": "arm_joint_L_3",
        "rightUpperArm": "arm_joint_R_1", "rightLowerArm": "arm_joint_R_2", "rightHand": "arm_joint_R_3",
        "leftUpperLeg": "leg_joint_L_1", "leftLowerLeg": "leg_joint_L_2", "leftFoot": "leg_joint_L_3",
        "rightUpperLeg": "leg_joint_R_1", "rightLowerLeg": "leg_joint_R_2", "rightFoot": "leg_joint_R_3"},
}
SAMPLES = sorted(EXPECTED)


@pytest.mark.parametrize("name", SAMPLES)
def test_unnamed_humanoid_is_mapped_by_shape(test_data, name, caplog):
    with caplog.at_level(logging.INFO, logger="avatar.driving.avatar_model"):
        avatar = load_drivable(test_data / name)
    assert avatar.vrm is None and avatar.kind == "glTF humanoid"
    got = {bone: avatar.doc.nodes[b.node].name for bone, b in avatar.rig.bones.items()}
    for bone, node in EXPECTED[name].items():
        assert got[bone] == node, bone
    # Both samples face +Z (knees and toes forward): the avatar's left is +X.
    rest = avatar.rig.bones
    assert rest["leftUpperArm"].rest_position[0] > 0.05 > -0.05 > rest["rightUpperArm"].rest_position[0]
    assert rest["head"].rest_position[1] > rest["neck"].rest_position[1] > rest["hips"].rest_position[1]
    assert any("mapped by skeleton shape" in r.getMessage() and "hips=" in r.getMessage()
               and "leftUpperArm=" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("name", SAMPLES)
def test_head_yaw_turns_the_head_joint(test_data, name):
    avatar = load_drivable(test_data / name)
    driver = AvatarDriver(avatar, DriverOptions(use_idle=False))
    yaw = qeuler_deg(0, 30, 0)
    frame = driver.update(syn.tracking(0.0, faces=[syn.face(yaw, 0.0)]))
    world = frame.node_world.astype(np.float64)
    assert qdistance(avatar.rig.normalized_world_rotation(world, "head"), yaw) < MAX_DISTANCE
    # The raw head joint itself turned by the yaw, toward the avatar's left (+X).
    node = avatar.rig.node("head")
    rest = avatar.rig.rest_world[node][:3, :3]
    turn = world[node][:3, :3] @ np.linalg.inv(rest)
    assert qdistance(qfrom_matrix(turn / np.linalg.norm(turn, axis=0)), yaw) < MAX_DISTANCE
    assert (turn @ np.array([0.0, 0.0, 1.0]))[0] > 0.45


@pytest.mark.parametrize("name", SAMPLES)
def test_raising_the_left_arm_moves_the_avatars_left_arm(test_data, name):
    avatar = load_drivable(test_data / name)
    rig = avatar.rig
    target = Pose(rotations={"leftUpperArm": qeuler_deg(0, 0, 60)})  # T-pose +X arm turned up
    result = Retargeter(rig).update(syn.tracking(0.0, bodies=[syn.body(rig, target, 0.0)]))
    world = rig.pose_world(Pose(rotations=dict(result.rotations)))
    for bone, moved in (("leftLowerArm", True), ("leftHand", True), ("rightLowerArm", False)):
        node = rig.node(bone)
        before, after = rig.rest_world[node][:3, 3], world[node][:3, 3]
        if moved:
            assert before[0] > 0 and after[1] > before[1] + 0.1, bone  # on the avatar's left (+X), raised
        else:
            assert np.linalg.norm(after - before) < 0.02, bone


def test_rigged_simple_is_refused_with_the_clear_error(test_data):
    with pytest.raises(DrivingError, match="cannot drive this glTF: it has no VRM extension, no humanoid skeleton"):
        load_drivable(test_data / "gltf/RiggedSimple/RiggedSimple.glb")


def test_quadruped_shape_is_not_a_humanoid(test_data):
    """Fox: its neck goes forward and its front legs down, so the shape mapping refuses it. Its bones
    are named like a humanoid's (b_Hip_01, b_Head_05), so it still loads by name and its head turns."""
    shape = humanoid_from_shape(load_avatar_document(test_data / "gltf/Fox/Fox.glb"))
    assert shape.bones == {} and "no joint where a neck goes up and two arms go out" in shape.reason
    avatar = load_drivable(test_data / "gltf/Fox/Fox.glb")
    assert avatar.doc.nodes[avatar.rig.node("head")].name == "b_Head_05"


def test_a_model_facing_minus_z_is_turned_and_keeps_its_own_left(test_data, tmp_path):
    from tests.driving.test_bad_input import _rewrite_glb

    def turn(doc):  # CesiumMan's root node turned 180 deg about +Y: it now faces -Z
        node = doc["nodes"][0]
        m = np.array(node["matrix"], float).reshape(4, 4).T
        node["matrix"] = [float(x) for x in (np.diag([-1.0, 1.0, -1.0, 1.0]) @ m).T.ravel()]

    path = tmp_path / "turned.glb"
    _rewrite_glb(test_data / "gltf/CesiumMan/CesiumMan.glb", path, turn)
    avatar = load_drivable(path)
    assert avatar.rig.root_transform[0, 0] == pytest.approx(-1.0)  # turned back to face +Z
    assert avatar.doc.nodes[avatar.rig.node("leftUpperArm")].name == "Skeleton_arm_joint_L__4_"
    assert avatar.rig.bones["leftUpperArm"].rest_position[0] > 0.05


def _upper_body_gltf(path) -> object:
    """A half-body rig as streamers use (no legs): unnamed joints j0..j15, the root at the waist,
    a skinned triangle so the joints form a skin. Arms out along +-X in a T-pose, facing +Z."""
    import json

    from tests.gltf_buffers import GltfBuffers

    joints = [  # (parent, local translation)
        (-1, (0.0, 1.0, 0.0)),  # j0 waist (root)
        (0, (0.0, 0.15, 0.0)), (1, (0.0, 0.15, 0.0)),  # j1 spine, j2 chest
        (2, (0.0, 0.15, 0.0)), (3, (0.0, 0.1, 0.0)), (4, (0.0, 0.2, 0.0)),  # j3 neck, j4 head, j5 head top
        (2, (0.08, 0.1, 0.0)), (6, (0.1, 0.0, 0.0)), (7, (0.25, 0.0, 0.0)), (8, (0.25, 0.0, 0.0)),  # j6-9 +X arm
        (9, (0.08, 0.0, 0.02)),  # j10 +X hand tip
        (2, (-0.08, 0.1, 0.0)), (11, (-0.1, 0.0, 0.0)), (12, (-0.25, 0.0, 0.0)), (13, (-0.25, 0.0, 0.0)),  # j11-14
        (14, (-0.08, 0.0, 0.02)),  # j15 -X hand tip
    ]
    nodes = [{"name": f"j{i}", "translation": list(t)} for i, (_, t) in enumerate(joints)]
    for i, (parent, _) in enumerate(joints):
        if parent >= 0:
            nodes[parent].setdefault("children", []).append(i)
    world = {}
    for i, (parent, t) in enumerate(joints):
        world[i] = np.add(world[parent], t) if parent >= 0 else np.array(t)
    inverse_binds = np.stack([np.linalg.inv(np.block([[np.eye(3), world[i][:, None]], [np.zeros((1, 3)), 1.0]])).T
                              for i in range(len(joints))]).astype(np.float32)  # column-major for glTF
    positions = np.array([[-0.1, 1.2, 0], [0.1, 1.2, 0], [0, 1.4, 0]], np.float32)
    joint_ids = np.array([[1, 0, 0, 0]] * 3, np.uint8)
    weights = np.array([[1, 0, 0, 0]] * 3, np.float32)
    buffers = GltfBuffers()
    attributes = {"POSITION": buffers.add(positions, "VEC3", 5126, min=positions.min(axis=0).tolist(),
                                          max=positions.max(axis=0).tolist()),
                  "JOINTS_0": buffers.add(joint_ids, "VEC4", 5121), "WEIGHTS_0": buffers.add(weights, "VEC4", 5126)}
    inverse_binds_accessor = buffers.add(inverse_binds.reshape(-1, 16), "MAT4", 5126)
    nodes.append({"name": "body", "mesh": 0, "skin": 0})
    document = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0, len(nodes) - 1]}], "nodes": nodes,
                "meshes": [{"primitives": [{"attributes": attributes}]}],
                "skins": [{"joints": list(range(len(joints))), "inverseBindMatrices": inverse_binds_accessor}],
                **buffers.document_fields()}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_an_upper_body_skeleton_uses_its_root_as_hips_and_is_driven(tmp_path):
    """No legs: the shape mapping takes the skeleton's root (the waist) as hips; head and arms map
    and follow tracking like a full body's."""
    path = _upper_body_gltf(tmp_path / "half_body.gltf")
    shape = humanoid_from_shape(load_avatar_document(path))
    names = {bone: f"j{node}" for bone, node in shape.bones.items()}
    assert names["hips"] == "j0" and names["head"] == "j4" and names["neck"] == "j3"
    assert (names["leftUpperArm"], names["leftLowerArm"], names["leftHand"]) == ("j7", "j8", "j9")
    assert (names["rightUpperArm"], names["rightLowerArm"], names["rightHand"]) == ("j12", "j13", "j14")
    assert not any("Leg" in bone or "Foot" in bone for bone in shape.bones)
    avatar = load_drivable(path)
    driver = AvatarDriver(avatar, DriverOptions(use_idle=False))
    yaw = qeuler_deg(0, 30, 0)
    frame = driver.update(syn.tracking(0.0, faces=[syn.face(yaw, 0.0)]))
    assert qdistance(avatar.rig.normalized_world_rotation(frame.node_world.astype(np.float64), "head"), yaw) < MAX_DISTANCE
    rig = avatar.rig
    target = Pose(rotations={"leftUpperArm": qeuler_deg(0, 0, 60)})
    result = Retargeter(rig).update(syn.tracking(0.0, bodies=[syn.body(rig, target, 0.0)]))
    world = rig.pose_world(Pose(rotations=dict(result.rotations)))
    hand = rig.node("leftHand")
    assert world[hand][1, 3] > rig.rest_world[hand][1, 3] + 0.1, "the avatar's left arm is raised"
