"""Mesh building blocks: parts, lofted tubes, deformed spheres, smooth normals.

Everything is float64 while building (the writer quantizes once at the end) and free of
randomness, so the generator produces the same bytes on every run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Part:
    """One piece of the avatar: triangles in one material, in one glTF mesh.

    `kind` tags the piece for skin weights and face morphs (e.g. ``lid_upper_L``).
    """

    name: str
    kind: str
    material: str
    positions: np.ndarray  # (N, 3) float64, metres, glTF axes, avatar faces +Z
    tris: np.ndarray  # (M, 3) int64, counter-clockwise seen from outside
    mesh: str = "body"  # "body" or "face" (the face mesh carries every morph target)
    normals: np.ndarray | None = None
    joints: np.ndarray | None = None  # (N, 4) bone indices
    weights: np.ndarray | None = None  # (N, 4) summing to 1
    extra: dict = field(default_factory=dict)  # per-vertex arrays a builder wants to pass on

    def finish_normals(self) -> None:
        self.normals = smooth_normals(self.positions, self.tris)


def smooth_normals(positions: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (shared vertices give smooth shading across seams)."""
    a, b, c = positions[tris[:, 0]], positions[tris[:, 1]], positions[tris[:, 2]]
    face = np.cross(b - a, c - a)
    normals = np.zeros_like(positions)
    for k in range(3):
        np.add.at(normals, tris[:, k], face)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    fallback = np.array([0.0, 0.0, 1.0])
    return np.where(length > 1e-12, normals / np.maximum(length, 1e-12), fallback)


def grid_tris(rows: int, cols: int, wrap: bool) -> np.ndarray:
    """Two triangles per quad of a rows x cols vertex grid; columns wrap around if `wrap`."""
    r = np.arange(rows - 1)[:, None]
    c_count = cols if wrap else cols - 1
    c = np.arange(c_count)[None, :]
    c1 = (c + 1) % cols
    v00 = r * cols + c
    v01 = r * cols + c1
    v10 = (r + 1) * cols + c
    v11 = (r + 1) * cols + c1
    t1 = np.stack([v00, v01, v11], axis=-1).reshape(-1, 3)
    t2 = np.stack([v00, v11, v10], axis=-1).reshape(-1, 3)
    return np.concatenate([t1, t2]).astype(np.int64)


def orthonormal_frames(path: np.ndarray, up_hint: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tangent T, width axis U and thickness axis V (U x V = T) along a polyline.

    `up_hint` is (3,) or (K, 3): the direction V should lean to (e.g. outward from the head).
    """
    tangent = np.gradient(path, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    hint = np.broadcast_to(up_hint, path.shape)
    v = hint - np.sum(hint * tangent, axis=1, keepdims=True) * tangent
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    u = np.cross(v, tangent)
    return tangent, u, v


def loft(
    path: np.ndarray,
    rx: np.ndarray,
    ry: np.ndarray,
    up_hint: np.ndarray,
    around: int,
    exponent: float = 2.0,
    caps: bool = True,
    offset_v: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep a superellipse cross-section (half-widths rx along U, ry along V) along `path`.

    Returns (positions, tris). Caps close both ends with a centre vertex. `offset_v` shifts
    each ring along V (used for lens-shaped hair strands lying on the scalp).
    """
    k = len(path)
    _, u, v = orthonormal_frames(path, up_hint)
    angle = np.linspace(0.0, 2.0 * np.pi, around, endpoint=False)
    cos, sin = np.cos(angle), np.sin(angle)
    # Superellipse: |cos|^(2/e) keeps the sign; e > 2 gives boxier sections, e < 2 pointier.
    ce = np.sign(cos) * np.abs(cos) ** (2.0 / exponent)
    se = np.sign(sin) * np.abs(sin) ** (2.0 / exponent)
    centre = path if offset_v is None else path + offset_v[:, None] * v
    rings = (
        centre[:, None, :]
        + rx[:, None, None] * ce[None, :, None] * u[:, None, :]
        + ry[:, None, None] * se[None, :, None] * v[:, None, :]
    )
    positions = rings.reshape(-1, 3)
    tris = grid_tris(k, around, wrap=True)
    if caps:
        positions, tris = _add_cap(positions, tris, np.arange(around), centre[0], path[0] - path[1])
        last = np.arange(around) + (k - 1) * around
        positions, tris = _add_cap(positions, tris, last, centre[-1], path[-1] - path[-2])
    return positions, tris


def _add_cap(positions, tris, ring, centre, outward):
    index = len(positions)
    positions = np.concatenate([positions, centre[None, :]])
    fan = np.stack([np.full(len(ring), index), ring, np.roll(ring, -1)], axis=1)
    a, b, c = positions[fan[0, 0]], positions[fan[0, 1]], positions[fan[0, 2]]
    if np.dot(np.cross(b - a, c - a), outward) < 0:
        fan = fan[:, [0, 2, 1]]
    return positions, np.concatenate([tris, fan])


def sphere_grid(lon: int, lat: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions of a UV sphere (poles on +-Y, longitude 0 facing +Z) and outward tris."""
    theta = np.linspace(0.0, np.pi, lat + 1)[1:-1]  # polar angle from +Y, poles added below
    phi = np.linspace(0.0, 2.0 * np.pi, lon, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    dirs = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], axis=-1).reshape(-1, 3)
    rows = lat - 1
    body = grid_tris(rows, lon, wrap=True)
    top = len(dirs)
    bottom = top + 1
    dirs = np.concatenate([dirs, [[0.0, 1.0, 0.0], [0.0, -1.0, 0.0]]])
    cols = np.arange(lon)
    top_fan = np.stack([np.full(lon, top), cols, (cols + 1) % lon], axis=1)
    last = (rows - 1) * lon
    bottom_fan = np.stack([np.full(lon, bottom), last + (cols + 1) % lon, last + cols], axis=1)
    tris = np.concatenate([body, top_fan, bottom_fan])
    return dirs, fix_winding(dirs, tris, np.zeros(3))


def fix_winding(positions: np.ndarray, tris: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Flip triangles whose normal points toward `inside` (for star-shaped closed pieces)."""
    a, b, c = positions[tris[:, 0]], positions[tris[:, 1]], positions[tris[:, 2]]
    normal = np.cross(b - a, c - a)
    outward = (a + b + c) / 3.0 - inside
    flip = np.sum(normal * outward, axis=1) < 0
    tris = tris.copy()
    tris[flip] = tris[flip][:, [0, 2, 1]]
    return tris


def ellipsoid(centre, radii, lon: int, lat: int) -> tuple[np.ndarray, np.ndarray]:
    dirs, tris = sphere_grid(lon, lat)
    return np.asarray(centre) + dirs * np.asarray(radii), tris


def keep_tris(positions: np.ndarray, tris: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop triangles where `keep` is False and the vertices nobody uses; returns the old index map."""
    tris = tris[keep]
    used = np.unique(tris)
    remap = -np.ones(len(positions), dtype=np.int64)
    remap[used] = np.arange(len(used))
    return positions[used], remap[tris], used


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((np.asarray(x, dtype=np.float64) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def bezier(points: np.ndarray, count: int) -> np.ndarray:
    """Points along a Bezier curve of any degree (de Casteljau), `count` samples."""
    pts = np.asarray(points, dtype=np.float64)
    t = np.linspace(0.0, 1.0, count)[:, None, None]
    work = np.broadcast_to(pts, (count,) + pts.shape).copy()
    while work.shape[1] > 1:
        work = (1.0 - t) * work[:, :-1] + t * work[:, 1:]
    return work[:, 0]


def rotation_matrix(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = np.asarray(axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
    x, y, z = axis
    c, s = np.cos(angle), np.sin(angle)
    C = 1.0 - c
    return np.array([
        [c + x * x * C, x * y * C - z * s, x * z * C + y * s],
        [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
        [z * x * C - y * s, z * y * C + x * s, c + z * z * C],
    ])
