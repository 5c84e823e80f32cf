"""Node transforms -> local, world and joint matrices; node morph weights.

Matrices are 4x4 float32 in the column-vector convention (``p' = M @ p``), as in document.py.

- `NodeTransforms.rest(doc)`: every node's TRS as (N, 3)/(N, 4)/(N, 3) arrays. Nodes given by a
  `matrix` use it verbatim until a pose overrides one of their TRS components; then the matrix is
  decomposed once (translation, rotation, scale; no shear) and the override replaces its part.
- `world_matrices(doc, local)`: parents before children, one batched matmul per tree depth.
- `joint_matrices(doc, skin, world, mesh_node)`: ``inverse(world[mesh_node]) @ world[joint] @ IBM``
  (glTF 2.0 spec "Skins": the mesh node's own transform is dropped for skinned meshes, and the
  renderer draws the skinned result with world[mesh_node]).
- `node_morph_weights`: a pose override > node.weights > mesh.weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from avatar.gltf.animation import AnimationPose
from avatar.gltf.document import GltfDocument


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _quaternion_products_to_matrix() -> np.ndarray:
    """(16, 9) map from the products q_i q_j (xyzw, i*4+j) to a rotation matrix minus identity."""
    x, y, z, w = range(4)
    terms = {  # entry (row*3+col): [(coefficient, i, j)]
        0: [(-2, y, y), (-2, z, z)], 1: [(2, x, y), (-2, z, w)], 2: [(2, x, z), (2, y, w)],
        3: [(2, x, y), (2, z, w)], 4: [(-2, x, x), (-2, z, z)], 5: [(2, y, z), (-2, x, w)],
        6: [(2, x, z), (-2, y, w)], 7: [(2, y, z), (2, x, w)], 8: [(-2, x, x), (-2, y, y)],
    }
    table = np.zeros((16, 9))
    for entry, products in terms.items():
        for coefficient, i, j in products:
            table[i * 4 + j, entry] += coefficient
    return table


_PRODUCTS_TO_MATRIX = _quaternion_products_to_matrix()


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 4) xyzw unit quaternions -> (..., 3, 3) rotation matrices (float64).
    One outer product and one small matmul: a few numpy calls whatever the batch size."""
    q = np.asarray(q, np.float64)
    products = (q[..., :, None] * q[..., None, :]).reshape(q.shape[:-1] + (16,))
    return (products @ _PRODUCTS_TO_MATRIX).reshape(q.shape[:-1] + (3, 3)) + np.eye(3)


def matrix_to_quaternion(m: np.ndarray) -> np.ndarray:
    """(3, 3) rotation matrix -> (4,) xyzw unit quaternion (Shepperd's method, w >= 0 when possible).
    Plain floats: for one matrix, numpy's per-element indexing would cost ten times more."""
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = np.asarray(m, np.float64)[:3, :3].tolist()
    trace = m00 + m11 + m22
    if trace > 0:
        s = 2.0 * math.sqrt(trace + 1.0)
        q = ((m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, 0.25 * s)
    elif m00 > m11 and m00 > m22:
        s = 2.0 * math.sqrt(1.0 + m00 - m11 - m22)
        q = (0.25 * s, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s)
    elif m11 > m22:
        s = 2.0 * math.sqrt(1.0 + m11 - m00 - m22)
        q = ((m01 + m10) / s, 0.25 * s, (m12 + m21) / s, (m02 - m20) / s)
    else:
        s = 2.0 * math.sqrt(1.0 + m22 - m00 - m11)
        q = ((m02 + m20) / s, (m12 + m21) / s, 0.25 * s, (m10 - m01) / s)
    n = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    return np.array([q[0] / n, q[1] / n, q[2] / n, q[3] / n])


def decompose(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """4x4 TRS matrix -> (translation, xyzw rotation, scale); a negative determinant goes to scale.x."""
    m = np.asarray(matrix, np.float64)
    translation = m[:3, 3].copy()
    basis = m[:3, :3]
    scale = np.linalg.norm(basis, axis=0)
    if np.linalg.det(basis) < 0:
        scale[0] = -scale[0]
    safe = np.where(scale == 0, 1.0, scale)
    rotation = matrix_to_quaternion(basis / safe)
    return translation, rotation, scale


def trs_matrices(translation: np.ndarray, rotation: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(N, 3), (N, 4) xyzw, (N, 3) -> (N, 4, 4) float32 ``T @ R @ S``."""
    n = translation.shape[0]
    out = np.zeros((n, 4, 4), np.float64)
    out[:, :3, :3] = quaternion_to_matrix(rotation) * np.asarray(scale, np.float64)[:, None, :]
    out[:, :3, 3] = translation
    out[:, 3, 3] = 1.0
    return out.astype(np.float32)


@dataclass(frozen=True)
class NodeTransforms:
    """Per-node local transform state. `use_matrix[i]`: node i uses `matrix[i]` instead of TRS."""

    translation: np.ndarray  # (N, 3) float32
    rotation: np.ndarray  # (N, 4) xyzw
    scale: np.ndarray  # (N, 3)
    matrix: np.ndarray  # (N, 4, 4); identity for TRS nodes
    use_matrix: np.ndarray  # (N,) bool

    @staticmethod
    def rest(doc: GltfDocument) -> NodeTransforms:
        n = len(doc.nodes)
        translation = np.zeros((n, 3), np.float32)
        rotation = np.tile(np.array([0, 0, 0, 1], np.float32), (n, 1))
        scale = np.ones((n, 3), np.float32)
        matrix = np.tile(np.eye(4, dtype=np.float32), (n, 1, 1))
        use_matrix = np.zeros(n, bool)
        for i, node in enumerate(doc.nodes):
            if node.matrix is not None:
                matrix[i] = node.matrix
                use_matrix[i] = True
                t, r, s = decompose(node.matrix)
                translation[i], rotation[i], scale[i] = t, r, s
            else:
                translation[i], rotation[i], scale[i] = node.translation, node.rotation, node.scale
        return NodeTransforms(*(_readonly(a) for a in (translation, rotation, scale, matrix, use_matrix)))

    def with_overrides(self, pose: AnimationPose) -> NodeTransforms:
        """A copy with the pose's translations / rotations / scales applied."""
        translation, rotation, scale = self.translation.copy(), self.rotation.copy(), self.scale.copy()
        use_matrix = self.use_matrix.copy()
        for target, values in ((translation, pose.translations), (rotation, pose.rotations), (scale, pose.scales)):
            for node, value in values.items():
                target[node] = value
                use_matrix[node] = False
        return NodeTransforms(*(_readonly(a) for a in (translation, rotation, scale, self.matrix, use_matrix)))

    def local_matrices(self) -> np.ndarray:
        """(N, 4, 4) float32 local matrices."""
        local = trs_matrices(self.translation, self.rotation, self.scale)
        local[self.use_matrix] = self.matrix[self.use_matrix]
        return _readonly(local)


def depth_levels(doc: GltfDocument) -> list[np.ndarray]:
    """Node indices grouped by depth (roots first): each level only needs the previous one."""
    parents = doc.parents()
    depth = np.zeros(len(doc.nodes), np.int64)
    for i in range(len(doc.nodes)):
        d, p = 0, parents[i]
        while p != -1:  # the loader rejects cycles, so this terminates
            d, p = d + 1, parents[p]
        depth[i] = d
    return [np.flatnonzero(depth == level) for level in range(int(depth.max(initial=-1)) + 1)]


def world_matrices(doc: GltfDocument, local: np.ndarray, levels: list[np.ndarray] | None = None) -> np.ndarray:
    """(N, 4, 4) world matrices, ``world[i] = world[parent[i]] @ local[i]``. Pass `levels` (from
    `depth_levels`) to reuse the hierarchy order across frames."""
    parents = doc.parents()
    world = np.array(local, np.float32)
    for level in (levels if levels is not None else depth_levels(doc))[1:]:
        world[level] = world[parents[level]] @ local[level]
    return _readonly(world)


def joint_matrices(doc: GltfDocument, skin_index: int, world: np.ndarray, mesh_node: int) -> np.ndarray:
    """(J, 4, 4) float32 skinning matrices of skin `skin_index` for the mesh on `mesh_node`."""
    skin = doc.skins[skin_index]
    inverse_mesh = np.linalg.inv(world[mesh_node].astype(np.float64))
    joints = world[np.asarray(skin.joints)].astype(np.float64)
    result = inverse_mesh[None] @ joints @ skin.inverse_bind_matrices.astype(np.float64)
    return _readonly(result.astype(np.float32))


def node_morph_weights(doc: GltfDocument, node_index: int, pose: AnimationPose | None = None) -> np.ndarray:
    """(T,) float32 morph weights of the mesh on node `node_index` (empty when it has no mesh)."""
    node = doc.nodes[node_index]
    if node.mesh is None:
        return np.zeros(0, np.float32)
    if pose is not None and node_index in pose.weights:
        return pose.weights[node_index]
    if node.weights is not None:
        return node.weights
    return doc.meshes[node.mesh].weights
