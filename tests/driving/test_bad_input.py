"""Bad input: a VRM without a required bone, an expression bound to a missing morph, a plain glTF
(driven when it has a humanoid skeleton or ARKit morphs, else a clear error)."""
from __future__ import annotations

import json
import logging
import struct

import pytest

from assets.errors import AssetError
from avatar.driving.avatar_model import DrivingError, load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.qmath import qeuler_deg
from tests.driving import synthetic as syn


def _rewrite_glb(src, dst, edit) -> None:
    data = src.read_bytes()
    length = struct.unpack_from("<I", data, 12)[0]
    doc = json.loads(data[20:20 + length])
    edit(doc)
    text = json.dumps(doc).encode()
    text += b" " * (-len(text) % 4)
    rest = data[20 + length:]
    body = struct.pack("<II", len(text), 0x4E4F534A) + text + rest
    dst.write_bytes(data[:8] + struct.pack("<I", 12 + len(body)) + body)


def test_vrm_missing_required_bone_is_a_clear_error(test_data, tmp_path):
    bad = tmp_path / "no_head.vrm"

    def drop_head(doc):
        bones = doc["extensions"]["VRM"]["humanoid"]["humanBones"]
        bones[:] = [b for b in bones if b["bone"] != "head"]

    _rewrite_glb(test_data / "vrm/Godette_vrm_v4.vrm", bad, drop_head)
    with pytest.raises(AssetError, match=r"missing required humanoid bone\(s\) head"):
        load_drivable(bad)


def test_expression_bound_to_missing_morph_warns_and_keeps_the_rest(test_data, tmp_path, caplog):
    bad = tmp_path / "bad_bind.vrm"

    def break_bind(doc):
        groups = doc["extensions"]["VRM"]["blendShapeMaster"]["blendShapeGroups"]
        a = next(g for g in groups if g["presetName"] == "a")
        a["binds"].append({"mesh": a["binds"][0]["mesh"], "index": 999, "weight": 100})

    _rewrite_glb(test_data / "vrm/Godette_vrm_v4.vrm", bad, break_bind)
    with caplog.at_level(logging.WARNING):
        avatar = load_drivable(bad)
    assert any("morph target 999 does not exist" in r.getMessage() for r in caplog.records)
    aa = avatar.binding.expressions["aa"]
    assert all(b.target != 999 for b in aa.morph_binds) and aa.morph_binds
    weights = avatar.binding.node_weights({"aa": 1.0})  # the valid bind still drives its morph
    bind = aa.morph_binds[0]
    node = next(i for i, n in enumerate(avatar.doc.nodes) if n.mesh == bind.mesh)
    assert weights[node][bind.target] == pytest.approx(bind.weight)


def test_plain_gltf_with_a_humanoid_skeleton_is_driven(test_data):
    avatar = load_drivable(test_data / "gltf/RobotExpressive/RobotExpressive.glb")
    assert avatar.vrm is None and avatar.kind == "glTF humanoid"
    driver = AvatarDriver(avatar, DriverOptions(use_idle=False))
    head = qeuler_deg(0, 30, 0)
    frame = driver.update(syn.tracking(0.0, faces=[syn.face(head, 0.0)]))
    got = avatar.rig.normalized_world_rotation(frame.node_world.astype(float), "head")
    from avatar.driving.qmath import qdistance

    assert qdistance(got, head) < 1e-4


@pytest.mark.parametrize("name", ["gltf/RiggedSimple/RiggedSimple.glb", "gltf/AnimatedMorphCube/AnimatedMorphCube.glb"])
def test_gltf_without_humanoid_or_face_morphs_is_refused(test_data, name):
    with pytest.raises(DrivingError, match="cannot drive this glTF: it has no VRM extension, no humanoid skeleton"):
        load_drivable(test_data / name)


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "avatar.fbx"
    path.write_bytes(b"x")
    with pytest.raises(AssetError, match="unsupported avatar format '.fbx'"):
        load_drivable(path)
