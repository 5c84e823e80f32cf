"""Idle life (issue 4 §4): `IdleMotion` blinks at a human rate, breathes with the chest, moves the
eyes in saccades that jump and hold; a lost face eases back onto that living idle without jumps."""
from __future__ import annotations

import math

import numpy as np
import pytest

from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver
from avatar.driving.qmath import qeuler_deg
from avatar.idle import IdleMotion, IdleOptions
from tests.driving import synthetic as syn

FPS = 60
TEN_S = np.arange(0, 10, 1 / FPS)
# People at rest blink about 15-20 times a minute (IdleOptions); allow 12-36 a minute in 10 s
# (the schedule is random) and 10-30 over a whole minute.
BLINKS_IN_10_S = (2, 6)
BLINKS_PER_MINUTE = (10, 30)
BREATHS_PER_MINUTE = (12, 20)  # adults at rest
MAX_HEAD_STEP_DEG = 4.0  # per 30 fps frame while a lost face eases back (30 deg over ~0.4 s)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(2 * math.acos(min(1.0, abs(float(np.dot(a, b))))))


def _runs(mask: np.ndarray) -> list[np.ndarray]:
    """Index runs where `mask` is True."""
    idx = np.flatnonzero(mask)
    return [r for r in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if len(r)]


def test_blinks_at_a_human_rate_each_quick_and_full():
    idle = IdleMotion()
    w = np.array([idle.blink_weight(t) for t in TEN_S])
    blinks = _runs(w >= 0.5)
    assert BLINKS_IN_10_S[0] <= len(blinks) <= BLINKS_IN_10_S[1], f"{len(blinks)} blinks in 10 s"
    for run in blinks:  # each closes the eyes fully and briefly
        assert w[run].max() > 0.95
        assert len(run) / FPS < 0.3
    assert (w < 0.05).mean() > 0.85, "the eyes are open most of the time"
    # The same weight reaches the pose the driver mixes in.
    assert [idle.pose_at(t).morphs["blink"] for t in TEN_S[::7]] == pytest.approx(w[::7].tolist())
    minute = np.array([idle.blink_weight(t) for t in np.arange(0, 60, 1 / FPS)])
    starts = np.array([r[0] for r in _runs(minute >= 0.5)]) / FPS
    assert BLINKS_PER_MINUTE[0] <= len(starts) <= BLINKS_PER_MINUTE[1]
    assert np.diff(starts).std() > 0.3, "blinks should come irregularly, not on a metronome"


def _chest_pitch_deg(q: np.ndarray) -> float:
    assert abs(q[1]) < 1e-6 and abs(q[2]) < 1e-6, "breathing bends the chest about X only"
    return math.degrees(2 * math.atan2(q[0], q[3]))


def test_chest_breathes_a_small_slow_periodic_rotation():
    idle = IdleMotion()
    times = np.arange(0, 30, 1 / FPS)
    pitch = np.array([_chest_pitch_deg(idle.pose_at(t).rotations["chest"]) for t in times])
    amplitude = (pitch.max() - pitch.min()) / 2
    assert 0.5 < amplitude < 5.0, f"chest breathes {amplitude:.2f} deg"
    rising = times[1:][(pitch[1:] >= 0) & (pitch[:-1] < 0)]  # one per breath
    periods = np.diff(rising)
    assert len(periods) >= 4
    per_minute = 60 / periods.mean()
    assert BREATHS_PER_MINUTE[0] <= per_minute <= BREATHS_PER_MINUTE[1], f"{per_minute:.1f} breaths a minute"
    assert np.abs(periods - periods.mean()).max() < 0.1 * periods.mean(), "breathing should be periodic"


def test_gaze_saccades_jump_then_hold():
    options = IdleOptions()
    idle = IdleMotion(options)
    gaze = np.array([idle.gaze(t) for t in TEN_S])
    step = np.abs(np.diff(gaze, axis=0)).max(axis=1)
    saccades = _runs(step > 1e-3)
    assert 3 <= len(saccades) <= 15, f"{len(saccades)} saccades in 10 s"
    assert all(len(r) / FPS <= 0.1 for r in saccades), "saccades are fast jumps (~40 ms)"
    assert (step <= 1e-3).mean() > 0.85, "between saccades the eyes hold their fixation"
    assert np.ptp(gaze[:, 0]) > 4.0 and np.ptp(gaze[:, 1]) > 1.0, "fixations spread around"
    assert np.abs(gaze).max() <= options.eye_saccade_deg + 1e-6
    # The eye bones of the idle pose look where the gaze says (+yaw = about +Y).
    t = TEN_S[np.argmax(np.abs(gaze[:, 0]))]
    yaw, _ = idle.gaze(t)
    eye = idle.pose_at(t).rotations["leftEye"]
    forward = np.array([2 * (eye[0] * eye[2] + eye[3] * eye[1]), 0.0, 1 - 2 * (eye[0] ** 2 + eye[1] ** 2)])
    assert math.degrees(math.atan2(forward[0], forward[2])) == pytest.approx(yaw, abs=0.5)


def test_lost_face_eases_back_onto_living_idle(test_data):
    avatar = load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")
    driver = AvatarDriver(avatar)
    turned = qeuler_deg(-15.0, 30.0, 10.0)
    heads, idles, chests = [], [], []
    for i in range(120):  # 1 s tracked with the head turned, then 3 s without a face
        t = i / 30
        frame = driver.update(syn.tracking(t, faces=[syn.face(turned, t)]) if t < 1.0 else syn.tracking(t))
        heads.append(avatar.rig.normalized_world_rotation(frame.node_world.astype(float), "head"))
        chests.append(avatar.rig.normalized_world_rotation(frame.node_world.astype(float), "chest"))
        idle_world = avatar.rig.pose_world(driver.idle.pose_at(t))
        idles.append(avatar.rig.normalized_world_rotation(idle_world, "head"))
    steps = [_angle_deg(a, b) for a, b in zip(heads, heads[1:])]
    assert _angle_deg(heads[29], turned) < 3.0  # tracked
    assert max(steps) < MAX_HEAD_STEP_DEG, f"the head jumps {max(steps):.1f} deg in one frame"
    assert max(steps[30:45]) > 0.5, "the head should move back, not hold the last tracked pose"
    last_second = range(90, 120)
    assert max(_angle_deg(heads[k], idles[k]) for k in last_second) < 0.5  # on idle life
    # ... which is alive, not a frozen rest pose: the head sways and the chest breathes.
    assert max(_angle_deg(idles[k], idles[90]) for k in last_second) > 1.0
    assert max(_angle_deg(chests[k], chests[90]) for k in last_second) > 0.3
