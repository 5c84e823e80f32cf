"""Compiled inner loops of the spring bone simulator (`spring.py` holds the model and its
documentation).

A spring rig has a few dozen joints: batched numpy spent almost all of its time in per-call
overhead (~0.7 ms per frame for 16 joints). These loops run once per joint instead, compiled with
numba (`cache=True`: the compiled code is kept next to this file, or in numba's user cache, so
only the first run on a machine pays the compile).

Joints come ordered by their depth in the skeleton, so a joint's parent joint is always updated
before it. Matrices are (4, 4) float64, C-contiguous, column vectors (p' = M @ p).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _matmul4(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    for i in range(4):
        for j in range(4):
            out[i, j] = a[i, 0] * b[0, j] + a[i, 1] * b[1, j] + a[i, 2] * b[2, j] + a[i, 3] * b[3, j]


@njit(cache=True)
def _copy(src: np.ndarray, dst: np.ndarray) -> None:
    """dst[...] = src for a vector or a matrix (explicit loops compile much faster than slices)."""
    flat_src, flat_dst = src.reshape(-1), dst.reshape(-1)
    for i in range(flat_src.shape[0]):
        flat_dst[i] = flat_src[i]


@njit(cache=True)
def _transform(m: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    for i in range(3):
        out[i] = m[i, 0] * p[0] + m[i, 1] * p[1] + m[i, 2] * p[2] + m[i, 3]


@njit(cache=True)
def _rotation(m: np.ndarray, unit_columns: bool, out: np.ndarray) -> None:
    """The 3x3 of `m`, its columns normalized when the rig carries scale."""
    for j in range(3):
        s = 1.0
        if unit_columns:
            s = 1.0 / max(np.sqrt(m[0, j] ** 2 + m[1, j] ** 2 + m[2, j] ** 2), 1e-12)
        for i in range(3):
            out[i, j] = m[i, j] * s


@njit(cache=True)
def _fit(v: np.ndarray, length: float) -> None:
    """Scale `v` in place to `length`."""
    s = length / max(np.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]), 1e-12)
    for i in range(3):
        v[i] *= s


@njit(cache=True)
def _det3(m: np.ndarray) -> float:
    """Triple product of the first three columns (the 3x3 determinant)."""
    return ((m[1, 0] * m[2, 1] - m[2, 0] * m[1, 1]) * m[0, 2] + (m[2, 0] * m[0, 1] - m[0, 0] * m[2, 1]) * m[1, 2]
            + (m[0, 0] * m[1, 1] - m[1, 0] * m[0, 1]) * m[2, 2])


@njit(cache=True)
def _parent_matrix(j: int, parent_joint: np.ndarray, parent_input: np.ndarray, joints_world: np.ndarray,
                   inputs: np.ndarray, out: np.ndarray) -> None:
    if parent_joint[j] >= 0:
        _copy(joints_world[parent_joint[j]], out)
    elif parent_input[j] >= 0:
        _copy(inputs[parent_input[j]], out)
    else:
        for r in range(4):
            for c in range(4):
                out[r, c] = 1.0 if r == c else 0.0


@njit(cache=True)
def _aim(parent: np.ndarray, head: np.ndarray, tail_world: np.ndarray, axis: np.ndarray, local_rest: np.ndarray,
         rest_rot: np.ndarray, scale: np.ndarray, unit_columns: bool, r: np.ndarray, swing: np.ndarray,
         local: np.ndarray, out: np.ndarray) -> None:
    """World matrix of a joint swung (shortest arc) so its axis points at `tail_world`. `r`, `swing`
    (3x3) and `local` (4x4) are the caller's scratch buffers: no allocation per joint."""
    _rotation(head, unit_columns, r)
    d0, d1, d2 = tail_world[0] - head[0, 3], tail_world[1] - head[1, 3], tail_world[2] - head[2, 3]
    # R^T d: the tail in the joint's rest frame, made unit
    b0 = r[0, 0] * d0 + r[1, 0] * d1 + r[2, 0] * d2
    b1 = r[0, 1] * d0 + r[1, 1] * d1 + r[2, 1] * d2
    b2 = r[0, 2] * d0 + r[1, 2] * d1 + r[2, 2] * d2
    norm = 1.0 / max(np.sqrt(b0 * b0 + b1 * b1 + b2 * b2), 1e-12)
    b0, b1, b2 = b0 * norm, b1 * norm, b2 * norm
    # Rodrigues: I + [v]x + [v]x^2 / (1 + a.b) with v = a x b, and [v]x^2 = v v^T - |v|^2 I.
    v0 = axis[1] * b2 - axis[2] * b1
    v1 = axis[2] * b0 - axis[0] * b2
    v2 = axis[0] * b1 - axis[1] * b0
    inv = 1.0 / max(1.0 + axis[0] * b0 + axis[1] * b1 + axis[2] * b2, 1e-6)
    diagonal = 1.0 - (v0 * v0 + v1 * v1 + v2 * v2) * inv
    swing[0, 0], swing[0, 1], swing[0, 2] = v0 * v0 * inv + diagonal, v0 * v1 * inv - v2, v0 * v2 * inv + v1
    swing[1, 0], swing[1, 1], swing[1, 2] = v1 * v0 * inv + v2, v1 * v1 * inv + diagonal, v1 * v2 * inv - v0
    swing[2, 0], swing[2, 1], swing[2, 2] = v2 * v0 * inv - v1, v2 * v1 * inv + v0, v2 * v2 * inv + diagonal
    _copy(local_rest, local)
    for i in range(3):
        for jj in range(3):
            local[i, jj] = (rest_rot[i, 0] * swing[0, jj] + rest_rot[i, 1] * swing[1, jj]
                            + rest_rot[i, 2] * swing[2, jj]) * scale[jj]
    _matmul4(parent, local, out)


@njit(cache=True)
def step(inputs: np.ndarray, inputs_inverse: np.ndarray, parent_joint: np.ndarray, parent_input: np.ndarray,
         center_input: np.ndarray, local_rest: np.ndarray, rest_rot: np.ndarray, scale: np.ndarray,
         axis: np.ndarray, length: np.ndarray, keep: np.ndarray, stiffness_dt: np.ndarray, gravity_dt: np.ndarray,
         hit_radius: np.ndarray, collider_mask: np.ndarray, collider_start: np.ndarray, collider_segment: np.ndarray,
         collider_radius: np.ndarray, unit_columns: bool, tail: np.ndarray, prev_tail: np.ndarray) -> None:
    """One physics substep: every joint's tail (center space) advanced in place.

    Verlet with drag, stiffness toward the posed bone direction and gravity; kept at the bone
    length; pushed out of the colliders (spheres and capsules, all pushes from the same point,
    summed); back to the bone length after a push."""
    count = tail.shape[0]
    joints_world = np.zeros((count, 4, 4))
    parent = np.empty((4, 4))
    head = np.empty((4, 4))
    head_c = np.empty((4, 4))
    r = np.empty((3, 3))
    g = np.empty((3, 3))
    swing = np.empty((3, 3))
    local = np.empty((4, 4))
    nxt = np.empty(3)
    nxt_w = np.empty(3)
    n_colliders = collider_radius.shape[0]
    for j in range(count):
        _parent_matrix(j, parent_joint, parent_input, joints_world, inputs, parent)
        _matmul4(parent, local_rest[j], head)
        ci = center_input[j]
        if ci >= 0:
            _matmul4(inputs_inverse[ci], head, head_c)
        else:
            _copy(head, head_c)
        _rotation(head_c, unit_columns, r)
        if ci >= 0:  # gravity is a world direction: into center space
            _rotation(inputs_inverse[ci], unit_columns, g)
        for i in range(3):
            stiff = (r[i, 0] * axis[j, 0] + r[i, 1] * axis[j, 1] + r[i, 2] * axis[j, 2]) * stiffness_dt[j]
            grav = gravity_dt[j, i]
            if ci >= 0:
                grav = g[i, 0] * gravity_dt[j, 0] + g[i, 1] * gravity_dt[j, 1] + g[i, 2] * gravity_dt[j, 2]
            nxt[i] = tail[j, i] + (tail[j, i] - prev_tail[j, i]) * keep[j] + stiff + grav - head_c[i, 3]
        _fit(nxt, length[j])
        for i in range(3):
            nxt[i] += head_c[i, 3]
        if ci >= 0:
            _transform(inputs[ci], nxt, nxt_w)
        else:
            _copy(nxt, nxt_w)
        pushed = False
        push0 = push1 = push2 = 0.0
        for c in range(n_colliders):
            if not collider_mask[j, c]:
                continue
            a, ab = collider_start[c], collider_segment[c]
            ap0, ap1, ap2 = nxt_w[0] - a[0], nxt_w[1] - a[1], nxt_w[2] - a[2]
            denom = max(ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2], 1e-12)
            u = min(1.0, max(0.0, (ap0 * ab[0] + ap1 * ab[1] + ap2 * ab[2]) / denom))
            d0, d1, d2 = ap0 - u * ab[0], ap1 - u * ab[1], ap2 - u * ab[2]
            dist = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
            reach = collider_radius[c] + hit_radius[j]
            if dist < reach and dist > 1e-9:
                s = (reach - dist) / dist
                push0 += d0 * s
                push1 += d1 * s
                push2 += d2 * s
                pushed = True
        if pushed or ci >= 0:  # back to the bone's length after a push (or a scaled center)
            nxt_w[0] += push0 - head[0, 3]
            nxt_w[1] += push1 - head[1, 3]
            nxt_w[2] += push2 - head[2, 3]
            _fit(nxt_w, length[j])
            for i in range(3):
                nxt_w[i] += head[i, 3]
        _copy(tail[j], prev_tail[j])
        if ci >= 0:
            _transform(inputs_inverse[ci], nxt_w, tail[j])
        else:
            _copy(nxt_w, tail[j])
        _aim(parent, head, nxt_w, axis[j], local_rest[j], rest_rot[j], scale[j], unit_columns, r, swing, local,
             joints_world[j])


@njit(cache=True)
def pose(inputs: np.ndarray, parent_joint: np.ndarray, parent_input: np.ndarray, center_input: np.ndarray,
         local_rest: np.ndarray, rest_rot: np.ndarray, scale: np.ndarray, axis: np.ndarray, unit_columns: bool,
         tails_center: np.ndarray, aim: bool) -> np.ndarray:
    """(J, 4, 4) joint world matrices aimed at `tails_center` (center space), or at rest when
    `aim` is False."""
    count = parent_joint.shape[0]
    joints_world = np.zeros((count, 4, 4))
    parent = np.empty((4, 4))
    head = np.empty((4, 4))
    tail_w = np.empty(3)
    r = np.empty((3, 3))
    swing = np.empty((3, 3))
    local = np.empty((4, 4))
    for j in range(count):
        _parent_matrix(j, parent_joint, parent_input, joints_world, inputs, parent)
        _matmul4(parent, local_rest[j], head)
        if not aim:
            _copy(head, joints_world[j])
            continue
        if center_input[j] >= 0:
            _transform(inputs[center_input[j]], tails_center[j], tail_w)
        else:
            _copy(tails_center[j], tail_w)
        _aim(parent, head, tail_w, axis[j], local_rest[j], rest_rot[j], scale[j], unit_columns, r, swing, local,
             joints_world[j])
    return joints_world


@njit(cache=True)
def blend(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
    """(K, 4, 4) matrices between two frames: positions lerped, rotations lerped and
    re-orthonormalized (Gram-Schmidt; between two frames the rotation is small, so this tracks
    slerp closely), column scales lerped. Mirrored nodes keep their handedness."""
    count = a.shape[0]
    out = np.empty_like(a)
    for k in range(count):
        for i in range(4):
            for j in range(4):
                out[k, i, j] = a[k, i, j] + (b[k, i, j] - a[k, i, j]) * u
    mirrored = False
    for k in range(count):
        if _det3(a[k]) < 0:
            mirrored = True
    x = np.empty(3)
    y = np.empty(3)
    scale = np.empty(3)
    for k in range(count):
        m = out[k]
        for j in range(3):
            sa = np.sqrt(a[k, 0, j] ** 2 + a[k, 1, j] ** 2 + a[k, 2, j] ** 2)
            sb = np.sqrt(b[k, 0, j] ** 2 + b[k, 1, j] ** 2 + b[k, 2, j] ** 2)
            scale[j] = sa + (sb - sa) * u
        for i in range(3):
            x[i] = m[i, 0]
        _fit(x, 1.0)
        along = x[0] * m[0, 1] + x[1] * m[1, 1] + x[2] * m[2, 1]
        for i in range(3):
            y[i] = m[i, 1] - x[i] * along
        _fit(y, 1.0)
        handedness = 1.0
        if mirrored and _det3(b[k]) < 0:
            handedness = -1.0
        z0 = (x[1] * y[2] - x[2] * y[1]) * handedness
        z1 = (x[2] * y[0] - x[0] * y[2]) * handedness
        z2 = (x[0] * y[1] - x[1] * y[0]) * handedness
        for i in range(3):
            m[i, 0] = x[i] * scale[0]
            m[i, 1] = y[i] * scale[1]
        m[0, 2], m[1, 2], m[2, 2] = z0 * scale[2], z1 * scale[2], z2 * scale[2]
    return out


@njit(cache=True)
def collider_shapes(inputs: np.ndarray, collider_input: np.ndarray, offset: np.ndarray, tail: np.ndarray,
                    radius: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World (start, segment, radius) of every collider (a sphere is a capsule with a zero
    segment); radii scale with the node's x axis."""
    count = collider_input.shape[0]
    start = np.empty((count, 3))
    segment = np.empty((count, 3))
    scaled = np.empty(count)
    end = np.empty(3)
    for c in range(count):
        m = inputs[collider_input[c]]
        _transform(m, offset[c], start[c])
        _transform(m, tail[c], end)
        for i in range(3):
            segment[c, i] = end[i] - start[c, i]
        scaled[c] = radius[c] * np.sqrt(m[0, 0] ** 2 + m[1, 0] ** 2 + m[2, 0] ** 2)
    return start, segment, scaled


def warm_up() -> None:
    """Compile every kernel (or load it from numba's cache) with the argument types the simulator
    passes, so the first avatar with spring bones does not wait for the compiler (~10 s once per
    machine). `make setup` runs this."""
    joints, colliders = 2, 1
    eye = np.tile(np.eye(4), (1, 1, 1))
    local = np.tile(np.eye(4), (joints, 1, 1))
    rotations = np.tile(np.eye(3), (joints, 1, 1))
    vectors = np.zeros((joints, 3))
    scalars = np.ones(joints)
    parent_joint = np.array([-1, 0], np.int64)
    parent_input = np.array([0, -1], np.int64)
    centers = np.array([-1, -1], np.int64)
    start, segment, radius = collider_shapes(eye, np.zeros(colliders, np.int64), np.zeros((colliders, 3)),
                                             np.zeros((colliders, 3)), np.ones(colliders))
    inputs = blend(eye, eye, 0.5)
    tail = np.array([[0.0, -1.0, 0.0], [0.0, -2.0, 0.0]])
    step(inputs, inputs, parent_joint, parent_input, centers, local, rotations, np.ones((joints, 3)),
         np.array([[0.0, -1.0, 0.0]] * joints), scalars, scalars, scalars, vectors, scalars,
         np.ones((joints, colliders), bool), start, segment, radius, False, tail, tail.copy())
    pose(inputs, parent_joint, parent_input, centers, local, rotations, np.ones((joints, 3)), vectors, False, tail, True)


if __name__ == "__main__":
    warm_up()
