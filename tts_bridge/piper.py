"""Piper neural TTS (optional: ``pip install piper-tts``) when the user gives a voice model path.

Phoneme timing comes from Piper's alignment output (``include_alignments=True``: samples per
phoneme, IPA symbols) when the voice model was patched for it
(``python3 -m piper.patch_voice_with_alignment model.onnx``); otherwise ``Speech.phonemes`` is
empty and lip sync falls back on the audio analyser (``viseme_track.track_for_speech``).
"""
from __future__ import annotations

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
        self._voice = piper.PiperVoice.load(str(self.model_path))
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
                pos = offset
                for al in alignments or ():
                    n = int(al.num_samples)
                    symbol = "_" if al.phoneme in _BOUNDARY else al.phoneme
                    if n > 0:
                        seg_ph.append(Phoneme(pos / self.sample_rate, (pos + n) / self.sample_rate, symbol))
                    pos += n
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
    names = text.split()
    if len(groups) != len(names):
        return []
    return [Word(g[0].start_s, g[-1].end_s, name) for g, name in zip(groups, names)]
