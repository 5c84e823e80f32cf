"""A `Pose` (bone rotations by name, morph weights by name) applied to a glTF document, giving
the node world matrices and morph weights the renderer draws.

Rotations are deltas on top of the rest pose: ``local = rest_rotation * delta`` (so on a
normalized rig, whose rest rotations are identity, the delta is the local rotation)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from avatar.gltf.animation import AnimationPose, sample_animation
from avatar.gltf.document import GltfDocument
from avatar.gltf.pose import NodeTransforms, depth_levels, world_matrices
from avatar.quaternions import quat_multiply


@dataclass(frozen=True)
class Pose:
    """What to show at one instant, independent of any particular file.

    rotations: bone/node name -> (4,) xyzw delta rotation on top of the rest pose.
    morphs: morph target name -> weight (applied on every mesh that has a target of that name).
    root_offset: metres added to the root (hips) translation, e.g. for breathing bob.
    """

    rotations: dict[str, np.ndarray] = field(default_factory=dict)
    morphs: dict[str, float] = field(default_factory=dict)
    root_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class MaterialOverrides:
    """What expressions do to materials at one instant (VRM material colour and texture transform
    binds). Each entry blends a material's own value toward the binds' targets, as UniVRM and
    three-vrm do: ``value = own * (1 - total) + weighted``, where weighted = sum of weight * target
    and total = sum of weights over the expressions binding it."""

    # (material index, bind type: color | emissionColor | shadeColor | rimColor | outlineColor |
    # matcapColor) -> (weighted RGBA, total weight)
    colors: dict[tuple[int, str], tuple[tuple[float, float, float, float], float]] = field(default_factory=dict)
    # material index -> (weighted (scale u, scale v, offset u, offset v), total weight)
    uv: dict[int, tuple[tuple[float, float, float, float], float]] = field(default_factory=dict)

    def materials(self) -> frozenset[int]:
        return frozenset(m for m, _ in self.colors) | frozenset(self.uv)


@dataclass(frozen=True)
class PosedFrame:
    node_world: np.ndarray  # (N, 4, 4) float32
    node_weights: dict[int, np.ndarray]  # mesh-carrying node -> (T,) morph weights
    materials: MaterialOverrides | None = None  # None: every material as the file has it


class PoseApplier:
    """Caches name lookups and the hierarchy order of one document; `apply` is called per frame."""

    def __init__(self, doc: GltfDocument, root_node: str | None = "hips") -> None:
        self.doc = doc
        self.rest = NodeTransforms.rest(doc)
        self._levels = depth_levels(doc)
        self._node_by_name = {node.name: i for i, node in enumerate(doc.nodes) if node.name}
        self._root = self._node_by_name.get(root_node) if root_node else None
        # morph name -> [(node index, target index)]
        self._morph_slots: dict[str, list[tuple[int, int]]] = {}
        for node_index, node in enumerate(doc.nodes):
            if node.mesh is None:
                continue
            for target_index, name in enumerate(doc.meshes[node.mesh].target_names):
                if name:
                    self._morph_slots.setdefault(name, []).append((node_index, target_index))

    @property
    def morph_names(self) -> tuple[str, ...]:
        return tuple(self._morph_slots)

    def has_node(self, name: str) -> bool:
        return name in self._node_by_name

    def apply(self, pose: Pose, animation: AnimationPose | None = None) -> PosedFrame:
        transforms = self.rest.with_overrides(animation) if animation is not None else self.rest
        rotation = np.array(transforms.rotation, np.float32)
        translation = np.array(transforms.translation, np.float32)
        use_matrix = np.array(transforms.use_matrix)
        for name, delta in pose.rotations.items():
            index = self._node_by_name.get(name)
            if index is None:
                continue  # poses are shared across avatars; bones this one lacks are skipped
            rotation[index] = quat_multiply(rotation[index], np.asarray(delta, np.float32))
            use_matrix[index] = False
        if self._root is not None and any(pose.root_offset):
            translation[self._root] += np.asarray(pose.root_offset, np.float32)
            use_matrix[self._root] = False
        posed = NodeTransforms(translation, rotation, transforms.scale, transforms.matrix, use_matrix)
        world = world_matrices(self.doc, posed.local_matrices(), self._levels)

        weights: dict[int, np.ndarray] = {}
        for node_index, node in enumerate(self.doc.nodes):
            if node.mesh is None:
                continue
            if animation is not None and node_index in animation.weights:
                base = animation.weights[node_index]
            else:
                base = node.weights if node.weights is not None else self.doc.meshes[node.mesh].weights
            weights[node_index] = np.array(base, np.float32)
        for name, value in pose.morphs.items():
            for node_index, target_index in self._morph_slots.get(name, ()):
                weights[node_index][target_index] = value
        return PosedFrame(world, weights)

    def sample(self, animation_index: int, time_s: float, loop: bool = True) -> AnimationPose:
        return sample_animation(self.doc.animations[animation_index], time_s, loop=loop)
