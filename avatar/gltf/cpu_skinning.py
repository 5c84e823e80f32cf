"""Numpy reference of glTF morphing and linear blend skinning: the independent oracle for the
GPU path. Written straight from the glTF 2.0 spec formulas, vectorized, nothing clever.

Morph targets (spec "Morph Targets"):
    position = base + sum_i weight_i * target_i.position
    normal   = base_normal + sum_i weight_i * target_i.normal        (then re-normalized)
Skinning (spec "Skins"):
    S = sum_k WEIGHTS_0[k] * jointMatrix[JOINTS_0[k]]
    position' = S @ [position, 1]
    normal'   = normalize(inverse(transpose(S[:3, :3])) @ normal)
The result is in the mesh node's space; draw it with world[mesh_node] (see pose.joint_matrices),
normals with the inverse transpose of world[mesh_node] too. Only for rotation + uniform scale is the
normal matrix S[:3, :3] up to a factor; under non-uniform scale mat3(S) tilts normals off the surface
(render/glsl/mesh.glsl uses the same cofactor form as `_normal_matrices`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar.gltf.document import GltfDocument, Primitive
from avatar.gltf.pose import joint_matrices


@dataclass(frozen=True)
class DeformedVertices:
    positions: np.ndarray  # (N, 3) float32
    normals: np.ndarray | None  # (N, 3) float32, unit


def morph(primitive: Primitive, weights: np.ndarray) -> DeformedVertices:
    """Apply morph target weights (T,) to the primitive's positions and normals."""
    positions = primitive.positions.astype(np.float64)
    normals = None if primitive.normals is None else primitive.normals.astype(np.float64)
    for weight, target in zip(np.asarray(weights, np.float64), primitive.targets):
        if target.positions is not None:
            positions = positions + weight * target.positions
        if normals is not None and target.normals is not None:
            normals = normals + weight * target.normals
    return DeformedVertices(positions.astype(np.float32), None if normals is None else _unit(normals))


def skin_matrices(joints: np.ndarray, weights: np.ndarray, joint_matrices: np.ndarray) -> np.ndarray:
    """(N, 4, 4) per-vertex skin matrices ``sum_k w_k * J[j_k]`` (float64)."""
    mats = np.asarray(joint_matrices, np.float64)[np.asarray(joints, np.int64)]  # (N, 4, 4, 4)
    return np.einsum("nk,nkij->nij", np.asarray(weights, np.float64), mats)


def skin(positions: np.ndarray, normals: np.ndarray | None, joints: np.ndarray, weights: np.ndarray,
         joint_matrices: np.ndarray) -> DeformedVertices:
    """Linear blend skinning of (N, 3) positions (and normals) with JOINTS_0 / WEIGHTS_0."""
    s = skin_matrices(joints, weights, joint_matrices)
    homogeneous = np.concatenate([np.asarray(positions, np.float64), np.ones((len(positions), 1))], axis=1)
    skinned = np.einsum("nij,nj->ni", s, homogeneous)[:, :3]
    skinned_normals = None
    if normals is not None:
        skinned_normals = _unit(np.einsum("nij,nj->ni", _normal_matrices(s[:, :3, :3]),
                                          np.asarray(normals, np.float64)))
    return DeformedVertices(skinned.astype(np.float32), skinned_normals)


def deform(primitive: Primitive, morph_weights: np.ndarray | None, joint_matrices: np.ndarray | None
           ) -> DeformedVertices:
    """Morph first, then skin (the spec's order); either step is skipped when not given/applicable."""
    if morph_weights is not None and primitive.targets:
        result = morph(primitive, morph_weights)
    else:
        result = DeformedVertices(primitive.positions, primitive.normals)
    if joint_matrices is not None and primitive.joints is not None and primitive.weights is not None:
        result = skin(result.positions, result.normals, primitive.joints, primitive.weights, joint_matrices)
    return result


def _normal_matrices(a: np.ndarray) -> np.ndarray:
    """inverse(transpose(A)) up to a positive factor, as the cofactor matrix: columns
    (c1 x c2, c2 x c0, c0 x c1) times sign(det A). Unlike inv() it stays finite for a singular A
    (a vertex with all-zero weights gets a zero normal instead of an exception)."""
    c0, c1, c2 = a[:, :, 0], a[:, :, 1], a[:, :, 2]
    cof = np.stack([np.cross(c1, c2), np.cross(c2, c0), np.cross(c0, c1)], axis=2)
    det = np.einsum("ni,ni->n", c0, np.cross(c1, c2))
    return cof * np.where(det < 0, -1.0, 1.0)[:, None, None]


def _unit(vectors: np.ndarray) -> np.ndarray:
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, lengths, out=np.zeros_like(vectors), where=lengths > 0).astype(np.float32)


def deform_node_world(doc: GltfDocument, node_index: int, world: np.ndarray,
                      morph_weights: np.ndarray | None = None) -> tuple[DeformedVertices, ...]:
    """Every primitive of the mesh on `node_index`, morphed, skinned (if the node has a skin) and
    placed in world space with world[node] - what a renderer should draw. `morph_weights` default:
    node.weights, else mesh.weights."""
    node = doc.nodes[node_index]
    if node.mesh is None:
        return ()
    mesh = doc.meshes[node.mesh]
    if morph_weights is None:
        morph_weights = node.weights if node.weights is not None else mesh.weights
    joints = None
    if node.skin is not None:
        joints = joint_matrices(doc, node.skin, world, node_index)
    model = np.asarray(world[node_index], np.float64)
    normal_matrix = _normal_matrices(model[None, :3, :3])[0]
    result = []
    for primitive in mesh.primitives:
        local = deform(primitive, morph_weights, joints)
        positions = local.positions.astype(np.float64) @ model[:3, :3].T + model[:3, 3]
        normals = None if local.normals is None else _unit(local.normals.astype(np.float64) @ normal_matrix.T)
        result.append(DeformedVertices(positions.astype(np.float32), normals))
    return tuple(result)
