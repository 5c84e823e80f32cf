"""Coarser triangle lists over the same vertices, for levels of detail.

Half-edge collapse ordered by quadric error (Garland & Heckbert): a vertex u merges into a
neighbour v, so every remaining triangle still indexes original vertices. The vertex data, skin
weights and morph targets then serve every level unchanged, and a level costs only its indices.

The error is summed over several poses of the mesh (the rest pose plus morph targets applied), so
that vertices which a blink or an open mouth moves apart are not merged because they happen to
lie flat at rest. Border vertices (open edges: UV seams, the eye and mouth openings, hems) never
move, which keeps silhouettes, seams and the rims of openings exactly where they were.
"""
from __future__ import annotations

import heapq
from collections import defaultdict

import numpy as np

_MIN_NORMAL_COSINE = 0.3  # a collapse may turn no remaining triangle by more than ~73 degrees


def simplify(poses: np.ndarray, tris: np.ndarray, target_tris: int) -> tuple[np.ndarray, float]:
    """(triangles, error): triangles (K, 3) over the same vertex indices, K about `target_tris`
    (more if the mesh cannot lose that many without moving a border or folding over), in the
    original order and winding; error: an upper bound (metres) of how far a removed vertex lies
    from the coarse surface, in any pose (see `_Collapser.error`). `poses` is (P, N, 3): the
    vertex positions in P poses, the rest pose first."""
    return simplify_levels(poses, tris, [target_tris])[0]


def simplify_levels(poses: np.ndarray, tris: np.ndarray, targets: list[int]) -> list[tuple[np.ndarray, float]]:
    """`simplify` for several targets (descending), each level simplifying the one before."""
    tris = np.asarray(tris, np.int64)
    collapser = _Collapser(np.asarray(poses, np.float64), tris)
    levels = []
    for target in targets:
        collapser.run(target)
        levels.append((collapser.remaining(), collapser.error()))
    return levels


def _plane_quadrics(positions: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(M, 4, 4) area-weighted plane quadrics of the triangles at these positions."""
    a, b, c = positions[tris[:, 0]], positions[tris[:, 1]], positions[tris[:, 2]]
    cross = np.cross(b - a, c - a)
    double_area = np.linalg.norm(cross, axis=1)
    normal = cross / np.maximum(double_area, 1e-20)[:, None]
    plane = np.concatenate([normal, -np.sum(normal * a, axis=1, keepdims=True)], axis=1)
    return 0.5 * double_area[:, None, None] * plane[:, :, None] * plane[:, None, :]


class _Collapser:
    def __init__(self, poses: np.ndarray, tris: np.ndarray) -> None:
        self.poses = poses
        self.homogeneous = np.concatenate([poses, np.ones(poses.shape[:2] + (1,))], axis=2)  # (P, N, 4)
        self.tris = tris.copy()
        self.alive = np.ones(len(tris), bool)
        self.live_count = len(tris)
        vertex_count = poses.shape[1]
        self.vertex_tris: dict[int, set[int]] = defaultdict(set)
        for t, corners in enumerate(tris):
            for v in corners:
                self.vertex_tris[int(v)].add(t)
        # Per vertex and pose, the sum of its triangles' quadrics.
        self.quadrics = np.zeros((vertex_count, len(poses), 4, 4))
        for p, positions in enumerate(poses):
            per_tri = _plane_quadrics(positions, tris)
            for k in range(3):
                np.add.at(self.quadrics[:, p], tris[:, k], per_tri)
        self.locked = self._border_vertices(vertex_count)
        self.version = np.zeros(vertex_count, np.int64)
        self.merged_into: dict[int, int] = {}  # removed vertex -> the vertex it moved onto
        self.heap: list[tuple[float, int, int, int, int]] = []
        for u in sorted(self.vertex_tris):
            self._push_from(u)

    def _border_vertices(self, vertex_count: int) -> np.ndarray:
        """Vertices on an edge that does not have exactly two triangles (open or non-manifold)."""
        edges = np.sort(np.concatenate([self.tris[:, [0, 1]], self.tris[:, [1, 2]], self.tris[:, [2, 0]]]), axis=1)
        unique, counts = np.unique(edges, axis=0, return_counts=True)
        locked = np.zeros(vertex_count, bool)
        locked[unique[counts != 2].ravel()] = True
        return locked

    def _neighbours(self, v: int) -> set[int]:
        return {int(w) for t in self.vertex_tris[v] for w in self.tris[t]} - {v}

    def _costs(self, sources: list[int], targets: list[int]) -> np.ndarray:
        """Error of moving each sources[k] onto targets[k], over every pose: the target's position
        in the sum of both vertices' quadrics."""
        points = self.homogeneous[:, targets]  # (P, K, 4)
        merged = self.quadrics[sources] + self.quadrics[targets]  # (K, P, 4, 4)
        return np.einsum("pki,kpij,pkj->k", points, merged, points)

    def _push(self, sources: list[int], targets: list[int]) -> None:
        for cost, u, v in zip(self._costs(sources, targets).tolist(), sources, targets):
            heapq.heappush(self.heap, (cost, u, v, int(self.version[u]), int(self.version[v])))

    def _push_from(self, u: int) -> None:
        if not self.locked[u]:
            targets = sorted(self._neighbours(u))
            self._push([u] * len(targets), targets)

    def _valid(self, u: int, v: int) -> bool:
        shared = self.vertex_tris[u] & self.vertex_tris[v]
        if not shared:
            return False  # no longer an edge
        # Link condition: u and v have exactly the two common neighbours of their two triangles,
        # else the collapse pinches the surface into a non-manifold edge.
        if len(self._neighbours(u) & self._neighbours(v)) != 2:
            return False
        moved = [t for t in self.vertex_tris[u] if t not in shared]
        if not moved:
            return False
        corners = self.tris[moved]  # (K, 3)
        old = self._normals(corners)
        new = self._normals(np.where(corners == u, v, corners))
        new_length = np.linalg.norm(new, axis=2)
        if (new_length < 1e-14).any():
            return False  # a sliver with no area in some pose
        cosine = np.sum(old * new, axis=2) / np.maximum(np.linalg.norm(old, axis=2) * new_length, 1e-30)
        return bool((cosine >= _MIN_NORMAL_COSINE).all())

    def _normals(self, corners: np.ndarray) -> np.ndarray:
        """(P, K, 3) unnormalized normals of triangles `corners` (K, 3) in every pose."""
        a, b, c = (self.poses[:, corners[:, k]] for k in range(3))
        e1, e2 = b - a, c - a  # np.cross costs more than the arithmetic on arrays this small
        return np.stack([e1[..., 1] * e2[..., 2] - e1[..., 2] * e2[..., 1],
                         e1[..., 2] * e2[..., 0] - e1[..., 0] * e2[..., 2],
                         e1[..., 0] * e2[..., 1] - e1[..., 1] * e2[..., 0]], axis=-1)

    def _collapse(self, u: int, v: int) -> None:
        for t in list(self.vertex_tris[u]):
            if v in self.tris[t]:  # the two triangles on the edge vanish
                self.alive[t] = False
                self.live_count -= 1
                for w in self.tris[t]:
                    self.vertex_tris[int(w)].discard(t)
            else:
                self.tris[t][self.tris[t] == u] = v
                self.vertex_tris[v].add(t)
        del self.vertex_tris[u]
        self.merged_into[u] = v
        self.quadrics[v] += self.quadrics[u]
        self.version[u] += 1
        self.version[v] += 1
        # Costs into and out of v changed; re-queue them (stale entries fail the version check).
        self._push_from(v)
        sources = [w for w in sorted(self._neighbours(v)) if not self.locked[w]]
        self._push(sources, [v] * len(sources))

    def run(self, target_tris: int) -> None:
        while self.heap and self.live_count > target_tris:
            _, u, v, version_u, version_v = heapq.heappop(self.heap)
            if u not in self.vertex_tris or v not in self.vertex_tris:
                continue
            if version_u != self.version[u] or version_v != self.version[v]:
                continue
            if self._valid(u, v):
                self._collapse(u, v)

    def remaining(self) -> np.ndarray:
        return self.tris[self.alive].copy()

    def error(self) -> float:
        """How far a removed vertex lies from the coarse surface, in the worst pose: its distance
        to the nearest coarse triangle around the vertex it finally merged into or around that
        vertex's neighbours. An upper bound: where the surface's nearest point lies on a triangle
        farther out, the true distance is smaller still."""
        if not self.merged_into:
            return 0.0
        removed, candidates = [], []
        for u in sorted(self.merged_into):
            v = u
            while v in self.merged_into:
                v = self.merged_into[v]
            near = set(self.vertex_tris[v])
            for w in self._neighbours(v):
                near |= self.vertex_tris[w]
            removed += [u] * len(near)
            candidates += sorted(near)
        removed_array = np.array(removed)
        corners = self.tris[np.array(candidates)]
        starts = np.flatnonzero(np.r_[True, removed_array[1:] != removed_array[:-1]])
        pair_vertices = np.column_stack([removed_array, corners])  # (pairs, 4)
        rest = self.poses[0]
        distance = point_triangle_distance(*(rest[pair_vertices[:, k]] for k in range(4)))
        worst = float(np.minimum.reduceat(distance, starts).max())
        for positions in self.poses[1:]:  # a pose changes only the pairs whose vertices it moves
            moved = np.any(positions != rest, axis=1)
            touched = moved[pair_vertices].any(axis=1)
            if not touched.any():
                continue
            posed = distance.copy()
            posed[touched] = point_triangle_distance(*(positions[pair_vertices[touched, k]] for k in range(4)))
            worst = max(worst, float(np.minimum.reduceat(posed, starts).max()))
        return worst


def point_triangle_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Distance from each point p[k] to the triangle (a[k], b[k], c[k]); all (K, 3)."""
    p, a, b, c = (np.ascontiguousarray(x.T) for x in (p, a, b, c))  # (3, K): rows of x, y, z

    def dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x[0] * y[0] + x[1] * y[1] + x[2] * y[2]

    def cross(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.stack([x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]])

    normal = cross(b - a, c - a)
    squared_area = dot(normal, normal)

    def side(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # p on the inner side of edge x -> y
        return dot(cross(y - x, p - x), normal) >= 0.0

    inside = side(a, b) & side(b, c) & side(c, a) & (squared_area > 1e-30)
    plane = np.abs(dot(p - a, normal)) / np.sqrt(np.maximum(squared_area, 1e-30))

    def segment(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        edge = y - x
        t = np.clip(dot(p - x, edge) / np.maximum(dot(edge, edge), 1e-30), 0.0, 1.0)
        offset = p - (x + t * edge)
        return np.sqrt(dot(offset, offset))

    return np.where(inside, plane, np.minimum(np.minimum(segment(a, b), segment(b, c)), segment(c, a)))
