"""load_gltf on the real Khronos samples: counts against the file's own JSON, and known values."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.gltf.document import AlphaMode, Interpolation, PrimitiveMode
from avatar.gltf.loader import load_gltf
from tests.avatar.gltf_helpers import SAMPLES, raw_json


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_counts_match_the_json(test_data, sample):
    path = test_data / SAMPLES[sample]
    tree = raw_json(path)
    doc = load_gltf(path)
    assert len(doc.nodes) == len(tree.get("nodes", []))
    assert len(doc.meshes) == len(tree.get("meshes", []))
    assert [len(s.joints) for s in doc.skins] == [len(s["joints"]) for s in tree.get("skins", [])]
    assert len(doc.animations) == len(tree.get("animations", []))
    assert len(doc.materials) == len(tree.get("materials", []))
    assert len(doc.images) == len(tree.get("images", []))
    for mesh, mesh_json in zip(doc.meshes, tree.get("meshes", [])):
        assert len(mesh.primitives) == len(mesh_json["primitives"])
        for primitive, primitive_json in zip(mesh.primitives, mesh_json["primitives"]):
            assert len(primitive.targets) == len(primitive_json.get("targets", []))
            position_accessor = tree["accessors"][primitive_json["attributes"]["POSITION"]]
            assert primitive.vertex_count == position_accessor["count"]
            if "indices" in primitive_json:
                assert len(primitive.indices) == tree["accessors"][primitive_json["indices"]]["count"]
            assert primitive.positions.dtype == np.float32 and not primitive.positions.flags.writeable
            assert np.all(np.isfinite(primitive.positions))
        names = mesh_json.get("extras", {}).get("targetNames")
        if names:
            assert mesh.target_names == tuple(names)
    for animation, animation_json in zip(doc.animations, tree.get("animations", [])):
        assert len(animation.samplers) == len(animation_json["samplers"])
        assert len(animation.channels) == len(animation_json["channels"])
        for sampler, sampler_json in zip(animation.samplers, animation_json["samplers"]):
            times = tree["accessors"][sampler_json["input"]]
            assert len(sampler.input) == times["count"]
            assert sampler.input[-1] == pytest.approx(times["max"][0])


def test_manifest_counts_of_the_samples(test_data):
    """Spot values the data manifest states for these files."""
    assert [len(s.joints) for s in load_gltf(test_data / SAMPLES["RiggedFigure"]).skins] == [19]
    assert len(load_gltf(test_data / SAMPLES["RecursiveSkeletons"]).skins) == 84
    fox = load_gltf(test_data / SAMPLES["Fox"])
    assert [a.name for a in fox.animations] == ["Survey", "Walk", "Run"]
    assert fox.images[0].pixels.shape == (1024, 1024, 4) and fox.images[0].pixels.dtype == np.uint8
    robot = load_gltf(test_data / SAMPLES["RobotExpressive"])
    assert [m.target_names for m in robot.meshes if m.target_names] == [("Angry", "Surprised", "Sad")]
    assert len(robot.animations) == 14
    stress = load_gltf(test_data / SAMPLES["MorphStressTest"])
    assert stress.meshes[0].target_names == tuple(f"Key {i}" for i in range(1, 9))


def test_simple_skin_external_buffers_and_interleaved_stride(test_data):
    doc = load_gltf(test_data / SAMPLES["SimpleSkin"])
    primitive = doc.meshes[0].primitives[0]
    expected_positions = np.array([[x, y, 0.0] for y in (0.0, 0.5, 1.0, 1.5, 2.0) for x in (-0.5, 0.5)], np.float32)
    np.testing.assert_array_equal(primitive.positions, expected_positions)
    # JOINTS_0 (uint16) and WEIGHTS_0 (float) share one bufferView with byteStride 16.
    assert primitive.joints.dtype == np.uint16
    np.testing.assert_array_equal(primitive.joints[:, :2], [[0, 0]] * 2 + [[0, 1]] * 8)
    np.testing.assert_allclose(primitive.weights[:, 0], [1, 1, 0.75, 0.75, 0.5, 0.5, 0.25, 0.25, 0, 0])
    np.testing.assert_allclose(primitive.weights.sum(axis=1), 1.0)
    assert primitive.indices.dtype == np.uint32 and len(primitive.indices) == 24
    # IBM of joint 1 (at y=1) translates by -1 in y; stored column-major in the file.
    ibm = doc.skins[0].inverse_bind_matrices
    np.testing.assert_array_equal(ibm[0], np.eye(4))
    assert ibm[1][1, 3] == -1.0 and ibm[1][3, 1] == 0.0


def test_matrix_nodes_are_transposed_from_column_major(test_data):
    path = test_data / SAMPLES["RiggedSimple"]
    tree = raw_json(path)
    doc = load_gltf(path)
    for node, node_json in zip(doc.nodes, tree["nodes"]):
        if "matrix" in node_json:
            column_major = np.array(node_json["matrix"], np.float32)
            np.testing.assert_array_equal(node.matrix[:, 1], column_major[4:8])  # second column
            np.testing.assert_array_equal(node.matrix[:3, 3], column_major[12:15])  # translation


def test_quantized_normalized_normals_of_facecap(test_data):
    """facecap uses KHR_mesh_quantization (required) with int8 normalized normals, stride 3."""
    doc = load_gltf(test_data / SAMPLES["facecap"])
    face = next(m for m in doc.meshes if m.target_names)
    assert len(face.target_names) == 52 and face.target_names[0] == "browInnerUp"
    lengths = np.linalg.norm(face.primitives[0].normals, axis=1)
    np.testing.assert_allclose(lengths, 1.0, atol=0.02)  # int8 quantization error is ~1/127


def test_morph_targets_and_default_weights(test_data):
    doc = load_gltf(test_data / SAMPLES["SimpleMorph"])
    mesh = doc.meshes[0]
    np.testing.assert_array_equal(mesh.weights, [0.5, 0.5])
    deltas = [t.positions for t in mesh.primitives[0].targets]
    np.testing.assert_array_equal(deltas[0][2], [-1.0, 1.0, 0.0])
    np.testing.assert_array_equal(deltas[1][2], [1.0, 1.0, 0.0])
    assert mesh.primitives[0].targets[0].normals is None


def test_materials_and_textures(test_data):
    doc = load_gltf(test_data / SAMPLES["CesiumMan"])
    material = doc.materials[0]
    assert material.base_color_texture is not None and material.base_color_texture.image == 0
    assert material.metallic_factor == 0.0
    assert material.alpha_mode == AlphaMode.OPAQUE
    assert doc.images[0].mime_type == "image/jpeg" and doc.images[0].pixels.shape[2] == 4


def test_vrm_material_extensions_are_kept(test_data):
    doc = load_gltf(test_data / "vrm/Godette_vrm_v4.vrm")
    tree = raw_json(test_data / "vrm/Godette_vrm_v4.vrm")
    for material, material_json in zip(doc.materials, tree["materials"]):
        assert material.unlit == ("KHR_materials_unlit" in material_json.get("extensions", {}))
        for name in material_json.get("extensions", {}):
            assert name in material.extensions


def test_animation_samplers_are_shaped_per_path(test_data):
    doc = load_gltf(test_data / SAMPLES["AnimatedMorphCube"])
    sampler = doc.animations[0].samplers[0]
    assert sampler.interpolation == Interpolation.LINEAR
    assert sampler.output.shape == (len(sampler.input), 2)  # two morph targets
    assert doc.animations[0].channels[0].path == "weights"
    rigged = load_gltf(test_data / SAMPLES["CesiumMan"])
    for channel in rigged.animations[0].channels:
        width = {"translation": 3, "rotation": 4, "scale": 3}[channel.path]
        assert rigged.animations[0].samplers[channel.sampler].output.shape[1] == width
    assert all(p.mode == PrimitiveMode.TRIANGLES for m in rigged.meshes for p in m.primitives)


def test_skin_weights_that_do_not_sum_to_one_are_renormalized(test_data, caplog):
    """RobotExpressive's hand meshes store weights summing to up to 1.75 (invalid glTF)."""
    path = test_data / SAMPLES["RobotExpressive"]
    doc = load_gltf(path)
    for mesh in doc.meshes:
        for primitive in mesh.primitives:
            if primitive.weights is not None:
                np.testing.assert_allclose(primitive.weights.sum(axis=1), 1.0, atol=1e-5)
    assert "WEIGHTS_0: " in caplog.text and "do not sum to 1 (off by up to 0.7" in caplog.text and "renormalized" in caplog.text
