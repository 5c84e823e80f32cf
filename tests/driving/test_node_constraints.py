"""VRMC_node_constraint evaluated while driving: known answers for roll (twist bones), rotation
and aim constraints added to a copy of a real VRM 1.0 sample, and a cycle refused by name."""
from __future__ import annotations

import math

import numpy as np
import pytest

from assets.errors import AssetError
from avatar.driving.avatar_model import load_drivable
from avatar.driving.qmath import qaxis, qfrom_matrix, qfrom_to, qinv, qmul, qrot
from avatar.posing import Pose
from tests.avatar.gltf_helpers import pack_glb, split_glb

SAMPLE = "vrm/human_male.vrm"


def _rotation(matrix: np.ndarray) -> np.ndarray:
    m = matrix[:3, :3]
    return qfrom_matrix(m / np.linalg.norm(m, axis=0))


def _angle_deg(q: np.ndarray) -> float:
    return math.degrees(2 * math.acos(min(1.0, abs(float(q[3])))))


def _with_constraints(test_data, tmp_path, make):
    """A copy of the sample with extra nodes under its bones; `make(tree, bones)` returns
    [(parent node, translation, rotation xyzw, constraint dict)]."""
    tree, binary = split_glb(test_data / SAMPLE)
    bones = {name: spec["node"] for name, spec in tree["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"].items()}
    for parent, translation, rotation, constraint in make(tree, bones):
        index = len(tree["nodes"])
        tree["nodes"].append({"name": f"constrained{index}", "translation": list(translation),
                              "rotation": list(rotation),
                              "extensions": {"VRMC_node_constraint": {"specVersion": "1.0", "constraint": constraint}}})
        tree["nodes"][parent].setdefault("children", []).append(index)
    tree.setdefault("extensionsUsed", []).append("VRMC_node_constraint")
    path = tmp_path / "constrained.vrm"
    path.write_bytes(pack_glb(tree, binary))
    return path, bones


def _bone_axis_local(avatar, bone: str, child: str) -> np.ndarray:
    """The bone's direction (towards its child) in the bone node's own local frame."""
    world = avatar.rig.rest_world
    a, b = avatar.rig.node(bone), avatar.rig.node(child)
    direction = world[b][:3, 3] - world[a][:3, 3]
    local = np.linalg.inv(world[a][:3, :3]) @ direction
    return local / np.linalg.norm(local)


def test_roll_constraint_takes_half_the_forearm_twist_and_none_of_its_bend(test_data, tmp_path):
    """A twist node under the forearm (the spec's example hierarchy), roll axis X along the
    forearm, weight 0.5: on top of its parent it turns by half the forearm's twist, about X."""
    base = load_drivable(test_data / SAMPLE)
    axis = _bone_axis_local(base, "leftLowerArm", "leftHand")
    rest = qfrom_to(np.array([1.0, 0.0, 0.0]), axis)  # the twist node's X runs along the forearm

    def make(tree, bones):
        return [(bones["leftLowerArm"], (0, 0, 0), rest, {"roll": {"source": bones["leftLowerArm"], "rollAxis": "X",
                                                                   "weight": 0.5}})]

    path, bones = _with_constraints(test_data, tmp_path, make)
    avatar = load_drivable(path)
    twist_node, forearm = len(avatar.doc.nodes) - 1, bones["leftLowerArm"]
    assert [c.kind for c in avatar.rig.constraints] == ["roll"]

    def own_turn(pose: Pose) -> np.ndarray:
        """The twist node's rotation relative to its parent, beyond its rest rotation."""
        world = avatar.rig.pose_world(pose)
        local = qmul(qinv(_rotation(world[forearm])), _rotation(world[twist_node]))
        return qmul(qinv(np.asarray(rest)), local)

    forearm_dir = base.rig.rest_direction("leftLowerArm")  # normalized space
    turn = own_turn(Pose(rotations={"leftLowerArm": qaxis(forearm_dir, math.radians(60))}))
    assert _angle_deg(turn) == pytest.approx(30.0, abs=1.0)
    assert abs(turn[0]) / np.linalg.norm(turn[:3]) > 0.999, "about the node's own X: the forearm"
    elbow_axis = np.cross(forearm_dir, [0.0, 0.0, 1.0])  # square to the forearm: no twist in it
    bend = own_turn(Pose(rotations={"leftLowerArm": qaxis(elbow_axis / np.linalg.norm(elbow_axis), math.radians(70))}))
    assert _angle_deg(bend) < 1.0, "a bend is not a twist: the node only rides along with its parent"


def test_rotation_constraint_copies_the_source_turn_with_weight(test_data, tmp_path):
    def make(tree, bones):
        return [(bones["chest"], (0.2, 0, 0), (0, 0, 0, 1), {"rotation": {"source": bones["leftUpperArm"], "weight": 1.0}}),
                (bones["chest"], (-0.2, 0, 0), (0, 0, 0, 1), {"rotation": {"source": bones["leftUpperArm"], "weight": 0.25}})]

    path, bones = _with_constraints(test_data, tmp_path, make)
    avatar = load_drivable(path)
    full, quarter = len(avatar.doc.nodes) - 2, len(avatar.doc.nodes) - 1
    rest = avatar.rig.rest.rotation
    pose = Pose(rotations={"leftUpperArm": qaxis(np.array([0.0, 0.0, 1.0]), math.radians(40))})
    rotation, translation = avatar.rig.local_arrays(pose)
    world = avatar.rig.pose_world(pose)
    src_delta = qmul(qinv(rest[bones["leftUpperArm"]]), rotation[bones["leftUpperArm"]])
    got_full = qmul(qinv(_rotation(world[bones["chest"]])), _rotation(world[full]))
    assert _angle_deg(qmul(got_full, qinv(src_delta))) < 0.5
    got_quarter = qmul(qinv(_rotation(world[bones["chest"]])), _rotation(world[quarter]))
    assert _angle_deg(got_quarter) == pytest.approx(0.25 * _angle_deg(src_delta), abs=0.5)


def test_aim_constraint_points_its_axis_at_the_source(test_data, tmp_path):
    def make(tree, bones):  # a sleeve node on the shoulder aiming at the elbow
        return [(bones["leftShoulder"], (0.05, 0, 0), (0, 0, 0, 1), {"aim": {"source": bones["leftLowerArm"],
                                                                            "aimAxis": "PositiveX"}})]

    path, bones = _with_constraints(test_data, tmp_path, make)
    avatar = load_drivable(path)
    sleeve = len(avatar.doc.nodes) - 1
    for angle in (0.0, 45.0, -60.0):
        world = avatar.rig.pose_world(Pose(rotations={"leftUpperArm": qaxis(np.array([0.0, 0.0, 1.0]), math.radians(angle))}))
        aim = world[sleeve][:3, :3] @ np.array([1.0, 0.0, 0.0])
        target = world[bones["leftLowerArm"]][:3, 3] - world[sleeve][:3, 3]
        cos = aim @ target / (np.linalg.norm(aim) * np.linalg.norm(target))
        assert np.degrees(np.arccos(np.clip(cos, -1, 1))) < 0.5, angle


def test_constraints_that_drive_each_other_are_refused_by_name(test_data, tmp_path):
    def make(tree, bones):
        n = len(tree["nodes"])
        return [(bones["chest"], (0.1, 0, 0), (0, 0, 0, 1), {"rotation": {"source": n + 1}}),
                (bones["chest"], (-0.1, 0, 0), (0, 0, 0, 1), {"rotation": {"source": n}})]

    path, _ = _with_constraints(test_data, tmp_path, make)
    with pytest.raises(AssetError, match=r"constrained.vrm: VRMC_node_constraint: circular dependency "
                                         r"constrained\d+ -> constrained\d+ -> constrained\d+"):
        load_drivable(path)
