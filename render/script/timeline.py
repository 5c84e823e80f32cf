"""The timing plan: when every beat starts and ends, with TTS durations, plus subtitle cues.

Rules (all times in seconds, deterministic for a given script and TTS output):
* The clock starts at ``output.lead_in_s``.
* ``say`` and ``pause`` take time: they start at the clock and move it to their end.
* ``expression``, ``gesture`` and a smooth ``camera`` move start at the clock and run alongside
  what follows; with ``wait: true`` the clock waits for them to finish.
* ``look``, ``subtitle`` and a camera cut are instantaneous state changes at the clock.
* The video lasts until the last beat ends (say, pause, or a running gesture/expression/move),
  plus ``output.tail_s``.
Subtitles: each ``say`` while subtitles are on becomes cues (render/script/cues.py), except a
recording without transcript (nothing to show; ``script_notes`` says so).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np
from scipy.signal import resample_poly

from assets.errors import VividError
from render.script.cues import Cue, speech_cues, to_srt  # noqa: F401 (re-exported)
from render.script.errors import ScriptError
from render.script.model import Beat, Camera, Expression, Gesture, Pause, Say, Script, Subtitle
from tts_bridge.recorded import RecordedVoice
from tts_bridge.types import Phoneme, Speech, TTSBackend
from tts_bridge.viseme_table import Viseme
from tts_bridge.viseme_track import GRID_HZ, VisemeOptions, VisemeTrack, phoneme_viseme, track_for_speech

# The soundtrack's default sample rate (Hz): what AAC encoders expect.
AUDIO_RATE = 48000
# One espeak symbol per viseme: lets Mandarin pinyin phonemes share a track with other languages.
_PINYIN_AS_ESPEAK = {
    Viseme.sil: "_", Viseme.PP: "p", Viseme.FF: "f", Viseme.TH: "T", Viseme.DD: "t", Viseme.kk: "k",
    Viseme.CH: "tS", Viseme.SS: "s", Viseme.nn: "n", Viseme.RR: "r", Viseme.aa: "a", Viseme.E: "E",
    Viseme.ih: "i", Viseme.oh: "O", Viseme.ou: "u",
}


@dataclass(frozen=True)
class TimedBeat:
    start_s: float
    end_s: float
    beat: Beat
    speech: Speech | None = None  # for say beats


@dataclass(frozen=True)
class Timeline:
    beats: tuple[TimedBeat, ...]
    duration_s: float
    cues: tuple[Cue, ...]

    def speech_segments(self) -> tuple[TimedBeat, ...]:
        return tuple(b for b in self.beats if b.speech is not None)

    def audio(self, sample_rate: int = AUDIO_RATE) -> np.ndarray:
        """The whole soundtrack: float32 mono, ``duration_s`` long, every speech at its start time.

        Speech at another rate is resampled (polyphase); overlapping speech (recorded takes) is summed
        and clipped to [-1, 1].
        """
        n = int(round(self.duration_s * sample_rate))
        track = np.zeros(n, np.float32)
        for tb in self.speech_segments():
            audio = tb.speech.audio
            if tb.speech.sample_rate != sample_rate:
                g = gcd(int(tb.speech.sample_rate), int(sample_rate))
                audio = resample_poly(audio, sample_rate // g, tb.speech.sample_rate // g).astype(np.float32)
            start = int(round(tb.start_s * sample_rate))
            end = min(n, start + len(audio))
            track[start:end] += audio[: end - start]
        np.clip(track, -1.0, 1.0, out=track)
        track.setflags(write=False)
        return track

    def viseme_track(self, options: VisemeOptions = VisemeOptions()) -> VisemeTrack:
        """Lip sync for the whole video: every say beat's visemes at its place, rest in between.

        Speech with phonemes is co-articulated over the whole timeline (so a sentence that follows
        another without a gap blends into it); speech without phonemes uses the audio analyser.
        """
        phonemes: list[Phoneme] = []
        grid = None
        for tb in self.speech_segments():
            sp = tb.speech
            if sp.phonemes:
                for p in sp.phonemes:
                    symbol = p.symbol
                    if sp.language.lower().startswith(("cmn", "zh")):
                        # Map Mandarin pinyin here, so one track can hold several languages.
                        symbol = _PINYIN_AS_ESPEAK.get(phoneme_viseme(p.symbol, sp.language), p.symbol)
                    phonemes.append(Phoneme(p.start_s + tb.start_s, p.end_s + tb.start_s, symbol))
        track = VisemeTrack.from_phonemes(phonemes, "en", self.duration_s, options)
        for tb in self.speech_segments():
            if not tb.speech.phonemes:  # analyser-driven speech replaces the rest in its span
                grid = np.array(track.grid) if grid is None else grid
                part = track_for_speech(tb.speech)
                lo = int(np.ceil(tb.start_s * GRID_HZ))
                hi = min(len(grid), int(np.floor(tb.end_s * GRID_HZ)) + 1)
                grid[lo:hi] = part.sample(np.arange(lo, hi) / GRID_HZ - tb.start_s)
        return VisemeTrack(grid, self.duration_s) if grid is not None else track


def _synthesize(beat: Say, default: TTSBackend | None) -> Speech:
    if beat.audio is not None:
        return RecordedVoice(beat.audio).synthesize(beat.text, beat.voice)
    if beat.voice.model_path or default is None:
        from tts_bridge.backends import make_backend

        return make_backend(beat.voice).synthesize(beat.text, beat.voice)
    return default.synthesize(beat.text, beat.voice)


def plan_timeline(script: Script, tts_backend: TTSBackend | None = None) -> Timeline:
    """Synthesize every ``say`` and place all beats in time (see the module docstring for the rules).

    ``tts_backend`` speaks beats without their own Piper model or recorded audio (default espeak-ng).
    """
    clock = script.output.lead_in_s
    end = clock
    subtitles_on = script.output.subtitles
    timed: list[TimedBeat] = []
    cues: list[Cue] = []
    for beat in script.beats:
        if isinstance(beat, Say):
            try:
                speech = _synthesize(beat, tts_backend)
            except (VividError, NotImplementedError) as exc:
                raise ScriptError.single(script.path, beat.line, ("beats", beat.index, "say"), str(exc)) from exc
            timed.append(TimedBeat(clock, clock + speech.duration_s, beat, speech))
            if subtitles_on and beat.text:  # a recording without transcript has no words to show
                cues += speech_cues(beat.text, speech, clock)
            clock += speech.duration_s
        elif isinstance(beat, Pause):
            timed.append(TimedBeat(clock, clock + beat.duration_s, beat))
            clock += beat.duration_s
        elif isinstance(beat, (Expression, Gesture, Camera)):
            timed.append(TimedBeat(clock, clock + beat.duration_s, beat))
            if beat.wait:
                clock += beat.duration_s
        else:
            if isinstance(beat, Subtitle):
                subtitles_on = beat.on
            timed.append(TimedBeat(clock, clock, beat))
        end = max(end, clock, timed[-1].end_s)
    return Timeline(tuple(timed), end + script.output.tail_s, tuple(cues))
