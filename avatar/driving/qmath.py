"""Small float64 quaternion/vector helpers on top of avatar.quaternions (xyzw everywhere)."""
from __future__ import annotations

import math

import numpy as np

from avatar.gltf.pose import matrix_to_quaternion, quaternion_to_matrix

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])
_PARALLEL_EPS = 1e-9


def vlen(v: np.ndarray) -> float:
    """Length of a 3-vector (np.linalg.norm's overhead dominates for single vectors)."""
    return math.sqrt(float(np.dot(v, v)))


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of two 3-vectors (numpy's np.cross costs ~10x more for single vectors)."""
    a0, a1, a2 = float(a[0]), float(a[1]), float(a[2])
    b0, b1, b2 = float(b[0]), float(b[1]), float(b[2])
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])


def qmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b (b applied first), float64."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array([aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz])


def qinv(q: np.ndarray) -> np.ndarray:
    return np.array([-q[0], -q[1], -q[2], q[3]])


def qnorm(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, np.float64)
    n = math.sqrt(float(q @ q))
    return q / n if n > 0 else IDENTITY.copy()


def qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vector v by unit quaternion q."""
    u = np.asarray(q[:3], np.float64)
    t = 2.0 * cross(u, v)
    return np.asarray(v, np.float64) + q[3] * t + cross(u, t)


def qaxis(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    axis = np.asarray(axis, np.float64)
    axis = axis / vlen(axis)
    return np.array([*(axis * np.sin(angle_rad / 2)), np.cos(angle_rad / 2)])


def qeuler_deg(x: float, y: float, z: float) -> np.ndarray:
    """About X, then Y, then Z (vector' = Rz Ry Rx v), degrees: same as quat_from_euler_deg."""
    return qmul(qaxis((0, 0, 1), np.radians(z)), qmul(qaxis((0, 1, 0), np.radians(y)), qaxis((1, 0, 0), np.radians(x))))


def qslerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    dot = float(np.dot(a, b))
    if dot < 0.0:
        b, dot = -b, -dot
    if dot > 0.9995:
        return qnorm(a + (b - a) * t)
    theta = np.arccos(min(1.0, dot))
    s = np.sin(theta)
    return (np.sin((1 - t) * theta) * a + np.sin(t * theta) * b) / s


def qangle_rad(q: np.ndarray) -> float:
    return 2.0 * float(np.arccos(min(1.0, abs(float(q[3])))))


def qclamp(q: np.ndarray, max_rad: float) -> np.ndarray:
    """Limit a rotation's angle to max_rad, keeping its axis."""
    angle = qangle_rad(q)
    if angle <= max_rad:
        return np.asarray(q, np.float64)
    return qslerp(IDENTITY, q, max_rad / angle)


def qdistance(a: np.ndarray, b: np.ndarray) -> float:
    """1 - |a.b|: 0 for the same rotation (STYLE.md point 11)."""
    return 1.0 - abs(float(np.dot(qnorm(a), qnorm(b))))


def qfrom_to(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Shortest-arc rotation taking direction a onto direction b."""
    a = np.asarray(a, np.float64) / vlen(a)
    b = np.asarray(b, np.float64) / vlen(b)
    d = float(np.dot(a, b))
    if d < -1.0 + 1e-9:  # opposite: any perpendicular axis
        axis = cross(a, (1.0, 0.0, 0.0))
        if vlen(axis) < 1e-6:
            axis = cross(a, (0.0, 1.0, 0.0))
        return qaxis(axis, np.pi)
    c = cross(a, b)
    return qnorm(np.array([c[0], c[1], c[2], 1.0 + d]))


def basis(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray | None:
    """Orthonormal 3x3 (columns: primary, secondary made orthogonal, their cross); None if parallel."""
    x = np.asarray(primary, np.float64)
    x = x / vlen(x)
    y = np.asarray(secondary, np.float64) - x * float(np.dot(secondary, x))
    n = vlen(y)
    if n < 1e-6:
        return None
    y = y / n
    return np.stack([x, y, cross(x, y)], axis=1)


def qfrom_frames(rest_primary: np.ndarray, rest_secondary: np.ndarray,
                 primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Rotation taking the rest frame (primary exact, secondary as close as possible) onto the
    target frame. Falls back to the shortest arc of the primaries when a frame is degenerate."""
    r = basis(rest_primary, rest_secondary)
    t = basis(primary, secondary)
    if r is None or t is None:
        return qfrom_to(rest_primary, primary)
    return qnorm(matrix_to_quaternion(t @ r.T))


def qmatrix(q: np.ndarray) -> np.ndarray:
    return quaternion_to_matrix(np.asarray(q, np.float64))


def qfrom_matrix(m: np.ndarray) -> np.ndarray:
    return qnorm(matrix_to_quaternion(np.asarray(m, np.float64)[:3, :3]))


def mirror_quat(q: np.ndarray) -> np.ndarray:
    """Reflect a rotation through the YZ plane (x -> -x): the left/right mirror image."""
    return np.array([q[0], -q[1], -q[2], q[3]], np.float64)
