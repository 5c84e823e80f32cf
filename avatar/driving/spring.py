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
- joints are stepped in depth order (parents first) by compiled loops (`spring_kernel.py`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar.driving import spring_kernel
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


def _lengths(v: np.ndarray) -> np.ndarray:
    """(k, 3) -> (k, 1) row lengths."""
    return np.sqrt(v[:, None, :] @ v[:, :, None])[:, 0]


def _unit_rot(m: np.ndarray) -> np.ndarray:
    r = m[..., :3, :3]
    return r / np.linalg.norm(r, axis=-2, keepdims=True)


def _xform(m: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (m[:, :3, :3] @ p[:, :, None])[:, :, 0] + m[:, :3, 3]


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
        rows = []  # (node, parent node, axis, length, params, colliders, center)
        for spring in springs.springs:
            colliders = tuple(c for g in spring.collider_groups for c in springs.collider_groups[g].colliders)
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
                rows.append((node, int(rig.parents[node]), axis / np.linalg.norm(axis), length, joint, colliders,
                             spring.center))
        # Parents before children (the compiled step walks the joints in this order): by the node's
        # depth in the skeleton, which also orders a chain hanging from another chain's joint.
        node_depth = {int(n): d for d, level in enumerate(rig.levels) for n in level}
        rows.sort(key=lambda r: node_depth[r[0]])
        self.count = len(rows)
        self.nodes = np.array([r[0] for r in rows], np.int64)
        self._joint_index = {int(n): i for i, n in enumerate(self.nodes)}
        self.axis = np.array([r[2] for r in rows]).reshape(-1, 3)
        self.length = np.array([r[3] for r in rows])
        self.stiffness = np.array([r[4].stiffness for r in rows])
        self.drag = np.array([r[4].drag_force for r in rows])
        self.gravity = np.array([np.asarray(r[4].gravity_dir, np.float64) * r[4].gravity_power for r in rows]).reshape(-1, 3)
        self.hit_radius = np.array([r[4].hit_radius for r in rows])
        self._keep = 1.0 - self.drag
        self._stiffness_dt = self.stiffness * self.dt
        self._gravity_dt = self.gravity * self.dt
        rest_locals = rig.rest.local_matrices()
        self.local_rest = np.array([rest_locals[r[0]] for r in rows], np.float64).reshape(-1, 4, 4)
        self.rest_rot = np.array([qmatrix(rest.rotation[r[0]]) for r in rows]).reshape(-1, 3, 3)
        self.scale = np.array([rest.scale[r[0]] for r in rows], np.float64).reshape(-1, 3)
        # A joint's parent is another joint (index) or an input node (-1 - position in inputs).
        parent_nodes = [r[1] for r in rows]
        colliders = springs.colliders
        needed = {p for p in parent_nodes if p not in self._joint_index and p >= 0}
        needed |= {c.node for c in colliders}
        needed |= {r[6] for r in rows if r[6] is not None}
        self._input_nodes = sorted(needed)
        where = {n: i for i, n in enumerate(self._input_nodes)}
        self.parent_joint = np.array([self._joint_index.get(p, -1) for p in parent_nodes], np.int64)
        self.parent_input = np.array([where.get(p, -1) for p in parent_nodes], np.int64)
        self.center_input = np.array([where[r[6]] if r[6] is not None else -1 for r in rows], np.int64)
        self._has_centers = bool((self.center_input >= 0).any())
        self.collider_input = np.array([where[c.node] for c in colliders], np.int64)
        self.collider_offset = np.array([c.offset for c in colliders], np.float64).reshape(-1, 3)
        self.collider_tail = np.array([c.tail if c.shape is ColliderShape.CAPSULE and c.tail is not None
                                       else c.offset for c in colliders], np.float64).reshape(-1, 3)
        self.collider_radius = np.array([c.radius for c in colliders], np.float64)
        self.collider_mask = np.zeros((self.count, len(colliders)), bool)
        for i, r in enumerate(rows):
            self.collider_mask[i, list(r[5])] = True
        # Non-joint nodes below a joint follow it (their local transform is kept).
        below: set[int] = set()
        for level in rig.levels[1:]:
            for n in level:
                p = int(rig.parents[n])
                if int(n) not in self._joint_index and (p in self._joint_index or p in below):
                    below.add(int(n))
        self._carried = [int(n) for level in rig.levels for n in level if int(n) in below]
        # Most rigs carry no scale: then a world matrix's 3x3 is already a rotation.
        unit = np.allclose(np.linalg.norm(rest_world[:, :3, :3], axis=1), 1.0, atol=1e-4)
        self._rot = (lambda m: m[..., :3, :3]) if unit else _unit_rot
        self._unit_columns = not unit  # the kernel normalizes rotation columns only when needed
        self._tail = np.zeros((self.count, 3))
        self._prev_tail = np.zeros((self.count, 3))
        self._shown_prev = np.zeros((self.count, 3))
        self._time: float | None = None
        self._sim_time = 0.0
        self._last_input = np.zeros((len(self._input_nodes), 4, 4))

    # ------------------------------------------------------------------ helpers
    def _centers(self, idx: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        ci = self.center_input[idx]
        out = np.tile(np.eye(4), (len(ci), 1, 1))
        out[ci >= 0] = inputs[ci[ci >= 0]]
        return out

    # ------------------------------------------------------------------ stepping
    def _step(self, inputs: np.ndarray) -> None:
        start, segment, radius = spring_kernel.collider_shapes(inputs, self.collider_input, self.collider_offset,
                                                               self.collider_tail, self.collider_radius)
        inverse = np.linalg.inv(inputs) if self._has_centers else inputs
        spring_kernel.step(inputs, inverse, self.parent_joint, self.parent_input, self.center_input,
                           self.local_rest, self.rest_rot, self.scale, self.axis, self.length, self._keep,
                           self._stiffness_dt, self._gravity_dt, self.hit_radius, self.collider_mask, start, segment,
                           radius, self._unit_columns, self._tail, self._prev_tail)

    @staticmethod
    def _fit(v: np.ndarray, length: np.ndarray) -> np.ndarray:
        """Rows of `v` scaled to `length` ((k, 1))."""
        return v * (length / np.maximum(_lengths(v), 1e-12))

    def _inputs(self, world: np.ndarray) -> np.ndarray:
        return np.asarray(world, np.float64)[self._input_nodes] if self._input_nodes else np.zeros((0, 4, 4))

    @staticmethod
    def _blend(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
        """The input matrices a fraction `u` of the way from the last frame's to this frame's."""
        if u >= 1.0 or not len(b):
            return b
        return spring_kernel.blend(a, b, u)

    def _pose(self, inputs: np.ndarray, tails_center: np.ndarray | None) -> np.ndarray:
        """Joint world matrices aimed at the given tails (center space), or at rest when None."""
        aim = tails_center is not None
        return spring_kernel.pose(inputs, self.parent_joint, self.parent_input, self.center_input, self.local_rest,
                                  self.rest_rot, self.scale, self.axis, self._unit_columns,
                                  tails_center if aim else self._tail, aim)

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
