"""The timing plan: when every beat starts and ends, with TTS durations, plus subtitle cues.

Rules (all times in seconds, deterministic for a given script and TTS output):
* The clock starts at ``output.lead_in_s``.
* ``say`` and ``pause`` take time: they start at the clock and move it to their end.
* ``expression``, ``gesture`` and a smooth ``camera`` move start at the clock and run alongside
  what follows; with ``wait: true`` the clock waits for them to finish.
* ``look``, ``subtitle`` and a camera cut are instantaneous state changes at the clock.
* The video lasts until the last beat ends (say, pause, or a running gesture/expression/move),
  plus ``output.tail_s``.
Subtitles: each ``say`` while subtitles are on becomes cues of at most ``MAX_CUE_CHARS``
characters, split at word boundaries using the speech's word timings.
"""
from __future__ import annotations

from dataclasses import dataclass

from render.script.model import Beat, Camera, Expression, Gesture, Pause, Say, Script, Subtitle
from tts_bridge.recorded import RecordedVoice
from tts_bridge.ssml import strip_pauses
from tts_bridge.types import Speech, TTSBackend, Word

# Broadcast subtitle guidance: about 42 characters per line.
MAX_CUE_CHARS = 42
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
            speech = _synthesize(beat, tts_backend)
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


def _cues(text: str, speech: Speech, offset: float) -> list[Cue]:
    words = [w for w in speech.words if w.text.strip()]
    cjk = speech.language.lower().startswith(("cmn", "zh", "yue", "ja"))
    joiner = "" if cjk else " "
    if not words:  # no word timings (recorded audio without transcript timing): one cue per say
        return [Cue(offset, offset + speech.duration_s, strip_pauses(text))]
    groups: list[list[Word]] = [[]]
    for w in words:
        candidate = joiner.join(x.text for x in groups[-1] + [w])
        if groups[-1] and len(candidate) > MAX_CUE_CHARS:
            groups.append([])
        groups[-1].append(w)
    plain = strip_pauses(text)
    cursor = 0
    out: list[Cue] = []
    for k, g in enumerate(groups):
        start = offset + g[0].start_s
        nxt = offset + groups[k + 1][0].start_s if k + 1 < len(groups) else offset + speech.duration_s
        stop = min(max(offset + g[-1].end_s, start + MIN_CUE_S), nxt)
        shown, cursor = _display(plain, cursor, g, joiner)
        out.append(Cue(start, stop, shown))
    return out


def _display(plain: str, cursor: int, words: list[Word], joiner: str) -> tuple[str, int]:
    """The words as written in the script (punctuation and case kept), found from ``cursor`` on."""
    lower = plain.lower()
    pos, first = cursor, None
    for w in words:
        i = lower.find(w.text.lower(), pos)
        if i < 0:
            return joiner.join(x.text for x in words), cursor
        first = i if first is None else first
        pos = i + len(w.text)
    while pos < len(plain) and not plain[pos].isspace() and not plain[pos].isalnum():
        pos += 1  # keep the punctuation that follows the last word
    return plain[first:pos].strip(), pos


def to_srt(cues: tuple[Cue, ...] | list[Cue]) -> str:
    """SubRip text for the cues."""
    def stamp(t: float) -> str:
        ms = int(round(t * 1000))
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    return "".join(f"{k}\n{stamp(c.start_s)} --> {stamp(c.end_s)}\n{c.text}\n\n" for k, c in enumerate(cues, 1))
