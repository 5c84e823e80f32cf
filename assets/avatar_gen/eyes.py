"""Eyes (white, two-tone iris, pupil, highlights), eyelid shells, lash lines and brows.

Each eye is built for the left side in a unit "eye space" (eyeball radius 1, looking down +Z)
and mapped to the world by `to_world`; the right eye mirrors x. Lid vertices remember their
elevation/azimuth on the lid shell so the blink morphs can rotate them exactly.
"""
from __future__ import annotations

import numpy as np
from scipy.interpolate import LinearNDInterpolator

from . import face_layout as F
from .geometry import Part, fix_winding, grid_tris, loft, rotation_matrix


# Half-angle of the eye white around the gaze axis: the lid opening shows less than 60 degrees
# of it, and the widest gaze turns the cap's edge by at most 34 (22 up and 26 out combined).
EYE_WHITE_ANGLE = np.radians(110.0)


def to_world(unit: np.ndarray, side: float) -> np.ndarray:
    """Eye space -> world. side = +1 for the left eye (+X), -1 for the right."""
    p = F.EYE_C + unit * (F.EYE_R * F.EYE_SCALE)
    if side < 0:
        p = p * np.array([-1.0, 1.0, 1.0])
    return p


def _finish(name: str, kind: str, material: str, unit: np.ndarray, tris: np.ndarray, side: float) -> Part:
    tris = tris if side > 0 else tris[:, [0, 2, 1]]  # mirroring flips the winding
    suffix = "L" if side > 0 else "R"
    part = Part(f"{name}_{suffix}", f"{kind}_{suffix}", material, to_world(unit, side), tris, mesh="face")
    part.extra["unit"] = unit
    return part


def spherical(alpha: np.ndarray, beta: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """Eye-space point from elevation alpha (up +), azimuth beta (toward +X +), radius rho."""
    return np.stack([np.cos(alpha) * np.sin(beta), np.sin(alpha), np.cos(alpha) * np.cos(beta)], -1) * np.asarray(rho)[..., None]


def _cap(angle: float, radius: float, tilt_x: float = 0.0, tilt_y: float = 0.0, rings: int = 5, segs: int = 24):
    """A spherical cap around +Z (half-angle `angle`) tilted by pitch tilt_x / yaw tilt_y."""
    polar = np.linspace(0.0, angle, rings + 1)[1:]
    az = np.linspace(0.0, 2 * np.pi, segs, endpoint=False)
    pp, aa = np.meshgrid(polar, az, indexing="ij")
    pts = np.stack([np.sin(pp) * np.cos(aa), np.sin(pp) * np.sin(aa), np.cos(pp)], -1).reshape(-1, 3)
    pts = np.concatenate([[[0.0, 0.0, 1.0]], pts]) * radius
    tris = grid_tris(rings, segs, wrap=True) + 1
    fan = np.stack([np.zeros(segs, dtype=np.int64), np.arange(segs) + 1, (np.arange(segs) + 1) % segs + 1], 1)
    tris = np.concatenate([fan, tris])
    tris = fix_winding(pts, tris, np.zeros(3))
    rot = rotation_matrix([1, 0, 0], -tilt_x) @ rotation_matrix([0, 1, 0], tilt_y)
    return pts @ rot.T, tris


def upper_edge(beta: np.ndarray) -> np.ndarray:
    f = np.clip(1.0 - (np.abs(beta) / F.CORNER_AZIMUTH) ** 2.6, -0.7, 1.0)
    # Anime eyes: the outer half of the upper lid rides a little higher.
    lift = np.radians(4.0) * np.clip(beta / F.CORNER_AZIMUTH, 0.0, 1.0) * f
    return F.CORNER_EDGE + (F.UPPER_EDGE - F.CORNER_EDGE) * f + lift


def lower_edge(beta: np.ndarray) -> np.ndarray:
    f = np.clip(1.0 - (np.abs(beta) / F.CORNER_AZIMUTH) ** 2.0, -0.7, 1.0)
    return F.CORNER_EDGE + (F.LOWER_EDGE - F.CORNER_EDGE) * f


def _lid(upper: bool) -> tuple[np.ndarray, np.ndarray, dict]:
    nb, nu = 29, 9
    beta = np.linspace(-F.LID_AZIMUTH, F.LID_AZIMUTH, nb)
    u = np.linspace(0.0, 1.0, nu) ** 1.3
    bb, uu = np.meshgrid(beta, u, indexing="ij")
    edge = upper_edge(bb) if upper else lower_edge(bb)
    end = F.LID_TOP if upper else F.LID_BOTTOM
    alpha = edge + uu * (end - edge)
    rho = F.LID_RADIUS_UPPER if upper else F.LID_RADIUS_LOWER
    unit = spherical(alpha, bb, rho).reshape(-1, 3)
    tris = grid_tris(nb, nu, wrap=False)
    a, b, c = unit[tris[:, 0]], unit[tris[:, 1]], unit[tris[:, 2]]
    if np.mean(np.sum(np.cross(b - a, c - a) * a, axis=1)) < 0:
        tris = tris[:, [0, 2, 1]]
    return unit, tris, {"alpha": alpha.ravel(), "beta": bb.ravel(), "u": uu.ravel()}


def _lash(upper: bool) -> tuple[np.ndarray, np.ndarray]:
    n = 24
    if upper:
        beta = np.linspace(-F.CORNER_AZIMUTH * 1.02, F.CORNER_AZIMUTH * 1.22, n)
        alpha = upper_edge(beta) + np.radians(1.5)
        alpha = alpha + np.radians(10.0) * np.clip((beta - F.CORNER_AZIMUTH * 0.9) / (0.32 * F.CORNER_AZIMUTH), 0, 1) ** 2
        t = np.linspace(0.0, 1.0, n)
        width = 0.05 + 0.075 * np.sin(np.pi * np.clip(t * 1.05, 0, 1)) ** 0.6
        thick = 0.035 + 0.03 * np.sin(np.pi * t)
        rho = F.LID_RADIUS_UPPER + 0.02
    else:
        beta = np.linspace(-F.CORNER_AZIMUTH * 0.5, F.CORNER_AZIMUTH * 1.0, n)
        alpha = lower_edge(beta) - np.radians(1.0)
        t = np.linspace(0.0, 1.0, n)
        width = 0.015 + 0.04 * np.sin(np.pi * t) ** 2 * t
        thick = 0.012 + 0.01 * np.sin(np.pi * t)
        rho = F.LID_RADIUS_LOWER + 0.01
    path = spherical(alpha, beta, rho)
    radial = path / np.linalg.norm(path, axis=1, keepdims=True)
    pos, tris = loft(path, width, thick, radial, around=6, exponent=2.0)
    return pos, tris


def _head_surface(head: Part):
    front = head.positions[:, 2] > F.HEAD_C[2] + 0.02
    pts = head.positions[front]
    return LinearNDInterpolator(pts[:, :2], pts[:, 2])


def _brow(head: Part, side: float) -> Part:
    surface = _head_surface(head)
    n = 28
    t = np.linspace(0.0, 1.0, n)
    x = 0.0115 + 0.038 * t
    y = F.BROW_Y + 0.0045 * np.sin(np.pi * (0.15 + 0.85 * t)) - 0.006 * t ** 2
    z = surface(x, y) + 0.0009
    path = np.stack([x, y, z], 1)
    normal = np.stack([0.25 * t + 0.05, np.full(n, 0.1), np.ones(n)], 1)
    width = 0.0022 * (1.0 - 0.55 * t) + 0.0006
    thick = np.full(n, 0.0008)
    pos, tris = loft(path, width, thick, normal, around=6, exponent=2.4)
    if side < 0:
        pos = pos * np.array([-1.0, 1.0, 1.0])
        tris = tris[:, [0, 2, 1]]
    suffix = "L" if side > 0 else "R"
    part = Part(f"brow_{suffix}", f"brow_{suffix}", "brow", pos, tris, mesh="face")
    # parameter 0 at the inner (nose) end, 1 at the outer end, per vertex
    part.extra["t"] = np.clip((np.abs(pos[:, 0]) - 0.0115) / 0.038, 0.0, 1.0)
    return part


def build_eyes(head: Part) -> list[Part]:
    parts: list[Part] = []
    for side in (1.0, -1.0):
        # The white is the front of the ball only: the back, inside the head, is never seen,
        # and every white vertex carries the gaze morphs (morphs.EYE_PARTS).
        unit, tris = _cap(EYE_WHITE_ANGLE, 1.0, rings=9, segs=22)
        parts.append(_finish("eye_white", "eye_white", "eye_white", unit, tris, side))
        for name, material, angle, radius, tilt in (
            ("iris", "iris", F.IRIS_ANGLE, 1.006, 0.0),
            ("iris_light", "iris_light", F.IRIS_ANGLE * 0.72, 1.010, np.radians(-7.0)),
            ("pupil", "pupil", F.PUPIL_ANGLE, 1.014, np.radians(-1.0)),
        ):
            unit, tris = _cap(angle, radius, tilt_x=tilt, tilt_y=F.IRIS_YAW)
            parts.append(_finish(name, name, material, unit, tris, side))
        # Highlights: the same screen direction for both eyes (one key light, upper right).
        hx = np.radians(-14.0) if side > 0 else np.radians(14.0)
        unit1, tris1 = _cap(np.radians(7.5), 1.020, tilt_x=np.radians(11.0), tilt_y=hx, rings=3, segs=16)
        unit2, tris2 = _cap(np.radians(3.5), 1.020, tilt_x=np.radians(-14.0), tilt_y=-hx * 0.9, rings=2, segs=12)
        unit = np.concatenate([unit1, unit2])
        tris = np.concatenate([tris1, tris2 + len(unit1)])
        parts.append(_finish("eye_highlight", "highlight", "highlight", unit, tris, side))
        for upper in (True, False):
            unit, tris, info = _lid(upper)
            part = _finish("lid_upper" if upper else "lid_lower", "lid_upper" if upper else "lid_lower", "skin", unit, tris, side)
            part.extra.update(info)
            parts.append(part)
            unit, tris = _lash(upper)
            parts.append(_finish("lash_upper" if upper else "lash_lower", "lash_upper" if upper else "lash_lower", "lash", unit, tris, side))
        parts.append(_brow(head, side))
    return parts
