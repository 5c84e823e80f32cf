"""`vivid avatar info` through the registered argparse parser."""
from __future__ import annotations

import argparse

from avatar.commands import register_avatar_commands
from tests.avatar.gltf_helpers import SAMPLES


def _run(argv):
    parser = argparse.ArgumentParser(prog="vivid avatar")
    register_avatar_commands(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_info_lists_morphs_animations_and_counts(test_data, capsys):
    assert _run(["info", str(test_data / SAMPLES["RobotExpressive"]), "--max-nodes", "10"]) == 0
    out = capsys.readouterr().out
    assert "morphs: Angry, Surprised, Sad" in out
    assert "[12] Wave: 2.500 s" in out or "Wave:" in out
    assert "skins:\n  [0] -: 43 joints" in out
    assert "... 64 more nodes" in out  # 74 nodes, 10 shown
    assert "vertices: 7214  triangles: 3237" in out


def test_info_on_a_broken_file_exits_2_with_the_message(tmp_path, capsys):
    bad = tmp_path / "bad.glb"
    bad.write_bytes(b"glTF\x02\x00\x00\x00")
    assert _run(["info", str(bad)]) == 2
    assert "error: bad.glb: header: truncated GLB" in capsys.readouterr().err


def test_info_on_a_vrm_shows_meta_humanoid_and_expressions(test_data, capsys):
    assert _run(["info", str(test_data / "vrm/Godette_vrm_v4.vrm"), "--max-nodes", "5"]) == 0
    out = capsys.readouterr().out
    assert "VRM 0.0 (VRM): faces -Z in the file, normalized to +Z" in out
    assert "title: Low-Poly Godette" in out and "authors: SirRichard94" in out
    assert "licenseName: CC_BY" in out
    assert "humanoid: 45 bones" in out
    # BodyMesh's 3 primitives share one set of 2479 vertices: counted once (+ FaceMesh's 630).
    assert "vertices: 3109  triangles: 3439" in out
    assert "BodyMesh: 3 primitive(s), 2479 vertices" in out
    assert "happy: 2 morph, 0 colour, 0 texture binds" in out
    assert "spring bones: 8 springs" in out


def test_info_counts_the_builtin_avatars_levels_of_detail(capsys):
    from assets.paths import BUILTIN_AVATAR
    from avatar.gltf.loader import load_gltf

    doc = load_gltf(BUILTIN_AVATAR)
    full = sum(len(p.indices) // 3 for m in doc.meshes for p in m.primitives)
    coarsest = sum(len((p.lod_indices or (p.indices,))[-1]) // 3 for m in doc.meshes for p in m.primitives)
    assert coarsest < full
    assert _run(["info", str(BUILTIN_AVATAR), "--max-nodes", "3"]) == 0
    assert f"triangles: {full} ({coarsest} at the coarsest levels of detail)" in capsys.readouterr().out
