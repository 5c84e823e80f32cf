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
from tts_bridge.recorded import RecordedVoice, reference_text
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
    end_err = np.array([abs(w.end_s - v[2]) for w, v in zip(speech.words, VOSK_WORDS)])
    print(f"vosk word ends: mean error {end_err.mean() * 1000:.0f} ms, median {np.median(end_err) * 1000:.0f} ms")
    assert start_err.mean() < 0.06 and np.median(start_err) < 0.05
    assert (start_err < 0.1).sum() >= 14
    assert end_err.mean() < 0.08
    # Phonemes are monotonic, inside the audio, and the mouth rests in the leading silence.
    ph = speech.phonemes
    assert all(a.start_s <= b.start_s for a, b in zip(ph, ph[1:]))
    assert ph[0].start_s == 0.0 and ph[-1].end_s <= speech.duration_s + 1e-6
    track = track_for_speech(speech)
    assert track.weights(0.3)[Viseme.sil] > 0.95


def test_reference_text_turns_sentence_ends_into_commas() -> None:
    assert reference_text("One. Two! Three? Four; five: six.") == "One, Two, Three, Four, five, six,"
    assert reference_text("3.5 kg") == "3.5 kg"


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


def test_flac_and_ogg_recordings_load(tmp_path, test_data) -> None:
    from tts_bridge.audio_io import load_audio

    wav, rate = load_audio(test_data / "audio/cards_001.wav")
    flac = tmp_path / "cards.flac"
    sf.write(flac, wav, rate, subtype="PCM_16")
    again, rate2 = load_audio(flac)
    assert rate2 == rate and np.allclose(again, wav, atol=1.0 / 32768)
    ogg, ogg_rate = load_audio(test_data / "audio/rhubarb_welcome.ogg")
    assert ogg_rate == 44100 and ogg.dtype == np.float32 and ogg.ndim == 1
    speech = RecordedVoice(flac).synthesize("ten of clubs")
    assert [w.text for w in speech.words] == ["ten", "of", "clubs"]


def test_piper_word_grouping_from_alignment_gaps() -> None:
    """Piper alignments mark word gaps with ' ' and sentence ends with '^'/'$' (mapped to '_')."""
    from tts_bridge.piper import _words_from_gaps
    from tts_bridge.types import Phoneme

    symbols = ["_", "h", "ə", "l", "oʊ", " ", "w", "ɜː", "l", "d", "_"]
    phonemes = [Phoneme(i * 0.1, (i + 1) * 0.1, s) for i, s in enumerate(symbols)]
    words = _words_from_gaps("Hello world", phonemes)
    assert [(w.text, round(w.start_s, 2), round(w.end_s, 2)) for w in words] == [("Hello", 0.1, 0.5), ("world", 0.6, 1.0)]
    assert _words_from_gaps("Hello big world", phonemes) == []  # counts differ: no guessing


def test_speech_is_frozen_and_never_aliases_the_callers_array() -> None:
    from dataclasses import FrozenInstanceError

    from tts_bridge.types import Speech

    mine = np.zeros(100, np.float32)
    speech = Speech(mine, 16000, (), (), "en")
    mine[0] = 1.0
    assert speech.audio[0] == 0.0 and not speech.audio.flags.writeable
    with pytest.raises(FrozenInstanceError):
        speech.sample_rate = 8000  # type: ignore[misc]
    with pytest.raises(TTSError, match="must be mono"):
        Speech(np.zeros((10, 2), np.float32), 16000, (), (), "en")


def test_long_take_alignment_stays_bounded(test_data) -> None:
    """A 41 s take (vosk_test.wav five times): the DTW hop coarsens to stay under MAX_DTW_CELLS."""
    from tts_bridge.align import align_reference
    from tts_bridge.audio_io import load_audio
    from tts_bridge.espeak import EspeakBackend

    audio, rate = load_audio(test_data / "audio/vosk_test.wav")
    take = np.concatenate([audio] * 5)
    reference = EspeakBackend().synthesize(", ".join([reference_text(VOSK_TRANSCRIPT)] * 5))
    _, words = align_reference(reference, take, rate)
    truth = [v[1] + k * len(audio) / rate for k in range(5) for v in VOSK_WORDS]
    err = np.abs(np.array([w.start_s for w in words]) - np.array(truth))
    print(f"41 s take: word-start mean error {err.mean() * 1000:.0f} ms")
    assert len(words) == 75 and err.mean() < 0.1
