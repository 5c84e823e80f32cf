"""Small float64 quaternion/vector helpers on top of avatar.quaternions (xyzw everywhere).

They work on one quaternion or vector at a time, so they unpack to Python floats (`_floats`):
numpy's per-element and tiny-array overhead would cost 3-10x more than the arithmetic."""
from __future__ import annotations

import math

import numpy as np

from avatar.gltf.pose import matrix_to_quaternion, quaternion_to_matrix

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])
_PARALLEL_EPS = 1e-9


def _floats(v: object) -> list[float]:
    return v.tolist() if isinstance(v, np.ndarray) else [float(x) for x in v]  # type: ignore[union-attr]


def vlen(v: np.ndarray) -> float:
    """Length of a 3-vector."""
    return math.hypot(*_floats(v))


def dot3(a: np.ndarray, b: np.ndarray) -> float:
    a0, a1, a2 = _floats(a)
    b0, b1, b2 = _floats(b)
    return a0 * b0 + a1 * b1 + a2 * b2


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of two 3-vectors (numpy's np.cross costs ~10x more for single vectors)."""
    a0, a1, a2 = _floats(a)
    b0, b1, b2 = _floats(b)
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])


def qmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b (b applied first), float64."""
    ax, ay, az, aw = _floats(a)
    bx, by, bz, bw = _floats(b)
    return np.array([aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz])


def qinv(q: np.ndarray) -> np.ndarray:
    x, y, z, w = _floats(q)
    return np.array([-x, -y, -z, w])


def qnorm(q: np.ndarray) -> np.ndarray:
    x, y, z, w = _floats(q)
    n = math.sqrt(x * x + y * y + z * z + w * w)
    return np.array([x / n, y / n, z / n, w / n]) if n > 0 else IDENTITY.copy()


def qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vector v by unit quaternion q: v + w t + u x t with t = 2 u x v."""
    x, y, z, w = _floats(q)
    v0, v1, v2 = _floats(v)
    t0, t1, t2 = 2.0 * (y * v2 - z * v1), 2.0 * (z * v0 - x * v2), 2.0 * (x * v1 - y * v0)
    return np.array([v0 + w * t0 + (y * t2 - z * t1),
                     v1 + w * t1 + (z * t0 - x * t2),
                     v2 + w * t2 + (x * t1 - y * t0)])


def qaxis(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    x, y, z = _floats(axis)
    k = math.sin(angle_rad / 2) / math.sqrt(x * x + y * y + z * z)
    return np.array([x * k, y * k, z * k, math.cos(angle_rad / 2)])


def qeuler_deg(x: float, y: float, z: float) -> np.ndarray:
    """About X, then Y, then Z (vector' = Rz Ry Rx v), degrees: same as quat_from_euler_deg."""
    return qmul(qaxis((0, 0, 1), np.radians(z)), qmul(qaxis((0, 1, 0), np.radians(y)), qaxis((1, 0, 0), np.radians(x))))


def qslerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    a = _floats(a)
    b = _floats(b)
    dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]
    if dot < 0.0:
        b, dot = [-c for c in b], -dot
    if dot > 0.9995:
        return qnorm([x + (y - x) * t for x, y in zip(a, b)])
    theta = math.acos(min(1.0, dot))
    s = math.sin(theta)
    wa, wb = math.sin((1 - t) * theta) / s, math.sin(t * theta) / s
    return np.array([wa * x + wb * y for x, y in zip(a, b)])


def qangle_rad(q: np.ndarray) -> float:
    return 2.0 * math.acos(min(1.0, abs(float(q[3]))))


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
    d = dot3(a, b)
    if d < -1.0 + 1e-9:  # opposite: any perpendicular axis
        axis = cross(a, (1.0, 0.0, 0.0))
        if vlen(axis) < 1e-6:
            axis = cross(a, (0.0, 1.0, 0.0))
        return qaxis(axis, np.pi)
    c0, c1, c2 = cross(a, b).tolist()
    return qnorm([c0, c1, c2, 1.0 + d])


def basis(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray | None:
    """Orthonormal 3x3 (columns: primary, secondary made orthogonal, their cross); None if parallel."""
    x0, x1, x2 = _floats(primary)
    n = math.sqrt(x0 * x0 + x1 * x1 + x2 * x2)
    x0, x1, x2 = x0 / n, x1 / n, x2 / n
    s0, s1, s2 = _floats(secondary)
    d = s0 * x0 + s1 * x1 + s2 * x2
    y0, y1, y2 = s0 - x0 * d, s1 - x1 * d, s2 - x2 * d
    n = math.sqrt(y0 * y0 + y1 * y1 + y2 * y2)
    if n < 1e-6:
        return None
    y0, y1, y2 = y0 / n, y1 / n, y2 / n
    z0, z1, z2 = x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0
    return np.array([[x0, y0, z0], [x1, y1, z1], [x2, y2, z2]])


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
