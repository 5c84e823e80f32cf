"""Motion of a face in a living photo: a small set of smooth curves of time.

Every preset starts and ends at the neutral state with zero velocity (raised-cosine and
smootherstep envelopes), so the first frame is the photo itself, sequences join without jumps
and a loop closes seamlessly. All motion is a pure function of time in seconds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Callable, Sequence

import numpy as np

from effects.photo.errors import PhotoError


@dataclass(frozen=True)
class MotionState:
    """What one face does at one instant. Angles in degrees (pitch: positive nods the chin down,
    yaw: positive turns toward the image's right, roll: positive tilts clockwise in the image);
    expression weights in [0, 1] (jaw may reach 1.2 for a wide open mouth), gaze in [-1, 1]."""

    pitch_deg: float = 0.0
    yaw_deg: float = 0.0
    roll_deg: float = 0.0
    blink_left: float = 0.0
    blink_right: float = 0.0
    smile: float = 0.0
    jaw: float = 0.0
    brows: float = 0.0
    gaze_x: float = 0.0  # -1..1: the eyes look toward the image's left .. right
    gaze_y: float = 0.0  # -1..1: up .. down

    def plus(self, other: "MotionState") -> "MotionState":
        return MotionState(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def clamped(self) -> "MotionState":
        """Expression weights limited to their ranges (angles untouched)."""
        return MotionState(self.pitch_deg, self.yaw_deg, self.roll_deg,
                           _clip(self.blink_left, 0, 1), _clip(self.blink_right, 0, 1),
                           _clip(self.smile, 0, 1), _clip(self.jaw, 0, 1.2), _clip(self.brows, 0, 1),
                           _clip(self.gaze_x, -1, 1), _clip(self.gaze_y, -1, 1))

    @property
    def is_neutral(self) -> bool:
        return all(abs(getattr(self, f.name)) < 1e-6 for f in fields(self))


NEUTRAL = MotionState()
MotionFn = Callable[[float], MotionState]


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


# ----------------------------------------------------------------------------- envelopes
def bump(t: float, start: float, duration: float) -> float:
    """Raised cosine: 0 outside [start, start+duration], 1 in the middle, C1 everywhere."""
    u = (t - start) / duration
    if u <= 0.0 or u >= 1.0:
        return 0.0
    return 0.5 - 0.5 * math.cos(2.0 * math.pi * u)


def _smoother(u: float) -> float:
    u = _clip(u, 0.0, 1.0)
    return u * u * u * (u * (6.0 * u - 15.0) + 10.0)


def hold(t: float, start: float, rise: float, hold_s: float, fall: float) -> float:
    """0 -> 1 (smootherstep over `rise`), stays 1 for `hold_s`, back to 0 over `fall`."""
    if t <= start:
        return 0.0
    if t < start + rise:
        return _smoother((t - start) / rise)
    if t < start + rise + hold_s:
        return 1.0
    return 1.0 - _smoother((t - start - rise - hold_s) / fall)


# A natural blink: the lid falls fast, rests briefly closed and rises more slowly. Durations from
# the blink literature (closing ~70-100 ms, opening ~150-250 ms); the rest is lengthened to
# 100 ms so a 25 fps video shows at least two closed frames.
BLINK_CLOSE_S = 0.09
BLINK_REST_S = 0.10
BLINK_OPEN_S = 0.20
BLINK_S = BLINK_CLOSE_S + BLINK_REST_S + BLINK_OPEN_S


def blink_curve(t: float, start: float) -> float:
    return hold(t, start, BLINK_CLOSE_S, BLINK_REST_S, BLINK_OPEN_S)


# ----------------------------------------------------------------------------- presets
@dataclass(frozen=True)
class Preset:
    name: str
    duration_s: float
    fn: MotionFn
    description: str


def _blink(t: float) -> MotionState:
    b = blink_curve(t, 0.35)
    return MotionState(blink_left=b, blink_right=b)


def _double_blink(t: float) -> MotionState:
    b = max(blink_curve(t, 0.30), blink_curve(t, 0.30 + BLINK_S + 0.12))
    return MotionState(blink_left=b, blink_right=b)


NOD_DEG = 14.0  # a clear nod; re-tracked pitch changes by ~10 deg on the shared portraits
SHAKE_DEG = 13.0
TILT_DEG = 9.0
LOOK_DEG = 15.0


def _nod(t: float) -> MotionState:
    # down, a small rebound above level, back to rest
    return MotionState(pitch_deg=NOD_DEG * bump(t, 0.15, 1.0) - 0.25 * NOD_DEG * bump(t, 0.95, 0.8))


def _shake(t: float) -> MotionState:
    u = _clip(t / 2.0, 0.0, 1.0)
    return MotionState(yaw_deg=SHAKE_DEG * math.sin(4.0 * math.pi * u) * math.sin(math.pi * u) ** 2)


def _tilt(t: float) -> MotionState:
    return MotionState(roll_deg=TILT_DEG * hold(t, 0.2, 0.6, 0.6, 0.7))


def _smile(t: float) -> MotionState:
    s = hold(t, 0.2, 0.5, 0.9, 0.6)
    return MotionState(smile=s, pitch_deg=-1.5 * s)


def _look_around(t: float) -> MotionState:
    yaw = LOOK_DEG * (hold(t, 0.2, 0.6, 0.5, 0.6) - hold(t, 1.9, 0.6, 0.5, 0.6))
    pitch = -4.0 * bump(t, 0.2, 3.2)
    blink = blink_curve(t, 1.55)
    # the eyes lead the head by ~0.1 s and turn faster (a saccade, then the head follows)
    gaze = 0.8 * (hold(t, 0.1, 0.25, 0.75, 0.35) - hold(t, 1.8, 0.25, 0.75, 0.35))
    return MotionState(yaw_deg=yaw, pitch_deg=pitch, blink_left=blink, blink_right=blink,
                       gaze_x=gaze, gaze_y=-0.2 * abs(gaze))


def _raise_brows(t: float) -> MotionState:
    return MotionState(brows=hold(t, 0.2, 0.35, 0.7, 0.5))


TALK_S = 3.2
TALK_SYLLABLES_PER_S = 4.5  # typical syllable rate of conversational English (4-5 per second)


def talk_curve(t: float, seed: int = 7, duration: float = TALK_S) -> float:
    """Speech-like jaw opening: one raised-cosine bump per syllable with random height and
    spacing (seeded), inside a fade-in / fade-out envelope. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    count = int(duration * TALK_SYLLABLES_PER_S) + 2
    gaps = rng.uniform(0.16, 0.30, count)
    heights = rng.uniform(0.35, 0.95, count)
    starts = 0.15 + np.concatenate([[0.0], np.cumsum(gaps)[:-1]])
    value = 0.0
    for start, gap, height in zip(starts, gaps, heights):
        if start + gap * 1.3 > duration - 0.1:
            break
        value = max(value, float(height) * bump(t, float(start), float(gap) * 1.3))
    return value


def _talk(t: float) -> MotionState:
    jaw = talk_curve(t)
    env = bump(t, 0.0, TALK_S)
    return MotionState(jaw=jaw, smile=0.15 * env, pitch_deg=1.5 * math.sin(2 * math.pi * t / TALK_S),
                       brows=0.25 * bump(t, 0.8, 1.2))


IDLE_PERIOD_S = 6.0


def _idle(t: float) -> MotionState:
    # Sums of harmonics of the period: periodic, so the loop is seamless, and zero at t = 0.
    w = 2.0 * math.pi * (t % IDLE_PERIOD_S) / IDLE_PERIOD_S
    tt = t % IDLE_PERIOD_S
    blink = max(blink_curve(tt, 1.4), blink_curve(tt, 4.3))
    return MotionState(pitch_deg=1.8 * math.sin(w) - 0.6 * math.sin(2 * w),
                       yaw_deg=3.0 * math.sin(w) * math.cos(w) + 1.0 * math.sin(3 * w),
                       roll_deg=1.2 * math.sin(2 * w),
                       blink_left=blink, blink_right=blink,
                       smile=0.12 * (0.5 - 0.5 * math.cos(w)),
                       brows=0.1 * (0.5 - 0.5 * math.cos(2 * w)))


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("blink", 1.2, _blink, "one natural blink"),
    Preset("double_blink", 1.45, _double_blink, "two quick blinks"),
    Preset("nod", 2.0, _nod, "a nod down and back"),
    Preset("shake", 2.0, _shake, "shake the head (no)"),
    Preset("tilt", 2.2, _tilt, "tilt the head to one side and back"),
    Preset("smile", 2.4, _smile, "smile and relax"),
    Preset("look_around", 3.6, _look_around, "look left, then right (eyes lead the head)"),
    Preset("raise_brows", 1.9, _raise_brows, "raise the eyebrows"),
    Preset("talk", TALK_S, _talk, "random speech-like mouth movement"),
    Preset("idle", IDLE_PERIOD_S, _idle, "subtle breathing sway, blinks and smile (loopable)"),
)}


class MotionTrack:
    """Something that gives a MotionState for a time, with a duration."""

    duration_s: float

    def at(self, t: float) -> MotionState:  # pragma: no cover - interface
        raise NotImplementedError


class PresetSequence(MotionTrack):
    """Presets played one after another (each from neutral back to neutral)."""

    def __init__(self, names: Sequence[str]) -> None:
        if not names:
            raise PhotoError(f"no motion given; choose from {', '.join(PRESETS)}")
        unknown = [n for n in names if n not in PRESETS]
        if unknown:
            raise PhotoError(f"unknown motion {', '.join(map(repr, unknown))}; valid motions: "
                             f"{', '.join(PRESETS)} (comma-separated, e.g. --motion blink,nod)")
        self.presets = [PRESETS[n] for n in names]
        self.starts = np.cumsum([0.0] + [p.duration_s for p in self.presets])
        self.duration_s = float(self.starts[-1])

    def at(self, t: float) -> MotionState:
        if t <= 0.0 or t >= self.duration_s:
            return NEUTRAL
        i = int(np.searchsorted(self.starts, t, side="right")) - 1
        return self.presets[i].fn(t - float(self.starts[i])).clamped()


def parse_motion(spec: str) -> PresetSequence:
    """'blink,nod,smile' -> PresetSequence."""
    return PresetSequence([s.strip() for s in spec.split(",") if s.strip()])
