"""Index-only simplification (levels of detail): fewer triangles over the same vertices, borders
kept, no fold-overs, errors measured, and poses that move vertices apart keep them apart."""
from __future__ import annotations

import numpy as np
import pytest

from assets.avatar_gen.geometry import ellipsoid, grid_tris
from assets.avatar_gen.simplify import point_triangle_distance, simplify


def _grid(rows: int = 21, cols: int = 21, bump: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.meshgrid(np.linspace(0, 1, rows), np.linspace(0, 1, cols), indexing="ij")
    z = bump * np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) / 0.02)
    return np.stack([x, y, z], axis=-1).reshape(-1, 3), grid_tris(rows, cols, wrap=False)


def _edges(tris: np.ndarray) -> set[tuple[int, int]]:
    return {tuple(sorted(e)) for t in tris for e in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0]))}


def _border_edges(tris: np.ndarray) -> set[tuple[int, int]]:
    counts: dict[tuple[int, int], int] = {}
    for t in tris:
        for e in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0])):
            key = tuple(sorted(e))
            counts[key] = counts.get(key, 0) + 1
    return {e for e, c in counts.items() if c == 1}


def _normals(positions: np.ndarray, tris: np.ndarray) -> np.ndarray:
    a, b, c = (positions[tris[:, k]] for k in range(3))
    return np.cross(b - a, c - a)


def test_a_flat_grid_loses_its_interior_but_keeps_its_border_and_facing():
    positions, tris = _grid()
    coarse, error = simplify(positions[None], tris, 200)
    assert len(coarse) <= 200
    assert coarse.max() < len(positions) and np.isin(coarse, tris).all()
    assert _border_edges(tris) <= _edges(coarse)  # the outline is exactly where it was
    assert (_normals(positions, coarse)[:, 2] > 0).all()  # nothing folded over
    assert error < 1e-9  # a plane stays a plane
    total = np.linalg.norm(_normals(positions, coarse), axis=1).sum() / 2
    assert abs(total - 1.0) < 1e-9  # it still covers the whole square, once


def test_point_triangle_distance_known_answers():
    a, b, c = np.array([[0.0, 0, 0]]), np.array([[1.0, 0, 0]]), np.array([[0.0, 1, 0]])
    points = {(0.2, 0.2, 0.5): 0.5, (0.5, -0.3, 0.0): 0.3, (-0.3, -0.4, 0.0): 0.5, (1.0, 1.0, 0.0): np.sqrt(0.5),
              (0.0, 0.0, -2.0): 2.0}
    for point, expected in points.items():
        assert point_triangle_distance(np.array([point]), a, b, c)[0] == pytest.approx(expected)


def test_error_bounds_the_distance_of_removed_detail():
    positions, tris = _grid(bump=0.05)
    coarse, error = simplify(positions[None], tris, 150)
    # Brute force: each removed vertex's distance to the nearest coarse triangle.
    removed = np.setdiff1d(np.arange(len(positions)), coarse)
    k = len(coarse)
    true = [point_triangle_distance(np.repeat(positions[[v]], k, axis=0), *(positions[coarse[:, i]] for i in range(3))).min()
            for v in removed]
    assert 0.0 < max(true) <= error + 1e-12  # an upper bound
    assert error < 2.0 * max(true)  # and a close one


def test_a_closed_surface_stays_closed_and_close():
    positions, tris = ellipsoid((0.0, 0.0, 0.0), (0.1, 0.12, 0.09), 32, 20)
    coarse, error = simplify(positions[None], tris, len(tris) // 4)
    assert len(coarse) <= len(tris) // 4 + 2
    assert not _border_edges(coarse)  # still watertight
    assert error < 0.01
    centre_out = np.einsum("tk,tk->t", _normals(positions, coarse), positions[coarse].mean(axis=1))
    assert (centre_out > 0).all()  # still facing out


def _height_at(positions_2d: np.ndarray, heights: np.ndarray, tris: np.ndarray, point: np.ndarray) -> float:
    """The height of the triangulated surface above `point` (x, y), by barycentric interpolation."""
    for t in tris:
        a, b, c = positions_2d[t]
        m = np.column_stack([b - a, c - a])
        u, v = np.linalg.solve(m, point - a)
        if u >= -1e-9 and v >= -1e-9 and u + v <= 1 + 1e-9:
            return float(heights[t[0]] * (1 - u - v) + heights[t[1]] * u + heights[t[2]] * v)
    raise AssertionError(f"{point} is outside the surface")


def test_a_pose_that_folds_the_sheet_keeps_the_fold():
    """A flat sheet that a second pose folds into a ridge along y = 0.5: simplified with that
    pose, the ridge keeps its height; simplified flat, the fold line is lost and the folded
    surface sags under the ridge."""
    positions, tris = _grid(rows=21, cols=21)
    folded_z = 0.3 * (0.5 - np.abs(positions[:, 1] - 0.5))
    folded = positions.copy()
    folded[:, 2] = folded_z
    with_pose, error = simplify(np.stack([positions, folded]), tris, 120)
    flat_only, _ = simplify(positions[None], tris, 120)
    ridge = [np.array([x, 0.5]) for x in (0.23, 0.41, 0.57, 0.76)]
    sag_with_pose = max(0.15 - _height_at(positions[:, :2], folded_z, with_pose, p) for p in ridge)
    sag_flat_only = max(0.15 - _height_at(positions[:, :2], folded_z, flat_only, p) for p in ridge)
    assert sag_with_pose < 1e-9 and error < 1e-9
    assert sag_flat_only > 0.01


def test_simplify_is_deterministic_and_keeps_winding():
    positions, tris = _grid(bump=0.03)
    first, error = simplify(positions[None], tris, 300)
    again, error_again = simplify(positions[None], tris, 300)
    assert np.array_equal(first, again) and error == error_again
    # Survivors are original triangles (winding kept) with some corners moved onto neighbours:
    # on this sheet facing +z, every one still faces +z.
    assert (np.einsum("tk,k->t", _normals(positions, first), np.array([0.0, 0.0, 1.0])) > 0).all()
