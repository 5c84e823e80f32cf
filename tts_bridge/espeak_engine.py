"""The raw espeak-ng engine: libespeak-ng.so.1 through ctypes (speak_lib.h, API revision 12).

One ``_Engine`` per process: the library is global state. Used directly (in-process fallback) or
inside the fork server (``tts_bridge.espeak_server``), which gives every utterance a pristine engine.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

from tts_bridge.espeak_data import VARIANT_NAME, find_system_data, private_data_root
from tts_bridge.types import TTSError, UnsupportedLanguageError

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

    def select(self, voice: str, rate_wpm: int, pitch: int, volume: int) -> None:
        """Load the voice and set the parameters (no synthesis: this leaves no history behind)."""
        # Our flutter-free variant, unless the caller picked a variant ("en+f3") themselves.
        name = voice if ("+" in voice or not self.variant) else f"{voice}+{self.variant}"
        if self.lib.espeak_SetVoiceByName(name.encode("utf-8")) != _EE_OK:
            raise UnsupportedLanguageError(
                f"espeak-ng has no voice {voice!r}; valid languages: {', '.join(sorted(self.voices))}"
            )
        self.lib.espeak_SetParameter(_PARAM_RATE, int(rate_wpm), 0)
        self.lib.espeak_SetParameter(_PARAM_PITCH, int(pitch), 0)
        self.lib.espeak_SetParameter(_PARAM_VOLUME, int(volume), 0)

    def speak(self, text: str) -> tuple[np.ndarray, list[_RawEvent]]:
        """Synthesise ``text`` with the selected voice: float32 audio and the raw events."""
        self._chunks, self._events = [], []
        data = text.encode("utf-8") + b"\0"
        err = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if err != _EE_OK:
            raise TTSError(f"espeak_Synth failed with error {err} on text {text[:40]!r}")
        pcm = np.frombuffer(b"".join(self._chunks), dtype=np.int16)
        return pcm.astype(np.float32) / 32768.0, self._events

    def run(self, text: str, voice: str, rate_wpm: int, pitch: int, volume: int) -> tuple[np.ndarray, list[_RawEvent]]:
        self.select(voice, rate_wpm, pitch, volume)
        return self.speak(text)
