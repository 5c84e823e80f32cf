"""Conservative screen rectangles of posed glTF primitives, computed on the CPU from the pose.

Why: on a software rasterizer, clearing and resolving a 4x multisampled 1280x720 target costs
~12 ms each (memory bandwidth), though the avatar often covers a fifth of the frame; and in a
waist-up shot the legs still cost vertex work. Knowing where each primitive can land lets the
renderer skip primitives outside the view and clear/resolve only the rectangle that is drawn.

The bound: every vertex weighted to joint j lies, in j's space, inside a box measured once at
load (inverse bind matrix applied). A skinned vertex is a convex combination of its joints'
transforms of it, so it lies in the convex hull of its joints' transformed boxes, and their
union's corners bound it. Morph targets move a vertex by at most sum(|weight| * largest delta),
added as padding per frame; the outline shell adds its width.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar.gltf.document import GltfDocument, Primitive

PixelRect = tuple[int, int, int, int]  # x0, y0, x1, y1 in GL window pixels (y up), x1/y1 exclusive
_MARGIN_PX = 2  # anti-aliasing and rounding slack around the projected corners
_SIGNS = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], np.float64)
_MIN_WEIGHT = 1e-6


@dataclass(frozen=True)
class PrimitiveBoxes:
    """Boxes of one drawn primitive: centres/half sizes (B, 3), in the space of `frames` (B,)
    (joint nodes for a skinned primitive, the mesh node otherwise), scale of each box's space
    relative to mesh space (B,), and the largest position delta of each morph target (T,)."""

    centres: np.ndarray
    halves: np.ndarray
    frames: np.ndarray
    scales: np.ndarray
    morph_reach: np.ndarray
    node: int


def used_vertices(primitive: Primitive) -> np.ndarray | slice:
    """The vertices the primitive's triangles use: a primitive sharing its vertex data with others
    (`Primitive.vertex_source`) uses only part of it."""
    has_triangles = primitive.indices is not None and len(primitive.indices) > 0
    return np.unique(primitive.indices) if has_triangles else slice(None)


def _morph_reach(primitive: Primitive, used: np.ndarray | slice) -> np.ndarray:
    reach = [float(np.linalg.norm(t.positions[used], axis=1).max())
             if t.positions is not None and len(t.positions[used]) else 0.0 for t in primitive.targets]
    return np.asarray(reach, np.float64)


def primitive_boxes(doc: GltfDocument, node: int, primitive: Primitive, skin: int | None) -> PrimitiveBoxes:
    """The boxes that bound `primitive` drawn at `node` (skinned by `skin` when given)."""
    used = used_vertices(primitive)
    positions = np.asarray(primitive.positions, np.float64)[used]
    reach = _morph_reach(primitive, used)
    if skin is None or primitive.joints is None or primitive.weights is None:
        lo, hi = positions.min(axis=0), positions.max(axis=0)
        return PrimitiveBoxes(((lo + hi) / 2)[None], ((hi - lo) / 2)[None], np.array([node]), np.ones(1), reach, node)
    skin_data = doc.skins[skin]
    joints = np.asarray(primitive.joints, np.int64)[used]
    weights = np.asarray(primitive.weights, np.float64)[used]
    homogeneous = np.c_[positions, np.ones(len(positions))]
    centres, halves, frames, scales = [], [], [], []
    for j in np.unique(joints[weights > _MIN_WEIGHT]):
        if j >= len(skin_data.joints):
            continue  # an out-of-range joint index skins nothing (the loader has already warned)
        inverse_bind = skin_data.inverse_bind_matrices[j]
        used = ((joints == j) & (weights > _MIN_WEIGHT)).any(axis=1)
        local = (homogeneous[used] @ inverse_bind.T)[:, :3]
        lo, hi = local.min(axis=0), local.max(axis=0)
        centres.append((lo + hi) / 2)
        halves.append((hi - lo) / 2)
        frames.append(skin_data.joints[j])
        scales.append(float(np.linalg.norm(inverse_bind[:3, :3], 2)))
    if not frames:
        lo, hi = positions.min(axis=0), positions.max(axis=0)
        return PrimitiveBoxes(((lo + hi) / 2)[None], ((hi - lo) / 2)[None], np.array([node]), np.ones(1), reach, node)
    return PrimitiveBoxes(np.array(centres), np.array(halves), np.array(frames), np.array(scales), reach, node)


class BoundsSet:
    """The boxes of several primitives, tested together each frame (one batched product instead
    of a Python loop per primitive)."""

    def __init__(self, primitives: list[PrimitiveBoxes]) -> None:
        self.primitives = primitives
        self.centres = np.concatenate([p.centres for p in primitives]) if primitives else np.zeros((0, 3))
        self.halves = np.concatenate([p.halves for p in primitives]) if primitives else np.zeros((0, 3))
        self.frames = np.concatenate([p.frames for p in primitives]) if primitives else np.zeros(0, np.int64)
        self.scales = np.concatenate([p.scales for p in primitives]) if primitives else np.zeros(0)
        counts = np.array([len(p.frames) for p in primitives], np.int64)
        self.owner = np.repeat(np.arange(len(primitives)), counts)  # primitive of each box
        self.corner_starts = np.r_[0, np.cumsum(counts)[:-1]] * 8 if primitives else np.zeros(0, np.int64)
        # Morph reach grouped by node (a mesh's primitives share its weights): one product per node.
        self._reach_by_node: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for node in dict.fromkeys(p.node for p in primitives if len(p.morph_reach)):
            members = [i for i, p in enumerate(primitives) if p.node == node and len(p.morph_reach)]
            width = max(len(primitives[i].morph_reach) for i in members)
            reach = np.zeros((len(members), width))
            for row, i in enumerate(members):
                reach[row, :len(primitives[i].morph_reach)] = primitives[i].morph_reach
            self._reach_by_node[node] = (np.array(members), reach)

    def clip_corners(self, node_world: np.ndarray, morph_weights: dict[int, np.ndarray],
                     view_projection: np.ndarray) -> np.ndarray:
        """(boxes * 8, 4) clip-space corners in this pose; morph padding from each primitive's
        node weights."""
        pads = np.zeros(len(self.primitives))
        for node, (members, reach) in self._reach_by_node.items():
            weights = morph_weights.get(node)
            if weights is not None:
                count = min(len(weights), reach.shape[1])
                pads[members] = reach[:, :count] @ np.abs(weights[:count])
        halves = self.halves + (pads[self.owner] * self.scales)[:, None]
        local = self.centres[:, None, :] + _SIGNS[None] * halves[:, None, :]  # (B, 8, 3)
        matrices = view_projection @ node_world[self.frames]  # (B, 4, 4)
        clip = local @ matrices[:, :, :3].transpose(0, 2, 1) + matrices[:, None, :, 3]
        return clip.reshape(-1, 4)

    def visible(self, clip: np.ndarray, projection: np.ndarray, world_pads_m: np.ndarray) -> np.ndarray:
        """(P,) bool: primitives not wholly beyond one clip plane (grown by each one's world pad,
        e.g. an outline shell)."""
        if not self.primitives:
            return np.zeros(0, bool)
        x, y, z, w = clip.T
        box_pad = np.repeat(world_pads_m[self.owner], 8)
        reach = w + _clip_slack(projection, 1.0) * box_pad * np.maximum(w, 1e-6)
        starts = self.corner_starts
        beyond = np.zeros(len(self.primitives), bool)
        for outside in (x < -reach, x > reach, y < -reach, y > reach, z < -w, z > w):
            beyond |= np.logical_and.reduceat(outside, starts)
        return ~beyond

    def nearest_w(self, clip: np.ndarray) -> np.ndarray:
        """(P,) the smallest clip w (the view depth under a perspective projection) of each
        primitive's corners: its nearest possible point, where it looks largest on screen."""
        if not self.primitives:
            return np.zeros(0)
        return np.minimum.reduceat(clip[:, 3], self.corner_starts)

    def corners_of(self, clip: np.ndarray, primitive_mask: np.ndarray) -> np.ndarray:
        return clip[np.repeat(primitive_mask[self.owner], 8)]


def _clip_slack(projection: np.ndarray, world_pad_m: float) -> float:
    """How far (in NDC units at depth w = 1) a world offset of `world_pad_m` can move a point's
    projection: the lateral scale, plus up to |ndc| <= 2 more for a move along the view axis."""
    return world_pad_m * (float(max(abs(projection[0, 0]), abs(projection[1, 1]))) + 2.0)


def pixel_rect(clip: np.ndarray, size: tuple[int, int], projection: np.ndarray,
               world_pad_m: float = 0.0) -> PixelRect | None:
    """The window rectangle holding every corner's projection grown by a world offset of
    `world_pad_m`, or None when a corner is at or behind the camera plane (the projection is
    unbounded there: draw the whole frame)."""
    w = clip[:, 3]
    if (w <= 1e-6).any():
        return None
    width, height = size
    ndc = clip[:, :2] / w[:, None]
    slack = _clip_slack(projection, world_pad_m) / float(w.min())
    lo = ndc.min(axis=0) - slack
    hi = ndc.max(axis=0) + slack
    x0 = int(np.floor((lo[0] * 0.5 + 0.5) * width)) - _MARGIN_PX
    y0 = int(np.floor((lo[1] * 0.5 + 0.5) * height)) - _MARGIN_PX
    x1 = int(np.ceil((hi[0] * 0.5 + 0.5) * width)) + _MARGIN_PX
    y1 = int(np.ceil((hi[1] * 0.5 + 0.5) * height)) + _MARGIN_PX
    return clamp_rect((x0, y0, x1, y1), size)


def clamp_rect(rect: PixelRect, size: tuple[int, int]) -> PixelRect:
    x0, y0, x1, y1 = rect
    width, height = size
    x0, x1 = max(0, min(width, x0)), max(0, min(width, x1))
    y0, y1 = max(0, min(height, y0)), max(0, min(height, y1))
    return (x0, y0, max(x0, x1), max(y0, y1))


def union_rect(a: PixelRect | None, b: PixelRect | None) -> PixelRect | None:
    """Smallest rectangle holding both (None = the whole frame, which holds everything)."""
    if a is None or b is None:
        return None
    if a[2] <= a[0] or a[3] <= a[1]:
        return b
    if b[2] <= b[0] or b[3] <= b[1]:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


EMPTY_RECT: PixelRect = (0, 0, 0, 0)
