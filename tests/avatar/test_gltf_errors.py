"""Broken inputs made from real files: each raises AssetError naming the file and the field."""
from __future__ import annotations

import copy
import json
import random
import shutil

import pytest

from assets.errors import AssetError
from avatar.gltf.loader import load_gltf
from tests.avatar.gltf_helpers import SAMPLES, pack_glb, split_glb


def test_truncated_glb(test_data, tmp_path):
    data = (test_data / SAMPLES["CesiumMan"]).read_bytes()
    path = tmp_path / "CesiumMan.glb"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AssetError, match=r"CesiumMan\.glb: header\.length: truncated GLB, the header declares 490956"):
        load_gltf(path)
    path.write_bytes(data[:7])
    with pytest.raises(AssetError, match=r"CesiumMan\.glb: header: truncated GLB"):
        load_gltf(path)


def test_truncated_bin_chunk(test_data, tmp_path):
    tree, binary = split_glb(test_data / SAMPLES["RiggedSimple"])
    path = tmp_path / "RiggedSimple.glb"
    path.write_bytes(pack_glb(tree, binary[:100]))
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: buffers\[0\]\.byteLength: declares \d+ bytes but the data has only 100"):
        load_gltf(path)


def test_gltf_whose_bin_is_missing_names_the_missing_file(test_data, tmp_path):
    shutil.copy(test_data / SAMPLES["SimpleSkin"], tmp_path / "SimpleSkin.gltf")
    missing = tmp_path / "skinGeometry.bin"
    with pytest.raises(AssetError, match=rf"SimpleSkin\.gltf: buffers\[0\]\.uri: referenced file is missing: {missing}"):
        load_gltf(tmp_path / "SimpleSkin.gltf")


def _edited_glb(test_data, tmp_path, sample, edit):
    tree, binary = split_glb(test_data / SAMPLES[sample])
    edit(tree)
    path = tmp_path / f"{sample}.glb"
    path.write_bytes(pack_glb(tree, binary))
    return path


def test_accessor_count_too_large(test_data, tmp_path):
    tree, _ = split_glb(test_data / SAMPLES["CesiumMan"])
    position = tree["meshes"][0]["primitives"][0]["attributes"]["POSITION"]
    view = tree["accessors"][position]["bufferView"]

    def edit(t):
        t["accessors"][position]["count"] = 900_000

    path = _edited_glb(test_data, tmp_path, "CesiumMan", edit)
    with pytest.raises(AssetError, match=rf"CesiumMan\.glb: accessors\[{position}\]\.count: 900000 elements need "
                                         rf"\d+ bytes but bufferViews\[{view}\] has \d+"):
        load_gltf(path)


def test_accessor_index_out_of_range(test_data, tmp_path):
    def edit(t):
        t["meshes"][0]["primitives"][0]["attributes"]["POSITION"] = 999

    path = _edited_glb(test_data, tmp_path, "RiggedSimple", edit)
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: meshes\[0\]\.primitives\[0\]\.attributes\.POSITION: "
                                         r"index 999 is out of range: accessors has \d+ entries"):
        load_gltf(path)


def test_buffer_view_past_the_buffer(test_data, tmp_path):
    def edit(t):
        t["bufferViews"][0]["byteOffset"] = 10_000_000

    path = _edited_glb(test_data, tmp_path, "RiggedSimple", edit)
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: bufferViews\[0\]\.byteLength: offset 10000000 .* runs past buffers\[0\]"):
        load_gltf(path)


def test_index_pointing_past_the_vertices(test_data, tmp_path):
    shutil.copytree(test_data / "gltf/SimpleSkin", tmp_path / "s")
    path = tmp_path / "s" / "SimpleSkin.gltf"
    tree = json.loads(path.read_text())
    tree["accessors"][1]["count"] = 4  # POSITION: 4 vertices, but indices reach vertex 9
    path.write_text(json.dumps(tree))
    with pytest.raises(AssetError, match=r"SimpleSkin\.gltf: meshes\[0\]\.primitives\[0\]\.attributes\.JOINTS_0: "
                                         r"must be VEC4 unsigned byte/short with 4 elements|"
                                         r"primitives\[0\]\.indices: accessors\[0\] refers to vertex 9"):
        load_gltf(path)


def test_unsupported_required_extension_lists_the_supported_ones(test_data, tmp_path):
    def edit(t):
        t["extensionsRequired"] = ["EXT_unknown"]
        t["extensionsUsed"] = ["EXT_unknown"]

    path = _edited_glb(test_data, tmp_path, "RiggedSimple", edit)
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: extensionsRequired: unsupported required extension\(s\) "
                                         r"EXT_unknown; supported: KHR_materials_unlit, .*KHR_mesh_quantization"):
        load_gltf(path)


def test_not_json(tmp_path):
    path = tmp_path / "broken.gltf"
    path.write_text('{"asset": {"version": "2.0"}, "nodes": [}')
    with pytest.raises(AssetError, match=r"broken\.gltf: the file is not valid JSON: .* at line 1 column"):
        load_gltf(path)


def test_bad_magic_and_version(test_data, tmp_path):
    data = bytearray((test_data / SAMPLES["RiggedSimple"]).read_bytes())
    path = tmp_path / "RiggedSimple.glb"
    path.write_bytes(b"GLTF" + bytes(data[4:]))
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: header\.magic: expected b'glTF'"):
        load_gltf(path)
    data[4] = 1
    path.write_bytes(bytes(data))
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: header\.version: GLB version 1 is not supported"):
        load_gltf(path)


def test_missing_file(tmp_path):
    with pytest.raises(AssetError, match=r"nothing\.glb: file not found"):
        load_gltf(tmp_path / "nothing.glb")


def test_wrong_types_name_the_field(test_data, tmp_path):
    def edit(t):
        t["nodes"][1]["children"] = "everyone"

    path = _edited_glb(test_data, tmp_path, "RiggedSimple", edit)
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: nodes\[1\]\.children: expected a JSON array, got str"):
        load_gltf(path)


def test_node_cycle(test_data, tmp_path):
    def edit(t):
        t["nodes"][0]["children"] = t["nodes"][0].get("children", []) + [0]

    path = _edited_glb(test_data, tmp_path, "RiggedSimple", edit)
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: nodes\[0\]"):
        load_gltf(path)


def _mutations(value, path=()):
    """Every (path, container) location in a JSON tree."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield path + (key,)
            yield from _mutations(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            yield path + (index,)
            yield from _mutations(child, path + (index,))


def test_random_corruptions_raise_only_asset_error(test_data, tmp_path):
    """Fuzz: delete a field or replace it with a wrong-typed / out-of-range value. Loading must
    either succeed or raise AssetError; never KeyError / IndexError / TypeError / struct.error."""
    tree, binary = split_glb(test_data / SAMPLES["RiggedSimple"])
    locations = [p for p in _mutations(tree) if p[0] != "extras"]
    rng = random.Random(1234)
    replacements = [None, -1, 10**9, "x", 2.5, [], {}, [1, 2], True]
    path = tmp_path / "fuzz.glb"
    failures = 0
    for _ in range(300):
        broken = copy.deepcopy(tree)
        location = rng.choice(locations)
        parent = broken
        for key in location[:-1]:
            parent = parent[key]
        replacement = rng.choice(replacements)
        if replacement is None and isinstance(parent, dict):
            del parent[location[-1]]
        else:
            parent[location[-1]] = replacement
        path.write_bytes(pack_glb(broken, binary))
        try:
            load_gltf(path)
        except AssetError as error:
            failures += 1
            assert str(error).startswith("fuzz.glb: ")
    assert failures > 50  # most corruptions are caught, not silently accepted
