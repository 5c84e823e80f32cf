"""Result and option types shared by every TTS backend.

``Speech`` is what a backend returns: mono float32 audio plus phoneme and word timings in
seconds from the start of that audio. All of it is immutable so it can cross threads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from assets.errors import VividError


class TTSError(VividError, RuntimeError):
    """Synthesis failed, or a TTS backend is not installed (the message names the fix)."""


class UnsupportedLanguageError(VividError, ValueError):
    """The language code is not one the backend can speak (the message lists valid ones)."""


@dataclass(frozen=True)
class Phoneme:
    """One phoneme: ``symbol`` is an espeak-ng mnemonic, or a pinyin initial/final for Mandarin."""

    start_s: float
    end_s: float
    symbol: str


@dataclass(frozen=True)
class Word:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Speech:
    """Synthesised (or recorded) speech with its timings.

    ``audio`` is float32 mono in [-1, 1], read-only. ``phonemes`` and ``words`` are sorted by
    start time and lie within ``[0, duration_s]``. ``language`` says how to read the phoneme
    symbols (``cmn`` uses pinyin initials/finals, every other language espeak-ng mnemonics).
    """

    audio: np.ndarray
    sample_rate: int
    phonemes: tuple[Phoneme, ...]
    words: tuple[Word, ...]
    language: str

    def __post_init__(self) -> None:
        audio = np.ascontiguousarray(self.audio, dtype=np.float32)
        if audio.ndim != 1:
            raise TTSError(f"Speech.audio must be mono (1-D), got shape {audio.shape}")
        if audio is self.audio and audio.flags.writeable:
            audio = audio.copy()  # never freeze the caller's array
        audio.setflags(write=False)
        object.__setattr__(self, "audio", audio)
        object.__setattr__(self, "phonemes", tuple(self.phonemes))
        object.__setattr__(self, "words", tuple(self.words))

    @property
    def duration_s(self) -> float:
        return len(self.audio) / float(self.sample_rate)


@dataclass(frozen=True)
class VoiceOptions:
    """How to speak.

    language: espeak-ng language code (``en``, ``en-us``, ``de``, ``fr``, ``cmn`` ...).
    voice: an espeak-ng voice name overriding ``language`` (e.g. ``en-us+f3``); ``None`` = language default.
    rate_wpm: words per minute, espeak-ng's range 80-450, default 175 (espeak's normal).
    pitch: base pitch 0-100, 50 = normal. volume: 0-200, 100 = normal.
    model_path: a Piper ``.onnx`` voice model; when set, the Piper backend is used.
    """

    language: str = "en"
    voice: str | None = None
    rate_wpm: int = 175
    pitch: int = 50
    volume: int = 100
    model_path: str | None = None


@runtime_checkable
class TTSBackend(Protocol):
    """Anything that turns text into timed ``Speech``."""

    def synthesize(self, text: str, options: VoiceOptions = ...) -> Speech:
        ...

