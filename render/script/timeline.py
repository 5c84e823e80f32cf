"""The timing plan: when every beat starts and ends, with TTS durations, plus subtitle cues.

Rules (all times in seconds, deterministic for a given script and TTS output):
* The clock starts at ``output.lead_in_s``.
* ``say`` and ``pause`` take time: they start at the clock and move it to their end.
* ``expression``, ``gesture`` and a smooth ``camera`` move start at the clock and run alongside
  what follows; with ``wait: true`` the clock waits for them to finish.
* ``look``, ``subtitle`` and a camera cut are instantaneous state changes at the clock.
* The video lasts until the last beat ends (say, pause, or a running gesture/expression/move),
  plus ``output.tail_s``.
Subtitles: each ``say`` while subtitles are on becomes cues, split after sentences and, past
``MAX_CUE_CHARS``, at word boundaries (preferring commas, avoiding one-word orphans), timed by the
speech's word timings.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np
from scipy.signal import resample_poly

from assets.errors import VividError
from render.script.errors import ScriptError
from render.script.model import Beat, Camera, Expression, Gesture, Pause, Say, Script, Subtitle
from tts_bridge.recorded import RecordedVoice
from tts_bridge.ssml import strip_pauses
from tts_bridge.types import Phoneme, Speech, TTSBackend, Word
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

# Broadcast subtitle guidance: about 42 characters per line; CJK characters are twice as wide and
# guidance is about 16-20 per line.
MAX_CUE_CHARS = 42
MAX_CUE_CHARS_CJK = 20
# A cue may run this many characters over MAX_CUE_CHARS when that finishes its sentence.
ORPHAN_SLACK_CHARS = 8
# Shortest time a cue stays up, so a one-word cue can be read (seconds).
MIN_CUE_S = 0.7


@dataclass(frozen=True)
class TimedBeat:
    start_s: float
    end_s: float
    beat: Beat
    speech: Speech | None = None  # for say beats


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


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
            if subtitles_on:
                cues += _cues(beat.text, speech, clock)
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


_SENTENCE_END = ".!?。！？…"
_CLAUSE_END = ",;:，、；："
_TRAILING = _SENTENCE_END + ",;:，、；：\"')”’」』"


def _cues(text: str, speech: Speech, offset: float) -> list[Cue]:
    """Cues of at most MAX_CUE_CHARS, breaking after sentences and at word boundaries."""
    plain = strip_pauses(text)
    words = [w for w in speech.words if w.text.strip()]
    if not words:  # no word timings (recorded audio without transcript): one cue per say
        return [Cue(offset, offset + speech.duration_s, plain)]
    spans = _spans(plain, words)
    cjk = speech.language.lower().startswith(("cmn", "zh", "yue", "ja"))
    limit = MAX_CUE_CHARS_CJK if cjk else MAX_CUE_CHARS
    groups: list[list[int]] = [[]]
    for k in range(len(words)):
        if groups[-1]:
            first = spans[groups[-1][0]][0]
            length = len(plain[first:spans[k][1]].strip())
            ends_sentence = plain[spans[k][1] - 1] in _SENTENCE_END
            # A little over the limit is better than a one-word orphan at the end of a sentence.
            too_long = length > limit + (ORPHAN_SLACK_CHARS if ends_sentence and not cjk else 0)
            prev_end = spans[groups[-1][-1]][1]
            sentence_done = prev_end > 0 and plain[prev_end - 1] in _SENTENCE_END
            if sentence_done:
                groups.append([])
            elif too_long:
                # Prefer to break after a comma in the second half of the cue over a bare word break.
                g = groups[-1]
                commas = [j for j in range(len(g) - 1) if plain[spans[g[j]][1] - 1] in _CLAUSE_END and
                          spans[g[j]][1] - first >= 0.4 * limit]
                if commas:
                    cut = commas[-1] + 1
                    groups[-1], rest = g[:cut], g[cut:]
                    groups.append(rest)
                else:
                    groups.append([])
        groups[-1].append(k)
    out: list[Cue] = []
    for n, g in enumerate(groups):
        start = offset + words[g[0]].start_s
        nxt = offset + words[groups[n + 1][0]].start_s if n + 1 < len(groups) else offset + speech.duration_s
        stop = min(max(offset + words[g[-1]].end_s, start + MIN_CUE_S), nxt)
        out.append(Cue(start, stop, plain[spans[g[0]][0]:spans[g[-1]][1]].strip()))
    return out


def _spans(plain: str, words: list[Word]) -> list[tuple[int, int]]:
    """Where each word sits in the script text (with the punctuation that follows it)."""
    lower = plain.lower()
    spans: list[tuple[int, int]] = []
    pos = 0
    for w in words:
        i = lower.find(w.text.lower(), pos)
        if i < 0:  # not found as written (espeak normalised it): take the next whitespace-separated token
            i = pos
            while i < len(plain) and plain[i].isspace():
                i += 1
            j = i
            while j < len(plain) and not plain[j].isspace():
                j += 1
        else:
            j = i + len(w.text)
            while j < len(plain) and plain[j] in _TRAILING:
                j += 1
        spans.append((i, j))
        pos = j
    return spans


def to_srt(cues: tuple[Cue, ...] | list[Cue]) -> str:
    """SubRip text for the cues."""
    def stamp(t: float) -> str:
        ms = int(round(t * 1000))
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    return "".join(f"{k}\n{stamp(c.start_s)} --> {stamp(c.end_s)}\n{c.text}\n\n" for k, c in enumerate(cues, 1))
