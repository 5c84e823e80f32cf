"""VRMC_node_constraint 1.0 evaluated on a posed skeleton: roll (twist bones), aim (sleeves) and
rotation (sub arms) constraints turn their destination nodes after the humanoid bones are posed.

Formulas: the extension's reference pseudocode (all rotations are node-local, relative to the
rest pose; the weight slerps from the destination's rest rotation). Constraints are evaluated
sources first, so a twist bone driven by another constrained node sees its final rotation."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from assets.errors import AssetError
from avatar.driving.qmath import IDENTITY, qfrom_matrix, qfrom_to, qinv, qmul, qnorm, qrot, qslerp
from avatar.vrm.types import NodeConstraint

ROLL_AXES = {"X": np.array([1.0, 0.0, 0.0]), "Y": np.array([0.0, 1.0, 0.0]), "Z": np.array([0.0, 0.0, 1.0])}
AIM_AXES = {f"{sign}{name}": axis * (1.0 if sign == "Positive" else -1.0)
            for name, axis in ROLL_AXES.items() for sign in ("Positive", "Negative")}

WorldFn = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (rotation, translation) -> (N, 4, 4) world


def _ancestors(node: int, parents: np.ndarray) -> list[int]:
    out = []
    while node >= 0:
        out.append(node)
        node = int(parents[node])
    return out


def evaluation_order(constraints: Sequence[NodeConstraint], parents: np.ndarray, names: Sequence[str],
                     source: str) -> list[NodeConstraint]:
    """Constraints ordered so that each runs after every constraint that moves its source (or,
    for aim, its own parent chain). A cycle is an error naming the nodes (the spec forbids it)."""
    by_node = {c.node: c for c in constraints}

    def dependencies(c: NodeConstraint) -> list[NodeConstraint]:
        # Roll and rotation read the source's local rotation; aim reads world positions, which
        # every ancestor of the source and of the destination's parent moves.
        moved_by = {c.source}
        if c.kind == "aim":
            moved_by = set(_ancestors(c.source, parents)) | set(_ancestors(int(parents[c.node]), parents))
        return [by_node[n] for n in sorted(moved_by) if n in by_node and n != c.node]

    ordered: list[NodeConstraint] = []
    state: dict[int, str] = {}

    def visit(c: NodeConstraint, chain: list[int]) -> None:
        if state.get(c.node) == "done":
            return
        if state.get(c.node) == "visiting":
            loop = " -> ".join(names[n] or f"node {n}" for n in chain[chain.index(c.node):] + [c.node])
            raise AssetError(f"{source}: VRMC_node_constraint: circular dependency {loop}; the spec "
                             f"forbids it: remove one of these constraints in your exporter")
        state[c.node] = "visiting"
        for dep in dependencies(c):
            visit(dep, chain + [c.node])
        state[c.node] = "done"
        ordered.append(c)

    for c in constraints:
        visit(c, [])
    return ordered


def _world_rotation(matrix: np.ndarray) -> np.ndarray:
    m = matrix[:3, :3]
    scale = np.linalg.norm(m, axis=0)
    return qfrom_matrix(m / np.where(scale == 0, 1.0, scale))


def constrained_rotation(c: NodeConstraint, rotation: np.ndarray, rest: np.ndarray,
                         world: np.ndarray | None, parents: np.ndarray) -> np.ndarray:
    """The destination's new local rotation (xyzw). `world` is needed for aim constraints only."""
    dst_rest = rest[c.node]
    if c.kind == "aim":
        parent = int(parents[c.node])
        parent_world = _world_rotation(world[parent]) if parent >= 0 else IDENTITY
        aim_from = qrot(qmul(parent_world, dst_rest), AIM_AXES[c.axis])
        aim_to = world[c.source][:3, 3] - world[c.node][:3, 3]
        if np.linalg.norm(aim_to) < 1e-9:
            return dst_rest
        turn = qfrom_to(aim_from, aim_to / np.linalg.norm(aim_to))
        target = qmul(qinv(parent_world), qmul(turn, qmul(parent_world, dst_rest)))
    else:
        src_rest = rest[c.source]
        src_delta = qmul(qinv(src_rest), rotation[c.source])
        if c.kind == "rotation":
            target = qmul(dst_rest, src_delta)
        else:  # roll: the twist of the source's delta about the destination's roll axis
            in_parent = qmul(src_rest, qmul(src_delta, qinv(src_rest)))
            in_dst = qmul(qinv(dst_rest), qmul(in_parent, dst_rest))
            axis = ROLL_AXES[c.axis]
            swing = qfrom_to(axis, qrot(in_dst, axis))
            target = qmul(dst_rest, qmul(qinv(swing), in_dst))
    return qnorm(qslerp(dst_rest, qnorm(target), float(np.clip(c.weight, 0.0, 1.0))))


def apply_constraints(ordered: Sequence[NodeConstraint], rotation: np.ndarray, translation: np.ndarray,
                      rest: np.ndarray, parents: np.ndarray, world_of: WorldFn) -> np.ndarray:
    """`rotation` (N, 4) node locals with every constraint applied in order (a new array)."""
    rotation = rotation.copy()
    for c in ordered:
        world = world_of(rotation, translation) if c.kind == "aim" else None
        rotation[c.node] = constrained_rotation(c, rotation, rest, world, parents)
    return rotation
