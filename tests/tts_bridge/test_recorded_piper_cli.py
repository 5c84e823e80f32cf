"""Recorded voice (with and without transcript), the Piper backend's errors, and `vivid say`."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
import soundfile as sf

from assets.errors import AssetError, ModelNotFoundError
from tts_bridge import commands
from tts_bridge.align import dtw_path
from tts_bridge.piper import PiperBackend
from tts_bridge.recorded import RecordedVoice
from tts_bridge.types import TTSError, TTSBackend
from tts_bridge.viseme_table import Viseme
from tts_bridge.viseme_track import track_for_speech

# Vosk en-us word times for audio/vosk_test.wav (MANIFEST.md).
VOSK_WORDS = [
    ("one", 0.84, 1.11), ("zero", 1.11, 1.53), ("zero", 1.53, 1.92), ("zero", 1.92, 2.31), ("one", 2.31, 2.61),
    ("nah", 3.93, 4.11), ("no", 4.11, 4.29), ("to", 4.29, 4.56), ("i", 4.56, 4.62), ("know", 4.62, 4.98),
    ("zero", 6.24, 6.69), ("one", 6.69, 6.90), ("eight", 6.93, 7.11), ("zero", 7.11, 7.50), ("three", 7.50, 7.98),
]
VOSK_TRANSCRIPT = "one zero zero zero one. nah no to i know. zero one eight zero three."


def test_transcript_alignment_matches_vosk_word_times(test_data) -> None:
    voice = RecordedVoice(test_data / "audio/vosk_test.wav")
    speech = voice.synthesize(VOSK_TRANSCRIPT)
    assert isinstance(voice, TTSBackend)
    assert [w.text for w in speech.words] == [w for w, _, _ in VOSK_WORDS]
    start_err = np.array([abs(w.start_s - v[1]) for w, v in zip(speech.words, VOSK_WORDS)])
    print(f"vosk word starts: mean error {start_err.mean() * 1000:.0f} ms, median {np.median(start_err) * 1000:.0f} ms, "
          f"within 100 ms: {(start_err < 0.1).sum()}/{len(start_err)}")
    assert np.median(start_err) < 0.06
    assert (start_err < 0.1).sum() >= 11
    # Phonemes are monotonic, inside the audio, and the mouth rests in the leading silence.
    ph = speech.phonemes
    assert all(a.start_s <= b.start_s for a, b in zip(ph, ph[1:]))
    assert ph[0].start_s == 0.0 and ph[-1].end_s <= speech.duration_s + 1e-6
    track = track_for_speech(speech)
    assert track.weights(0.3)[Viseme.sil] > 0.95


def test_transcript_alignment_on_ljspeech(test_data) -> None:
    speech = RecordedVoice(test_data / "audio/ljspeech_LJ001-0008.wav").synthesize("has never been surpassed.")
    assert [w.text for w in speech.words] == ["has", "never", "been", "surpassed"]
    assert speech.words[0].start_s < 0.3 and speech.words[-1].end_s > speech.duration_s - 0.4


def test_no_transcript_uses_the_analyser(test_data) -> None:
    speech = RecordedVoice(test_data / "audio/rhubarb_pizzas.ogg").synthesize("")
    assert speech.phonemes == () and speech.words == ()
    assert speech.sample_rate == 44100 and speech.duration_s == pytest.approx(6.92, abs=0.05)
    track = track_for_speech(speech)
    open_frames = (track.openness(np.arange(0, speech.duration_s, 1 / 30)) > 0.3).mean()
    assert 0.2 < open_frames < 0.9


def test_recorded_voice_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="audio file not found"):
        RecordedVoice(tmp_path / "missing.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(AssetError, match="cannot read audio"):
        RecordedVoice(bad)


def test_dtw_path_on_a_known_warp() -> None:
    a = np.array([0, 0, 1, 2, 3, 3, 3], float)
    b = np.array([0, 1, 2, 3], float)
    path = dtw_path(np.abs(a[:, None] - b[None, :]))
    assert path[0].tolist() == [0, 0] and path[-1].tolist() == [6, 3]
    assert all(np.abs(a[i] - b[j]) == 0 for i, j in path)


def test_piper_errors_are_clear(tmp_path) -> None:
    with pytest.raises(ModelNotFoundError, match="Piper voice model not found"):
        PiperBackend(tmp_path / "none.onnx")
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"\0")
    with pytest.raises(ModelNotFoundError, match=r"voice\.onnx\.json"):
        PiperBackend(model)
    try:
        import piper  # noqa: F401
    except ImportError:
        (tmp_path / "voice.onnx.json").write_text("{}")
        with pytest.raises(TTSError, match="pip install piper-tts"):
            PiperBackend(model)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vivid")
    commands.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_vivid_say_writes_wav_and_timings(tmp_path) -> None:
    wav, js = tmp_path / "out.wav", tmp_path / "out.json"
    args = _parse(["say", "Hello, world. [pause 0.4] Bye!", "-o", str(wav), "--phonemes", str(js), "--fps", "25"])
    assert args.func(args) == 0
    audio, rate = sf.read(wav, dtype="float32")
    data = json.loads(js.read_text())
    assert rate == data["sample_rate"] == 22050
    assert len(audio) / rate == pytest.approx(data["duration_s"], abs=1e-3)
    assert [w["text"] for w in data["words"]] == ["Hello", "world", "Bye"]
    assert len(data["visemes"]["frames"]) == int(data["duration_s"] * 25) + 1
    assert data["visemes"]["names"][10] == "aa"


def test_vivid_say_reports_bad_language(tmp_path, capsys) -> None:
    args = _parse(["say", "hi", "-o", str(tmp_path / "x.wav"), "--lang", "xx-nope"])
    assert args.func(args) == 2
    assert "not supported by espeak-ng; valid:" in capsys.readouterr().err
    assert not (tmp_path / "x.wav").exists()
