"""espeak-ng backend: text -> ``Speech`` with phoneme and word events at their audio positions.

The engine (``espeak_engine``) runs libespeak-ng.so.1 through ctypes in AUDIO_OUTPUT_SYNCHRONOUS
mode; each event carries ``audio_position`` (ms from the start of that Synth call). By default it
runs in a fork server (``espeak_server``) so every utterance starts from a pristine engine and the
output never depends on what was said before; where that helper cannot run (no ``fork``), the
engine runs in this process. Either way the library is global state, so every call holds ``_LOCK``;
``EspeakBackend`` objects are cheap views on that one engine.
"""
from __future__ import annotations

import logging
import os
import threading
import unicodedata
from collections import OrderedDict

import numpy as np

from tts_bridge.espeak_engine import _EVENT_PHONEME, _EVENT_WORD, APT_PACKAGE, LIBRARY_NAME, _Engine, _RawEvent
from tts_bridge.mandarin import is_hanzi, syllable_parts
from tts_bridge.ssml import split_pauses
from tts_bridge.types import Phoneme, Speech, TTSError, UnsupportedLanguageError, VoiceOptions, Word

__all__ = ["APT_PACKAGE", "LIBRARY_NAME", "EspeakBackend", "MANDARIN_CODES", "_Engine"]
log = logging.getLogger(__name__)
# Set VIVID_ESPEAK_IN_PROCESS=1 to skip the fork server (faster start, history-dependent output).
IN_PROCESS_ENV = "VIVID_ESPEAK_IN_PROCESS"

# espeak-ng's documented parameter ranges (speak_lib.h comments).
RATE_RANGE_WPM = (80, 450)
PITCH_RANGE = (0, 100)
VOLUME_RANGE = (0, 200)

# Languages whose default espeak-ng voice we replace. Debian's espeak-ng 1.51 "cmn" voice reads
# Hanzi as pinyin spelled out in English ("ni three"); "cmn-latn-pinyin" speaks them correctly.
_VOICE_FOR_LANGUAGE = {"cmn": "cmn-latn-pinyin", "zh": "cmn-latn-pinyin", "zh-cn": "cmn-latn-pinyin"}
MANDARIN_CODES = frozenset({"cmn", "zh", "zh-cn", "cmn-latn-pinyin"})

_LOCK = threading.Lock()
_ENGINE = None  # _Engine or espeak_server.ServerClient
# Recent results, keyed by text and voice options (a 30 s script has ~10-30 utterances).
CACHE_SIZE = 128
_CACHE: OrderedDict[tuple, Speech] = OrderedDict()


def _engine(library: str):  # noqa: ANN202 - _Engine or ServerClient (same interface)
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _start_engine(library)
    return _ENGINE


def _start_engine(library: str):  # noqa: ANN202
    if hasattr(os, "fork") and os.environ.get(IN_PROCESS_ENV, "") != "1":
        from tts_bridge.espeak_server import ServerClient

        try:
            return ServerClient(library)
        except (OSError, TTSError) as exc:
            # No helper (cannot spawn, or it failed to start): the in-process engine either works
            # or raises the same clear error (e.g. the library is not installed).
            log.warning("espeak-ng fork server unavailable (%s); synthesising in-process", exc)
    return _Engine(library)


class EspeakBackend:
    """Text -> ``Speech`` with espeak-ng. Thread-safe (one global lock around the library)."""

    def __init__(self, library: str = LIBRARY_NAME) -> None:
        with _LOCK:
            self.sample_rate = _engine(library).sample_rate
        self._library = library

    def languages(self) -> tuple[str, ...]:
        """Language codes espeak-ng can speak here (plus our Mandarin aliases)."""
        with _LOCK:
            codes = set(_engine(self._library).voices)
        return tuple(sorted(codes | set(_VOICE_FOR_LANGUAGE)))

    def voice_for(self, options: VoiceOptions) -> str:
        """The espeak-ng voice name used for ``options``; raises for an unknown language."""
        if options.voice:
            return options.voice
        code = options.language.strip().lower()
        if code in _VOICE_FOR_LANGUAGE:
            return _VOICE_FOR_LANGUAGE[code]
        with _LOCK:
            voices = _engine(self._library).voices
        if code not in voices:
            raise UnsupportedLanguageError(
                f"language {options.language!r} is not supported by espeak-ng; valid: {', '.join(self.languages())}"
            )
        return code

    def synthesize(self, text: str, options: VoiceOptions = VoiceOptions()) -> Speech:
        """Speak ``text`` (SSML-lite pauses allowed). Results are cached per process (``CACHE_SIZE``
        entries; ``Speech`` is immutable, so a repeat returns the same object). With the in-process
        fallback engine the cache is also what keeps repeats identical."""
        key = (text, options.language, options.voice, options.rate_wpm, options.pitch, options.volume)
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is not None:
                _CACHE.move_to_end(key)
                return cached
        speech = self._synthesize(text, options)
        with _LOCK:
            _CACHE[key] = speech
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        return speech

    def _synthesize(self, text: str, options: VoiceOptions) -> Speech:
        _check_ranges(options)
        voice = self.voice_for(options)
        mandarin = options.language.strip().lower() in MANDARIN_CODES or voice in MANDARIN_CODES
        segments = split_pauses(text)
        if not segments or all(not s.text for s in segments):
            raise TTSError(f"nothing to say in {text!r}: the text is empty (pauses alone are not speech)")
        parts: list[np.ndarray] = []
        phonemes: list[Phoneme] = []
        words: list[Word] = []
        offset = 0
        for seg in segments:
            if not seg.text:
                n = int(round(seg.pause_s * self.sample_rate))
                parts.append(np.zeros(n, np.float32))
                phonemes.append(Phoneme(offset / self.sample_rate, (offset + n) / self.sample_rate, "_"))
                offset += n
                continue
            with _LOCK:
                audio, events = _engine(self._library).run(
                    seg.text, voice, options.rate_wpm, options.pitch, options.volume
                )
            t0 = offset / self.sample_rate
            dur = len(audio) / self.sample_rate
            seg_ph, seg_words = _timings(seg.text, events, dur, mandarin)
            phonemes += [Phoneme(p.start_s + t0, p.end_s + t0, p.symbol) for p in seg_ph]
            words += [Word(w.start_s + t0, w.end_s + t0, w.text) for w in seg_words]
            parts.append(audio)
            offset += len(audio)
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return Speech(audio, self.sample_rate, tuple(phonemes), tuple(words), "cmn" if mandarin else options.language)


def _check_ranges(options: VoiceOptions) -> None:
    for name, value, (lo, hi) in (
        ("rate_wpm", options.rate_wpm, RATE_RANGE_WPM),
        ("pitch", options.pitch, PITCH_RANGE),
        ("volume", options.volume, VOLUME_RANGE),
    ):
        if not lo <= value <= hi:
            raise TTSError(f"voice {name}={value} is out of espeak-ng's range {lo}..{hi}")


def _is_pause(symbol: str) -> bool:
    return symbol.startswith("_")


def _timings(text: str, events: list[_RawEvent], duration_s: float, mandarin: bool) -> tuple[list[Phoneme], list[Word]]:
    """Phonemes end where the next one starts; a word spans its own non-pause phonemes."""
    ph_events = [e for e in events if e.kind == _EVENT_PHONEME and not e.symbol.startswith("(")]
    phonemes: list[Phoneme] = []
    for i, e in enumerate(ph_events):
        start = e.ms / 1000.0
        end = ph_events[i + 1].ms / 1000.0 if i + 1 < len(ph_events) else duration_s
        end = min(max(end, start), duration_s)
        if end > start:
            phonemes.append(Phoneme(start, end, e.symbol))
    word_events = [e for e in events if e.kind == _EVENT_WORD]
    words: list[Word] = []
    mandarin_ph: list[Phoneme] = []
    for i, w in enumerate(word_events):
        start = w.ms / 1000.0
        limit = word_events[i + 1].ms / 1000.0 if i + 1 < len(word_events) else duration_s
        own = [p for p in phonemes if start - 1e-6 <= p.start_s < limit - 1e-6 and not _is_pause(p.symbol)]
        if not own:
            continue
        word_text = _word_at(text, w.text_position - 1, w.length)
        words.append(Word(own[0].start_s, own[-1].end_s, word_text))
        if mandarin:
            mandarin_ph += _pinyin_phonemes(word_text, own)
    if mandarin:
        # Replace espeak's symbols with pinyin initials/finals, timed by espeak's own phonemes.
        pauses = [p for p in phonemes if _is_pause(p.symbol)]
        covered = [p for p in phonemes if not _is_pause(p.symbol)]
        if mandarin_ph:
            phonemes = sorted(pauses + mandarin_ph + _uncovered(covered, mandarin_ph), key=lambda p: p.start_s)
    return phonemes, words


_PUNCTUATION = ".,;:!?\"'()[]{}<>«»“”‘’。，、；：！？（）"


def _word_at(text: str, start: int, length: int) -> str:
    """The word espeak reports at ``start`` (0-based chars); its positions can sit on the space or
    punctuation just before the word after a sentence break, so skip those first."""
    i = max(0, min(start, len(text)))
    while i < len(text) and (text[i].isspace() or text[i] in _PUNCTUATION):
        i += 1
    if i < len(text) and is_hanzi(text[i]):
        return text[i:i + max(length, 1)]
    j = i
    while j < len(text) and not text[j].isspace():
        j += 1
    return text[i:j].strip(_PUNCTUATION)


def _uncovered(espeak_ph: list[Phoneme], pinyin_ph: list[Phoneme]) -> list[Phoneme]:
    """espeak phonemes outside any pinyin syllable (latin words spoken by the pinyin voice)."""
    spans = [(p.start_s, p.end_s) for p in pinyin_ph]
    return [p for p in espeak_ph if not any(s - 1e-6 <= p.start_s < e - 1e-6 for s, e in spans)]


def _pinyin_phonemes(word_text: str, own: list[Phoneme]) -> list[Phoneme]:
    """Split one Hanzi syllable's span into its pinyin initial and final."""
    chars = [c for c in word_text if is_hanzi(c)]
    if len(chars) != 1:
        return []
    initial, final = syllable_parts(chars[0])
    start, end = own[0].start_s, own[-1].end_s
    if initial and len(own) >= 2:
        split = own[1].start_s
        return [Phoneme(start, split, initial), Phoneme(split, end, final)]
    return [Phoneme(start, end, final or unicodedata.name(chars[0], "?"))]
