"""`vivid avatar drive`: the input's soundtrack is kept (cut to the frames written), a missing
face is reported, and output names, ports and --max-seconds are checked up front."""
from __future__ import annotations

import av
import numpy as np
import pytest

from avatar.driving.commands import _warn_missing_faces
from render.source_audio import read_source_audio
from tests.driving.test_drive_command import _run

FPS = 25.0  # talking_head_man_d12.mp4


def _read(path) -> tuple[int, float, np.ndarray, int]:
    """(video frames, video duration s, mono audio samples, audio rate) of a written file."""
    with av.open(str(path)) as container:
        assert container.streams.audio, f"{path} has no audio stream"
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
        duration = frames / float(video.average_rate)
    sound = read_source_audio(path)
    assert sound is not None
    return frames, duration, sound.samples, sound.sample_rate


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_drive_keeps_the_input_speech_cut_to_the_frames(test_data, model_dir, tmp_path):
    video = test_data / "video/talking_head_man_d12.mp4"
    out = tmp_path / "talk.mp4"
    assert _run(["builtin", "--input", str(video), "-o", str(out), "--size", "64x64",
                 "--layout", "avatar", "--max-seconds", "1.5"]) == 0
    frames, duration, audio, rate = _read(out)
    assert frames == 38  # timestamps 0 .. 1.48 s
    # AAC adds up to one 1024-sample frame of padding: within one video frame of the picture
    assert abs(len(audio) / rate - duration) <= 1.0 / FPS
    source = read_source_audio(video)
    expected = source.clip(0.0, duration)
    assert _rms(audio) > 0.05 and _rms(audio) == pytest.approx(_rms(expected), rel=0.2)  # the speech
    # the same waveform, aligned to the input's start (within one video frame)
    lag, correlation = _best_lag(audio, source.samples, max_lag=rate // 10)
    assert correlation > 0.8 and abs(lag) <= rate / FPS


def _best_lag(out: np.ndarray, source: np.ndarray, max_lag: int) -> tuple[int, float]:
    """The shift of `out` against `source` with the highest normalized correlation."""
    n = len(out) - 2 * max_lag
    best = (0, -1.0)
    for lag in range(-max_lag, max_lag + 1, 8):
        a = out[max_lag:max_lag + n]
        b = source[max_lag + lag:max_lag + lag + n]
        score = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
        best = max(best, (lag, score), key=lambda item: item[1])
    return best


def test_drive_from_a_photo_without_a_face_warns(test_data, model_dir, tmp_path, capsys):
    out = tmp_path / "dogs.mp4"
    assert _run(["builtin", "--input", str(test_data / "faces/no_face_dogs.jpg"), "-o", str(out),
                 "--size", "64x64"]) == 0
    err = capsys.readouterr().err
    assert "no_face_dogs.jpg: no face was found in the image; the avatar was not driven" in err
    with av.open(str(out)) as container:
        assert not container.streams.audio  # a photo has no sound


def test_missing_face_counts_are_reported_for_videos(capsys):
    class Args:
        input = "talk.mp4"

    _warn_missing_faces(Args, frames=183, without_face=183)
    assert "talk.mp4: no face was found in any of the 183 frames" in capsys.readouterr().err
    _warn_missing_faces(Args, frames=183, without_face=12)
    assert "talk.mp4: no face in 12 of 183 frames" in capsys.readouterr().err
    _warn_missing_faces(Args, frames=183, without_face=0)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("address", ["127.0.0.1:99999", "127.0.0.1:0", "localhost:65536"])
def test_vmc_out_port_must_be_in_range(capsys, address):
    with pytest.raises(SystemExit):
        _run(["builtin", "--input", "x.mp4", "-o", "y.mp4", "--vmc-out", address])
    assert f"argument --vmc-out: '{address}': the port must be in 1-65535" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-1", "abc"])
def test_max_seconds_must_be_positive(capsys, value):
    with pytest.raises(SystemExit):
        _run(["builtin", "--input", "x.mp4", "-o", "y.mp4", "--max-seconds", value])
    assert "argument --max-seconds:" in capsys.readouterr().err


@pytest.mark.parametrize("name,flags,message", [
    ("y.avi", [], "unsupported extension '.avi' for a video; use .mp4 or .mov or .mkv or .webm"),
    ("y", [], "unsupported extension no extension for a video"),
    ("y.mp4", ["--transparent"], "unsupported extension '.mp4' for a transparent video"),
])
def test_output_name_is_checked_before_the_avatar_loads(tmp_path, capsys, name, flags, message):
    assert _run(["no_such_avatar.vrm", "--input", "x.mp4", "-o", str(tmp_path / name), *flags]) == 2
    assert f"error: {tmp_path / name}: {message}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
