"""Quaternion helpers, xyzw order (glTF) everywhere. Vectorized over leading dimensions."""
from __future__ import annotations

import numpy as np


def quat_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b (apply b first, then a)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape == (4,) and b.shape == (4,):  # the common case, per bone: plain floats, ~10x faster
        ax, ay, az, aw = (float(v) for v in a)
        bx, by, bz, bw = (float(v) for v in b)
        return np.array([aw * bx + ax * bw + ay * bz - az * by, aw * by - ax * bz + ay * bw + az * bx,
                         aw * bz + ax * by - ay * bx + az * bw, aw * bw - ax * bx - ay * by - az * bz], np.float32)
    ax, ay, az, aw = np.moveaxis(np.asarray(a, np.float64), -1, 0)
    bx, by, bz, bw = np.moveaxis(np.asarray(b, np.float64), -1, 0)
    return np.stack([
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    ], axis=-1).astype(np.float32)


def quat_from_axis_angle(axis: np.ndarray | tuple[float, float, float], angle_rad: float) -> np.ndarray:
    axis = np.asarray(axis, np.float64)
    axis = axis / np.linalg.norm(axis)
    half = angle_rad / 2.0
    return np.array([*(axis * np.sin(half)), np.cos(half)], np.float32)


def quat_from_euler_deg(x: float, y: float, z: float) -> np.ndarray:
    """Rotation about X, then Y, then Z (intrinsic order Z*Y*X applied to vectors), degrees."""
    qx = quat_from_axis_angle((1, 0, 0), np.radians(x))
    qy = quat_from_axis_angle((0, 1, 0), np.radians(y))
    qz = quat_from_axis_angle((0, 0, 1), np.radians(z))
    return quat_multiply(qz, quat_multiply(qy, qx))


def quat_angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two rotations in degrees (sign-insensitive: q and -q are the same rotation)."""
    dot = abs(float(np.dot(np.asarray(a, np.float64), np.asarray(b, np.float64))))
    return float(np.degrees(2.0 * np.arccos(min(1.0, dot))))
