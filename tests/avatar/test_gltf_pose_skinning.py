"""Node/world/joint matrices and the CPU skinning + morph reference against hand-derived values."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.gltf import cpu_skinning
from avatar.gltf.animation import AnimationPose, sample_animation
from avatar.gltf.loader import load_gltf
from avatar.gltf.pose import (
    NodeTransforms, decompose, joint_matrices, node_morph_weights, trs_matrices, world_matrices,
)
from tests.avatar.gltf_helpers import SAMPLES


def _skinned_at(doc, time_s, mesh_node=0):
    pose = sample_animation(doc.animations[0], time_s)
    world = world_matrices(doc, NodeTransforms.rest(doc).with_overrides(pose).local_matrices())
    node = doc.nodes[mesh_node]
    joints = joint_matrices(doc, node.skin, world, mesh_node)
    return cpu_skinning.deform(doc.meshes[node.mesh].primitives[0], None, joints)


def test_simple_skin_at_known_times_matches_hand_derived_positions(test_data):
    """Joint 1 sits at y=1 and rotates about Z: 90 deg at t=1 s, 45 deg at t=0.5 s. A vertex with
    weight w on joint 1 moves to (1-w) p + w (R (p - (0,1)) + (0,1))."""
    doc = load_gltf(test_data / SAMPLES["SimpleSkin"])
    base = doc.meshes[0].primitives[0].positions.astype(np.float64)
    w1 = doc.meshes[0].primitives[0].weights[:, 1].astype(np.float64)[:, None]
    for time_s, degrees in ((1.0, 90.0), (0.0, 0.0), (5.0, -45.0)):
        a = np.radians(degrees)
        rotation = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
        pivot = np.array([0.0, 1.0, 0.0])
        expected = (1 - w1) * base + w1 * ((base - pivot) @ rotation.T + pivot)
        np.testing.assert_allclose(_skinned_at(doc, time_s).positions, expected, atol=2e-3)  # keys rounded to 3 digits
    # t=1 s exactly, written out: the top-left vertex (-0.5, 2) is fully on joint 1 -> (-1, 0.5);
    # the middle-left vertex (-0.5, 1) is half/half -> ((-0.5 + 0) / 2, (1 + 0.5) / 2).
    positions = _skinned_at(doc, 1.0).positions
    np.testing.assert_allclose(positions[8], [-1.0, 0.5, 0.0], atol=1e-6)
    np.testing.assert_allclose(positions[4], [-0.25, 0.75, 0.0], atol=1e-6)


@pytest.mark.parametrize("sample", ["SimpleSkin", "RiggedFigure", "CesiumMan", "Fox"])
def test_rest_pose_skinning_reproduces_the_bind_pose(test_data, sample):
    """These files' node rest pose is their bind pose, so joint matrices cancel the IBMs."""
    doc = load_gltf(test_data / SAMPLES[sample])
    world = world_matrices(doc, NodeTransforms.rest(doc).local_matrices())
    for index, node in enumerate(doc.nodes):
        if node.skin is None:
            continue
        joints = joint_matrices(doc, node.skin, world, index)
        for primitive in doc.meshes[node.mesh].primitives:
            result = cpu_skinning.deform(primitive, None, joints)
            extent = np.ptp(primitive.positions, axis=0).max()
            np.testing.assert_allclose(result.positions, primitive.positions, atol=1e-5 * max(extent, 1.0))
            if primitive.normals is not None:
                np.testing.assert_allclose(result.normals, primitive.normals, atol=1e-3)


def test_vectorized_world_matrices_equal_the_recursive_product(test_data):
    doc = load_gltf(test_data / SAMPLES["RecursiveSkeletons"])
    pose = sample_animation(doc.animations[0], 0.7)
    local = NodeTransforms.rest(doc).with_overrides(pose).local_matrices()
    world = world_matrices(doc, local)
    parents = doc.parents()

    def recursive(i):
        return local[i].astype(np.float64) if parents[i] < 0 else recursive(parents[i]) @ local[i]

    for i in range(0, len(doc.nodes), 37):
        np.testing.assert_allclose(world[i], recursive(i), rtol=1e-4, atol=1e-4)


def test_joint_matrices_follow_the_spec_formula(test_data):
    doc = load_gltf(test_data / SAMPLES["CesiumMan"])
    pose = sample_animation(doc.animations[0], 1.0)
    world = world_matrices(doc, NodeTransforms.rest(doc).with_overrides(pose).local_matrices())
    mesh_node = next(i for i, n in enumerate(doc.nodes) if n.skin is not None)
    skin = doc.skins[doc.nodes[mesh_node].skin]
    joints = joint_matrices(doc, doc.nodes[mesh_node].skin, world, mesh_node)
    for j in (0, 5, len(skin.joints) - 1):
        expected = np.linalg.inv(world[mesh_node]) @ world[skin.joints[j]] @ skin.inverse_bind_matrices[j]
        np.testing.assert_allclose(joints[j], expected, atol=1e-5)


def test_matrix_nodes_decompose_and_recompose(test_data):
    doc = load_gltf(test_data / SAMPLES["RiggedSimple"])
    rest = NodeTransforms.rest(doc)
    for i, node in enumerate(doc.nodes):
        if node.matrix is None:
            continue
        t, r, s = decompose(node.matrix)
        np.testing.assert_allclose(trs_matrices(t[None], r[None], s[None])[0], node.matrix, atol=1e-6)
        assert rest.use_matrix[i]
        # overriding only the rotation keeps the matrix's translation and scale
        overridden = rest.with_overrides(AnimationPose(0.0, rotations={i: np.array([0, 0, 0, 1], np.float32)}))
        assert not overridden.use_matrix[i]
        np.testing.assert_allclose(overridden.local_matrices()[i][:3, 3], node.matrix[:3, 3], atol=1e-6)


def test_morph_weights_precedence_and_cpu_morph(test_data):
    doc = load_gltf(test_data / SAMPLES["SimpleMorph"])
    np.testing.assert_array_equal(node_morph_weights(doc, 0), [0.5, 0.5])  # mesh default
    pose = sample_animation(doc.animations[0], 1.0)
    np.testing.assert_array_equal(node_morph_weights(doc, 0, pose), [0.0, 1.0])  # animation override
    primitive = doc.meshes[0].primitives[0]
    # vertex 2 = (0.5, 0.5) + w0 (-1, 1) + w1 (1, 1)
    np.testing.assert_allclose(cpu_skinning.morph(primitive, [0.5, 0.5]).positions[2], [0.5, 1.5, 0])
    np.testing.assert_allclose(cpu_skinning.morph(primitive, [0.0, 1.0]).positions[2], [1.5, 1.5, 0])
    np.testing.assert_allclose(cpu_skinning.morph(primitive, [0.0, 0.0]).positions, primitive.positions)


def test_skinned_normals_rotate_with_the_joint(test_data):
    doc = load_gltf(test_data / SAMPLES["RiggedSimple"])
    primitive = doc.meshes[0].primitives[0]
    joints = np.tile(np.eye(4, dtype=np.float32), (2, 1, 1))
    joints[:, :3, :3] = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]  # both joints: 90 deg about Z
    result = cpu_skinning.skin(primitive.positions, primitive.normals, primitive.joints, primitive.weights, joints)
    expected = primitive.normals @ np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], np.float32).T
    np.testing.assert_allclose(result.normals, expected, atol=1e-5)
    np.testing.assert_allclose(result.positions, primitive.positions @ np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]]).T, atol=1e-5)


@pytest.mark.parametrize("sample", ["CesiumMan", "RiggedFigure", "Fox", "RobotExpressive"])
def test_world_space_skinning_is_independent_of_the_mesh_node(test_data, sample):
    """In world space a skinned vertex is sum_k w_k * world[joint_k] @ IBM_k @ p: the mesh node's
    own transform cancels (spec). deform_node_world must agree with that direct formula."""
    doc = load_gltf(test_data / SAMPLES[sample])
    pose = sample_animation(doc.animations[0], 0.4)
    world = world_matrices(doc, NodeTransforms.rest(doc).with_overrides(pose).local_matrices())
    for index, node in enumerate(doc.nodes):
        if node.skin is None:
            continue
        skin = doc.skins[node.skin]
        per_joint = world[np.asarray(skin.joints)].astype(np.float64) @ skin.inverse_bind_matrices
        for primitive, placed in zip(doc.meshes[node.mesh].primitives, cpu_skinning.deform_node_world(doc, index, world)):
            base = cpu_skinning.morph(primitive, node_morph_weights(doc, index)).positions if primitive.targets else primitive.positions
            mats = np.einsum("nk,nkij->nij", primitive.weights.astype(np.float64), per_joint[primitive.joints.astype(np.int64)])
            expected = np.einsum("nij,nj->ni", mats, np.c_[base, np.ones(len(base))])[:, :3]
            extent = max(float(np.ptp(expected, axis=0).max()), 1.0)
            np.testing.assert_allclose(placed.positions, expected, atol=2e-5 * extent)


@pytest.mark.parametrize("mirror", [1.0, -1.0], ids=["stretched", "mirrored"])
def test_skinned_normals_use_the_inverse_transpose(test_data, mirror):
    """Under non-uniform scale (and mirroring) the reference's normals are the morphed normals
    (deltas added before skinning) through inverse(transpose(S)), normalized: what keeps them
    perpendicular to the skinned surface. mat3(S) would tilt them."""
    doc = load_gltf(test_data / SAMPLES["RiggedSimple"])
    primitive = doc.meshes[0].primitives[0]
    c, s = np.cos(0.7), np.sin(0.7)
    linear = np.diag([2.5 * mirror, 1.0, 0.4]) @ np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    joints = np.tile(np.eye(4), (2, 1, 1))
    joints[:, :3, :3] = linear
    result = cpu_skinning.skin(primitive.positions, primitive.normals, primitive.joints, primitive.weights, joints)
    expected = primitive.normals.astype(np.float64) @ np.linalg.inv(linear)  # rows: (M^-T n)^T = n^T M^-1
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(result.normals, expected, atol=1e-5)
    tilted = primitive.normals @ linear.T
    tilted /= np.linalg.norm(tilted, axis=1, keepdims=True)
    assert np.abs(tilted - expected).max() > 0.1  # the case tells the two apart
