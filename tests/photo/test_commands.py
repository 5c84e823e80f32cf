"""`vivid photo animate` end to end: files written and read back with PyAV / Pillow."""
from __future__ import annotations

import argparse

import av
import numpy as np
import pytest
from PIL import Image

from assets.outputs import OutputPathError
from effects.photo import PRESETS, PhotoError
from render.source_audio import read_source_audio
from effects.photo.commands import register_photo_commands
from tests.photo.conftest import psnr


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="vivid")
    groups = parser.add_subparsers(dest="command", required=True)
    photo = groups.add_parser("photo").add_subparsers(dest="photo_command", required=True)
    register_photo_commands(photo)
    args = parser.parse_args(list(argv))
    return args.func(args)


def read_video(path):
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]
    with av.open(str(path)) as container:
        has_audio = len(container.streams.audio) > 0
        duration = float(container.duration or 0) / 1e6
    return frames, has_audio, duration


@pytest.fixture(scope="module")
def small_photo(test_data, tmp_path_factory):
    """The Obama portrait at half size (455x568, face ~115 px): quick to encode."""
    image = Image.open(test_data / "faces/obama.jpg").convert("RGB")
    path = tmp_path_factory.mktemp("photo") / "obama_half.png"
    image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS).save(path)
    return path


def test_animate_mp4_presets(small_photo, tmp_path, model_dir):
    out = tmp_path / "blink_nod.mp4"
    assert run("photo", "animate", str(small_photo), "--motion", "blink,nod", "-o", str(out)) == 0
    frames, has_audio, _ = read_video(out)
    expected = round((PRESETS["blink"].duration_s + PRESETS["nod"].duration_s) * 25) + 1
    assert len(frames) == expected and not has_audio
    source = np.asarray(Image.open(small_photo).convert("RGB"))
    h, w = frames[0].shape[:2]
    assert (w, h) == (source.shape[1] // 2 * 2, source.shape[0] // 2 * 2)
    assert psnr(frames[0], source[:h, :w]) >= 30.0  # H.264 at crf 20 on a small photo
    assert min(psnr(f, frames[0]) for f in frames) < 30.0  # it moves


def test_animate_gif_loop(small_photo, tmp_path, model_dir):
    out = tmp_path / "idle.gif"
    assert run("photo", "animate", str(small_photo), "--loop", "--fps", "10", "-o", str(out)) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == round(PRESETS["idle"].duration_s * 10)
        assert gif.info.get("loop") == 0 and gif.info.get("duration") == 100
        gif.seek(0)
        first = np.asarray(gif.convert("RGB")).astype(int)
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB")).astype(int)
    assert np.abs(first - last).mean() < 3.0  # the loop closes


def test_animate_say_has_voice_and_moves_the_mouth(small_photo, tmp_path, model_dir):
    out = tmp_path / "say.mp4"
    assert run("photo", "animate", str(small_photo), "--say", "Hello there, how are you today?",
               "-o", str(out)) == 0
    frames, has_audio, duration = read_video(out)
    assert has_audio and duration > 1.0
    source = np.asarray(Image.open(small_photo).convert("RGB"))
    h, w = frames[0].shape[:2]
    assert psnr(frames[0], source[:h, :w]) >= 30.0
    # the lower face changes while speaking
    assert min(psnr(f, frames[0]) for f in frames) < 30.0


def test_animate_audio_file(small_photo, tmp_path, model_dir, test_data):
    out = tmp_path / "audio.mp4"
    wav = test_data / "audio/wsj_n800_440c0203.wav"
    assert run("photo", "animate", str(small_photo), "--audio", str(wav), "-o", str(out)) == 0
    frames, has_audio, duration = read_video(out)
    assert has_audio and duration == pytest.approx(3.6 + 0.65, abs=0.3)


@pytest.mark.parametrize("argv,message", [
    (["--motion", "wave"], "unknown motion 'wave'; valid motions: blink, double_blink"),
    (["--motion", "nod", "--drive", "x.mp4"], "--motion and --drive cannot be combined"),
    (["--audio", "missing.wav"], "--audio missing.wav: file not found"),
    (["--face", "2"], "--face 2 does not exist; the photo has 1 face"),
])
def test_animate_errors_name_the_fix(small_photo, tmp_path, model_dir, argv, message):
    with pytest.raises(PhotoError, match=message):
        run("photo", "animate", str(small_photo), "-o", str(tmp_path / "x.mp4"), *argv)
    assert not (tmp_path / "x.mp4").exists()


def test_animate_rejects_unknown_output_type(small_photo, tmp_path):
    with pytest.raises(OutputPathError, match=r"x.avi: unsupported extension '.avi' for an animation \(-o\); "
                                              r"use .mp4 or .mov or .mkv or .webm or .gif"):
        run("photo", "animate", str(small_photo), "-o", str(tmp_path / "x.avi"))


def test_animate_drive_and_restore(small_photo, tmp_path, model_dir, test_data):
    out = tmp_path / "driven.mp4"
    driver = test_data / "video/talking_head_man_d12.mp4"
    assert run("photo", "animate", str(small_photo), "--drive", str(driver), "--restore",
               "--fps", "10", "-o", str(out)) == 0
    frames, has_audio, duration = read_video(out)
    assert len(frames) == round(182 / 25.0 * 10) + 1 and has_audio  # the driver's voice is kept
    assert min(psnr(f, frames[0]) for f in frames) < 30.0
    sound, source = read_source_audio(out), read_source_audio(driver)
    video_s = len(frames) / 10.0
    assert abs(sound.duration_s - video_s) <= 0.1  # within one output frame
    speech = source.clip(0.0, source.duration_s)
    rms = float(np.sqrt(np.mean(np.square(sound.samples[:len(speech)], dtype=np.float64))))
    assert rms > 0.05 and rms == pytest.approx(float(np.sqrt(np.mean(np.square(speech, dtype=np.float64)))), rel=0.2)


def test_animate_drive_to_gif_has_no_sound_and_no_error(small_photo, tmp_path, model_dir, test_data):
    out = tmp_path / "driven.gif"
    assert run("photo", "animate", str(small_photo), "--drive", str(test_data / "video/talking_head_man_d12.mp4"),
               "--fps", "2", "-o", str(out)) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == round(182 / 25.0 * 2) + 1


def test_driver_sound_starts_where_the_driver_face_motion_starts(tmp_path, test_data):
    """The motion starts at the driver's first frame with a face; its sound must start there too."""
    from effects.photo.commands import driver_sound
    from effects.photo.drive import DriverCurves, DrivenMotion

    video = test_data / "video/talking_head_man_d12.mp4"
    zeros = np.zeros(3)
    curves = DriverCurves(*([np.array([0.0, 0.5, 1.0])] + [zeros] * 12), start_s=1.5)
    args = argparse.Namespace(drive=video, output=tmp_path / "x.mp4", fps=10.0)
    samples, rate = driver_sound(args, DrivenMotion(curves), frame_count=20)
    source = read_source_audio(video)
    assert rate == source.sample_rate and len(samples) == 2 * rate
    np.testing.assert_array_equal(samples, source.clip(1.5, 2.0))
    assert driver_sound(argparse.Namespace(drive=video, output=tmp_path / "x.gif", fps=10.0),
                        DrivenMotion(curves), 20) is None
