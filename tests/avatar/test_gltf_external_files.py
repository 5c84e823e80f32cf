"""The same real asset as .glb, as .gltf with external (percent-encoded) files, and with data: URIs
must load to identical arrays; plus container edge cases."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assets.errors import AssetError
from avatar.gltf.loader import load_gltf
from tests.avatar.gltf_helpers import SAMPLES, data_uri, pack_glb, split_glb


def _unpack_to_gltf(glb_path, folder, *, inline: bool):
    """Rewrite a .glb as .gltf: BIN chunk -> buffer file (or data: URI), images -> files (or data: URIs)."""
    tree, binary = split_glb(glb_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sub dir").mkdir(exist_ok=True)
    for i, image in enumerate(tree.get("images", [])):
        view = tree["bufferViews"][image.pop("bufferView")]
        payload = binary[view.get("byteOffset", 0):view.get("byteOffset", 0) + view["byteLength"]]
        if inline:
            image["uri"] = f"data:{image['mimeType']};base64," + data_uri(payload).split(",", 1)[1]
        else:
            (folder / "sub dir" / f"image {i}.jpg").write_bytes(payload)
            image["uri"] = f"sub%20dir/image%20{i}.jpg"
    if inline:
        tree["buffers"][0]["uri"] = data_uri(binary)
    else:
        (folder / "body #1.bin").write_bytes(binary)
        tree["buffers"][0]["uri"] = "body%20%231.bin"
    path = folder / "model.gltf"
    path.write_text(json.dumps(tree))
    return path


@pytest.mark.parametrize("inline", [False, True], ids=["external-files", "data-uris"])
def test_gltf_with_external_or_inline_data_equals_the_glb(test_data, tmp_path, inline):
    glb = test_data / SAMPLES["CesiumMan"]
    reference = load_gltf(glb)
    doc = load_gltf(_unpack_to_gltf(glb, tmp_path / "unpacked", inline=inline))
    np.testing.assert_array_equal(doc.images[0].pixels, reference.images[0].pixels)
    for a, b in zip(doc.meshes[0].primitives, reference.meshes[0].primitives):
        np.testing.assert_array_equal(a.positions, b.positions)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(doc.skins[0].inverse_bind_matrices, reference.skins[0].inverse_bind_matrices)


def test_missing_external_image_names_the_file(test_data, tmp_path):
    path = _unpack_to_gltf(test_data / SAMPLES["CesiumMan"], tmp_path / "m", inline=False)
    (tmp_path / "m" / "sub dir" / "image 0.jpg").unlink()
    with pytest.raises(AssetError, match=r"model\.gltf: images\[0\]\.uri: referenced file is missing: .*sub dir/image 0\.jpg"):
        load_gltf(path)


def test_undecodable_image(test_data, tmp_path):
    path = _unpack_to_gltf(test_data / SAMPLES["CesiumMan"], tmp_path / "m", inline=False)
    (tmp_path / "m" / "sub dir" / "image 0.jpg").write_bytes(b"not a jpeg at all")
    with pytest.raises(AssetError, match=r"model\.gltf: images\[0\]\.uri: cannot decode the image \(image/jpeg\)"):
        load_gltf(path)


def test_nul_padded_json_chunk_is_accepted(test_data, tmp_path):
    tree, binary = split_glb(test_data / SAMPLES["RiggedSimple"])
    text = json.dumps(tree).encode()
    text += b"\0" * (4 - len(text) % 4)
    import struct
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text
    chunks += struct.pack("<II", len(binary), 0x004E4942) + binary
    path = tmp_path / "padded.glb"
    path.write_bytes(struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks)
    assert len(load_gltf(path).nodes) == len(tree["nodes"])


def test_joint_index_beyond_the_skin_is_refused(test_data, tmp_path):
    tree, binary = split_glb(test_data / SAMPLES["RiggedSimple"])
    skin_node = next(i for i, n in enumerate(tree["nodes"]) if "skin" in n)
    tree["skins"][tree["nodes"][skin_node]["skin"]]["joints"] = tree["skins"][0]["joints"][:1]
    tree["skins"][0].pop("inverseBindMatrices")
    path = tmp_path / "RiggedSimple.glb"
    path.write_bytes(pack_glb(tree, binary))
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: meshes\[0\]\.primitives\[0\]\.attributes\.JOINTS_0: "
                                         r"joint index 1 is out of range for skins\[0\] \(1 joints\)"):
        load_gltf(path)
