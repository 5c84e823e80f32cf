"""PiperBackend.synthesize against a stand-in `piper` module (the real piper-tts is not needed).

The stand-in copies the piper-tts 1.8 API the backend uses (piper/voice.py, piper/config.py):
`PiperVoice.load(model_path, config_path=None, use_cuda=False, ..., include_alignments=False)`,
`voice.config.sample_rate` (from the `.onnx.json` "audio" block), `SynthesisConfig(length_scale,
volume, ...)`, and `voice.synthesize(text, syn_config, include_alignments)` yielding one
`AudioChunk` per sentence whose `phoneme_alignments` list `PhonemeAlignment(phoneme, phoneme_ids,
num_samples)` for "^", every phoneme (espeak-ng IPA split into code points: stress and length
marks, spaces and punctuation included) and "$", or is None when the model has no alignment output
or the alignment failed.
"""
from __future__ import annotations

import json
import re
import sys
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pytest

from tts_bridge.piper import PiperBackend
from tts_bridge.types import TTSError, VoiceOptions
from tts_bridge.viseme_table import Viseme
from tts_bridge.viseme_track import phoneme_viseme, track_for_speech

RATE = 22050
HOP = 256  # Piper's VITS decoder makes audio in steps of 256 samples
# What espeak-ng (through piper's phonemizer) makes of each test sentence, as NFD code points.
PHONEMES = {"Hello world.": list("həlˈoʊ wˈɜːld."), "Bye!": list("bˈaɪ!")}
VOWELS = set("əoʊɜaɪ")
# Seconds per symbol at length_scale 1 (a rough Piper en_US voice).
PATCHED_MODEL = b"onnx with alignment output"
SECONDS = {"^": 0.05, "$": 0.05, " ": 0.02, ".": 0.2, "!": 0.2, "ˈ": 0.01, "ː": 0.08}


@dataclass
class PhonemeAlignment:
    phoneme: str
    phoneme_ids: Sequence[int]
    num_samples: int


@dataclass
class AudioChunk:
    sample_rate: int
    sample_width: int
    sample_channels: int
    audio_float_array: np.ndarray
    phonemes: list[str]
    phoneme_ids: list[int]
    phoneme_id_samples: Optional[np.ndarray] = None
    phoneme_alignments: Optional[list[PhonemeAlignment]] = None


@dataclass
class SynthesisConfig:
    speaker_id: Optional[int] = None
    length_scale: Optional[float] = None
    noise_scale: Optional[float] = None
    noise_w_scale: Optional[float] = None
    normalize_audio: bool = True
    volume: float = 1.0


@dataclass
class PiperConfig:
    sample_rate: int


@dataclass
class PiperVoice:
    config: PiperConfig
    aligned: bool  # the model has the alignment output (patched on disk or while loading)
    failing: set[str] = field(default_factory=set)  # sentences whose alignment fails
    calls: list[tuple[str, SynthesisConfig, bool]] = field(default_factory=list)

    @staticmethod
    def load(model_path, config_path=None, use_cuda=False, espeak_data_dir=None, download_dir=None,
             include_alignments=False) -> "PiperVoice":
        config = json.loads(Path(config_path or f"{model_path}.json").read_text())
        # A model run through piper.patch_voice_with_alignment (marked in its bytes here) has the
        # alignment output; piper >= 1.8 can add it in memory with include_alignments=True.
        patched = Path(model_path).read_bytes() == PATCHED_MODEL or include_alignments
        return PiperVoice(PiperConfig(config["audio"]["sample_rate"]), patched)

    def synthesize(self, text: str, syn_config: Optional[SynthesisConfig] = None, include_alignments: bool = False):
        syn_config = syn_config or SynthesisConfig()
        self.calls.append((text, syn_config, include_alignments))
        for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
            phonemes = PHONEMES[sentence]
            symbols = ["^", *phonemes, "$"]
            scale = syn_config.length_scale or 1.0
            counts = [HOP * max(1, round(SECONDS.get(s, 0.09 if s in VOWELS else 0.06) * scale * RATE / HOP))
                      for s in symbols]
            audio = np.concatenate([_sound(s, n, prev) for s, n, prev in zip(symbols, counts, [None, *symbols])])
            if syn_config.normalize_audio:
                audio = audio / np.abs(audio).max()
            audio = np.clip(audio * syn_config.volume, -1.0, 1.0).astype(np.float32)
            alignments = None
            if include_alignments and self.aligned and sentence not in self.failing:
                alignments = [PhonemeAlignment(s, [i], n) for i, (s, n) in enumerate(zip(symbols, counts))]
            yield AudioChunk(self.config.sample_rate, 2, 1, audio, phonemes, list(range(len(symbols))),
                             None if alignments is None else np.array(counts), alignments)


def _sound(symbol: str, n: int, previous: str | None) -> np.ndarray:
    """Vowels (and a length mark after one) loud and voiced, consonants soft noise, the rest silent."""
    t = np.arange(n) / RATE
    if symbol in VOWELS or (symbol == "ː" and previous in VOWELS):
        return 0.6 * np.sin(2 * np.pi * 180 * t) + 0.3 * np.sin(2 * np.pi * 720 * t)
    if symbol.isalpha():
        return 0.08 * np.random.default_rng(n).standard_normal(n)
    return np.zeros(n)


def _stub_module(load=PiperVoice.load) -> types.ModuleType:
    module = types.ModuleType("piper")
    module.PiperVoice = type("PiperVoice", (PiperVoice,), {"load": staticmethod(load)})
    module.SynthesisConfig, module.AudioChunk, module.PiperConfig = SynthesisConfig, AudioChunk, PiperConfig
    return module


@pytest.fixture
def voice_model(tmp_path) -> Path:
    """A voice patched for alignments (`python3 -m piper.patch_voice_with_alignment`)."""
    model = tmp_path / "en_US-test-medium.onnx"
    model.write_bytes(PATCHED_MODEL)
    Path(f"{model}.json").write_text(json.dumps({"audio": {"sample_rate": RATE}, "espeak": {"voice": "en-us"}}))
    return model


@pytest.fixture
def piper(monkeypatch) -> types.ModuleType:
    module = _stub_module()
    monkeypatch.setitem(sys.modules, "piper", module)
    return module


def test_alignment_times_every_phoneme(piper, voice_model) -> None:
    backend = PiperBackend(voice_model)
    speech = backend.synthesize("Hello world.", VoiceOptions(rate_wpm=350, volume=50))
    (text, config, include), = backend._voice.calls
    assert (text, include) == ("Hello world.", True)
    assert config.length_scale == pytest.approx(0.5) and config.volume == pytest.approx(0.5)
    assert speech.sample_rate == RATE and np.abs(speech.audio).max() == pytest.approx(0.5, abs=1e-6)
    # Stress marks join the next sound, the length mark the one before, "." and "$" are one pause.
    assert [p.symbol for p in speech.phonemes] == ["_", "h", "ə", "l", "o", "ʊ", " ", "w", "ɜ", "l", "d", "_"]
    # Times are the alignment's sample counts, back to back from 0 to the end of the audio.
    assert speech.phonemes[0].start_s == 0.0 and speech.phonemes[-1].end_s == pytest.approx(speech.duration_s)
    assert all(a.end_s == b.start_s for a, b in zip(speech.phonemes, speech.phonemes[1:]))
    samples = {p.symbol: round((p.end_s - p.start_s) * RATE) for p in speech.phonemes}
    half = {s: HOP * max(1, round(SECONDS.get(s, 0.09 if s in VOWELS else 0.06) * 0.5 * RATE / HOP))
            for s in "^ˈoɜː"}
    assert samples["o"] == half["ˈ"] + half["o"] and samples["ɜ"] == half["ˈ"] + half["ɜ"] + half["ː"]
    assert [(w.text, w.start_s, w.end_s) for w in speech.words] == [
        ("Hello", speech.phonemes[1].start_s, speech.phonemes[5].end_s),
        ("world", speech.phonemes[7].start_s, speech.phonemes[10].end_s)]
    # Inside a word the mouth never gets the rest shape (a lone mark would map to silence).
    inside = [p for w in speech.words for p in speech.phonemes if w.start_s <= p.start_s < w.end_s]
    assert Viseme.sil not in {phoneme_viseme(p.symbol, "en") for p in inside}


def test_pauses_are_exact_silence_between_piper_segments(piper, voice_model) -> None:
    backend = PiperBackend(voice_model)
    speech = backend.synthesize("Hello world. [pause 0.5] Bye!")
    assert [c[0] for c in backend._voice.calls] == ["Hello world.", "Bye!"]
    first = next(iter(PiperVoice(PiperConfig(RATE), True).synthesize("Hello world.", None, True)))
    gap = len(first.audio_float_array)
    pause = next(p for p in speech.phonemes if p.start_s == gap / RATE)
    assert pause.symbol == "_" and pause.end_s == (gap + round(0.5 * RATE)) / RATE
    assert not speech.audio[gap:gap + round(0.5 * RATE)].any()
    assert [w.text for w in speech.words] == ["Hello", "world", "Bye"]
    b = next(p for p in speech.phonemes if p.symbol == "b")
    assert b.start_s == pytest.approx(pause.end_s + first.phoneme_alignments[0].num_samples / RATE)
    assert speech.phonemes[-1].end_s == pytest.approx(speech.duration_s)


@pytest.mark.parametrize("failing", [set(), {"Bye!"}], ids=["unpatched model", "one sentence fails to align"])
def test_without_alignments_the_analyser_drives_the_mouth(piper, voice_model, monkeypatch, failing) -> None:
    aligned = bool(failing)  # a patched model whose alignment fails for one sentence, or no alignments at all
    monkeypatch.setattr(piper.PiperVoice, "load", staticmethod(
        lambda model_path, **_: PiperVoice(PiperConfig(RATE), aligned, set(failing))))
    speech = PiperBackend(voice_model).synthesize("Hello world. [pause 0.5] Bye!")
    assert speech.phonemes == () and speech.words == ()  # never half a timing
    track = track_for_speech(speech)
    times = np.arange(0.0, speech.duration_s, 0.01)
    level = np.array([np.abs(speech.audio[int(t * RATE):int(t * RATE) + 220]).max(initial=0.0) for t in times])
    openness = track.openness(times)
    assert openness[level > 0.5].mean() > 0.4, "open on the loud vowels"
    silent = level == 0
    # Silent for 150 ms either side: past the analyser's release (40 ms time constant), the mouth is shut.
    shut = np.array([silent[max(0, i - 15):i + 16].all() for i in range(len(silent))])
    assert shut.sum() >= 10 and openness[shut].max() < 0.05, "closed in the silences"


def test_load_asks_for_alignments_where_piper_can_add_them(monkeypatch, voice_model) -> None:
    """piper-tts >= 1.8 patches an unpatched model in memory with load(include_alignments=True);
    1.4-1.7 have no such argument and must not get it."""
    voice_model.write_bytes(b"onnx")  # not patched on disk
    seen = {}

    def load_18(model_path, config_path=None, use_cuda=False, espeak_data_dir=None, download_dir=None,
                include_alignments=False):
        seen["1.8"] = include_alignments
        return PiperVoice.load(model_path, include_alignments=include_alignments)

    def load_14(model_path, config_path=None, use_cuda=False, espeak_data_dir=None, download_dir=None):
        seen["1.4"] = True
        return PiperVoice.load(model_path)

    monkeypatch.setitem(sys.modules, "piper", _stub_module(load_18))
    assert PiperBackend(voice_model).synthesize("Bye!").phonemes
    monkeypatch.setitem(sys.modules, "piper", _stub_module(load_14))
    assert PiperBackend(voice_model).synthesize("Bye!").phonemes == ()
    assert seen == {"1.8": True, "1.4": True}


def test_piper_rejects_pitch_and_empty_text(piper, voice_model) -> None:
    backend = PiperBackend(voice_model)
    with pytest.raises(NotImplementedError, match="Piper voices have a fixed pitch"):
        backend.synthesize("Bye!", VoiceOptions(pitch=70))
    with pytest.raises(TTSError, match="the text is empty"):
        backend.synthesize("")


def test_piper_is_an_optional_extra_named_in_the_install_hint() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["optional-dependencies"]["piper"] == ["piper-tts>=1.4"]
    assert not any(d.startswith("piper") for d in pyproject["project"]["dependencies"])
