"""Spring bones: VRMC_springBone 1.0 and VRM 0.x `secondaryAnimation`, in one representation.

VRM 0.x -> 1.0 conversion:
- each 0.x collider group (one node, several spheres) becomes that many sphere colliders plus one
  collider group;
- each 0.x bone group root becomes chains: the root and its first-child descent form one spring,
  every other branch starts its own spring, so each node is simulated exactly once (UniVRM 0.x
  also aims a bone at its first child); a leaf gets a `virtual_tail` 7 cm beyond it, continuing
  the parent -> leaf direction (UniVRM's leaf tail);
- gravityDir (world space) is converted from Unity space into the normalized +Z-facing space
  ((x, y, z) -> (-x, y, z)); collider offsets (node-local) get Unity's Z reversed ((x, y, -z));
- 0.x writes "stiffiness" (sic).
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

from avatar.gltf.document import GltfDocument
from avatar.gltf.fields import FieldReader
from avatar.gltf.pose import NodeTransforms, world_matrices
from avatar.vrm.look_at import _xyz, unity_to_gltf_v0
from avatar.vrm.types import Collider, ColliderGroup, ColliderShape, Spring, SpringBones, SpringJoint

log = logging.getLogger(__name__)

V0_LEAF_TAIL_M = 0.07  # UniVRM 0.x: a leaf bone's virtual tail length
V1_JOINT_DEFAULTS = {"hitRadius": 0.0, "stiffness": 1.0, "gravityPower": 0.0, "dragForce": 0.5}
DEFAULT_GRAVITY_DIR = (0.0, -1.0, 0.0)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    unit = vector / norm if norm > 0 else np.array(DEFAULT_GRAVITY_DIR)
    return (unit + 0.0).astype(np.float32)  # + 0.0 turns -0.0 into 0.0


def read_spring_bones_v1(f: FieldReader, doc: GltfDocument, spec: dict[str, Any], path: str) -> SpringBones:
    n_nodes = len(doc.nodes)
    colliders = []
    for i, body in enumerate(f.objects(spec, "colliders", path)):
        where = f"{path}.colliders[{i}]"
        node = f.index(body, "node", where, "nodes", n_nodes)
        shape = f.obj(body, "shape", where, required=True)
        if "sphere" in shape:
            s = f.obj(shape, "sphere", f"{where}.shape")
            colliders.append(Collider(node, ColliderShape.SPHERE,
                                      np.asarray(f.floats(s, "offset", f"{where}.shape.sphere", 3, (0.0, 0.0, 0.0)), np.float32),
                                      f.float_(s, "radius", f"{where}.shape.sphere", 0.0)))
        elif "capsule" in shape:
            c = f.obj(shape, "capsule", f"{where}.shape")
            cpath = f"{where}.shape.capsule"
            colliders.append(Collider(node, ColliderShape.CAPSULE,
                                      np.asarray(f.floats(c, "offset", cpath, 3, (0.0, 0.0, 0.0)), np.float32),
                                      f.float_(c, "radius", cpath, 0.0),
                                      np.asarray(f.floats(c, "tail", cpath, 3, (0.0, 0.0, 0.0)), np.float32)))
        else:
            f.fail(f"{where}.shape", f"expected 'sphere' or 'capsule', got {', '.join(shape) or 'nothing'}")
    groups = []
    for i, body in enumerate(f.objects(spec, "colliderGroups", path)):
        where = f"{path}.colliderGroups[{i}]"
        members = f.array(body, "colliders", where)
        groups.append(ColliderGroup(f.str_(body, "name", where, ""),
                                    tuple(f.index_value(c, f"{where}.colliders[{k}]", "colliders", len(colliders))
                                          for k, c in enumerate(members))))
    springs = []
    for i, body in enumerate(f.objects(spec, "springs", path)):
        where = f"{path}.springs[{i}]"
        joints = []
        for k, joint in enumerate(f.objects(body, "joints", where, required=True)):
            jpath = f"{where}.joints[{k}]"
            joints.append(SpringJoint(
                node=f.index(joint, "node", jpath, "nodes", n_nodes),
                hit_radius=f.float_(joint, "hitRadius", jpath, V1_JOINT_DEFAULTS["hitRadius"]),
                stiffness=f.float_(joint, "stiffness", jpath, V1_JOINT_DEFAULTS["stiffness"]),
                gravity_power=f.float_(joint, "gravityPower", jpath, V1_JOINT_DEFAULTS["gravityPower"]),
                gravity_dir=_unit(np.asarray(f.floats(joint, "gravityDir", jpath, 3, DEFAULT_GRAVITY_DIR))),
                drag_force=f.float_(joint, "dragForce", jpath, V1_JOINT_DEFAULTS["dragForce"]),
            ))
        parents = doc.parents()
        for k in range(1, len(joints)):
            if parents[joints[k].node] != joints[k - 1].node:
                log.warning("%s: %s.joints[%d]: node %d is not a child of the previous joint (node %d); "
                            "the chain will swing toward it anyway", f.name, where, k, joints[k].node, joints[k - 1].node)
        springs.append(Spring(
            name=f.str_(body, "name", where, ""),
            joints=tuple(joints),
            collider_groups=tuple(f.index_value(g, f"{where}.colliderGroups[{k}]", "colliderGroups", len(groups))
                                  for k, g in enumerate(f.array(body, "colliderGroups", where))),
            center=f.index(body, "center", where, "nodes", n_nodes, required=False),
        ))
    return SpringBones(tuple(colliders), tuple(groups), tuple(springs))


def read_spring_bones_v0(f: FieldReader, doc: GltfDocument, spec: dict[str, Any], path: str) -> SpringBones:
    n_nodes = len(doc.nodes)
    colliders: list[Collider] = []
    groups: list[ColliderGroup] = []
    for i, body in enumerate(f.objects(spec, "colliderGroups", path)):
        where = f"{path}.colliderGroups[{i}]"
        node = f.index(body, "node", where, "nodes", n_nodes)
        members = []
        for k, sphere in enumerate(f.objects(body, "colliders", where)):
            cpath = f"{where}.colliders[{k}]"
            members.append(len(colliders))
            colliders.append(Collider(node, ColliderShape.SPHERE, unity_to_gltf_v0(_xyz(f, sphere, "offset", cpath, (0.0, 0.0, 0.0))),
                                      f.float_(sphere, "radius", cpath, 0.0)))
        groups.append(ColliderGroup(doc.nodes[node].name, tuple(members)))
    springs: list[Spring] = []
    world = world_matrices(doc, NodeTransforms.rest(doc).local_matrices())
    for i, body in enumerate(f.objects(spec, "boneGroups", path)):
        where = f"{path}.boneGroups[{i}]"
        stiffness = f.float_(body, "stiffiness", where, f.float_(body, "stiffness", where, 1.0))
        gravity = _xyz(f, body, "gravityDir", where, DEFAULT_GRAVITY_DIR)
        # Unity -> glTF file space (z reversed) -> normalized +Z-facing space (180 deg about Y).
        gravity_dir = _unit(np.array([-gravity[0], gravity[1], gravity[2]], np.float64))
        params = dict(hit_radius=f.float_(body, "hitRadius", where, 0.02), stiffness=stiffness,
                      gravity_power=f.float_(body, "gravityPower", where, 0.0), gravity_dir=gravity_dir,
                      drag_force=f.float_(body, "dragForce", where, 0.4))
        center = body.get("center", -1)
        center = None if center in (-1, None) else f.index(body, "center", where, "nodes", n_nodes)
        group_indices = tuple(f.index_value(g, f"{where}.colliderGroups[{k}]", "colliderGroups", len(groups))
                              for k, g in enumerate(f.array(body, "colliderGroups", where)))
        name = f.str_(body, "comment", where, f"boneGroup{i}")
        for k, root in enumerate(f.array(body, "bones", where)):
            root = f.index_value(root, f"{where}.bones[{k}]", "nodes", n_nodes)
            for chain in _chains(doc, root):
                joints = tuple(SpringJoint(node=n, **params) for n in chain)
                springs.append(Spring(name, joints, group_indices, center, _virtual_tail(doc, chain[-1], world)))
    return SpringBones(tuple(colliders), tuple(groups), tuple(springs))


def _chains(doc: GltfDocument, root: int) -> list[list[int]]:
    """Split the subtree at `root` into chains (first-child descent; other children start new ones)."""
    chains, starts = [], [root]
    while starts:
        chain, node = [], starts.pop(0)
        while True:
            chain.append(node)
            children = doc.nodes[node].children
            if not children:
                break
            starts.extend(children[1:])
            node = children[0]
        chains.append(chain)
    return chains


def _virtual_tail(doc: GltfDocument, leaf: int, world: np.ndarray) -> np.ndarray:
    """UniVRM 0.x leaf tail: 7 cm (world) beyond the leaf, continuing the parent -> leaf direction
    at rest, expressed in the leaf's local space."""
    parent = int(doc.parents()[leaf])
    leaf_position = world[leaf][:3, 3].astype(np.float64)
    direction = leaf_position - (world[parent][:3, 3] if parent >= 0 else 0.0)
    norm = float(np.linalg.norm(direction))
    direction = direction / norm if norm > 0 else np.array([0.0, 1.0, 0.0])
    tail_world = np.append(leaf_position + direction * V0_LEAF_TAIL_M, 1.0)
    return (np.linalg.inv(world[leaf].astype(np.float64)) @ tail_world)[:3].astype(np.float32)
