"""Bad input reaches the user as a clear error, never as a crash or garbage inside GL."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assets.errors import AssetError, RenderError
from avatar.gltf.document import GltfDocument, Mesh, Node, Primitive
from render.model import ModelInstance
from render.shaders import load_program

import cli


def _doc(primitive: Primitive) -> GltfDocument:
    return GltfDocument(source=Path("bad.glb"), nodes=(Node(name="n", mesh=0),),
                        meshes=(Mesh("m", (primitive,), np.zeros(0, np.float32), ()),), skins=(), materials=(),
                        images=(), animations=(), scenes=((0,),), scene=0, json={})


def test_index_out_of_range_is_a_render_error(rc):
    positions = np.zeros((3, 3), np.float32)
    with pytest.raises(RenderError, match="index 7 >= vertex count 3"):
        ModelInstance(rc, _doc(Primitive(positions=positions, indices=np.array([0, 1, 7], np.uint32))))


def test_shader_compile_error_names_file_and_defines(rc, tmp_path):
    broken = tmp_path / "broken.glsl"
    broken.write_text("#if defined VERTEX_SHADER\nvoid main() { gl_Position = vec4(undefined_thing); }\n#endif\n")
    with pytest.raises(RenderError, match=r"broken.glsl \(defines \{'X': 1\}\): shader failed to compile"):
        load_program(rc, broken, {"X": 1})


def test_missing_shader_file(rc, tmp_path):
    with pytest.raises(RenderError, match="cannot read shader file"):
        load_program(rc, tmp_path / "nope.glsl")


def test_cli_reports_truncated_glb_without_traceback(tmp_path, test_data, capsys):
    data = (test_data / "gltf/CesiumMan/CesiumMan.glb").read_bytes()
    truncated = tmp_path / "truncated.glb"
    truncated.write_bytes(data[: len(data) // 3])
    code = cli.main(["avatar", "render", str(truncated), "-o", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert "truncated.glb" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_cli_unknown_morph_lists_the_available_ones(tmp_path, test_data, capsys):
    code = cli.main(["avatar", "render", str(test_data / "gltf/RobotExpressive/RobotExpressive.glb"),
                     "--expression", "smile=1", "-o", str(tmp_path / "x.png"), "--size", "64x64"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no morph target named smile" in err and "Surprised" in err


def test_cli_unknown_pose_and_bad_bone_syntax(tmp_path, test_data, capsys):
    glb = str(test_data / "gltf/CesiumMan/CesiumMan.glb")
    assert cli.main(["avatar", "render", glb, "--pose", "dab", "-o", str(tmp_path / "x.png")]) == 2
    assert "unknown pose 'dab'; choose one of" in capsys.readouterr().err
    assert cli.main(["avatar", "render", glb, "--bone", "head=1,2", "-o", str(tmp_path / "x.png")]) == 2
    assert "give three Euler angles" in capsys.readouterr().err


def test_cli_renders_an_animation_time(tmp_path, test_data):
    out = tmp_path / "cesium.png"
    code = cli.main(["avatar", "render", str(test_data / "gltf/CesiumMan/CesiumMan.glb"), "--time", "0.5",
                     "--size", "320x240", "--transparent", "-o", str(out)])
    assert code == 0
    from render.image_io import read_image

    image = read_image(out)
    assert image.shape == (240, 320, 4)
    assert image[..., 3].max() == 255 and image[0, 0, 3] == 0


def test_unsupported_avatar_extension(tmp_path, capsys):
    path = tmp_path / "avatar.fbx"
    path.write_bytes(b"x")
    assert cli.main(["avatar", "render", str(path)]) == 2
    assert "unsupported avatar format '.fbx'" in capsys.readouterr().err


def test_asset_error_is_also_value_error():
    assert issubclass(AssetError, ValueError)
