"""Sampling a glTF animation at a time (glTF 2.0 spec "Animations" and Appendix C "Interpolation").

`sample_animation(animation, t)` returns the animated TRS components and morph weights of the
nodes the clip targets; nodes it does not target keep their rest values (apply the result with
`pose.NodeTransforms.with_overrides`). Times are clamped to each sampler's keyframe range; with
``loop=True`` the time first wraps into ``[0, animation.duration)``.

- LINEAR: lerp; rotations slerp along the shortest arc (q1 negated when q0.q1 < 0).
- STEP: the value of the last keyframe at or before t.
- CUBICSPLINE: the spec's Hermite spline with tangents scaled by the keyframe interval;
  rotations are normalized afterwards.
Computation is float64, results float32.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from avatar.gltf.document import Animation, AnimationSampler, Interpolation

# Below this sin(angle) slerp falls back to normalized lerp: the two rotations are within
# ~1e-6 rad, where lerp and slerp agree to float32 precision.
SLERP_MIN_SIN = 1e-6


@dataclass(frozen=True)
class AnimationPose:
    """What a clip sets at one time: node index -> value (float32 arrays, read-only). The maps are
    read-only views (built with `AnimationPose.build`); pass plain dicts only when constructing."""

    time_s: float
    translations: Mapping[int, np.ndarray] = field(default_factory=dict)  # (3,)
    rotations: Mapping[int, np.ndarray] = field(default_factory=dict)  # (4,) xyzw, unit
    scales: Mapping[int, np.ndarray] = field(default_factory=dict)  # (3,)
    weights: Mapping[int, np.ndarray] = field(default_factory=dict)  # (T,) morph weights

    def __post_init__(self) -> None:
        for name in ("translations", "rotations", "scales", "weights"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @staticmethod
    def build(time_s: float, values: dict[str, dict[int, np.ndarray]]) -> AnimationPose:
        """From {"translation": {node: value}, "rotation": ..., "scale": ..., "weights": ...}."""
        return AnimationPose(time_s, values.get("translation", {}), values.get("rotation", {}),
                             values.get("scale", {}), values.get("weights", {}))


def _key_interval(times: np.ndarray, t: float) -> tuple[int, float]:
    """(k, u): t lies in [times[k], times[k+1]] at fraction u in [0, 1]. Needs len(times) >= 2."""
    k = int(np.searchsorted(times, t, side="right")) - 1
    k = min(max(k, 0), len(times) - 2)
    t0, t1 = float(times[k]), float(times[k + 1])
    u = (t - t0) / (t1 - t0)
    return k, min(max(u, 0.0), 1.0)


def _unit_quaternion(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, np.float64)
    norm = math.sqrt(float(np.dot(q, q)))  # np.linalg.norm costs ~3 us on a 4-vector; this is per channel
    return q / norm if norm > 0.0 else np.array([0.0, 0.0, 0.0, 1.0])  # a zero key means "no rotation"


def slerp(q0: np.ndarray, q1: np.ndarray, u: float) -> np.ndarray:
    """Shortest-arc spherical interpolation of xyzw quaternions (float64, unit result)."""
    # Exporters store keys rounded (SimpleSkin: (0, 0, .383, .924), |q| = 1.0002): normalize first.
    q0, q1 = _unit_quaternion(q0), _unit_quaternion(q1)
    dot = float(np.dot(q0, q1))
    if dot < 0.0:
        q1, dot = -q1, -dot
    dot = min(dot, 1.0)
    angle = math.acos(dot)
    sin_angle = math.sin(angle)
    if sin_angle < SLERP_MIN_SIN:
        result = q0 * (1.0 - u) + q1 * u
    else:
        result = q0 * (math.sin((1.0 - u) * angle) / sin_angle) + q1 * (math.sin(u * angle) / sin_angle)
    return _unit_quaternion(result)


def hermite(p0: np.ndarray, m0: np.ndarray, p1: np.ndarray, m1: np.ndarray, u: float) -> np.ndarray:
    """Cubic Hermite: p0, p1 values; m0, m1 tangents already scaled by the key interval."""
    u2, u3 = u * u, u * u * u
    return ((2 * u3 - 3 * u2 + 1) * p0 + (u3 - 2 * u2 + u) * m0
            + (-2 * u3 + 3 * u2) * p1 + (u3 - u2) * m1)


def sample_sampler(sampler: AnimationSampler, t: float, *, is_rotation: bool = False) -> np.ndarray:
    """The sampler's value at time t (clamped to its keyframes), float32 (C,)."""
    times = sampler.input
    out = sampler.output  # only the rows needed are converted to float64 (a clip may hold thousands)
    cubic = sampler.interpolation == Interpolation.CUBICSPLINE
    if len(times) == 1 or t <= float(times[0]):
        value = (out[0, 1] if cubic else out[0]).astype(np.float64)
    elif t >= float(times[-1]):
        value = (out[-1, 1] if cubic else out[-1]).astype(np.float64)
    elif sampler.interpolation == Interpolation.STEP:
        value = out[int(np.searchsorted(times, t, side="right")) - 1].astype(np.float64)
    else:
        k, u = _key_interval(times, t)
        v0, v1 = out[k].astype(np.float64), out[k + 1].astype(np.float64)
        if cubic:
            dt = float(times[k + 1]) - float(times[k])
            # out[k] = (in-tangent a_k, value v_k, out-tangent b_k)
            value = hermite(v0[1], dt * v0[2], v1[1], dt * v1[0], u)
        elif is_rotation:
            value = slerp(v0, v1, u)
        else:
            value = v0 * (1.0 - u) + v1 * u
    if is_rotation:
        value = _unit_quaternion(value)
    result = np.asarray(value, np.float32)
    result.flags.writeable = False
    return result


def sample_animation(animation: Animation, time_s: float, *, loop: bool = False) -> AnimationPose:
    """Every channel of `animation` evaluated at `time_s` (seconds)."""
    t = float(time_s)
    duration = animation.duration
    if loop and duration > 0.0:
        t = t % duration
    values: dict[str, dict[int, np.ndarray]] = {}
    for channel in animation.channels:
        sampler = animation.samplers[channel.sampler]
        values.setdefault(channel.path, {})[channel.node] = sample_sampler(
            sampler, t, is_rotation=channel.path == "rotation")
    return AnimationPose.build(t, values)
