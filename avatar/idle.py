"""Idle life: breathing, blinking, eye saccades, gentle head motion and relaxed arms, as a pure
function of time (deterministic for a seed), so a presenter never freezes.

All motion is built from smooth sums of sines with incommensurate periods plus pre-drawn blink
and saccade times, so `pose_at(t)` can be called for any t in any order."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from avatar.posing import Pose


@dataclass(frozen=True)
class IdleOptions:
    """breaths_per_minute: adults at rest breathe 12-20 times a minute.
    blink_interval_s: mean time between blinks (people blink ~15-20 times a minute).
    arm_down_deg: how far the upper arms hang below a T-pose rest (0 keeps the rest pose).
    head_sway_deg: amplitude of slow head yaw/pitch wandering.
    """

    breaths_per_minute: float = 14.0
    blink_interval_s: float = 3.6
    blink_duration_s: float = 0.22
    arm_down_deg: float = 68.0
    elbow_bend_deg: float = 12.0
    head_sway_deg: float = 6.0
    eye_saccade_deg: float = 7.0
    seed: int = 7
    horizon_s: float = 3600.0  # blink / saccade schedule is drawn for this long, then repeats


def quat_from_euler_deg(x: float, y: float, z: float) -> np.ndarray:
    """Same convention as avatar.quaternions.quat_from_euler_deg (X, then Y, then Z), in plain
    math: idle runs every frame and numpy's per-call overhead dominated its cost."""
    hx, hy, hz = math.radians(x) / 2, math.radians(y) / 2, math.radians(z) / 2
    sx, cx, sy, cy, sz, cz = math.sin(hx), math.cos(hx), math.sin(hy), math.cos(hy), math.sin(hz), math.cos(hz)
    # q = qz * qy * qx
    return np.array([cz * cy * sx - sz * sy * cx, cz * sy * cx + sz * cy * sx,
                     sz * cy * cx - cz * sy * sx, cz * cy * cx + sz * sy * sx], np.float32)


def _smooth_noise(t: float, periods: tuple[float, ...], phase: float) -> float:
    """Sum of sines with the given periods, normalized to about [-1, 1]."""
    return sum(math.sin(2 * math.pi * t / p + phase * (i + 1)) for i, p in enumerate(periods)) / len(periods)


def blink_curve(u: float) -> float:
    """Eyelid closure for a blink at normalized time u in [0, 1]: quick close, slower open."""
    if u <= 0.0 or u >= 1.0:
        return 0.0
    close_end = 0.3
    if u < close_end:
        x = u / close_end
        return x * x * (3 - 2 * x)
    x = (u - close_end) / (1 - close_end)
    return 1.0 - x * x * (3 - 2 * x)


class IdleMotion:
    def __init__(self, options: IdleOptions = IdleOptions()) -> None:
        self.options = options
        rng = np.random.default_rng(options.seed)
        # Blink gaps: a gamma distribution (shape 3) keeps gaps irregular but rarely very short.
        gaps = rng.gamma(3.0, options.blink_interval_s / 3.0, size=int(options.horizon_s / 0.8))
        gaps = np.maximum(gaps, 0.6)
        self._blinks = np.cumsum(gaps) + 0.8
        self._blinks = self._blinks[self._blinks < options.horizon_s]
        self._double = rng.random(len(self._blinks)) < 0.15  # some blinks come in pairs
        sac_gaps = rng.uniform(0.8, 2.8, size=int(options.horizon_s / 0.8))
        self._saccades = np.cumsum(sac_gaps)
        self._saccade_targets = rng.uniform(-1, 1, size=(len(self._saccades), 2)) * (1.0, 0.5)

    def blink_weight(self, t: float) -> float:
        t = t % self.options.horizon_s
        d = self.options.blink_duration_s
        k = int(np.searchsorted(self._blinks, t, side="right")) - 1
        if k < 0:
            return 0.0
        start = self._blinks[k]
        weight = blink_curve((t - start) / d)
        if self._double[k]:
            weight = max(weight, blink_curve((t - start - d * 1.4) / d))
        return weight

    def gaze(self, t: float) -> tuple[float, float]:
        """(yaw, pitch) of the eyes in degrees: fixations joined by fast (~40 ms) saccades."""
        t = t % self.options.horizon_s
        k = int(np.searchsorted(self._saccades, t, side="right")) - 1
        current = self._saccade_targets[k] if k >= 0 else np.zeros(2)
        previous = self._saccade_targets[k - 1] if k >= 1 else np.zeros(2)
        u = min(1.0, (t - (self._saccades[k] if k >= 0 else 0.0)) / 0.04)
        g = previous + (current - previous) * u
        return float(g[0] * self.options.eye_saccade_deg), float(g[1] * self.options.eye_saccade_deg)

    def pose_at(self, t: float) -> Pose:
        o = self.options
        breath = math.sin(2 * math.pi * t * o.breaths_per_minute / 60.0)
        yaw = o.head_sway_deg * _smooth_noise(t, (7.3, 11.9, 17.1), 0.7)
        pitch = 0.5 * o.head_sway_deg * _smooth_noise(t, (6.1, 9.7, 15.3), 1.9)
        roll = 0.35 * o.head_sway_deg * _smooth_noise(t, (8.9, 13.3), 2.3)
        sway = 1.2 * _smooth_noise(t, (9.1, 14.7), 0.3)
        eye_yaw, eye_pitch = self.gaze(t)
        arm_swing = 1.5 * _smooth_noise(t, (5.3, 8.1), 1.1)
        blink = self.blink_weight(t)
        rotations = {
            "spine": quat_from_euler_deg(0.0, sway * 0.5, sway * 0.4),
            "chest": quat_from_euler_deg(-1.2 * breath, 0.0, 0.0),
            "upperChest": quat_from_euler_deg(-0.8 * breath, 0.0, 0.0),
            "neck": quat_from_euler_deg(pitch * 0.4, yaw * 0.4, roll * 0.4),
            "head": quat_from_euler_deg(pitch * 0.6, yaw * 0.6, roll * 0.6),
            "leftEye": quat_from_euler_deg(-eye_pitch, eye_yaw, 0.0),
            "rightEye": quat_from_euler_deg(-eye_pitch, eye_yaw, 0.0),
            "leftShoulder": quat_from_euler_deg(0.0, 0.0, 1.0 * breath),
            "rightShoulder": quat_from_euler_deg(0.0, 0.0, -1.0 * breath),
            "leftUpperArm": quat_from_euler_deg(0.0, 0.0, -(o.arm_down_deg + arm_swing)),
            "rightUpperArm": quat_from_euler_deg(0.0, 0.0, o.arm_down_deg + arm_swing),
            "leftLowerArm": quat_from_euler_deg(0.0, -o.elbow_bend_deg, 0.0),
            "rightLowerArm": quat_from_euler_deg(0.0, o.elbow_bend_deg, 0.0),
        }
        morphs = {"blink": blink}
        return Pose(rotations=rotations, morphs=morphs, root_offset=(0.0, 0.002 * breath, 0.0))
