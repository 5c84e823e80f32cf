"""Spring bones: a head turn swings the hair, it settles, and 30 fps and 144 fps agree within 1 mm."""
from __future__ import annotations

import math

import numpy as np
import pytest

from avatar.driving.avatar_model import load_drivable
from avatar.driving.qmath import qeuler_deg
from avatar.driving.spring import SpringBoneSimulator
from avatar.posing import Pose

SAME_WITHIN_M = 0.001


def _head_turn(t: float) -> Pose:
    """A 40 deg head turn over 0.4 s starting at 0.2 s, then still."""
    u = min(1.0, max(0.0, (t - 0.2) / 0.4))
    yaw = 40.0 * (0.5 - 0.5 * math.cos(math.pi * u))
    return Pose(rotations={"head": qeuler_deg(0.0, yaw, 0.0)})


def _run(avatar, fps: float, until_s: float) -> tuple[SpringBoneSimulator, np.ndarray, list[float]]:
    sim = SpringBoneSimulator(avatar.rig, avatar.springs)
    motion = []
    frames = int(round(until_s * fps))
    previous = None
    for i in range(frames + 1):
        t = i / fps
        world = sim.update(t, avatar.rig.pose_world(_head_turn(t)))
        if previous is not None:
            motion.append(float(np.abs(world - previous).max()))
        previous = world
    return sim, world, motion


@pytest.fixture(scope="module")
def godette(test_data):
    return load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")


def test_godette_springs_are_read(godette):
    assert len(godette.springs.springs) == 8 and len(godette.springs.colliders) == 4
    sim = SpringBoneSimulator(godette.rig, godette.springs)
    assert sim.count == 16


def test_head_turn_moves_hair_then_it_settles(godette):
    sim = SpringBoneSimulator(godette.rig, godette.springs)
    head_only = {}
    swung = {}
    for i in range(0, 91):
        t = i / 60
        posed = godette.rig.pose_world(_head_turn(t))
        world = sim.update(t, posed)
        if i in (30, 90):  # mid-turn and 1.1 s after the turn ended
            head_only[i] = posed[sim.nodes][:, :3, :3]
            swung[i] = world[sim.nodes][:, :3, :3]
    lag_mid = max(math.degrees(math.acos(np.clip((np.trace(a.T @ b) - 1) / 2, -1, 1)))
                  for a, b in zip(head_only[30], swung[30]))
    assert lag_mid > 2.0, "hair should trail the head while it turns"
    _, world_a, motion = _run(godette, 60, 2.5)
    assert max(motion[-10:]) < 1e-4, "hair should come to rest after the head stops"


def test_same_hair_at_30_and_144_fps(godette):
    for until in (1 / 3, 0.5, 1.0):  # during and after the turn (times on both frame grids)
        _, w30, _ = _run(godette, 30, until)
        _, w144, _ = _run(godette, 144, until)
        sim = SpringBoneSimulator(godette.rig, godette.springs)
        diff = np.linalg.norm(w30[:, :3, 3] - w144[:, :3, 3], axis=1).max()
        # Compare the swung bones' tail points too (a rotation error shows at the tail).
        t30 = np.einsum("kij,kj->ki", w30[sim.nodes][:, :3, :3], sim.axis * sim.length[:, None] / np.linalg.norm(w30[sim.nodes][:, :3, 0], axis=1)[:, None])
        t144 = np.einsum("kij,kj->ki", w144[sim.nodes][:, :3, :3], sim.axis * sim.length[:, None] / np.linalg.norm(w144[sim.nodes][:, :3, 0], axis=1)[:, None])
        tail_diff = np.linalg.norm(t30 - t144, axis=1).max()
        assert diff < SAME_WITHIN_M and tail_diff < SAME_WITHIN_M, f"t={until}: {diff * 1e3:.3f} / {tail_diff * 1e3:.3f} mm"


def test_collider_keeps_hair_out(godette):
    """Gravity pulls the hair down into the body; no tail may end inside a collider sphere."""
    sim = SpringBoneSimulator(godette.rig, godette.springs)
    world = None
    for i in range(120):
        world = sim.update(i / 60, godette.rig.pose_world(Pose(rotations={"head": qeuler_deg(-50, 0, 0)})))
    for k in range(sim.count):
        if not sim.collider_mask[k].any():
            continue
        tail = world[sim.nodes[k]][:3, 3] + world[sim.nodes[k]][:3, :3] @ sim.axis[k] * sim.length[k] / np.linalg.norm(world[sim.nodes[k]][:3, 0])
        for c in np.flatnonzero(sim.collider_mask[k]):
            collider = godette.springs.colliders[c]
            centre = (world[collider.node] @ np.append(collider.offset, 1.0))[:3]
            reach = collider.radius * np.linalg.norm(world[collider.node][:3, 0]) + sim.hit_radius[k]
            assert np.linalg.norm(tail - centre) >= reach - 2e-3


def test_center_space_ignores_moving_the_whole_avatar(godette):
    """A spring simulated in the hips' space does not swing when the avatar is carried around;
    the same spring in world space trails behind."""
    from dataclasses import replace

    hips = godette.rig.node("hips")
    springs = godette.springs
    centered = replace(springs, springs=tuple(replace(s, center=hips) for s in springs.springs))
    lags = {}
    for name, data in (("world", springs), ("centered", centered)):
        sim = SpringBoneSimulator(godette.rig, data)
        worst, settled = 0.0, None
        for i in range(40):
            t = i / 60
            offset = (0.0, 0.0, 0.0) if i < 20 else (0.6 * min(1.0, (i - 20) / 5), 0.0, 0.0)  # 0.6 m in 83 ms
            world = sim.update(t, godette.rig.pose_world(Pose(root_offset=offset)))
            rot = world[sim.nodes][:, :3, :3] / np.linalg.norm(world[sim.nodes][:, :3, :3], axis=1, keepdims=True)
            if i == 19:
                settled = rot  # hanging still before the move
            elif i > 19:
                for a, b in zip(settled, rot):
                    worst = max(worst, math.degrees(math.acos(np.clip((np.trace(a.T @ b) - 1) / 2, -1, 1))))
        lags[name] = worst
    assert lags["centered"] < 0.5 < 5.0 < lags["world"], lags
