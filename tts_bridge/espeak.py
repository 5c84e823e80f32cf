"""espeak-ng through ctypes on libespeak-ng.so.1, with phoneme and word events.

The library is global state (one voice, one parameter set, one callback per process), so every
call into it holds ``_LOCK``; ``EspeakBackend`` objects are cheap views on that one engine.
We run it in AUDIO_OUTPUT_SYNCHRONOUS mode: ``espeak_Synth`` returns after the callback has seen
all audio, and each event carries ``audio_position`` (ms from the start of that Synth call).
"""
from __future__ import annotations

import ctypes
import threading
import unicodedata
from dataclasses import dataclass

from pathlib import Path

import numpy as np

from tts_bridge.espeak_data import VARIANT_NAME, find_system_data, private_data_root
from tts_bridge.mandarin import is_hanzi, syllable_parts
from tts_bridge.ssml import split_pauses
from tts_bridge.types import Phoneme, Speech, TTSError, UnsupportedLanguageError, VoiceOptions, Word

LIBRARY_NAME = "libespeak-ng.so.1"
APT_PACKAGE = "libespeak-ng1"

# speak_lib.h constants (espeak-ng 1.51, API revision 12).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_END = 5
_EVENT_PHONEME = 7
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH = 1, 2, 3
_EE_OK = 0

# espeak-ng's documented parameter ranges (speak_lib.h comments).
RATE_RANGE_WPM = (80, 450)
PITCH_RANGE = (0, 100)
VOLUME_RANGE = (0, 200)

# Languages whose default espeak-ng voice we replace. Debian's espeak-ng 1.51 "cmn" voice reads
# Hanzi as pinyin spelled out in English ("ni three"); "cmn-latn-pinyin" speaks them correctly.
_VOICE_FOR_LANGUAGE = {"cmn": "cmn-latn-pinyin", "zh": "cmn-latn-pinyin", "zh-cn": "cmn-latn-pinyin"}
MANDARIN_CODES = frozenset({"cmn", "zh", "zh-cn", "cmn-latn-pinyin"})


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # priority byte + name pairs: read raw, not as one C string
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class _RawEvent:
    kind: int
    ms: int
    text_position: int
    length: int
    symbol: str


class _Engine:
    """The one process-wide espeak-ng instance. Only touched while holding ``_LOCK``."""

    def __init__(self, library: str) -> None:
        try:
            self.lib = ctypes.CDLL(library)
        except OSError as exc:
            raise TTSError(
                f"cannot load {library} ({exc}); install espeak-ng: sudo apt-get install {APT_PACKAGE} espeak-ng"
            ) from exc
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_Synth.restype = ctypes.c_int
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self.lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        self.lib.espeak_Info.restype = ctypes.c_char_p
        self.lib.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        system_path = ctypes.c_char_p()
        self.version = (self.lib.espeak_Info(ctypes.byref(system_path)) or b"?").decode()
        system_data = find_system_data(system_path.value.decode() if system_path.value else None)
        root = private_data_root(system_data) if system_data is not None else None
        self.variant = VARIANT_NAME if root is not None else None
        path = str(root).encode() if root is not None else None
        rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, path, _INITIALIZE_PHONEME_EVENTS)
        if rate <= 0:
            raise TTSError(
                f"espeak_Initialize failed (returned {rate}): espeak-ng-data not found; "
                f"reinstall it: sudo apt-get install --reinstall {APT_PACKAGE} espeak-ng-data"
            )
        self.sample_rate = int(rate)
        self._chunks: list[bytes] = []
        self._events: list[_RawEvent] = []
        self._callback = _CALLBACK(self._on_audio)  # keep a reference: ctypes does not
        self.lib.espeak_SetSynthCallback(self._callback)
        self.voices = self._list_voices()

    def _on_audio(self, wav, count, events) -> int:  # noqa: ANN001 - ctypes types
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            ev = events[i]
            symbol = ""
            if ev.type == _EVENT_PHONEME:
                symbol = bytes(ev.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
            self._events.append(_RawEvent(ev.type, ev.audio_position, ev.text_position, ev.length, symbol))
            i += 1
        return 0

    def _list_voices(self) -> dict[str, str]:
        """language code -> voice identifier, from espeak_ListVoices (languages are priority-byte + name pairs)."""
        out: dict[str, str] = {}
        array = self.lib.espeak_ListVoices(None)
        i = 0
        while array[i]:
            voice = array[i].contents
            raw = ctypes.string_at(voice.languages, 256) if voice.languages else b""
            pos = 0
            while pos < len(raw) and raw[pos] != 0:
                end = raw.index(b"\0", pos + 1)
                code = raw[pos + 1:end].decode("ascii", "replace").lower()
                out.setdefault(code, (voice.identifier or b"").decode())
                pos = end + 1
            i += 1
        return out

    def run(self, text: str, voice: str, options: VoiceOptions) -> tuple[np.ndarray, list[_RawEvent]]:
        # Our flutter-free variant, unless the caller picked a variant ("en+f3") themselves.
        name = voice if ("+" in voice or not self.variant) else f"{voice}+{self.variant}"
        if self.lib.espeak_SetVoiceByName(name.encode("utf-8")) != _EE_OK:
            raise UnsupportedLanguageError(
                f"espeak-ng has no voice {voice!r}; valid languages: {', '.join(sorted(self.voices))}"
            )
        self.lib.espeak_SetParameter(_PARAM_RATE, int(options.rate_wpm), 0)
        self.lib.espeak_SetParameter(_PARAM_PITCH, int(options.pitch), 0)
        self.lib.espeak_SetParameter(_PARAM_VOLUME, int(options.volume), 0)
        self._chunks, self._events = [], []
        data = text.encode("utf-8") + b"\0"
        err = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if err != _EE_OK:
            raise TTSError(f"espeak_Synth failed with error {err} on text {text[:40]!r}")
        pcm = np.frombuffer(b"".join(self._chunks), dtype=np.int16)
        return pcm.astype(np.float32) / 32768.0, self._events


_LOCK = threading.Lock()
_ENGINE: _Engine | None = None


def _engine(library: str) -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine(library)
    return _ENGINE


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
                audio, events = _engine(self._library).run(seg.text, voice, options)
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
