"""User-reported bugs of `vivid effect preview | check | thumbnail`, run through the real `vivid`
entry point on real photos and videos; outputs are read back with PyAV / Pillow."""
from __future__ import annotations

import tempfile
import uuid
import zipfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile
from PIL import Image

from cli import main as vivid_main
from render.source_audio import read_source_audio
from tests.effects.conftest import LIBRARY
from tests.effects.helpers import write_package

WOMAN_25FPS = "video/full_body_woman_arms_s13.mp4"  # 720x1080, 25 fps, 103 frames, AAC 44.1 kHz
TALKING_30FPS = "video/talking_head_woman_d10.mp4"  # 512x512, 30 fps, AAC
FRAME_S_25 = 1 / 25


def vivid(*argv: str) -> int:
    return vivid_main(["effect", *argv])


def read_video(path: Path) -> tuple[Fraction, list[np.ndarray]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return stream.average_rate, frames


def read_audio(path: Path) -> tuple[np.ndarray, int] | None:
    """Mono float32 samples and rate of the first audio stream, or None when there is none."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks = [f.to_ndarray().reshape(f.to_ndarray().shape[0], -1).mean(axis=0) for f in container.decode(stream)]
    return np.concatenate(chunks).astype(np.float32), rate


def best_lag(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[int, float]:
    """The shift of `a` against `b` (|shift| <= max_lag) with the best correlation, and that correlation."""
    n = min(len(a), len(b)) - 2 * max_lag
    best = (0, -1.0)
    ref = b[max_lag:max_lag + n]
    for lag in range(-max_lag, max_lag + 1, 8):
        seg = a[max_lag + lag:max_lag + lag + n]
        c = float(np.corrcoef(seg, ref)[0, 1])
        if c > best[1]:
            best = (lag, c)
    return best


def beep_package(folder: Path, at_s: float) -> Path:
    """A timer trigger at `at_s` that turns the picture grey AND plays a loud beep, so the
    frame where the picture turns grey and the beep's onset can be compared."""
    folder.mkdir(parents=True)
    t = np.arange(int(0.3 * 22050)) / 22050
    soundfile.write(str(folder / "beep.wav"), 0.8 * np.sin(2 * np.pi * 1000 * t), 22050)
    return write_package(folder, [{"id": "grey", "type": "color", "saturation": 0.0, "enabled": False}],
                         triggers=[{"when": {"timer_s": at_s}, "actions": [{"do": "start", "layer": "grey"},
                                                                             {"do": "sound", "file": "beep.wav"}]}])


# 1 ---------------------------------------------------------------------------------------------
def test_video_preview_keeps_the_input_frame_rate_and_frame_count(test_data, tmp_path):
    out = tmp_path / "ears.mp4"
    assert vivid("preview", str(LIBRARY / "cat_ears"), "--input", str(test_data / WOMAN_25FPS),
                 "-o", str(out), "--max-frames", "20") == 0
    rate, frames = read_video(out)
    assert rate == 25
    assert len(frames) == 20 and frames[0].shape == (1080, 720, 3)


def test_trigger_sound_stays_in_sync_with_the_frame_that_fired_it(test_data, tmp_path):
    video = test_data / WOMAN_25FPS
    out = tmp_path / "beep.mp4"
    assert vivid("preview", str(beep_package(tmp_path / "beep", 0.5)), "--input", str(video),
                 "-o", str(out), "--max-frames", "25") == 0
    rate, frames = read_video(out)
    assert rate == 25 and len(frames) == 25
    spread = [float((f.max(axis=2).astype(int) - f.min(axis=2)).mean()) for f in frames]
    first_grey = next(i for i, s in enumerate(spread) if s < 3)
    assert 12 <= first_grey <= 13  # the timer fires on the first frame at t >= 0.5 s

    samples, sr = read_audio(out)
    source = read_source_audio(video).clip(0.0, 25 / 25)
    assert sr == read_source_audio(video).sample_rate
    lag, corr = best_lag(samples[:int(0.45 * sr)], source[:int(0.45 * sr)], max_lag=2048)
    assert corr > 0.9, "the source soundtrack is not under the trigger sound"
    aligned = samples[max(lag, 0):][:len(source)]
    residual = aligned - source[:len(aligned)]  # the beep (plus AAC noise)
    win = int(0.005 * sr)
    rms = np.sqrt(np.mean(residual[:len(residual) // win * win].reshape(-1, win) ** 2, axis=1))
    onset_s = int(np.argmax(rms > 0.25)) * win / sr
    assert abs(onset_s - first_grey * FRAME_S_25) < 0.02, (onset_s, first_grey * FRAME_S_25)


# 2 ---------------------------------------------------------------------------------------------
def test_video_preview_keeps_the_input_soundtrack_cut_to_the_frames(test_data, tmp_path):
    video = test_data / TALKING_30FPS
    out = tmp_path / "hearts.mp4"
    assert vivid("preview", str(LIBRARY / "breathing_challenge"), "--input", str(video),
                 "-o", str(out), "--max-frames", "40") == 0
    rate, frames = read_video(out)
    assert rate == 30 and len(frames) == 40
    audio = read_audio(out)
    assert audio is not None, "the input's soundtrack was dropped"
    samples, sr = audio
    assert abs(len(samples) / sr - 40 / 30) < 0.05
    source = read_source_audio(video)
    expected = source.clip(0.0, 40 / 30)
    lag, corr = best_lag(samples, expected, max_lag=2048)
    assert corr > 0.9 and abs(lag) < 0.03 * sr


# 3 ---------------------------------------------------------------------------------------------
def photo_folder(test_data, folder: Path, names: list[str]) -> Path:
    folder.mkdir()
    for name in names:
        (folder / name).symlink_to(test_data / f"faces/{name}")
    return folder


def test_image_folder_with_photos_of_different_sizes_is_letterboxed(test_data, tmp_path, capsys):
    folder = photo_folder(test_data, tmp_path / "photos", ["obama.jpg", "biden.jpg", "obama-240p.jpg"])
    out = tmp_path / "out.mp4"
    assert vivid("preview", str(LIBRARY / "cat_ears"), "--input", str(folder), "-o", str(out)) == 0
    first = Image.open(folder / "biden.jpg").size  # sorted by name: biden.jpg comes first
    _rate, frames = read_video(out)
    assert len(frames) == 3
    assert all(f.shape == (first[1] - first[1] % 2, first[0] - first[0] % 2, 3) for f in frames)
    assert "no face" not in capsys.readouterr().err  # every photo was tracked after fitting


def test_a_failing_preview_leaves_no_output_file(test_data, tmp_path, capsys):
    folder = photo_folder(test_data, tmp_path / "photos", ["obama.jpg"])
    (folder / "zz_broken.jpg").write_bytes(b"not a jpeg")
    out = tmp_path / "out.mp4"
    assert vivid("preview", str(LIBRARY / "cat_ears"), "--input", str(folder), "-o", str(out)) == 2
    assert "zz_broken.jpg" in capsys.readouterr().err
    assert list(tmp_path.glob("*.mp4")) == [] and list(tmp_path.glob(".*partial*")) == []


# 4 ---------------------------------------------------------------------------------------------
def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            z.write(path, path.name)
    return target


def leftovers(stem: str) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"vivid-effect-{stem}-*"))


def test_thumbnail_of_a_zip_is_written_into_the_zip(test_data, tmp_path):
    stem = f"ears_{uuid.uuid4().hex[:8]}"
    package = zipped(LIBRARY / "cat_ears", tmp_path / f"{stem}.zip")
    with zipfile.ZipFile(package) as z:
        before = z.read("thumbnail.png")
        names = sorted(z.namelist())
    assert vivid("thumbnail", str(package), "--portrait", str(test_data / "faces/obama.jpg"), "--size", "128") == 0
    with zipfile.ZipFile(package) as z:
        assert sorted(z.namelist()) == names
        after = z.read("thumbnail.png")
        assert z.read("effect.json") == (LIBRARY / "cat_ears" / "effect.json").read_bytes()
    assert after != before
    assert Image.open(__import__("io").BytesIO(after)).size == (128, 128)
    assert leftovers(stem) == []


def test_zip_packages_leave_no_temporary_folder(test_data, tmp_path):
    stem = f"ears_{uuid.uuid4().hex[:8]}"
    package = zipped(LIBRARY / "cat_ears", tmp_path / f"{stem}.zip")
    assert vivid("check", str(package)) == 0
    assert vivid("preview", str(package), "--input", str(test_data / "faces/obama-240p.jpg"),
                 "-o", str(tmp_path / "x.png")) == 0
    assert vivid("preview", str(package), "--input", str(test_data / TALKING_30FPS),
                 "-o", str(tmp_path / "x.mp4"), "--max-frames", "2") == 0
    assert leftovers(stem) == []


# 5 ---------------------------------------------------------------------------------------------
def test_fire_on_a_photo_shows_the_triggered_effect(test_data, tmp_path):
    photo = str(test_data / "faces/obama.jpg")
    plain, fired = tmp_path / "plain.png", tmp_path / "fired.png"
    assert vivid("preview", str(LIBRARY / "breathing_challenge"), "--input", photo, "-o", str(plain)) == 0
    assert vivid("preview", str(LIBRARY / "breathing_challenge"), "--input", photo, "-o", str(fired), "--fire") == 0
    a = np.asarray(Image.open(plain).convert("RGB")).astype(int)
    b = np.asarray(Image.open(fired).convert("RGB")).astype(int)
    assert (np.abs(a - b).max(axis=2) > 40).mean() > 0.01  # hearts over at least 1% of the picture


# 6 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("input_file, output, expected", [
    ("faces/obama.jpg", "x.mp4", "x.mp4: unsupported extension '.mp4' for a photo preview; use .png or .jpg or .jpeg"),
    (TALKING_30FPS, "x.png", "x.png: unsupported extension '.png' for a video preview; use .mp4 or .mov or .webm"),
])
def test_preview_output_extension_is_checked_up_front(test_data, tmp_path, capsys, input_file, output, expected):
    assert vivid("preview", str(LIBRARY / "cat_ears"), "--input", str(test_data / input_file),
                 "-o", str(tmp_path / output)) == 2
    err = capsys.readouterr().err
    assert err.startswith("vivid: error: ") and expected in err and "Traceback" not in err
    assert not (tmp_path / output).exists()


def test_preview_and_thumbnail_write_jpeg(test_data, tmp_path):
    photo = test_data / "faces/obama.jpg"
    assert vivid("preview", str(LIBRARY / "transparent_cutout"), "--input", str(photo),
                 "-o", str(tmp_path / "x.jpg")) == 0
    with Image.open(tmp_path / "x.jpg") as im:
        assert im.format == "JPEG" and im.size == Image.open(photo).size
    assert vivid("thumbnail", str(LIBRARY / "cat_ears"), "--portrait", str(photo), "-o", str(tmp_path / "t.jpg")) == 0
    with Image.open(tmp_path / "t.jpg") as im:
        assert im.format == "JPEG" and im.size == (256, 256)


def test_thumbnail_output_extension_is_checked(test_data, tmp_path, capsys):
    assert vivid("thumbnail", str(LIBRARY / "cat_ears"), "--portrait", str(test_data / "faces/obama.jpg"),
                 "-o", str(tmp_path / "t.gif")) == 2
    assert "t.gif: unsupported extension '.gif' for a thumbnail; use .png or .jpg or .jpeg" in capsys.readouterr().err


@pytest.mark.parametrize("argv, flag", [
    (["thumbnail", "pkg", "--portrait", "p.jpg", "--size", "0"], "--size"),
    (["thumbnail", "pkg", "--portrait", "p.jpg", "--size", "-5"], "--size"),
    (["preview", "pkg", "--input", "p.jpg", "--num-faces", "0"], "--num-faces"),
    (["preview", "pkg", "--input", "p.jpg", "--num-faces", "-1"], "--num-faces"),
    (["preview", "pkg", "--input", "v.mp4", "--max-frames", "0"], "--max-frames"),
])
def test_counts_and_sizes_must_be_positive(capsys, argv, flag):  # bugs 6 and 7
    with pytest.raises(SystemExit) as exc:
        vivid(*argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "must be a whole number >= 1" in err


# 8 ---------------------------------------------------------------------------------------------
def test_preview_warns_when_the_photo_has_no_face(test_data, tmp_path, capsys):
    assert vivid("preview", str(LIBRARY / "cat_ears"), "--input", str(test_data / "faces/no_face_dogs.jpg"),
                 "-o", str(tmp_path / "x.png")) == 0
    err = capsys.readouterr().err
    assert "vivid: warning: no face found in" in err and "no_face_dogs.jpg" in err


def test_preview_of_frames_counts_those_without_a_face(test_data, tmp_path, capsys):
    folder = photo_folder(test_data, tmp_path / "photos", ["no_face_dogs.jpg", "obama.jpg"])
    assert vivid("preview", str(LIBRARY / "cat_ears"), "--input", str(folder), "-o", str(tmp_path / "x.mp4")) == 0
    assert "vivid: warning: 1 of 2 frames had no face" in capsys.readouterr().err


def test_preview_of_a_screen_effect_does_not_warn(test_data, tmp_path, capsys):
    assert vivid("preview", str(LIBRARY / "film_look"), "--input", str(test_data / "faces/no_face_dogs.jpg"),
                 "-o", str(tmp_path / "x.png")) == 0
    assert "warning" not in capsys.readouterr().err


def test_thumbnail_needs_a_portrait_with_a_face(test_data, tmp_path, capsys):
    out = tmp_path / "t.png"
    assert vivid("thumbnail", str(LIBRARY / "cat_ears"), "--portrait", str(test_data / "faces/no_face_dogs.jpg"),
                 "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert "no_face_dogs.jpg: no face found (--portrait)" in err and not out.exists()


# 9 ---------------------------------------------------------------------------------------------
def test_check_skips_files_that_are_not_packages(capsys):
    """`vivid effect check assets/effects/*` (the docs' example) also globs the generator scripts."""
    assert vivid("check", str(LIBRARY / "cat_ears"), str(LIBRARY / "generate_assets.py"),
                 str(LIBRARY / "generate_thumbnails.py"), str(LIBRARY / "sunglasses")) == 0
    out = capsys.readouterr().out
    assert "SKIP " in out and "generate_assets.py: not an effect package" in out


def test_check_still_fails_on_a_missing_package(tmp_path, capsys):
    assert vivid("check", str(LIBRARY / "cat_ears"), str(tmp_path / "nope")) == 1
    assert "ERROR nope: no effect package at" in capsys.readouterr().out


def test_a_preview_window_without_a_display_says_so(test_data, monkeypatch, capsys):
    """OpenCV's window aborts the process without a display: the command checks first."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code = vivid_main(["effect", "preview", str(LIBRARY / "cat_ears"), "--input",
                       str(test_data / "video/talking_head_man_d12.mp4")])
    err = capsys.readouterr().err
    assert code == 2 and "needs a display" in err and "-o preview.mp4" in err
