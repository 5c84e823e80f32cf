"""The normalized humanoid rig on top of any avatar's raw bones (three-vrm's VRMHumanoidRig idea).

Normalized convention: every bone's rest rotation is the identity and its axes are aligned with
the model's (+Y up, +Z = the avatar's front, +X = the avatar's left); VRM 0.x models are turned
to face +Z by `root_transform`. A normalized local rotation `q` of a bone whose raw rest world
rotation is `W` (root transform included) becomes the raw delta ``inv(W) q W`` on top of the raw
rest local rotation, so that ``raw_world = normalized_world * W`` for any rest orientation
(see `HumanoidRig.raw_deltas`)."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np

from avatar.driving.constraints import apply_constraints, evaluation_order
from avatar.driving.qmath import IDENTITY, qfrom_matrix, qinv, qmul, qnorm
from avatar.gltf.document import GltfDocument
from avatar.gltf.pose import NodeTransforms, depth_levels, quaternion_to_matrix
from avatar.posing import Pose
from avatar.vrm.types import NodeConstraint

# Parent of each humanoid bone in the normalized hierarchy, nearest existing ancestor wins.
BONE_PARENTS: dict[str, tuple[str, ...]] = {
    "spine": ("hips",), "chest": ("spine",), "upperChest": ("chest", "spine"),
    "neck": ("upperChest", "chest", "spine"), "head": ("neck", "upperChest", "chest", "spine"),
    "leftEye": ("head",), "rightEye": ("head",), "jaw": ("head",),
}
for _s in ("left", "right"):
    BONE_PARENTS.update({
        f"{_s}Shoulder": ("upperChest", "chest", "spine"),
        f"{_s}UpperArm": (f"{_s}Shoulder", "upperChest", "chest", "spine"),
        f"{_s}LowerArm": (f"{_s}UpperArm",), f"{_s}Hand": (f"{_s}LowerArm",),
        f"{_s}UpperLeg": ("hips",), f"{_s}LowerLeg": (f"{_s}UpperLeg",), f"{_s}Foot": (f"{_s}LowerLeg",),
        f"{_s}Toes": (f"{_s}Foot",),
        f"{_s}ThumbMetacarpal": (f"{_s}Hand",), f"{_s}ThumbProximal": (f"{_s}ThumbMetacarpal",),
        f"{_s}ThumbDistal": (f"{_s}ThumbProximal",),
    })
    for _f in ("Index", "Middle", "Ring", "Little"):
        BONE_PARENTS.update({f"{_s}{_f}Proximal": (f"{_s}Hand",), f"{_s}{_f}Intermediate": (f"{_s}{_f}Proximal",),
                             f"{_s}{_f}Distal": (f"{_s}{_f}Intermediate",)})

# Child bone whose rest position gives a bone's direction (for aiming limbs and fingers).
BONE_CHILD: dict[str, str] = {}
for _s in ("left", "right"):
    BONE_CHILD.update({f"{_s}UpperArm": f"{_s}LowerArm", f"{_s}LowerArm": f"{_s}Hand",
                       f"{_s}Hand": f"{_s}MiddleProximal", f"{_s}ThumbMetacarpal": f"{_s}ThumbProximal",
                       f"{_s}ThumbProximal": f"{_s}ThumbDistal"})
    for _f in ("Index", "Middle", "Ring", "Little"):
        BONE_CHILD.update({f"{_s}{_f}Proximal": f"{_s}{_f}Intermediate", f"{_s}{_f}Intermediate": f"{_s}{_f}Distal"})


def _left(a: np.ndarray) -> np.ndarray:
    """4x4 matrix of p -> a * p (quaternions xyzw)."""
    return np.stack([qmul(a, e) for e in np.eye(4)], axis=1)


def _right(b: np.ndarray) -> np.ndarray:
    """4x4 matrix of p -> p * b (quaternions xyzw)."""
    return np.stack([qmul(e, b) for e in np.eye(4)], axis=1)


def _rotation_of(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, np.float64)[:3, :3]
    scale = np.linalg.norm(m, axis=0)
    return qfrom_matrix(m / np.where(scale == 0, 1.0, scale))


@dataclass(frozen=True)
class RigBone:
    name: str
    node: int
    parent: str | None  # normalized parent bone
    rest_world_rotation: np.ndarray  # (4,) W: raw rest world rotation, root transform included
    rest_position: np.ndarray  # (3,) metres in the normalized (+Z facing) model space


class HumanoidRig:
    """Bone map + rest data of one avatar; turns a normalized `Pose` into node world matrices."""

    def __init__(self, doc: GltfDocument, bones: Mapping[str, int], root_transform: np.ndarray | None = None,
                 constraints: Sequence[NodeConstraint] = ()) -> None:
        self.doc = doc
        self.root_transform = np.eye(4) if root_transform is None else np.asarray(root_transform, np.float64)
        self.rest = NodeTransforms.rest(doc)
        self.levels = depth_levels(doc)
        self.parents = doc.parents()
        self._scale = np.asarray(self.rest.scale, np.float64)
        self._matrix_nodes = np.flatnonzero(self.rest.use_matrix)
        self._level_parents = [(level, self.parents[level]) for level in self.levels[1:]]
        self.rest_world = self.world(self.rest.rotation, self.rest.translation)
        self.constraints = evaluation_order(constraints, self.parents, [n.name for n in doc.nodes], doc.source.name)
        built: dict[str, RigBone] = {}
        for name, node in bones.items():
            parent = next((p for p in BONE_PARENTS.get(name, ()) if p in bones), None)
            built[name] = RigBone(name, int(node), parent, _rotation_of(self.rest_world[node]),
                                  self.rest_world[node][:3, 3].astype(np.float64).copy())
        self.bones: Mapping[str, RigBone] = MappingProxyType(built)
        hips = built.get("hips")
        hips_parent = self.parents[hips.node] if hips is not None else -1
        # Root offsets are given in model space; the hips' translation is in its parent's space.
        self._hips_to_local = np.linalg.inv(self.rest_world[hips_parent][:3, :3] if hips_parent >= 0
                                            else self.root_transform[:3, :3])
        self._directions: dict[str, np.ndarray | None] = {}
        self._conj = {name: (qinv(b.rest_world_rotation), b.rest_world_rotation) for name, b in built.items()}
        # A normalized local rotation q becomes the node's raw local rotation rest * W^-1 * q * W:
        # linear in q, so one 4x4 matrix per bone turns a whole pose into raw rotations at once.
        self._bone_row = {name: row for row, name in enumerate(built)}
        self._bone_nodes = np.array([b.node for b in built.values()], np.int64)
        self._to_raw = np.array([_left(self.rest.rotation[b.node]) @ _left(qinv(b.rest_world_rotation))
                                 @ _right(b.rest_world_rotation) for b in built.values()]).reshape(-1, 4, 4)

    def has(self, bone: str) -> bool:
        return bone in self.bones

    def node(self, bone: str) -> int | None:
        b = self.bones.get(bone)
        return b.node if b else None

    def rest_direction(self, bone: str) -> np.ndarray | None:
        """Unit direction from a bone to its child bone at rest (normalized space), if both exist."""
        if bone in self._directions:
            return self._directions[bone]
        self._directions[bone] = self._rest_direction(bone)
        return self._directions[bone]

    def _rest_direction(self, bone: str) -> np.ndarray | None:
        child = BONE_CHILD.get(bone)
        if bone not in self.bones or child not in self.bones:
            return None
        d = self.bones[child].rest_position - self.bones[bone].rest_position
        n = np.linalg.norm(d)
        return d / n if n > 1e-9 else None

    # ------------------------------------------------------------------ posing
    def raw_delta(self, bone: str, normalized_local: np.ndarray) -> np.ndarray:
        """The raw-space delta (on top of the rest local rotation) for a normalized local rotation."""
        inv_w, w = self._conj[bone]
        return qnorm(qmul(inv_w, qmul(np.asarray(normalized_local, np.float64), w)))

    def local_arrays(self, pose: Pose) -> tuple[np.ndarray, np.ndarray]:
        """(rotation (N, 4), translation (N, 3)) node locals with the normalized pose applied.
        Pose keys that are not bones of this rig are ignored (poses are shared across avatars)."""
        rotation = np.array(self.rest.rotation, np.float64)
        translation = np.array(self.rest.translation, np.float64)
        names = [name for name in pose.rotations if name in self._bone_row]
        if names:
            rows = [self._bone_row[name] for name in names]
            nodes = self._bone_nodes[rows]
            to_raw = self._to_raw[rows]
            normalized = np.array([pose.rotations[name] for name in names], np.float64)
            raw = np.einsum("kij,kj->ki", to_raw, normalized)
            rotation[nodes] = raw / np.sqrt(np.einsum("ki,ki->k", raw, raw))[:, None]
        hips = self.bones.get("hips")
        if hips is not None and any(pose.root_offset):
            translation[hips.node] += self._hips_to_local @ np.asarray(pose.root_offset, np.float64)
        return rotation, translation

    def world(self, rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
        """(N, 4, 4) float64 world matrices (root transform applied) from node local rotations/translations.
        Nodes given by a matrix in the file keep it unless the pose changed them."""
        local = np.zeros((len(rotation), 4, 4))
        local[:, :3, :3] = quaternion_to_matrix(rotation) * self._scale[:, None, :]
        local[:, :3, 3] = translation
        local[:, 3, 3] = 1.0
        if self._matrix_nodes.size:
            m = self._matrix_nodes
            same = (np.abs(rotation[m] - self.rest.rotation[m]).max(axis=1) < 1e-7) & \
                   (np.abs(translation[m] - self.rest.translation[m]).max(axis=1) < 1e-7)
            local[m[same]] = self.rest.matrix[m[same]]
        world = local
        for level, parents in self._level_parents:
            world[level] = world[parents] @ local[level]
        return self.root_transform[None] @ world

    def pose_world(self, pose: Pose) -> np.ndarray:
        rotation, translation = self.local_arrays(pose)
        if self.constraints:  # twist bones, sleeves: VRMC_node_constraint after the humanoid pose
            rotation = apply_constraints(self.constraints, rotation, translation, self.rest.rotation,
                                         self.parents, self.world)
        return self.world(rotation, translation)

    def normalized_world_rotation(self, world: np.ndarray, bone: str) -> np.ndarray:
        """A bone's world rotation in the normalized convention: raw world rotation * inv(W)."""
        b = self.bones[bone]
        return qnorm(qmul(_rotation_of(world[b.node]), qinv(b.rest_world_rotation)))


def normalized_world_rotations(rig: HumanoidRig, pose: Pose) -> dict[str, np.ndarray]:
    """World rotation of every rig bone for a normalized pose, computed in the normalized hierarchy
    alone (no raw nodes): the reference `HumanoidRig.pose_world` must reproduce."""
    out: dict[str, np.ndarray] = {}

    def solve(name: str) -> np.ndarray:
        if name not in out:
            parent = rig.bones[name].parent
            base = solve(parent) if parent else IDENTITY
            out[name] = qnorm(qmul(base, np.asarray(pose.rotations.get(name, IDENTITY), np.float64)))
        return out[name]

    for name in rig.bones:
        solve(name)
    return out
