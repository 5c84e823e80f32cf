"""Encodings the samples do not cover, in small hand-built files: sparse accessors, triangle
strips and fans, normalized integers, matrix column padding, data: URIs, CUBICSPLINE and STEP."""
from __future__ import annotations

import json

import numpy as np
import pytest

from avatar.gltf.document import Interpolation, PrimitiveMode
from avatar.gltf.loader import load_gltf
from tests.avatar.gltf_helpers import BufferBuilder

FLOAT, UBYTE, USHORT, BYTE, UINT = 5126, 5121, 5123, 5120, 5125


def _write(tmp_path, tree, name="made.gltf"):
    path = tmp_path / name
    path.write_text(json.dumps(tree))
    return path


def _quad_mesh(b: BufferBuilder, **primitive_extra):
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], np.float32)
    return {"attributes": {"POSITION": b.accessor(positions, "VEC3", FLOAT)}, **primitive_extra}


def test_sparse_morph_target_substitutes_only_listed_vertices(tmp_path):
    b = BufferBuilder()
    primitive = _quad_mesh(b)
    index_view = b.view(np.array([1, 3], np.uint16).tobytes())
    value_view = b.view(np.array([[0, 0, 0.5], [0.25, 0, 0]], np.float32).tobytes())
    b.accessors.append({  # no bufferView: zeros, then the sparse substitution
        "componentType": FLOAT, "count": 4, "type": "VEC3",
        "sparse": {"count": 2, "indices": {"bufferView": index_view, "componentType": USHORT},
                   "values": {"bufferView": value_view}},
    })
    primitive["targets"] = [{"POSITION": len(b.accessors) - 1}]
    tree = b.tree(meshes=[{"primitives": [primitive], "extras": {"targetNames": ["pop"]}}], nodes=[{"mesh": 0}])
    doc = load_gltf(_write(tmp_path, tree))
    delta = doc.meshes[0].primitives[0].targets[0].positions
    np.testing.assert_array_equal(delta, [[0, 0, 0], [0, 0, 0.5], [0, 0, 0], [0.25, 0, 0]])
    assert doc.meshes[0].target_names == ("pop",)
    assert doc.root_nodes == (0,)  # synthesized scene: no "scenes" in the file


def test_sparse_on_top_of_buffer_data(tmp_path):
    b = BufferBuilder()
    base = b.accessor(np.arange(5, dtype=np.float32), "SCALAR", FLOAT)
    index_view = b.view(np.array([4], np.uint8).tobytes())
    value_view = b.view(np.array([40.0], np.float32).tobytes())
    b.accessors[base]["sparse"] = {"count": 1, "indices": {"bufferView": index_view, "componentType": UBYTE},
                                   "values": {"bufferView": value_view}}
    times = b.accessor(np.array([0, 1, 2, 3, 4], np.float32), "SCALAR", FLOAT)
    tree = b.tree(nodes=[{}], animations=[{"channels": [], "samplers": [{"input": times, "output": base}]}])
    doc = load_gltf(_write(tmp_path, tree))
    np.testing.assert_array_equal(doc.animations[0].samplers[0].output[:, 0], [0, 1, 2, 3, 40])


@pytest.mark.parametrize("mode, expected", [
    (5, [0, 1, 2, 1, 3, 2]),  # strip: (i, i+1+i%2, i+2-i%2), odd triangles swap
    (6, [1, 2, 0, 2, 3, 0]),  # fan: (i+1, i+2, 0)
])
def test_strips_and_fans_become_triangles(tmp_path, mode, expected):
    b = BufferBuilder()
    tree = b.tree(meshes=[{"primitives": [_quad_mesh(b, mode=mode)]}], nodes=[{"mesh": 0}])
    primitive = load_gltf(_write(tmp_path, tree)).meshes[0].primitives[0]
    assert primitive.mode == PrimitiveMode.TRIANGLES
    np.testing.assert_array_equal(primitive.indices, expected)


def test_normalized_integers_follow_the_spec_formulas(tmp_path):
    b = BufferBuilder()
    primitive = _quad_mesh(b)
    primitive["attributes"]["TEXCOORD_0"] = b.accessor(
        np.array([[0, 65535], [32768, 0], [65535, 65535], [0, 0]], np.uint16), "VEC2", USHORT, normalized=True)
    primitive["attributes"]["NORMAL"] = b.accessor(
        np.array([[0, 0, 127], [0, 0, -127], [0, 0, -128], [127, 0, 0]], np.int8), "VEC3", BYTE, normalized=True)
    primitive["attributes"]["COLOR_0"] = b.accessor(
        np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [51, 51, 51]], np.uint8), "VEC3", UBYTE, normalized=True)
    tree = b.tree(meshes=[{"primitives": [primitive]}], nodes=[{"mesh": 0}])
    p = load_gltf(_write(tmp_path, tree)).meshes[0].primitives[0]
    np.testing.assert_allclose(p.texcoords[0][:2], [[0, 1], [32768 / 65535, 0]], rtol=1e-6)
    np.testing.assert_array_equal(p.normals[:3, 2], [1, -1, -1])  # -128 clamps to -1
    np.testing.assert_allclose(p.colors, [[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1], [0.2, 0.2, 0.2, 1]], rtol=1e-6)


def test_mat3_of_bytes_has_padded_columns(tmp_path):
    """MAT3 UNSIGNED_BYTE: each 3-byte column starts on a 4-byte boundary (12 bytes per matrix)."""
    b = BufferBuilder()
    raw = np.array([1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0], np.uint8)
    view = b.view(raw.tobytes())
    b.accessors.append({"bufferView": view, "componentType": UBYTE, "count": 1, "type": "MAT3"})
    times = b.accessor(np.array([0], np.float32), "SCALAR", FLOAT)
    tree = b.tree(nodes=[{}], animations=[{"channels": [], "samplers": [{"input": times, "output": 0}]}])
    doc = load_gltf(_write(tmp_path, tree))
    np.testing.assert_array_equal(doc.animations[0].samplers[0].output[0], [1, 2, 3, 4, 5, 6, 7, 8, 9])


def test_cubicspline_and_step_samplers_are_read(tmp_path):
    b = BufferBuilder()
    times = b.accessor(np.array([0, 1], np.float32), "SCALAR", FLOAT)
    # CUBICSPLINE: per key (in-tangent, value, out-tangent), each VEC3.
    cubic = b.accessor(np.array([[0, 0, 0], [0, 0, 0], [1, 0, 0],
                                 [0, 0, 0], [2, 0, 0], [0, 0, 0]], np.float32), "VEC3", FLOAT)
    step = b.accessor(np.array([[1, 1, 1], [2, 2, 2]], np.float32), "VEC3", FLOAT)
    tree = b.tree(nodes=[{}], animations=[{
        "channels": [{"sampler": 0, "target": {"node": 0, "path": "translation"}},
                     {"sampler": 1, "target": {"node": 0, "path": "scale"}}],
        "samplers": [{"input": times, "output": cubic, "interpolation": "CUBICSPLINE"},
                     {"input": times, "output": step, "interpolation": "STEP"}]}])
    animation = load_gltf(_write(tmp_path, tree)).animations[0]
    assert animation.samplers[0].interpolation == Interpolation.CUBICSPLINE
    assert animation.samplers[0].output.shape == (2, 3, 3)
    np.testing.assert_array_equal(animation.samplers[0].output[1, 1], [2, 0, 0])
    assert animation.samplers[1].interpolation == Interpolation.STEP


def test_more_than_four_influences_keep_the_largest(tmp_path, caplog):
    b = BufferBuilder()
    primitive = _quad_mesh(b)
    primitive["attributes"]["JOINTS_0"] = b.accessor(np.tile(np.array([0, 1, 2, 3], np.uint8), (4, 1)), "VEC4", UBYTE)
    primitive["attributes"]["WEIGHTS_0"] = b.accessor(np.tile(np.array([0.1, 0.3, 0.05, 0.05], np.float32), (4, 1)), "VEC4", FLOAT)
    primitive["attributes"]["JOINTS_1"] = b.accessor(np.tile(np.array([4, 5, 6, 7], np.uint8), (4, 1)), "VEC4", UBYTE)
    primitive["attributes"]["WEIGHTS_1"] = b.accessor(np.tile(np.array([0.2, 0.1, 0.1, 0.1], np.float32), (4, 1)), "VEC4", FLOAT)
    tree = b.tree(meshes=[{"primitives": [primitive]}], nodes=[{"mesh": 0}])
    p = load_gltf(_write(tmp_path, tree)).meshes[0].primitives[0]
    assert "keeping the 4 largest" in caplog.text
    np.testing.assert_array_equal(p.joints[0], [1, 4, 0, 5])
    np.testing.assert_allclose(p.weights[0], np.array([0.3, 0.2, 0.1, 0.1]) / 0.7, rtol=1e-6)
