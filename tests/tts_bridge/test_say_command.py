"""`vivid say` through cli.main: the output formats it accepts are really written (read back with
soundfile), others are refused up front, and --fps is checked at parse time."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

import cli


@pytest.mark.parametrize("suffix,format_name", [
    (".wav", "WAV"), (".flac", "FLAC"), (".ogg", "OGG"), (".mp3", "MP3")])
def test_say_writes_each_supported_audio_format(tmp_path, suffix, format_name):
    out = tmp_path / f"hello{suffix}"
    assert cli.main(["say", "Hello there", "-o", str(out)]) == 0
    info = sf.info(str(out))
    assert info.format == format_name and info.channels == 1
    audio, rate = sf.read(str(out), dtype="float32")
    assert rate == info.samplerate and 0.3 < len(audio) / rate < 3.0
    assert float(np.sqrt(np.mean(audio ** 2))) > 0.02  # speech, not silence


@pytest.mark.parametrize("name", ["x.aac", "x.txt", "x"])
def test_say_refuses_an_unsupported_output_before_speaking(tmp_path, capsys, name):
    assert cli.main(["say", "Hi", "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert f"vivid: error: {tmp_path / name}: unsupported extension" in err
    assert "use .wav or .flac or .ogg or .mp3" in err
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("fps", ["0", "-5", "nan", "1000"])
def test_say_rejects_a_viseme_fps_out_of_range(tmp_path, capsys, fps):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["say", "hi", "-o", str(tmp_path / "x.wav"), "--fps", fps,
                  "--phonemes", str(tmp_path / "p.json")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --fps: {fps!r} must be 1-240 frames per second" in err
    assert not (tmp_path / "p.json").exists()


def test_say_phoneme_json_is_valid_at_a_custom_fps(tmp_path):
    timings = tmp_path / "p.json"
    assert cli.main(["say", "hi", "-o", str(tmp_path / "x.wav"), "--fps", "12",
                     "--phonemes", str(timings)]) == 0
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON")

    data = json.loads(timings.read_text(), parse_constant=refuse)  # strict: no NaN / Infinity
    assert data["visemes"]["fps"] == 12 and len(data["visemes"]["frames"]) >= 1
