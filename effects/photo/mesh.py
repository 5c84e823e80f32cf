"""The warp mesh of a photo: per animated face the 468-point face mesh (MediaPipe's triangles
plus strips closing the eyes and mouth), two rings of stabilising points around it, fixed
anchors around faces that stay still, and a grid out past the image border, triangulated with
Delaunay outside the faces.

At rest every vertex's texture coordinate is its own position, so drawing the rest mesh
reproduces the photo exactly. The grid and anchors never move, and the grid's hull contains the
image with a margin, so the image stays covered (no holes) whatever the faces do.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import Delaunay

from effects.photo import landmarks as L
from effects.photo.expressions import ExpressionFields, build_fields
from effects.photo.photo import PhotoFace

RING_SCALES = (1.3, 1.8)  # stabilising rings: the face oval scaled about its centre
# Share of the head rotation a ring point follows: more at the top (hair moves with the head),
# less at the bottom (neck, shoulders). (base, extra at the top).
RING_FOLLOW = ((0.55, 0.25), (0.12, 0.08))
STILL_ANCHOR_SCALE = 1.15  # fixed ring around faces that are not animated
GRID_CELLS = 10  # grid cells along the longer image side
GRID_CLEARANCE = 1.1  # grid points inside ring 2 scaled by this are dropped
# Head rotation pivot: below the face centre (toward the neck) and behind the face.
PIVOT_DOWN = 0.25  # x face height below the oval centre
PIVOT_BACK = 0.5  # x face width behind the mean face depth


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """(N,) bool: even-odd rule, vectorised over points."""
    x, y = points[:, 0:1], points[:, 1:2]
    px, py = polygon[:, 0][None, :], polygon[:, 1][None, :]
    qx, qy = np.roll(px, -1, axis=1), np.roll(py, -1, axis=1)
    crosses = (py > y) != (qy > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = px + (y - py) * (qx - px) / (qy - py)
    return (crosses & (x < xint)).sum(axis=1) % 2 == 1


def scaled_oval(rest: np.ndarray, scale: float) -> np.ndarray:
    oval = rest[list(L.FACE_OVAL), :2]
    centre = oval.mean(axis=0)
    return centre + scale * (oval - centre)


@dataclass
class FaceRig:
    """Everything needed to move one animated face."""

    face: PhotoFace
    offset: int  # index of its landmark 0 in the mesh vertex array
    rest: np.ndarray  # (468, 3) px
    fields: ExpressionFields
    ring_ids: np.ndarray  # global vertex indices of its ring points
    ring_rest: np.ndarray  # (R, 3)
    ring_follow: np.ndarray  # (R,) share of the head rotation
    pivot: np.ndarray  # (3,)


@dataclass
class WarpMesh:
    size: tuple[int, int]
    rest: np.ndarray  # (V, 3) float32 px
    uv: np.ndarray  # (V, 2) float32
    outer_triangles: np.ndarray  # (M, 3) uint32, drawn first without depth test
    face_triangles: np.ndarray  # (F, 3) uint32, drawn with depth test
    rigs: list[FaceRig]


def build_mesh(size: tuple[int, int], animated: tuple[PhotoFace, ...],
               still: tuple[PhotoFace, ...] = ()) -> WarpMesh:
    width, height = size
    face_pts = [f.landmarks_px[:L.NUM_MESH_POINTS].astype(np.float64) for f in animated]
    anchors = [scaled_oval(f.landmarks_px[:L.NUM_MESH_POINTS].astype(np.float64), STILL_ANCHOR_SCALE)
               for f in still]

    offsets = [i * L.NUM_MESH_POINTS for i in range(len(face_pts))]
    count = len(face_pts) * L.NUM_MESH_POINTS
    rigs: list[FaceRig] = []
    extra: list[np.ndarray] = []  # 2D points after the faces: rings, anchors, grid
    for k, (face, pts) in enumerate(zip(animated, face_pts)):
        oval = pts[list(L.FACE_OVAL), :2]
        centre = oval.mean(axis=0)
        face_h = float(np.linalg.norm(pts[L.FOREHEAD_TOP, :2] - pts[L.CHIN, :2]))
        face_w = float(np.linalg.norm(pts[L.FACE_LEFT_EDGE, :2] - pts[L.FACE_RIGHT_EDGE, :2]))
        ring_z = float(pts[list(L.FACE_OVAL), 2].mean())
        ids, rest_pts, follow = [], [], []
        for scale, (base, top) in zip(RING_SCALES, RING_FOLLOW):
            ring = centre + scale * (oval - centre)
            keep = np.ones(len(ring), bool)
            for j, other in enumerate(face_pts):
                if j != k:
                    keep &= ~points_in_polygon(ring, scaled_oval(other, RING_SCALES[0] * 1.05))
            for anchor in anchors:
                keep &= ~points_in_polygon(ring, anchor * 1.0)
            ring = ring[keep]
            direction = ring - centre
            up = -direction[:, 1] / np.maximum(np.linalg.norm(direction, axis=1), 1e-9)
            for p, u in zip(ring, up):
                ids.append(count + len(extra))
                extra.append(p)
                rest_pts.append((p[0], p[1], ring_z))
                follow.append(base + top * u)
        pivot = np.array([centre[0], centre[1] + PIVOT_DOWN * face_h, ring_z + PIVOT_BACK * face_w])
        rigs.append(FaceRig(face, offsets[k], pts.astype(np.float32), build_fields(pts),
                            np.array(ids, np.int64), np.array(rest_pts, np.float64),
                            np.array(follow, np.float64), pivot))
    for anchor in anchors:
        extra.extend(anchor)

    # Grid over the image plus a margin that contains every moving point.
    step = max(width, height) / GRID_CELLS
    movable = np.concatenate([p[:, :2] for p in face_pts] + [np.asarray(extra).reshape(-1, 2)]) \
        if face_pts else np.zeros((0, 2))
    lo = np.minimum(movable.min(axis=0), 0.0) - step if len(movable) else np.array([-step, -step])
    hi = np.maximum(movable.max(axis=0), (width, height)) + step if len(movable) else np.array([width + step, height + step])
    nx = int(np.ceil((hi[0] - lo[0]) / step)) + 1
    ny = int(np.ceil((hi[1] - lo[1]) / step)) + 1
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], nx), np.linspace(lo[1], hi[1], ny))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    keep = np.ones(len(grid), bool)
    for pts in face_pts:
        keep &= ~points_in_polygon(grid, scaled_oval(pts, RING_SCALES[1] * GRID_CLEARANCE))
    for anchor in anchors:
        keep &= ~points_in_polygon(grid, anchor)
    if extra:
        near = np.asarray(extra)
        d = np.sqrt(((grid[:, None, :] - near[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        keep &= d > 0.35 * step
    extra.extend(grid[keep])
    extra_arr = np.asarray(extra, np.float64).reshape(-1, 2)

    # Delaunay over the face ovals and everything outside them; keep triangles outside the ovals.
    oval_ids = np.array([o + i for o in offsets for i in L.FACE_OVAL], np.int64)
    tri_ids = np.concatenate([oval_ids, count + np.arange(len(extra_arr))])
    all_xy = np.concatenate([np.concatenate(face_pts)[:, :2] if face_pts else np.zeros((0, 2)), extra_arr])
    tri = Delaunay(all_xy[tri_ids])
    simplices = tri_ids[tri.simplices]
    centroids = all_xy[simplices].mean(axis=1)
    outside = np.ones(len(simplices), bool)
    for pts in face_pts:
        outside &= ~points_in_polygon(centroids, pts[list(L.FACE_OVAL), :2])
    outer = simplices[outside]

    face_tris = np.concatenate([L.face_triangles(), L.hole_triangles()])
    inner = np.concatenate([face_tris + o for o in offsets]) if offsets else np.zeros((0, 3), np.int64)

    rest = np.zeros((count + len(extra_arr), 3), np.float32)
    if face_pts:
        rest[:count] = np.concatenate(face_pts)
    rest[count:, :2] = extra_arr
    for rig in rigs:
        rest[rig.ring_ids, 2] = rig.ring_rest[:, 2]
    uv = (rest[:, :2] / np.array([width, height], np.float32)).astype(np.float32)
    return WarpMesh(size, rest, uv, outer.astype(np.uint32), inner.astype(np.uint32), rigs)
