"""Piper neural TTS (optional extra: ``pip install "vivid-studio[piper]"``, i.e. piper-tts >= 1.4,
the first release with alignments) when the user gives a voice model path.

Phoneme timing comes from Piper's alignment output (``include_alignments=True``: samples per
phoneme, IPA symbols) when the voice model was patched for it
(``python3 -m piper.patch_voice_with_alignment model.onnx``, or in memory while loading with
piper-tts >= 1.8 and the ``onnx`` package); otherwise ``Speech.phonemes`` is empty and lip sync
falls back on the audio analyser (``viseme_track.track_for_speech``).
"""
from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from assets.errors import ModelNotFoundError
from tts_bridge.ssml import split_pauses
from tts_bridge.types import Phoneme, Speech, TTSError, VoiceOptions, Word

# Piper's speaking rate is a length scale; espeak's normal 175 wpm corresponds to 1.0.
_NORMAL_RATE_WPM = 175.0
# Piper boundary symbols: sentence start/end and the word separator.
_BOUNDARY = {"^", "$", "_"}
_WORD_GAP = " "
# Piper splits espeak-ng's IPA into code points, so stress and length marks come as phonemes of
# their own with samples of their own. A stress mark belongs to the sound after it, a length mark
# or diacritic to the sound before it; alone they would map to silence and shut the mouth inside a
# word (the second half of the long vowel in "wˈɜːld").
_STRESS_MARKS = "ˈˌ"


def _import_piper():  # noqa: ANN202 - returns the module
    try:
        import piper  # type: ignore[import-not-found]
    except ImportError as exc:
        raise TTSError(
            "the Piper backend needs the optional package piper-tts: pip install piper-tts "
            "(or leave voice.model unset to use espeak-ng)"
        ) from exc
    return piper


class PiperBackend:
    """Text -> ``Speech`` with a Piper ``.onnx`` voice (its ``.onnx.json`` config next to it)."""

    def __init__(self, model_path: str | Path) -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise ModelNotFoundError(f"Piper voice model not found: {self.model_path} (a .onnx file)")
        config = Path(str(self.model_path) + ".json")
        if not config.is_file():
            raise ModelNotFoundError(f"Piper voice config not found: {config} (download it with the .onnx)")
        piper = _import_piper()
        self._piper = piper
        # piper-tts >= 1.8 can add the alignment output to an unpatched model while loading it.
        patch = "include_alignments" in inspect.signature(piper.PiperVoice.load).parameters
        self._voice = piper.PiperVoice.load(str(self.model_path), **({"include_alignments": True} if patch else {}))
        self.sample_rate = int(self._voice.config.sample_rate)

    def synthesize(self, text: str, options: VoiceOptions = VoiceOptions()) -> Speech:
        if options.pitch != VoiceOptions.pitch:
            raise NotImplementedError("Piper voices have a fixed pitch; remove voice.pitch or use espeak-ng")
        config = self._piper.SynthesisConfig(
            length_scale=_NORMAL_RATE_WPM / float(options.rate_wpm), volume=options.volume / 100.0
        )
        parts: list[np.ndarray] = []
        phonemes: list[Phoneme] = []
        words: list[Word] = []
        offset = 0
        aligned = True
        for seg in split_pauses(text):
            if not seg.text:
                n = int(round(seg.pause_s * self.sample_rate))
                parts.append(np.zeros(n, np.float32))
                phonemes.append(Phoneme(offset / self.sample_rate, (offset + n) / self.sample_rate, "_"))
                offset += n
                continue
            seg_ph: list[Phoneme] = []
            for chunk in self._voice.synthesize(seg.text, config, include_alignments=True):
                audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
                alignments = getattr(chunk, "phoneme_alignments", None)
                if not alignments:
                    aligned = False
                seg_ph += _aligned_phonemes(alignments or (), offset, self.sample_rate)
                parts.append(audio)
                offset += len(audio)
            phonemes += seg_ph
            words += _words_from_gaps(seg.text, seg_ph)
        if not parts:
            raise TTSError(f"nothing to say in {text!r}: the text is empty")
        if not aligned:  # no alignment output: the analyser will drive the mouth
            phonemes, words = [], []
        audio = np.concatenate(parts)
        return Speech(audio, self.sample_rate, tuple(phonemes), tuple(words), options.language)


def _aligned_phonemes(alignments: Iterable, start: int, rate: int) -> list[Phoneme]:
    """Piper's ``PhonemeAlignment``s (symbol, ``num_samples``) -> phonemes from sample ``start``.

    Boundaries and punctuation become pauses ``_``; stress marks join the next phoneme, length
    marks and diacritics the previous one (see ``_STRESS_MARKS``)."""
    out: list[Phoneme] = []
    pos = start
    stress_start: int | None = None  # where a stress mark began, waiting for its sound
    for al in alignments:
        begin, pos = pos, pos + int(al.num_samples)
        symbol = al.phoneme
        if pos <= begin:
            continue
        if symbol in _STRESS_MARKS:
            stress_start = begin if stress_start is None else stress_start
            continue
        if _is_modifier(symbol) and out and out[-1].symbol != "_":
            out[-1] = Phoneme(out[-1].start_s, pos / rate, out[-1].symbol)
            continue
        if symbol in _BOUNDARY or all(unicodedata.category(c).startswith("P") for c in symbol):
            symbol = "_"
            if out and out[-1].symbol == "_":  # "." then "$": one pause
                out[-1] = Phoneme(out[-1].start_s, pos / rate, "_")
                continue
        first = begin if stress_start is None else stress_start
        stress_start = None
        out.append(Phoneme(first / rate, pos / rate, symbol))
    return out


def _is_modifier(symbol: str) -> bool:
    """IPA length marks, aspiration and combining diacritics (Unicode Lm, Mn, Sk)."""
    return all(unicodedata.category(c) in ("Lm", "Mn", "Sk") for c in symbol)


def _words_from_gaps(text: str, phonemes: list[Phoneme]) -> list[Word]:
    """Group phonemes between word gaps; name the groups with the text's words when counts match."""
    groups: list[list[Phoneme]] = [[]]
    for p in phonemes:
        if p.symbol == _WORD_GAP or p.symbol == "_":
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(p)
    groups = [g for g in groups if g]
    # Words as espeak-ng reports them: without the punctuation around them ("world." -> "world").
    names = [n for w in text.split() if (n := _strip_punctuation(w))]
    if len(groups) != len(names):
        return []
    return [Word(g[0].start_s, g[-1].end_s, name) for g, name in zip(groups, names)]


def _strip_punctuation(word: str) -> str:
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[start:end]
