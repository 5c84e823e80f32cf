"""`vivid avatar render` checks its output name, --bone names, --expression weights and --msaa
before rendering, and writes PNG and JPEG."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import cli


@pytest.mark.parametrize("name,message", [
    ("a.xyz", "unsupported extension '.xyz' for an image; use .png or .jpg or .jpeg"),
    ("a", "unsupported extension no extension for an image"),
])
def test_unsupported_output_name_is_refused_before_rendering(tmp_path, capsys, name, message):
    assert cli.main(["avatar", "render", "builtin", "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert f"vivid: error: {tmp_path / name}: {message}" in err
    assert list(tmp_path.iterdir()) == []


def test_transparent_jpeg_is_refused(tmp_path, capsys):
    assert cli.main(["avatar", "render", "builtin", "--transparent", "-o", str(tmp_path / "a.jpg")]) == 2
    assert "for a transparent image (--transparent keeps alpha in PNG only); use .png" in capsys.readouterr().err


def test_jpeg_and_png_outputs_are_written(tmp_path):
    jpg, png = tmp_path / "a.jpg", tmp_path / "a.png"
    assert cli.main(["avatar", "render", "builtin", "--size", "96x64", "-o", str(jpg)]) == 0
    assert cli.main(["avatar", "render", "builtin", "--size", "96x64", "-o", str(png)]) == 0
    with Image.open(jpg) as image:
        assert image.format == "JPEG" and image.mode == "RGB" and image.size == (96, 64)
        jpeg_pixels = np.asarray(image, np.float32)
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size == (96, 64)
        png_pixels = np.asarray(image.convert("RGB"), np.float32)
    assert np.abs(jpeg_pixels - png_pixels).mean() < 4.0  # the same picture, JPEG-compressed


@pytest.mark.parametrize("bone,message", [
    ("nosuchbone=0,10,0", "builtin: --bone: no bone named 'nosuchbone'; valid names: Body, Face, chest, head"),
    ("Head=0,45,0", "no bone named 'Head' (did you mean 'head'?)"),
    ("leftUperArm=0,0,30", "no bone named 'leftUperArm' (did you mean 'leftUpperArm'"),
])
def test_unknown_bone_is_an_error_with_the_closest_names(tmp_path, capsys, bone, message):
    assert cli.main(["avatar", "render", "builtin", "--bone", bone, "-o", str(tmp_path / "a.png")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()


def test_unknown_vrm_bone_lists_the_humanoid_names(test_data, tmp_path, capsys):
    vrm = test_data / "vrm/Godette_vrm_v4.vrm"
    assert cli.main(["avatar", "render", str(vrm), "--bone", "Head=0,45,0", "--size", "64x64",
                     "-o", str(tmp_path / "a.png")]) == 2
    err = capsys.readouterr().err
    assert "no bone named 'Head' (did you mean 'head'?)" in err and "leftUpperArm" in err


@pytest.mark.parametrize("weight", ["5", "-2", "abc", "nan"])
def test_expression_weight_must_be_in_0_1(tmp_path, capsys, weight):
    assert cli.main(["avatar", "render", "builtin", "--expression", f"jawOpen={weight}",
                     "-o", str(tmp_path / "a.png")]) == 2
    assert f"--expression jawOpen={weight}: the weight must be a number in [0, 1]" in capsys.readouterr().err


@pytest.mark.parametrize("samples", ["3", "-1", "16"])
def test_msaa_accepts_only_0_2_4_8(tmp_path, capsys, samples):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["avatar", "render", "builtin", "--msaa", samples, "-o", str(tmp_path / "a.png")])
    assert exit_info.value.code == 2
    assert f"argument --msaa: invalid choice: {samples} (choose from 0, 2, 4, 8)" in capsys.readouterr().err


def test_an_explicit_msaa_is_applied_even_on_a_software_rasterizer(tmp_path):
    """AUTO leaves MSAA off on llvmpipe; asking for it turns it on (edges get blended pixels)."""
    images = {}
    for flag in (["--msaa", "0"], ["--msaa", "8"]):
        out = tmp_path / f"a{len(images)}.png"
        assert cli.main(["avatar", "render", "builtin", "--size", "160x90", *flag, "-o", str(out)]) == 0
        images[" ".join(flag)] = np.asarray(Image.open(out).convert("RGB"), np.int16)
    changed = np.abs(images["--msaa 8"] - images["--msaa 0"]).max(axis=-1) > 0
    assert changed.mean() > 0.005  # the silhouette's edge pixels are smoothed
