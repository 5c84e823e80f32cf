"""`vivid effect check | preview | thumbnail` through their argparse registration."""
from __future__ import annotations

import argparse

import av
import numpy as np
import pytest
from PIL import Image

from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources.image import read_image
from capture.types import Frame
from effects.commands import register_effect_commands
from effects.errors import EffectPackageError
from effects.landmarks import FaceLandmark
from tests.effects.conftest import LIBRARY
from tests.effects.helpers import write_package


def vivid(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="vivid")
    sub = parser.add_subparsers()
    effect = sub.add_parser("effect")
    register_effect_commands(effect.add_subparsers())
    args = parser.parse_args(["effect", *argv])
    return args.func(args)


def test_check_accepts_builtins_and_names_errors(tmp_path, capsys):
    assert vivid("check", str(LIBRARY / "cat_ears"), str(LIBRARY / "party_hat"), str(LIBRARY / "glitch")) == 0
    assert capsys.readouterr().out.count(": OK - ") == 3
    write_package(tmp_path / "broken", [{"type": "sticker", "image": "missing.png"}])
    assert vivid("check", str(tmp_path / "broken")) == 1
    assert "broken/effect.json: layers[0].image: asset file 'missing.png' not found" in capsys.readouterr().out


def test_preview_photo_overlay_draws_the_anchor_and_the_trigger_panel(test_data, model_dir, tmp_path):
    """The render with --overlay minus the same render without it is the overlay alone: a marker
    on the anchor landmark (breathing_challenge's kiss hearts: face:mouth_center) with its label,
    and one text line per trigger (blow, kiss, tap) and per layer in the panel at the top left."""
    photo = test_data / "faces/obama.jpg"
    package = str(LIBRARY / "breathing_challenge")
    renders = []
    for extra in ((), ("--overlay",)):
        out = tmp_path / f"out{len(renders)}.png"
        assert vivid("preview", package, "--input", str(photo), "-o", str(out), *extra) == 0
        renders.append(np.asarray(Image.open(out).convert("RGB")).astype(int))
    plain, overlaid = renders
    assert plain.shape == np.asarray(Image.open(photo)).shape
    changed = np.abs(overlaid - plain).max(axis=2) > 0
    ys, xs = np.nonzero(changed)

    with TrackingPipeline(PipelineOptions(still_images=True)) as pipeline:
        face = pipeline.process(Frame(read_image(photo), 0.0, 0)).face
    h, w = plain.shape[:2]
    anchor = face.landmarks[[FaceLandmark.UPPER_LIP, FaceLandmark.LOWER_LIP], :2].mean(axis=0) * (w, h)
    near = np.hypot(xs - anchor[0], ys - anchor[1]) <= 5  # the dot has a 4 px radius
    assert near.sum() >= 30, f"no marker at the anchor {anchor.round()}"
    r, g, b = overlaid[int(round(anchor[1])), int(round(anchor[0]))]
    assert g > 200 and r < 80 and b < 80  # the marker is green

    baselines = [18, 36, 54, 72, 88]  # 3 trigger lines 18 px apart, then 2 layer lines 16 px apart
    for y in baselines:
        assert changed[y - 10:y + 1, 8:300].sum() >= 20, f"no text on the panel line at y={y}"
    in_panel = (xs < 320) & (ys < baselines[-1] + 8)
    in_label = (xs >= anchor[0] - 6) & (xs < anchor[0] + 260) & (ys >= anchor[1] - 22) & (ys <= anchor[1] + 6)
    assert (in_panel | in_label).all(), "the overlay changed pixels away from the anchor and the panel"


def test_preview_video_writes_mp4(test_data, model_dir, tmp_path):
    out = tmp_path / "out.mp4"
    video = test_data / "video/talking_head_woman_d10.mp4"
    assert vivid("preview", str(LIBRARY / "cartoon_head"), "--input", str(video), "-o", str(out),
                 "--max-frames", "6") == 0
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 6 and frames[0].shape == (512, 512, 3)


def test_preview_of_a_broken_package_fails_cleanly(test_data, model_dir, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "effect.json").write_text("{")
    with pytest.raises(EffectPackageError, match="bad/effect.json: invalid JSON"):  # `vivid` prints it, exit 2
        vivid("preview", str(tmp_path / "bad"), "--input", str(test_data / "faces/obama.jpg"),
              "-o", str(tmp_path / "x.png"))
    assert not (tmp_path / "x.png").exists()


def test_thumbnail_command(test_data, model_dir, tmp_path):
    out = tmp_path / "thumb.png"
    assert vivid("thumbnail", str(LIBRARY / "sunglasses"), "--portrait",
                 str(test_data / "faces/painting_girl_with_a_pearl_earring.jpg"), "-o", str(out), "--size", "128") == 0
    assert Image.open(out).size == (128, 128)


@pytest.mark.parametrize("name", sorted(p.parent.name for p in LIBRARY.glob("*/effect.json")))
def test_every_builtin_has_a_thumbnail(name):
    thumb = LIBRARY / name / "thumbnail.png"
    assert thumb.is_file() and Image.open(thumb).size == (256, 256)


def test_trigger_sounds_are_mixed_into_the_video(test_data, model_dir, tmp_path):
    import soundfile
    folder = tmp_path / "beep"
    t = np.arange(int(0.1 * 22050)) / 22050
    folder.mkdir()
    soundfile.write(str(folder / "beep.wav"), 0.5 * np.sin(2 * np.pi * 880 * t), 22050)
    write_package(folder, [{"type": "color", "saturation": 1.2}],
                  triggers=[{"when": {"timer_s": 0.1}, "actions": [{"do": "sound", "file": "beep.wav"}]}])
    out = tmp_path / "out.mp4"
    assert vivid("preview", str(folder), "--input", str(test_data / "video/talking_head_woman_d10.mp4"),
                 "-o", str(out), "--max-frames", "12") == 0
    with av.open(str(out)) as container:
        assert container.streams.audio, "no audio stream written"
        audio = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert np.abs(audio).max() > 0.1
