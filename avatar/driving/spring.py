"""Spring bones (hair, skirts, ears) simulated at a fixed rate, independent of the frame rate.

The algorithm is the VRM 1.0 spring bone (VRMC_springBone): each joint's tail is a Verlet point
pulled back toward the bone's posed direction (stiffness), pulled by gravity, slowed by drag, kept
at the bone's rest length and pushed out of sphere/capsule colliders (radius + hit radius); the
joint then rotates to point at its tail. Differences from per-frame implementations:

- physics runs at `SpringOptions.rate_hz` (60 Hz) substeps; the skeleton pose between two frames
  is interpolated for each substep, and the shown tails are interpolated between the last two
  substeps (one substep of latency), so 30 fps and 144 fps give the same motion;
- positions live in the spring's center space (the node `Spring.center`, or world), so moving the
  whole avatar with its center does not shake the hair;
- joints are processed in batches (all chains' first joints, then all second joints, ...) with
  numpy, so the cost grows with chain length, not with the number of joints.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar.driving.qmath import qmatrix
from avatar.driving.rig import HumanoidRig
from avatar.vrm.types import ColliderShape, SpringBones

MAX_SUBSTEPS = 12  # after a stall longer than 12/60 s the missing time is dropped, not simulated
_MIN_LENGTH_M = 1e-6


@dataclass(frozen=True)
class SpringOptions:
    """rate_hz: physics substep rate (60 Hz: UniVRM and three-vrm tune their parameters per
    60 fps frame). enabled: False leaves every spring joint at its posed rest rotation."""

    rate_hz: float = 60.0
    enabled: bool = True


# The arrays here are small (one row per joint of a chain level): numpy's per-call overhead, not
# arithmetic, is the cost, so the helpers below use as few calls as possible (matmul and einsum
# over np.linalg.norm / np.cross / np.stack, which are several times slower on tiny arrays).
_LEVI_CIVITA = np.zeros((3, 3, 3))
_LEVI_CIVITA[0, 1, 2] = _LEVI_CIVITA[1, 2, 0] = _LEVI_CIVITA[2, 0, 1] = 1.0
_LEVI_CIVITA[0, 2, 1] = _LEVI_CIVITA[2, 1, 0] = _LEVI_CIVITA[1, 0, 2] = -1.0
_TO_CROSS_MATRIX = -np.transpose(_LEVI_CIVITA, (2, 0, 1)).reshape(3, 9)  # v @ this = [v]x, flattened
_EYE3 = np.eye(3)


def _cross_matrices(v: np.ndarray) -> np.ndarray:
    """(k, 3) -> (k, 3, 3) matrices [v]x with [v]x @ w = v x w."""
    return (v @ _TO_CROSS_MATRIX).reshape(-1, 3, 3)


def _lengths(v: np.ndarray) -> np.ndarray:
    """(k, 3) -> (k, 1) row lengths."""
    return np.sqrt(v[:, None, :] @ v[:, :, None])[:, 0]


def _from_to(a: np.ndarray, a_cross: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k, 3) unit a (and its [a]x), (k, 3) any b -> (k, 3, 3) shortest-arc rotations taking a
    onto b (Rodrigues: I + [v]x + [v]x^2 / (1 + a.b) with v = a x b)."""
    b = b / np.maximum(_lengths(b), 1e-12)
    k = _cross_matrices((a_cross @ b[:, :, None])[:, :, 0])
    c = np.einsum("ij,ij->i", a, b)
    return _EYE3 + k + (k @ k) / np.maximum(1.0 + c, 1e-6)[:, None, None]


def _unit_rot(m: np.ndarray) -> np.ndarray:
    r = m[..., :3, :3]
    return r / np.linalg.norm(r, axis=-2, keepdims=True)


def _xform(m: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (m[:, :3, :3] @ p[:, :, None])[:, :, 0] + m[:, :3, 3]


@dataclass(frozen=True)
class _Level:
    """The joints at one depth of their chains (simulated together) and their constants,
    gathered once: indexing per substep would cost more than the physics."""

    idx: slice
    axis: np.ndarray  # (k, 3) unit bone direction, joint-local
    axis_cross: np.ndarray  # (k, 3, 3) its cross-product matrices
    length: np.ndarray  # (k, 1) metres
    keep: np.ndarray  # (k, 1) 1 - drag
    stiffness_dt: np.ndarray  # (k, 1)
    gravity_dt: np.ndarray  # (k, 3)
    local_rest: np.ndarray  # (k, 4, 4)
    rest_rot: np.ndarray  # (k, 3, 3)
    scale: np.ndarray  # (k, 1, 3)
    hit_radius: np.ndarray  # (k, 1)
    collider_mask: np.ndarray  # (k, colliders)


class SpringBoneSimulator:
    """Call `update(time_s, world)` once per frame with the posed world matrices (root transform
    included, spring joints at their rest rotation); it returns world matrices with the spring
    joints swung. Deterministic for a given sequence of (time, pose)."""

    def __init__(self, rig: HumanoidRig, springs: SpringBones, options: SpringOptions = SpringOptions()) -> None:
        self.rig = rig
        self.springs = springs
        self.options = options
        self.dt = 1.0 / options.rate_hz
        rest, rest_world = rig.rest, rig.rest_world
        rows = []  # (node, parent node, depth in chain, axis, length, params, colliders, center)
        for spring in springs.springs:
            colliders = tuple(c for g in spring.collider_groups for c in springs.collider_groups[g].colliders)
            depth = 0
            for k, joint in enumerate(spring.joints):
                node = joint.node
                if k + 1 < len(spring.joints):
                    tail_world = rest_world[spring.joints[k + 1].node][:3, 3]
                    axis = (np.linalg.inv(rest_world[node]) @ np.append(tail_world, 1.0))[:3]
                elif spring.virtual_tail is not None:
                    axis = np.asarray(spring.virtual_tail, np.float64)
                    tail_world = (rest_world[node] @ np.append(axis, 1.0))[:3]
                else:
                    continue  # VRM 1.0: the last joint is only the chain's tail
                length = float(np.linalg.norm(tail_world - rest_world[node][:3, 3]))
                if length < _MIN_LENGTH_M or np.linalg.norm(axis) < 1e-9:
                    continue
                rows.append((node, int(rig.parents[node]), depth, axis / np.linalg.norm(axis), length,
                             joint, colliders, spring.center))
                depth += 1
        rows.sort(key=lambda r: r[2])  # batches by depth; order inside a batch is irrelevant
        self.count = len(rows)
        self.nodes = np.array([r[0] for r in rows], np.int64)
        self._joint_index = {int(n): i for i, n in enumerate(self.nodes)}
        self.depth = np.array([r[2] for r in rows], np.int64)
        # Sorted by depth, each batch is a contiguous range: slices give views, not copies.
        self.batches = [slice(int(np.searchsorted(self.depth, d)), int(np.searchsorted(self.depth, d, side="right")))
                        for d in range(int(self.depth.max(initial=-1)) + 1)]
        self.axis = np.array([r[3] for r in rows]).reshape(-1, 3)
        self.length = np.array([r[4] for r in rows])
        self.stiffness = np.array([r[5].stiffness for r in rows])
        self.drag = np.array([r[5].drag_force for r in rows])
        self.gravity = np.array([np.asarray(r[5].gravity_dir, np.float64) * r[5].gravity_power for r in rows]).reshape(-1, 3)
        self.hit_radius = np.array([r[5].hit_radius for r in rows])
        self.local_rest = np.array([rig.rest.local_matrices()[r[0]] for r in rows], np.float64).reshape(-1, 4, 4)
        self.rest_rot = np.array([qmatrix(rest.rotation[r[0]]) for r in rows]).reshape(-1, 3, 3)
        self.scale = np.array([rest.scale[r[0]] for r in rows], np.float64).reshape(-1, 3)
        # A joint's parent is another joint (index) or an input node (-1 - position in inputs).
        parent_nodes = [r[1] for r in rows]
        colliders = springs.colliders
        needed = {p for p in parent_nodes if p not in self._joint_index and p >= 0}
        needed |= {c.node for c in colliders}
        needed |= {r[7] for r in rows if r[7] is not None}
        self._input_nodes = sorted(needed)
        where = {n: i for i, n in enumerate(self._input_nodes)}
        self.parent_joint = np.array([self._joint_index.get(p, -1) for p in parent_nodes], np.int64)
        self.parent_input = np.array([where.get(p, -1) for p in parent_nodes], np.int64)
        self.center_input = np.array([where[r[7]] if r[7] is not None else -1 for r in rows], np.int64)
        self._has_centers = bool((self.center_input >= 0).any())
        self.collider_input = np.array([where[c.node] for c in colliders], np.int64)
        self.collider_offset = np.array([c.offset for c in colliders], np.float64).reshape(-1, 3)
        self.collider_tail = np.array([c.tail if c.shape is ColliderShape.CAPSULE and c.tail is not None
                                       else c.offset for c in colliders], np.float64).reshape(-1, 3)
        self.collider_radius = np.array([c.radius for c in colliders], np.float64)
        self.collider_mask = np.zeros((self.count, len(colliders)), bool)
        for i, r in enumerate(rows):
            self.collider_mask[i, list(r[6])] = True
        # Non-joint nodes below a joint follow it (their local transform is kept).
        below: set[int] = set()
        for level in rig.levels[1:]:
            for n in level:
                p = int(rig.parents[n])
                if int(n) not in self._joint_index and (p in self._joint_index or p in below):
                    below.add(int(n))
        self._carried = [int(n) for level in rig.levels for n in level if int(n) in below]
        self._parent_plan: dict[int, tuple] = {}
        self._levels = [self._level(idx) for idx in self.batches]
        # Most rigs carry no scale: then a world matrix's 3x3 is already a rotation.
        unit = np.allclose(np.linalg.norm(rest_world[:, :3, :3], axis=1), 1.0, atol=1e-4)
        self._rot = (lambda m: m[..., :3, :3]) if unit else _unit_rot
        self._tail = np.zeros((self.count, 3))
        self._prev_tail = np.zeros((self.count, 3))
        self._shown_prev = np.zeros((self.count, 3))
        self._time: float | None = None
        self._sim_time = 0.0
        self._last_input = np.zeros((len(self._input_nodes), 4, 4))

    # ------------------------------------------------------------------ helpers
    def _level(self, idx: slice) -> "_Level":
        return _Level(idx=idx, axis=self.axis[idx], axis_cross=_cross_matrices(self.axis[idx]), length=self.length[idx][:, None],
                      keep=(1.0 - self.drag[idx])[:, None], stiffness_dt=(self.stiffness[idx] * self.dt)[:, None],
                      gravity_dt=self.gravity[idx] * self.dt, local_rest=self.local_rest[idx],
                      rest_rot=self.rest_rot[idx], scale=self.scale[idx][:, None, :],
                      hit_radius=self.hit_radius[idx][:, None], collider_mask=self.collider_mask[idx])

    def _parents(self, idx: slice, inputs: np.ndarray, joints_world: np.ndarray) -> np.ndarray:
        key = (idx.start, idx.stop)
        plan = self._parent_plan.get(key)
        if plan is None:
            pj, pi = self.parent_joint[idx], self.parent_input[idx]
            from_joint = pj >= 0
            from_input = ~from_joint & (pi >= 0)
            plan = (from_joint, pj[from_joint], from_input, pi[from_input], ~from_joint & ~from_input,
                    bool(from_joint.all()), bool(from_input.all()))
            self._parent_plan[key] = plan
        from_joint, pj, from_input, pi, neither, all_joint, all_input = plan
        if all_joint:
            return joints_world[pj]
        if all_input:
            return inputs[pi]
        out = np.empty((len(from_joint), 4, 4))
        out[from_joint] = joints_world[pj]
        out[from_input] = inputs[pi]
        out[neither] = np.eye(4)
        return out

    def _centers(self, idx: slice | np.ndarray, inputs: np.ndarray) -> np.ndarray:
        ci = self.center_input[idx]
        out = np.tile(np.eye(4), (len(ci), 1, 1))
        out[ci >= 0] = inputs[ci[ci >= 0]]
        return out

    def _aimed(self, level: "_Level", parent: np.ndarray, head: np.ndarray, tail_world: np.ndarray) -> np.ndarray:
        """World matrices of the level's joints rotated so their axis points at `tail_world`."""
        local_dir = ((tail_world - head[:, :3, 3])[:, None, :] @ self._rot(head))[:, 0]  # R^T (tail - head)
        swing = _from_to(level.axis, level.axis_cross, local_dir)
        local = level.local_rest.copy()
        local[:, :3, :3] = (level.rest_rot @ swing) * level.scale
        return parent @ local

    def _collider_shapes(self, inputs: np.ndarray) -> tuple[np.ndarray, ...] | None:
        """World (start, segment, |segment|^2, radius) of every collider for one substep."""
        if not len(self.collider_radius):
            return None
        m = inputs[self.collider_input]
        a = _xform(m, self.collider_offset)
        ab = _xform(m, self.collider_tail) - a
        radius = self.collider_radius * _lengths(m[:, :3, 0])[:, 0]
        return a, ab, np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12), radius

    def _collide(self, level: "_Level", points: np.ndarray, shapes: tuple[np.ndarray, ...] | None) -> np.ndarray | None:
        """`points` pushed out of the colliders, or None when none of them is inside one."""
        if shapes is None:
            return None
        a, ab, denom, radius = shapes
        ap = points[:, None, :] - a[None]  # (k, c, 3)
        u = np.clip(np.einsum("kcj,cj->kc", ap, ab) / denom, 0.0, 1.0)
        d = ap - u[..., None] * ab[None]  # from the closest point on each collider to the joint
        dist = np.sqrt(np.einsum("kcj,kcj->kc", d, d))
        reach = radius[None] + level.hit_radius
        hit = level.collider_mask & (dist < reach) & (dist > 1e-9)
        if not hit.any():
            return None
        push = np.where(hit[..., None], d / np.maximum(dist, 1e-9)[..., None] * (reach - dist)[..., None], 0.0)
        return points + push.sum(axis=1)

    # ------------------------------------------------------------------ stepping
    def _step(self, inputs: np.ndarray) -> None:
        joints_world = np.zeros((self.count, 4, 4))
        shapes = self._collider_shapes(inputs)
        centered = self._has_centers
        last = self._levels[-1]
        for level in self._levels:
            idx = level.idx
            parent = self._parents(idx, inputs, joints_world)
            head = parent @ level.local_rest
            center = self._centers(idx, inputs) if centered else None
            to_center = np.linalg.inv(center) if centered else None
            head_c = to_center @ head if centered else head
            pos_c = head_c[:, :3, 3]
            cur, prev = self._tail[idx], self._prev_tail[idx]
            stiff = (self._rot(head_c) @ level.axis[:, :, None])[:, :, 0] * level.stiffness_dt
            grav = level.gravity_dt
            if centered:
                grav = np.einsum("kij,kj->ki", self._rot(to_center), grav)
            nxt = cur + (cur - prev) * level.keep + stiff + grav
            nxt = pos_c + self._fit(nxt - pos_c, level.length)
            nxt_w = _xform(center, nxt) if centered else nxt
            pushed = self._collide(level, nxt_w, shapes)
            head_w = head[:, :3, 3]
            if pushed is not None or centered:  # back to the bone's length after a push (or a scaled center)
                nxt_w = head_w + self._fit((nxt_w if pushed is None else pushed) - head_w, level.length)
            self._prev_tail[idx] = cur
            self._tail[idx] = _xform(to_center, nxt_w) if centered else nxt_w
            if level is not last:  # the next level's parents (the shown pose is aimed in `_pose`)
                joints_world[idx] = self._aimed(level, parent, head, nxt_w)

    @staticmethod
    def _fit(v: np.ndarray, length: np.ndarray) -> np.ndarray:
        """Rows of `v` scaled to `length` ((k, 1))."""
        return v * (length / np.maximum(_lengths(v), 1e-12))

    def _inputs(self, world: np.ndarray) -> np.ndarray:
        return np.asarray(world, np.float64)[self._input_nodes] if self._input_nodes else np.zeros((0, 4, 4))

    @staticmethod
    def _blend(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
        """Matrices between two frames: positions lerped, rotations lerped and re-orthonormalized
        (Gram-Schmidt; between two frames the rotation is small, so this tracks slerp closely),
        column scales lerped."""
        if u >= 1.0 or not len(b):
            return b
        m = a + (b - a) * u
        sa = np.sqrt(np.einsum("kij,kij->kj", a[:, :3, :3], a[:, :3, :3]))
        sb = np.sqrt(np.einsum("kij,kij->kj", b[:, :3, :3], b[:, :3, :3]))
        x = m[:, :3, 0] / _lengths(m[:, :3, 0])
        y = m[:, :3, 1] - x * np.einsum("ij,ij->i", x, m[:, :3, 1])[:, None]
        y /= _lengths(y)
        z = (_cross_matrices(x) @ y[:, :, None])[:, :, 0]
        # Mirrored nodes keep their handedness (the triple product is the determinant).
        handedness = np.einsum("ij,ij->i", (_cross_matrices(a[:, :3, 0]) @ a[:, :3, 1, None])[:, :, 0], a[:, :3, 2])
        if handedness.min() < 0:
            z *= np.sign(np.einsum("ij,ij->i", (_cross_matrices(b[:, :3, 0]) @ b[:, :3, 1, None])[:, :, 0],
                                   b[:, :3, 2]))[:, None]
        scale = sa + (sb - sa) * u
        m[:, :3, 0], m[:, :3, 1], m[:, :3, 2] = x * scale[:, :1], y * scale[:, 1:2], z * scale[:, 2:]
        return m

    def _pose(self, inputs: np.ndarray, tails_center: np.ndarray | None) -> np.ndarray:
        """Joint world matrices aimed at the given tails (center space), or at rest when None."""
        joints_world = np.zeros((self.count, 4, 4))
        for level in self._levels:
            idx = level.idx
            parent = self._parents(idx, inputs, joints_world)
            head = parent @ level.local_rest
            if tails_center is None:
                joints_world[idx] = head
            else:
                tails = _xform(self._centers(idx, inputs), tails_center[idx]) if self._has_centers else tails_center[idx]
                joints_world[idx] = self._aimed(level, parent, head, tails)
        return joints_world

    def reset(self, world: np.ndarray, time_s: float) -> None:
        """Put every tail at its posed rest position (no motion) at `time_s`."""
        inputs = self._inputs(world)
        heads = self._pose(inputs, None)
        tails_w = heads[:, :3, 3] + self._fit(np.einsum("kij,kj->ki", self._rot(heads), self.axis), self.length[:, None])
        all_idx = np.arange(self.count)
        self._tail = _xform(np.linalg.inv(self._centers(all_idx, inputs)), tails_w)
        self._prev_tail = self._tail.copy()
        self._shown_prev = self._tail.copy()
        self._time = time_s
        self._sim_time = time_s
        self._last_input = inputs

    def update(self, time_s: float, world: np.ndarray) -> np.ndarray:
        """Advance to `time_s` and return a copy of `world` with the spring joints (and the nodes
        below them) moved. `world` is (N, 4, 4) from `HumanoidRig.world`."""
        if not self.count or not self.options.enabled:
            return world
        inputs = self._inputs(world)
        if self._time is None or time_s < self._time:
            self.reset(world, time_s)
        span = time_s - self._time
        steps = 0
        while self._sim_time + self.dt <= time_s + 1e-9:
            if steps == MAX_SUBSTEPS:  # stalled: drop the backlog instead of simulating it
                self._sim_time = time_s
                break
            self._sim_time += self.dt
            u = 1.0 if span <= 0 else min(1.0, max(0.0, (self._sim_time - self._time) / span))
            self._shown_prev = self._tail.copy()
            self._step(self._blend(self._last_input, inputs, u))
            steps += 1
        self._time = time_s
        self._last_input = inputs
        alpha = min(1.0, max(0.0, (time_s - self._sim_time) / self.dt))
        shown = self._shown_prev + (self._tail - self._shown_prev) * alpha
        return self._apply(world, self._pose(inputs, shown))

    def tail_positions(self) -> np.ndarray:
        """(J, 3) current simulated tails in center space (for tests and debug drawing)."""
        return self._tail.copy()

    def _apply(self, world: np.ndarray, joints_world: np.ndarray) -> np.ndarray:
        out = np.array(world, np.float64)
        out[self.nodes] = joints_world
        for n in self._carried:
            p = self.rig.parents[n]
            out[n] = out[p] @ (np.linalg.inv(world[p]) @ world[n])
        return out
