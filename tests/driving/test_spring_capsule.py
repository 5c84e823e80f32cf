"""Capsule colliders in the spring simulation: a limp two-joint chain falls onto a horizontal bar
(a capsule) and drapes over it, every simulated tail staying radius + hit radius away from the
capsule's segment; without the collider it falls straight through, and a chain beyond the
capsule's end is not stopped by it (a capsule is a segment, not an infinite line or a sphere)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from avatar.driving.rig import HumanoidRig
from avatar.driving.spring import SpringBoneSimulator
from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from avatar.vrm.types import Collider, ColliderGroup, ColliderShape, Spring, SpringBones, SpringJoint

SEGMENT_M = 0.1  # each chain bone
CAPSULE_RADIUS_M = 0.02
HIT_RADIUS_M = 0.01
REACH_M = CAPSULE_RADIUS_M + HIT_RADIUS_M
# The bar (the capsule's node) lies on the circle the first tail sweeps as it falls, 53 deg below
# horizontal; the capsule runs along Z from -0.3 to +0.3 m around it: its end caps, taken as
# spheres, are 0.3 m from the chain and would never touch it.
BAR_XY = (0.06, 1.0 - 0.08)
CAPSULE_HALF_LENGTH_M = 0.3
FAR_CHAIN_Z = 0.5  # a second chain beyond the capsule's end: it must fall freely
PUSH_TOLERANCE_M = 2e-3  # the tail is pushed out, then put back at its bone's length


def _chain_nodes(first: int, z: float) -> list[dict]:
    return [{"name": f"joint{first}", "translation": [0.0, 1.0, z], "children": [first + 1]},
            {"name": f"joint{first + 1}", "translation": [SEGMENT_M, 0.0, 0.0], "children": [first + 2]},
            {"name": f"tail{first + 2}", "translation": [SEGMENT_M, 0.0, 0.0]}]


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> HumanoidRig:
    """Nodes only: root -> [chain at z=0 (1..3), the bar (4), a chain at z=FAR_CHAIN_Z (5..7)]."""
    nodes = [{"name": "root", "children": [1, 4, 5]}, *_chain_nodes(1, 0.0),
             {"name": "bar", "translation": [BAR_XY[0], BAR_XY[1], 0.0]}, *_chain_nodes(5, FAR_CHAIN_Z)]
    path = tmp_path_factory.mktemp("capsule") / "chains.gltf"
    path.write_text(json.dumps({"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": nodes}))
    return HumanoidRig(load_gltf(path), {})


def _springs(with_collider: bool) -> SpringBones:
    def limp(node: int) -> SpringJoint:  # no stiffness: gravity alone swings it down
        return SpringJoint(node, HIT_RADIUS_M, stiffness=0.0, gravity_power=1.0,
                           gravity_dir=np.array([0.0, -1.0, 0.0]), drag_force=0.4)

    capsule = Collider(4, ColliderShape.CAPSULE, np.array([0.0, 0.0, -CAPSULE_HALF_LENGTH_M]), CAPSULE_RADIUS_M,
                       np.array([0.0, 0.0, CAPSULE_HALF_LENGTH_M]))
    groups = (0,) if with_collider else ()
    return SpringBones(colliders=(capsule,), collider_groups=(ColliderGroup("bar", (0,)),),
                       springs=tuple(Spring(f"chain{first}", tuple(limp(n) for n in (first, first + 1, first + 2)),
                                            groups, None) for first in (1, 5)))


def _distance_to_capsule_axis(p: np.ndarray) -> float:
    """Distance from a world point to the capsule's segment (computed here, not by the simulator)."""
    a = np.array([BAR_XY[0], BAR_XY[1], -CAPSULE_HALF_LENGTH_M])
    b = np.array([BAR_XY[0], BAR_XY[1], CAPSULE_HALF_LENGTH_M])
    u = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0)
    return float(np.linalg.norm(p - (a + u * (b - a))))


def _fall(rig: HumanoidRig, with_collider: bool, seconds: float = 2.0, fps: float = 60.0) -> list[np.ndarray]:
    """World matrices per frame while the chains fall from horizontal."""
    sim = SpringBoneSimulator(rig, _springs(with_collider))
    assert sim.count == 4  # two chains of two swinging joints (the third node is the tail)
    rest = rig.pose_world(Pose())
    return [sim.update(i / fps, rest) for i in range(int(seconds * fps) + 1)]


def _tails(world: np.ndarray, first: int) -> list[np.ndarray]:
    """The shown tails of a chain's two joints: the positions of the nodes they point at."""
    return [world[first + 1][:3, 3], world[first + 2][:3, 3]]


def test_chain_drapes_over_the_capsule_and_never_enters_it(rig):
    frames = _fall(rig, with_collider=True)
    closest = min(_distance_to_capsule_axis(p) for w in frames for p in _tails(w, 1))
    assert closest >= REACH_M - PUSH_TOLERANCE_M, f"a tail came {closest * 1e3:.1f} mm from the capsule's axis"
    first_tail = _tails(frames[-1], 1)[0] - np.array([0.0, 1.0, 0.0])
    below_deg = math.degrees(math.atan2(-first_tail[1], first_tail[0]))
    assert 10.0 < below_deg < 60.0, f"the first bone rests on the bar ({below_deg:.0f} deg below horizontal)"
    assert _tails(frames[-1], 1)[1][1] < _tails(frames[-1], 1)[0][1] - 0.05, "the second bone hangs down past the bar"


def test_without_the_collider_the_chain_falls_through(rig):
    frames = _fall(rig, with_collider=False)
    closest = min(_distance_to_capsule_axis(p) for w in frames for p in _tails(w, 1))
    assert closest < CAPSULE_RADIUS_M / 2, "the free chain's path crosses the capsule"
    np.testing.assert_allclose(_tails(frames[-1], 1)[1], [0.0, 1.0 - 2 * SEGMENT_M, 0.0], atol=2e-3)


def test_a_chain_beyond_the_capsule_end_falls_freely(rig):
    hanging = np.array([0.0, 1.0 - 2 * SEGMENT_M, FAR_CHAIN_Z])
    np.testing.assert_allclose(_tails(_fall(rig, with_collider=True)[-1], 5)[1], hanging, atol=2e-3)
