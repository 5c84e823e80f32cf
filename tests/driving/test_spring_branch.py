"""A spring chain that hangs from the middle of another chain (a braid off a ponytail, a tassel
on a sleeve): its first joint is simulated after the joint it hangs from, so it starts where that
joint's swung tip is and both chains settle hanging straight down under gravity."""
from __future__ import annotations

import json

import numpy as np
import pytest

from avatar.driving.rig import HumanoidRig
from avatar.driving.spring import SpringBoneSimulator
from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from avatar.vrm.types import Spring, SpringBones, SpringJoint

SEGMENT_M = 0.1


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> HumanoidRig:
    """root -> a0 -> a1 -> a2 -> a_tail (horizontal along +X), and a1 -> b0 -> b1 -> b_tail
    (horizontal along +Z): chain b hangs from chain a's second joint."""
    def node(name: str, translation: list[float], children: list[int] = ()) -> dict:
        return {"name": name, "translation": translation, "children": list(children)}
    nodes = [node("root", [0.0, 1.0, 0.0], [1]),
             node("a0", [0.0, 0.0, 0.0], [2]), node("a1", [SEGMENT_M, 0.0, 0.0], [3, 5]),
             node("a2", [SEGMENT_M, 0.0, 0.0], [4]), node("a_tail", [SEGMENT_M, 0.0, 0.0]),
             node("b0", [0.0, 0.0, SEGMENT_M], [6]), node("b1", [0.0, 0.0, SEGMENT_M], [7]),
             node("b_tail", [0.0, 0.0, SEGMENT_M])]
    for n in nodes:
        if not n["children"]:
            del n["children"]
    path = tmp_path_factory.mktemp("branch") / "branch.gltf"
    path.write_text(json.dumps({"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": nodes}))
    return HumanoidRig(load_gltf(path), {})


def _limp(node: int) -> SpringJoint:
    return SpringJoint(node, 0.0, stiffness=0.0, gravity_power=1.0, gravity_dir=np.array([0.0, -1.0, 0.0]),
                       drag_force=0.4)


def test_a_chain_hanging_from_another_chain_follows_it_and_settles(rig):
    springs = SpringBones(colliders=(), collider_groups=(), springs=(
        # Chain b is listed first: the simulator must still step chain a's joints before it.
        Spring("b", tuple(_limp(n) for n in (5, 6, 7)), (), None),
        Spring("a", tuple(_limp(n) for n in (1, 2, 3, 4)), (), None)))
    sim = SpringBoneSimulator(rig, springs)
    assert sim.count == 5  # a0, a1, a2, b0, b1 swing; the last node of each chain is its tail
    rest = rig.pose_world(Pose())
    for i in range(int(4.0 * 60) + 1):
        world = sim.update(i / 60, rest)
        # The hierarchy holds every frame: b0 sits on a1, where a1's (swung) matrix puts it.
        expected_b0 = world[2] @ np.array([0.0, 0.0, SEGMENT_M, 1.0])
        assert np.allclose(world[5][:3, 3], expected_b0[:3], atol=1e-9), (i, world[5][:3, 3], expected_b0)
    positions = world[:, :3, 3]
    root = positions[1]
    # Settled: chain a hangs straight down from its root, chain b straight down from a1's tip.
    for upper, lower in ((1, 2), (2, 3), (3, 4), (5, 6), (6, 7)):
        bone = positions[lower] - positions[upper]
        assert np.linalg.norm(bone) == pytest.approx(SEGMENT_M, abs=1e-6)
        assert bone[1] / SEGMENT_M < -0.99, (upper, lower, bone)
    assert np.allclose(positions[5], root + [0.0, -SEGMENT_M, SEGMENT_M], atol=5e-3)  # a1 turned about Z
    assert positions[7][1] == pytest.approx(root[1] - 3 * SEGMENT_M, abs=5e-3)
