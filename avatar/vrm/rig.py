"""Raw and normalized humanoid rig.

The *raw* rig is the file's own bone nodes, each with whatever rest rotation the exporter left.
The *normalized* rig (VRM 1.0 humanoid "normalized pose") is the same skeleton with every bone's
rest rotation taken as identity in the +Z-facing model frame: a normalized local rotation
means the same thing on every avatar (e.g. +90 deg about +Z on leftUpperArm raises a T-pose arm
from +X to +Y), whether the file is VRM 0.x or 1.0 and whatever its bone axes are.

Conversion (three-vrm's VRMHumanoidRig does the same): with P = the rest world rotation of the raw
node's parent and L = the raw node's rest local rotation,
    raw_local = P^-1 * normalized_local * P * L
which makes the raw node's world rotation equal to (product of normalized rotations) * rest world
rotation, as long as nodes between humanoid bones stay at rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from avatar.gltf.pose import NodeTransforms, decompose
from avatar.vrm.loader import normalized_world_matrices
from avatar.vrm.types import VrmModel


def quat_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product of xyzw quaternions (a then applied after b: a * b)."""
    ax, ay, az, aw = np.moveaxis(np.asarray(a, np.float64), -1, 0)
    bx, by, bz, bw = np.moveaxis(np.asarray(b, np.float64), -1, 0)
    return np.stack([aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz], axis=-1)


def quat_conjugate(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, np.float64)
    return q * np.array([-1.0, -1.0, -1.0, 1.0])


@dataclass(frozen=True)
class HumanoidRig:
    """Rest data of a VrmModel's humanoid in the normalized (+Z facing) model frame."""

    model: VrmModel
    rest: NodeTransforms
    rest_world: np.ndarray  # (N, 4, 4) rest world matrices incl. root_transform
    parent_world_rotation: Mapping[str, np.ndarray]  # bone -> (4,) xyzw rest world rotation of its node's parent
    rest_local_rotation: Mapping[str, np.ndarray]  # bone -> (4,) xyzw raw rest local rotation

    @staticmethod
    def of(model: VrmModel) -> HumanoidRig:
        doc = model.document
        rest = NodeTransforms.rest(doc)
        world = normalized_world_matrices(model, rest.local_matrices())
        parents = doc.parents()
        parent_rotation, local_rotation = {}, {}
        for bone, node in model.humanoid.bones.items():
            parent = int(parents[node])
            parent_world = world[parent] if parent >= 0 else model.root_transform
            parent_rotation[bone] = decompose(parent_world)[1]
            local_rotation[bone] = rest.rotation[node].astype(np.float64)
        return HumanoidRig(model, rest, world, parent_rotation, local_rotation)

    def rest_world_position(self, bone: str) -> np.ndarray:
        return self.rest_world[self.model.humanoid.bones[bone]][:3, 3].copy()

    def raw_local_rotations(self, normalized: Mapping[str, np.ndarray]) -> dict[int, np.ndarray]:
        """node index -> raw local rotation (xyzw, float32) for normalized local rotations per bone.
        Unknown bone names raise KeyError naming the valid ones."""
        result = {}
        for bone, rotation in normalized.items():
            if bone not in self.model.humanoid.bones:
                raise KeyError(f"{bone!r} is not a humanoid bone of this model; it has "
                               f"{', '.join(self.model.humanoid.bones)}")
            p = self.parent_world_rotation[bone]
            q = quat_multiply(quat_multiply(quat_conjugate(p), rotation), quat_multiply(p, self.rest_local_rotation[bone]))
            result[self.model.humanoid.bones[bone]] = (q / np.linalg.norm(q)).astype(np.float32)
        return result
