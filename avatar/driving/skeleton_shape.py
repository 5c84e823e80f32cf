"""Humanoid bones of a skinned glTF whose joint names we do not recognize, found from the skeleton's
shape: hips = the joint where two leg chains go down and the spine goes up, chest = the joint where
the neck goes up and two arm chains go out to the sides. Rest world positions, +Y up; the facing
(+Z or -Z) comes from the knees and feet. Name hints (L/R, arm, leg, neck, head...) only break ties."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from avatar.gltf.document import GltfDocument
from avatar.gltf.pose import NodeTransforms, world_matrices


@dataclass(frozen=True)
class SkeletonShape:
    bones: dict[str, int]  # humanoid bone -> node; empty when the shape is not humanoid
    faces_minus_z: bool  # the avatar faces -Z: turn it (root transform) to the rig's +Z
    reason: str  # why nothing was mapped (empty on success)


def _tokens(name: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return {t for t in re.split(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])", spaced.lower()) if t}


def _hint(name: str, *words: str) -> bool:
    tokens = _tokens(name)
    low = name.lower()
    return any(w in tokens or (len(w) > 2 and w in low) for w in words)


class _Tree:
    def __init__(self, doc: GltfDocument) -> None:
        self.names = [n.name or f"node {i}" for i, n in enumerate(doc.nodes)]
        joints = sorted({j for skin in doc.skins for j in skin.joints})
        world = world_matrices(doc, NodeTransforms.rest(doc).local_matrices())
        self.pos = {j: np.asarray(world[j][:3, 3], np.float64) for j in joints}
        parents = doc.parents()
        joint_set = set(joints)
        self.parent: dict[int, int] = {}
        self.children: dict[int, list[int]] = {j: [] for j in joints}
        for j in joints:
            p = int(parents[j])
            while p != -1 and p not in joint_set:
                p = int(parents[p])
            self.parent[j] = p
            if p != -1:
                self.children[p].append(j)
        ys = [p[1] for p in self.pos.values()] or [0.0]
        self.eps = 1e-3 * max(max(ys) - min(ys), 1e-6)

    def subtree(self, j: int) -> list[int]:
        out, stack = [], [j]
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(self.children[n])
        return out

    def offset(self, j: int, child: int) -> np.ndarray:
        """From a joint to the mean of a child's subtree: where that branch goes."""
        return np.mean([self.pos[n] for n in self.subtree(child)], axis=0) - self.pos[j]

    def chain(self, start: int) -> list[int]:
        """Joints from `start` along single children, ending at a leaf or a branching joint."""
        out = [start]
        while len(self.children[out[-1]]) == 1:
            out.append(self.children[out[-1]][0])
        return out


def _pick(tree: _Tree, candidates: list[int], *words: str) -> int | None:
    if len(candidates) == 1:
        return candidates[0]
    hinted = [c for c in candidates if _hint(tree.names[c], *words)]
    return hinted[0] if len(hinted) == 1 else None


def _split(tree: _Tree, joint: int, kids: list[int], going: str, words: tuple[str, ...]) -> tuple[int, int] | None:
    """Two child branches on opposite sides (+X, -X) that go `going` ('down' or 'out')."""
    plus, minus = [], []
    for c in kids:
        d = tree.offset(joint, c)
        lateral, horizontal = d[0], float(np.hypot(d[0], d[2]))
        ok = (d[1] < -horizontal) if going == "down" else (abs(lateral) > 0.3 * abs(d[1]) and d[1] < horizontal)
        if ok and abs(lateral) > tree.eps:
            (plus if lateral > 0 else minus).append(c)
    a, b = _pick(tree, plus, *words), _pick(tree, minus, *words)
    return (a, b) if a is not None and b is not None else None


def _up(tree: _Tree, joint: int, kids: list[int], words: tuple[str, ...]) -> int | None:
    ups = []
    for c in kids:
        d = tree.offset(joint, c)
        if d[1] > float(np.hypot(d[0], d[2])):
            ups.append(c)
    return _pick(tree, ups, *words)


def _chest(tree: _Tree, j: int) -> tuple[int, int, int] | None:
    """(neck child, +X arm child, -X arm child) when `j` is where the neck and arms split."""
    kids = tree.children[j]
    if len(kids) < 3:
        return None
    neck = _up(tree, j, kids, ("neck", "head"))
    arms = _split(tree, j, [k for k in kids if k != neck], "out", ("arm", "shoulder", "clavicle"))
    return (neck, *arms) if neck is not None and arms is not None else None


def _facing_sign(tree: _Tree, legs: list[list[int]], arms: list[list[int]]) -> float:
    """+1 when the avatar faces +Z (knees bend and feet and hands point forward), -1 for -Z."""
    z = 0.0
    for leg in legs:
        if len(leg) >= 3:
            z += tree.pos[leg[1]][2] - (tree.pos[leg[0]][2] + tree.pos[leg[2]][2]) / 2  # knee
        if len(leg) >= 4:
            z += tree.pos[leg[3]][2] - tree.pos[leg[2]][2]  # toes ahead of the ankle
    for arm in arms:
        if len(arm) >= 3:
            z += 0.5 * (tree.pos[arm[2]][2] - tree.pos[arm[0]][2])
    return -1.0 if z < -tree.eps else 1.0


def humanoid_from_shape(doc: GltfDocument) -> SkeletonShape:
    """Map a humanoid from the joint hierarchy and rest positions (see the module docstring)."""
    tree = _Tree(doc)
    if len(tree.pos) < 5:
        return SkeletonShape({}, False, f"its skeleton has only {len(tree.pos)} joint(s)")
    chests = [(j, found) for j in tree.pos if (found := _chest(tree, j)) is not None]
    if len(chests) != 1:
        return SkeletonShape({}, False, "its skeleton has no joint where a neck goes up and two arms go out"
                             if not chests else f"{len(chests)} joints look like a chest")
    chest, (neck_child, arm_plus, arm_minus) = chests[0]
    # Hips: the nearest ancestor where two legs go down (else the skeleton's root: an upper body).
    path, hips, legs = [chest], None, None
    while tree.parent[path[-1]] != -1:
        parent = tree.parent[path[-1]]
        others = [k for k in tree.children[parent] if k != path[-1]]
        legs = _split(tree, parent, others, "down", ("leg", "thigh"))
        path.append(parent)
        if legs is not None:
            hips = parent
            break
    if hips is None:
        hips = path[-1] if len(path) > 1 else None
    if hips is None:
        return SkeletonShape({}, False, "its skeleton has no hips below the chest")
    spine = path[-2::-1]  # hips excluded, chest last
    head_chain = tree.chain(neck_child)
    arm_chains = [tree.chain(arm_plus), tree.chain(arm_minus)]
    leg_chains = [tree.chain(legs[0]), tree.chain(legs[1])] if legs else []
    sign = _facing_sign(tree, leg_chains, arm_chains)
    left, right = (0, 1) if sign > 0 else (1, 0)  # the avatar's own left is +X when it faces +Z
    bones: dict[str, int] = {"hips": hips}
    names = ("spine",) if len(spine) == 1 else ("spine", "chest") if len(spine) == 2 else ("spine", "chest", "upperChest")
    picks = [0, len(spine) - 1] if len(spine) == 2 else [0, len(spine) // 2, len(spine) - 1] if len(spine) > 2 else [0]
    bones.update({n: spine[i] for n, i in zip(names, picks)})
    bones.update(_neck_head(tree, head_chain))
    for side, index in (("left", left), ("right", right)):
        arm = arm_chains[index]
        if len(arm) >= 4 and (_hint(tree.names[arm[0]], "shoulder", "clavicle") or _short_first_bone(tree, arm)):
            bones[f"{side}Shoulder"], arm = arm[0], arm[1:]
        if len(arm) >= 3:
            bones.update(zip((f"{side}UpperArm", f"{side}LowerArm", f"{side}Hand"), arm[:3]))
        if leg_chains and len(leg_chains[index]) >= 3:
            leg = leg_chains[index]
            bones.update(zip((f"{side}UpperLeg", f"{side}LowerLeg", f"{side}Foot", f"{side}Toes"), leg[:4]))
    return SkeletonShape(bones, sign < 0, "")


def _short_first_bone(tree: _Tree, arm: list[int]) -> bool:
    """An unnamed clavicle: the arm chain's first bone is much shorter than the upper arm and the
    forearm after it (a clavicle is about a third of an upper arm)."""
    first, upper, fore = (float(np.linalg.norm(tree.pos[arm[i + 1]] - tree.pos[arm[i]])) for i in range(3))
    return first < 0.6 * upper and first < 0.6 * fore


def _neck_head(tree: _Tree, chain: list[int]) -> dict[str, int]:
    named = [j for j in chain if _hint(tree.names[j], "head")]
    if named:
        head = named[0]
    elif tree.children[chain[-1]] or len(chain) <= 2:
        head = chain[-1]  # a branching joint (eyes, jaw) or a short chain: neck, head
    else:
        head = chain[-2]  # a leaf above the head is its end bone
    out = {"head": head}
    if chain[0] != head:
        out["neck"] = chain[0]
    return out


def describe(bones: dict[str, int], names: list[str]) -> str:
    order = ("hips", "spine", "chest", "upperChest", "neck", "head", "leftUpperArm", "leftLowerArm", "leftHand",
             "rightUpperArm", "rightLowerArm", "rightHand", "leftUpperLeg", "rightUpperLeg")
    return ", ".join(f"{b}={names[bones[b]]}" for b in order if b in bones)
