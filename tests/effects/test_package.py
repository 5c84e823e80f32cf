"""Effect package loading: schema, named errors with the JSON path, zip packages, hot reload."""
from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from capture.types import Tracking
from effects.errors import EffectPackageError, EffectShaderError
from effects.package import load_package
from effects.preview import HotReloader
from effects.schema_def import SCHEMA_PATH, top_schema
from effects.stack import EffectStack
from tests.effects.conftest import LIBRARY
from tests.effects.helpers import disc_png, solid_png, write_package


def sticker_layer(**kw):
    return {"id": "dot", "type": "sticker", "image": "dot.png", "anchor": "face:nose_tip", **kw}


@pytest.fixture
def pkg_dir(tmp_path) -> Path:
    folder = tmp_path / "cat_ears"
    disc_png(folder / "dot.png", (0, 255, 0))
    return folder


def test_invalid_json_names_file_line_and_column(pkg_dir):
    pkg_dir.joinpath("effect.json").write_text('{"format": "vivid-effect", "layers": [,]}')
    with pytest.raises(EffectPackageError, match=r"cat_ears/effect.json: invalid JSON at line 1 column 39: Expecting value"):
        load_package(pkg_dir)


def test_unknown_layer_type_lists_the_choices(pkg_dir):
    write_package(pkg_dir, [sticker_layer(), {"type": "stickerr"}])
    with pytest.raises(EffectPackageError, match=r"cat_ears/effect.json: layers\[1\].type: unknown layer "
                                                 r"type 'stickerr'; choose one of avatar_head, background"):
        load_package(pkg_dir)


def test_unknown_landmark_names_json_path_and_choices(pkg_dir):
    write_package(pkg_dir, [sticker_layer(), sticker_layer(id="b"), sticker_layer(id="c", anchor="face:nose_tipp")])
    with pytest.raises(EffectPackageError, match=r"cat_ears/effect.json: layers\[2\].anchor: unknown landmark "
                                                 r"'nose_tipp'; choose one of .*nose_tip"):
        load_package(pkg_dir)


def test_anchor_kind_not_allowed_for_layer(pkg_dir):
    write_package(pkg_dir, [{"type": "warp", "anchor": "screen"}])
    with pytest.raises(EffectPackageError, match=r"layers\[0\].anchor: a warp layer cannot anchor to 'screen'"):
        load_package(pkg_dir)


def test_missing_texture_names_the_field(pkg_dir):
    write_package(pkg_dir, [{"type": "facepaint", "texture": "nope.png"}])
    with pytest.raises(EffectPackageError, match=r"layers\[0\].texture: asset file 'nope.png' not found"):
        load_package(pkg_dir)


def test_asset_outside_the_package_is_rejected(pkg_dir):
    write_package(pkg_dir, [{"type": "facepaint", "texture": "../secret.png"}])
    solid_png(pkg_dir.parent / "secret.png", (1, 2, 3, 255))
    with pytest.raises(EffectPackageError, match=r"layers\[0\].texture: '../secret.png' points outside"):
        load_package(pkg_dir)


@pytest.mark.parametrize("layer, path, message", [
    ({"type": "warp", "strength": 5}, r"layers\[0\].strength", "5 is greater than the maximum of 2"),
    ({"type": "color", "saturation": -1}, r"layers\[0\].saturation", "-1 is less than the minimum of 0"),
    ({"type": "warp", "mode": "tiny_nose"}, r"layers\[0\].mode", "'tiny_nose' is not valid; choose one of enlarge_eyes"),
    ({"type": "color", "exposur": 1}, r"layers\[0\]", r"unknown field 'exposur' \(did you mean 'exposure'\?\); valid fields: "),
    ({"type": "sticker", "anchor": "face:nose_tip"}, r"layers\[0\]", "a sticker needs 'image' or 'frames'"),
])
def test_out_of_range_and_unknown_values(pkg_dir, layer, path, message):
    write_package(pkg_dir, [layer])
    with pytest.raises(EffectPackageError, match=rf"cat_ears/effect.json: {path}: .*{message}"):
        load_package(pkg_dir)


def test_trigger_references_are_checked(pkg_dir):
    write_package(pkg_dir, [sticker_layer()], triggers=[{"when": {"gesture": "blink"},
                                                         "actions": [{"do": "burst", "layer": "dot"}]}])
    with pytest.raises(EffectPackageError, match=r"triggers\[0\].actions\[0\].layer: burst needs a particles layer"):
        load_package(pkg_dir)
    write_package(pkg_dir, [sticker_layer()], triggers=[{"when": {"blendshape": "jawOpen", "on": 0.3, "off": 0.5}}])
    with pytest.raises(EffectPackageError, match=r"triggers\[0\].when.off: off threshold 0.5 is above on threshold 0.3"):
        load_package(pkg_dir)
    write_package(pkg_dir, [sticker_layer()], triggers=[{"when": {"gesture": "sneeze"}}])
    with pytest.raises(EffectPackageError, match=r"triggers\[0\].when.gesture: 'sneeze' is not valid; choose one of mouth_open"):
        load_package(pkg_dir)


def test_shader_that_fails_to_compile_names_file_and_layer(pkg_dir, rc):
    pkg_dir.mkdir(parents=True, exist_ok=True)
    (pkg_dir / "broken.glsl").write_text("vec4 effect(vec4 color, vec2 uv) {\n  return colr;\n}\n")
    write_package(pkg_dir, [sticker_layer(), {"type": "shader", "file": "broken.glsl"}])
    package = load_package(pkg_dir)
    with pytest.raises(EffectShaderError, match=r"cat_ears/broken.glsl \(layers\[1\].file\): shader failed to compile"):
        EffectStack(rc, package, (64, 64))


def test_published_schema_is_current_and_accepts_the_library():
    published = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert published == json.loads(json.dumps(top_schema(True))), "run python -m effects.schema_def"
    validator = jsonschema.Draft202012Validator(published)
    packages = sorted(LIBRARY.glob("*/effect.json"))
    assert len(packages) >= 12
    for path in packages:
        errors = list(validator.iter_errors(json.loads(path.read_text())))
        assert not errors, f"{path}: {errors[0].message}"
    bad = {"format": "vivid-effect", "version": 1, "name": "x", "layers": [{"type": "warp", "strength": 9}]}
    assert list(validator.iter_errors(bad)), "the published schema must reject out-of-range values"


def test_zip_package_loads_like_a_folder(pkg_dir, tmp_path):
    write_package(pkg_dir, [sticker_layer()])
    archive = tmp_path / "cat_ears.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in pkg_dir.iterdir():
            z.write(f, f"cat_ears/{f.name}")
    package = load_package(archive)
    assert package.label == "cat_ears.zip" and package.layers[0].id == "dot"
    assert (package.root / "dot.png").is_file()


def _touch(path: Path) -> None:
    later = time.time() + 5
    os.utime(path, (later, later))


def test_hot_reload_keeps_the_last_good_package(pkg_dir, rc):
    write_package(pkg_dir, [sticker_layer()])
    errors = []
    reloader = HotReloader(pkg_dir, rc, (64, 64), on_error=errors.append)
    try:
        good = reloader.stack
        image = np.zeros((64, 64, 3), np.uint8)
        (pkg_dir / "effect.json").write_text('{"format": "vivid-effect", "layers": [')
        _touch(pkg_dir / "effect.json")
        assert reloader.poll() is False
        assert reloader.stack is good and "invalid JSON" in reloader.error
        assert errors and "keeping the last good version" in errors[0]
        reloader.stack.render(image, Tracking(timestamp_s=0.0))  # still renders
        write_package(pkg_dir, [sticker_layer(), {"type": "color", "saturation": 0.0}])
        _touch(pkg_dir / "effect.json")
        assert reloader.poll() is True
        assert reloader.error is None and len(reloader.stack.layers) == 2 and reloader.reloads == 1
    finally:
        reloader.release()


def test_hot_reload_sees_a_deleted_and_a_restored_file(pkg_dir, rc, tmp_path):
    """A file moved away and back (keeping its old modification time) is a change both times."""
    write_package(pkg_dir, [sticker_layer()])
    reloader = HotReloader(pkg_dir, rc, (64, 64), on_error=lambda message: None)
    try:
        image = next(p for p in pkg_dir.iterdir() if p.suffix == ".png")
        aside = tmp_path / image.name
        image.rename(aside)  # deleted: nothing else changed
        assert reloader.poll() is False and "not found" in reloader.error
        aside.rename(image)  # back with its old time stamp
        assert reloader.poll() is True and reloader.error is None
        assert reloader.poll() is False  # no change, no reload
    finally:
        reloader.release()


def test_unreadable_asset_is_named_with_its_layer(pkg_dir, rc):
    (pkg_dir / "bad.cube").write_text("LUT_3D_SIZE 2\n0 0 0\n")
    write_package(pkg_dir, [sticker_layer(), {"id": "grade", "type": "lut", "file": "bad.cube"}])
    package = load_package(pkg_dir)
    with pytest.raises(EffectPackageError, match=r"cat_ears/effect.json: layers\[1\]: lut layer 'grade': .*bad.cube: "
                                                 r"LUT_3D_SIZE 2 needs 8 entries, found 1"):
        EffectStack(rc, package, (64, 64))


def test_video_preview_keeps_running_through_a_broken_edit(pkg_dir, rc, test_data, model_dir):
    from capture.pipeline import PipelineOptions, TrackingPipeline
    from capture.sources.video import VideoSource
    from effects.preview import run_effect
    write_package(pkg_dir, [sticker_layer()])
    with VideoSource(test_data / "video/talking_head_woman_d10.mp4") as src:
        frames = [f for _, f in zip(range(6), src)]
    reloader = HotReloader(pkg_dir, rc, frames[0].size, on_error=lambda message: None)

    def edited():
        for i, frame in enumerate(frames):
            if i == 2:  # the designer saves a broken file mid-stream
                (pkg_dir / "effect.json").write_text('{"format": "vivid-effect", "version": 1, "name": "x", '
                                                     '"layers": [{"type": "sticker", "image": "gone.png"}]}')
                _touch(pkg_dir / "effect.json")
            yield frame

    try:
        with TrackingPipeline(PipelineOptions()) as pipeline:
            out = list(run_effect(reloader, edited(), pipeline, watch=True))
        assert len(out) == 6
        assert "layers[0].image: asset file 'gone.png' not found" in reloader.error
        # Frames after the broken edit show the error banner (dark red band at the top).
        top = out[4][1][:10, :, :3].reshape(-1, 3).mean(axis=0)
        assert top[0] > 90 and top[1] < 30 and top[2] < 30
    finally:
        reloader.release()


def test_an_image_given_as_a_lut_or_a_3d_model_says_what_is_expected(pkg_dir, rc):
    from PIL import Image

    write_package(pkg_dir, [sticker_layer()])
    Image.new("RGB", (8, 8), (200, 10, 10)).save(pkg_dir / "grade.png")
    write_package(pkg_dir, [sticker_layer(), {"id": "grade", "type": "lut", "file": "grade.png"}])
    with pytest.raises(EffectPackageError, match=r"layers\[1\]: lut layer 'grade': .*grade.png: not a .cube 3D LUT"):
        EffectStack(rc, load_package(pkg_dir), (64, 64))
    write_package(pkg_dir, [sticker_layer(), {"id": "hat", "type": "prop3d", "model": "grade.png",
                                              "anchor": "head"}])
    with pytest.raises(EffectPackageError, match=r"layers\[1\]: prop3d layer 'hat': .*grade.png: not a glTF model "
                                                 r".*give a .glb, .gltf or .vrm file"):
        EffectStack(rc, load_package(pkg_dir), (64, 64))


def test_a_built_in_effect_is_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the repository: an installed copy is used the same way
    package = load_package("cat_ears")
    assert package.name and (package.root / "effect.json").is_file()
    with pytest.raises(EffectPackageError, match="or a built-in effect: .*cat_ears.*film_look"):
        load_package("cat_ear")
    (tmp_path / "cat_ears").mkdir()  # a folder of the same name here wins over the built-in
    with pytest.raises(EffectPackageError, match="effect.json not found in cat_ears"):
        load_package("cat_ears")
