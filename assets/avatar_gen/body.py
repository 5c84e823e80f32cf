"""Torso with shirt and open blazer, neck and collar, arms with sleeves and cuffs, legs, shoes.

Every piece is a loft: cross-sections (superellipses) swept along a path. Profiles are
tables of (station, half-width, half-depth) interpolated with a smooth cubic.
"""
from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from .geometry import Part, grid_tris, loft, smoothstep
from .skeleton import SHOULDER_Y, bone_head

# Torso profile: y, half-width (x), half-depth (z), centre z. Read from renders, stylized slim.
TORSO = np.array([
    [0.800, 0.070, 0.050, 0.000],
    [0.840, 0.140, 0.088, 0.000],
    [0.900, 0.144, 0.088, 0.000],
    [0.970, 0.126, 0.080, 0.000],
    [1.030, 0.118, 0.077, 0.002],
    [1.100, 0.128, 0.086, 0.008],
    [1.170, 0.142, 0.090, 0.008],
    [1.230, 0.152, 0.084, 0.000],
    [1.280, 0.146, 0.074, -0.008],
    [1.315, 0.112, 0.062, -0.010],
    [1.338, 0.062, 0.046, -0.010],
    [1.346, 0.030, 0.030, -0.010],
])
BELT_Y = 0.905  # blazer hem / top of the trousers
BLAZER_TOP = 1.318
ARM_Z = -0.020


def _profile(table: np.ndarray, stations: np.ndarray) -> list[np.ndarray]:
    return [PchipInterpolator(table[:, 0], table[:, k])(stations) for k in range(1, table.shape[1])]


def _sweep(centres: np.ndarray, rx: np.ndarray, rz: np.ndarray, angles: np.ndarray, exponent: float) -> np.ndarray:
    """Rings around +Y: angle 0 = +Z (front), increasing toward +X. angles is (A,) or (K, A)."""
    angles = np.broadcast_to(angles, (len(centres),) + angles.shape[-1:])
    s, c = np.sin(angles), np.cos(angles)
    se = np.sign(s) * np.abs(s) ** (2.0 / exponent)
    ce = np.sign(c) * np.abs(c) ** (2.0 / exponent)
    x = centres[:, None, 0] + rx[:, None] * se
    z = centres[:, None, 2] + rz[:, None] * ce
    y = np.broadcast_to(centres[:, None, 1], x.shape)
    return np.stack([x, y, z], -1)


def _oriented(pos: np.ndarray, tris: np.ndarray, axis_point_fn) -> np.ndarray:
    """Flip all tris if most face toward the local axis (pieces built around a vertical axis)."""
    a, b, c = pos[tris[:, 0]], pos[tris[:, 1]], pos[tris[:, 2]]
    centre = (a + b + c) / 3.0
    n = np.cross(b - a, c - a)
    out = centre - axis_point_fn(centre)
    if np.mean(np.sum(n * out, axis=1) > 0) < 0.5:
        tris = tris[:, [0, 2, 1]]
    return tris


def build_torso() -> list[Part]:
    ys = np.concatenate([np.linspace(0.800, 1.30, 18), np.linspace(1.305, 1.346, 5)])
    ys = np.sort(np.concatenate([ys, [BELT_Y - 0.002, BELT_Y + 0.002]]))
    rx, rz, cz = _profile(TORSO, ys)
    centres = np.stack([np.zeros_like(ys), ys, cz], 1)
    around = 56
    ang = np.linspace(-np.pi, np.pi, around, endpoint=False)
    rings = _sweep(centres, rx, rz, ang, exponent=2.6)
    pos = rings.reshape(-1, 3)
    tris = grid_tris(len(ys), around, wrap=True)
    axis = lambda p: np.stack([np.zeros(len(p)), p[:, 1], np.interp(p[:, 1], ys, cz)], 1)
    tris = _oriented(pos, tris, axis)
    top = len(pos)
    pos = np.concatenate([pos, [[0.0, ys[-1] + 0.004, cz[-1]]]])
    last = (len(ys) - 1) * around + np.arange(around)
    cap = np.stack([np.full(around, top), last, np.roll(last, -1)], 1)
    cap = _oriented(pos, cap, lambda p: p - np.array([0.0, 0.01, 0.0]))
    bottom = len(pos)
    pos = np.concatenate([pos, [[0.0, ys[0] - 0.01, cz[0]]]])
    first = np.arange(around)
    cap_b = np.stack([np.full(around, bottom), first, np.roll(first, -1)], 1)
    cap_b = _oriented(pos, cap_b, lambda p: p + np.array([0.0, 0.01, 0.0]))
    tris = np.concatenate([tris, cap, cap_b])
    centre_y = pos[tris].mean(axis=1)[:, 1]
    pants = centre_y < BELT_Y
    # The blazer always covers the shirt outside its front V: those triangles would only cost.
    ring_angle = np.concatenate([np.tile(ang, len(ys)), [0.0, 0.0]])  # the caps' centres: front
    ring_y = pos[:, 1]
    inside_v = np.abs(ring_angle) <= _v_half(ring_y) + np.radians(12.0)
    covered = ~inside_v & (ring_y > BELT_Y) & (ring_y < BLAZER_TOP - 0.012)
    hidden = covered[tris].all(axis=1)
    shirt = Part("shirt", "torso", "shirt", *_subset(pos, tris[~pants & ~hidden]))
    trousers = Part("trousers_top", "torso", "pants", *_subset(pos, tris[pants]))

    # Open blazer: a shell just outside the shirt, its front V left open down to the button.
    ys_b = np.linspace(BELT_Y - 0.035, BLAZER_TOP, 20)
    rxb, rzb, czb = _profile(TORSO, ys_b)
    rxb, rzb = rxb * 1.045 + 0.002, rzb * 1.07 + 0.003
    v_half = _v_half(ys_b)
    t = np.linspace(0.0, 1.0, 38)
    ang_b = v_half[:, None] + t[None, :] * (2 * np.pi - 2 * v_half[:, None])
    centres_b = np.stack([np.zeros_like(ys_b), ys_b, czb], 1)
    ring_b = _sweep(centres_b, rxb, rzb, ang_b, exponent=2.6)
    pos_b = ring_b.reshape(-1, 3)
    tris_b = grid_tris(len(ys_b), len(t), wrap=False)
    axis_b = lambda p: np.stack([np.zeros(len(p)), p[:, 1], np.interp(p[:, 1], ys_b, czb)], 1)
    tris_b = _oriented(pos_b, tris_b, axis_b)
    blazer = Part("blazer", "torso", "blazer", pos_b, tris_b)
    lapels = [Part(f"lapel_{'L' if s > 0 else 'R'}", "torso", "lapel", *_lapel(s)) for s in (1.0, -1.0)]

    # Shirt collar ring around the base of the neck, and a tie down the V.
    ys_c = np.linspace(1.300, 1.352, 6)
    rc = np.interp(ys_c, [1.300, 1.352], [0.052, 0.036])
    centres_c = np.stack([np.zeros_like(ys_c), ys_c, np.full_like(ys_c, -0.006)], 1)
    pos_c, tris_c = _ring_tube(centres_c, rc * 1.05, rc, 48)
    collar = Part("collar", "torso", "shirt", pos_c, tris_c)

    path = np.array([[0.0, y, 0.0] for y in np.linspace(1.05, 1.315, 16)])
    rx_t, rz_t, cz_t = _profile(TORSO, path[:, 1])
    path[:, 2] = cz_t + rz_t + 0.002
    width = np.interp(path[:, 1], [1.05, 1.08, 1.27, 1.30, 1.315], [0.003, 0.014, 0.009, 0.011, 0.008])
    pos_t, tris_t = loft(path, width, np.full(16, 0.0025), np.tile([0.0, 0.0, 1.0], (16, 1)), around=10, exponent=4.0)
    tie = Part("tie", "torso", "accent", pos_t, tris_t)
    # Belt: a leather band at the top of the trousers, seen between the blazer's front panels.
    ys_w = np.linspace(BELT_Y - 0.010, BELT_Y + 0.008, 4)
    rxw, rzw, czw = _profile(TORSO, ys_w)
    centres_w = np.stack([np.zeros_like(ys_w), ys_w, czw], 1)
    ang_w = np.linspace(-np.pi, np.pi, 56, endpoint=False)
    ring_w = _sweep(centres_w, rxw * 1.025 + 0.001, rzw * 1.04 + 0.001, ang_w, exponent=2.6)
    pos_w = ring_w.reshape(-1, 3)
    tris_w = _oriented(pos_w, grid_tris(len(ys_w), 56, wrap=True),
                       lambda p: np.stack([np.zeros(len(p)), p[:, 1], np.interp(p[:, 1], ys_w, czw)], 1))
    belt = Part("belt", "torso", "shoes", pos_w, tris_w)
    return [shirt, trousers, blazer, *lapels, collar, tie, belt]


def _v_half(ys: np.ndarray) -> np.ndarray:
    """Half-angle of the blazer's open front V at heights `ys` (ring angle 0 = front)."""
    v_half = np.radians(4.0) + np.radians(30.0) * smoothstep(1.03, 1.30, ys)
    return v_half + np.radians(14.0) * smoothstep(0.96, BELT_Y - 0.035, ys)  # the hem splits open a little


def _lapel(side: float) -> tuple[np.ndarray, np.ndarray]:
    """A lapel: a flat strip lying on the blazer along one edge of its V opening."""
    ys = np.linspace(1.035, 1.300, 20)
    rx, rz, cz = _profile(TORSO, ys)
    rx, rz = rx * 1.045 + 0.002, rz * 1.07 + 0.003
    v_half = _v_half(ys)
    width = np.interp(ys, [1.035, 1.10, 1.22, 1.26, 1.30], [0.002, 0.010, 0.024, 0.018, 0.012])
    angle = v_half + 0.5 * width / rz  # centre of the strip, half a width past the opening's edge
    s, c = np.sin(angle), np.cos(angle)
    path = np.stack([side * rx * s * 1.012, ys, cz + rz * c * 1.012 + 0.0015], 1)
    normal = np.stack([side * s / rx, np.zeros_like(ys), c / rz], 1)
    pos, tris = loft(path, width * 0.5 + 1e-4, np.full(len(ys), 0.0018), normal, around=8, exponent=4.0)
    return pos, tris


def _ring_tube(centres, rx, rz, around):
    ang = np.linspace(-np.pi, np.pi, around, endpoint=False)
    rings = _sweep(centres, rx, rz, ang, exponent=2.0)
    pos = rings.reshape(-1, 3)
    tris = grid_tris(len(centres), around, wrap=True)
    tris = _oriented(pos, tris, lambda p: np.stack([np.zeros(len(p)), p[:, 1], np.full(len(p), centres[0, 2])], 1))
    return pos, tris


def _subset(pos: np.ndarray, tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    used = np.unique(tris)
    remap = -np.ones(len(pos), dtype=np.int64)
    remap[used] = np.arange(len(used))
    return pos[used], remap[tris]


def build_neck() -> list[Part]:
    ys = np.linspace(1.300, 1.445, 12)
    r = np.interp(ys, [1.30, 1.34, 1.40, 1.445], [0.044, 0.0345, 0.032, 0.031])
    cz = np.interp(ys, [1.30, 1.445], [-0.010, -0.004])
    centres = np.stack([np.zeros_like(ys), ys, cz], 1)
    pos, tris = _ring_tube(centres, r * 1.08, r, 28)
    return [Part("neck", "neck", "skin", pos, tris)]


# Arm profile along x (left arm): x, radius y, radius z (sleeve to the cuff, then the wrist).
ARM = np.array([
    [0.110, 0.040, 0.050],
    [0.170, 0.045, 0.049],
    [0.230, 0.043, 0.044],
    [0.330, 0.038, 0.039],
    [0.415, 0.034, 0.036],
    [0.480, 0.036, 0.039],
    [0.560, 0.033, 0.036],
    [0.606, 0.032, 0.035],
])
CUFF = (0.606, 0.626)  # shirt cuff between these x
WRIST_END = 0.640
ARM_AROUND = 18  # vertices around a sleeve ring


def build_arms() -> list[Part]:
    parts = []
    for side in (1.0, -1.0):
        xs = np.linspace(ARM[0, 0], ARM[-1, 0], 20)
        ry = PchipInterpolator(ARM[:, 0], ARM[:, 1])(xs)
        rz = PchipInterpolator(ARM[:, 0], ARM[:, 2])(xs)
        # Sleeve end: a short step down to the cuff, then the bare wrist into the hand.
        cuff_x = np.array([CUFF[0] + 0.0005, CUFF[0] + 0.003, CUFF[1] - 0.002, CUFF[1]])
        cuff_r = np.array([0.029, 0.028, 0.0275, 0.027])
        wrist_x = np.array([CUFF[1] + 0.0005, CUFF[1] + 0.004, 0.635, WRIST_END])
        wrist_r = np.array([0.022, 0.0215, 0.0205, 0.0160])
        sleeve_mat = np.full(len(xs), 0)
        xs_all = np.concatenate([xs, [CUFF[0] + 0.0002], cuff_x, wrist_x])
        ry_all = np.concatenate([ry, [0.0295], cuff_r, wrist_r])
        rz_all = np.concatenate([rz, [0.0315], cuff_r * 1.1, wrist_r * 1.25])
        mat = np.concatenate([sleeve_mat, [0], [1] * 4, [2] * 4])
        path = np.stack([xs_all, np.full_like(xs_all, SHOULDER_Y), np.full_like(xs_all, ARM_Z)], 1)
        path[:, 1] -= 0.004 * smoothstep(0.22, 0.11, xs_all)  # the shoulder root tucks under the blazer's shoulder line
        pos, tris = loft(path, rz_all, ry_all, np.tile([0.0, 1.0, 0.0], (len(xs_all), 1)), around=ARM_AROUND, exponent=2.0, caps=True)
        ring_mat = np.concatenate([np.repeat(mat, ARM_AROUND), [0, 2]])
        tri_mat = ring_mat[tris].max(axis=1)
        suffix = "L" if side > 0 else "R"
        if side < 0:
            pos = pos * np.array([-1.0, 1.0, 1.0])
            tris = tris[:, [0, 2, 1]]
        for value, material in ((0, "blazer"), (1, "shirt"), (2, "skin")):
            p, t = _subset(pos, tris[tri_mat == value])
            parts.append(Part(f"arm_{material}_{suffix}", f"arm_{suffix}", material, p, t))
    return parts


# Leg profile along y: y, radius x, radius z (trousers slightly flared at the hem).
LEG = np.array([
    [0.905, 0.080, 0.085],
    [0.800, 0.078, 0.080],
    [0.650, 0.062, 0.066],
    [0.480, 0.050, 0.054],
    [0.340, 0.052, 0.056],
    [0.180, 0.046, 0.050],
    [0.090, 0.047, 0.052],
])


def build_legs() -> list[Part]:
    parts = []
    for side in (1.0, -1.0):
        hip = bone_head("leftUpperLeg" if side > 0 else "rightUpperLeg")
        ys = np.linspace(LEG[0, 0], LEG[-1, 0], 22)
        rx = PchipInterpolator(LEG[::-1, 0], LEG[::-1, 1])(ys)
        rz = PchipInterpolator(LEG[::-1, 0], LEG[::-1, 2])(ys)
        x = np.interp(ys, [0.09, 0.905], [hip[0] * 0.96, hip[0] * 0.92])
        centres = np.stack([x, ys, np.interp(ys, [0.09, 0.45, 0.905], [-0.008, 0.004, 0.0])], 1)
        pos, tris = loft(centres, rx, rz, np.tile([0.0, 0.0, 1.0], (len(ys), 1)), around=20, exponent=2.0)
        suffix = "L" if side > 0 else "R"
        parts.append(Part(f"leg_{suffix}", f"leg_{suffix}", "pants", pos, tris))
        # Shoe: a loft from heel to toe, flat sole, rounded toe box.
        zs = np.linspace(-0.060, 0.150, 16)
        half_w = np.interp(zs, [-0.06, -0.04, 0.02, 0.09, 0.13, 0.15], [0.020, 0.036, 0.040, 0.044, 0.034, 0.012])
        half_h = np.interp(zs, [-0.06, -0.04, 0.03, 0.08, 0.13, 0.15], [0.030, 0.048, 0.050, 0.030, 0.022, 0.012])
        base = 0.0
        path = np.stack([np.full_like(zs, x[-1]), base + half_h, zs], 1)
        pos, tris = loft(path, half_w, half_h, np.tile([0.0, 1.0, 0.0], (len(zs), 1)), around=18, exponent=3.2)
        parts.append(Part(f"shoe_{suffix}", f"shoe_{suffix}", "shoes", pos, tris))
    return parts
