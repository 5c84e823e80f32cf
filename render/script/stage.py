"""What the stage looks like at time t: a pure function of the timing plan, for the renderer.

``stage_at(plan, script, t)`` answers, for any time (frame-rate independent):
* camera: the shot we come from, the shot we go to, and the eased progress of a smooth move
  (smoothstep; 1.0 once settled or for a cut);
* look: the current gaze target (the last ``look`` beat at or before t; ``camera`` at the start);
* expressions: (name, weight) for every expression beat in progress, weight = intensity x envelope
  (linear fade in over ``EXPRESSION_FADE_IN_S``, out over ``EXPRESSION_FADE_OUT_S``, inside its duration);
* gestures: every gesture in progress with its local time and progress 0..1;
* subtitle: the cue text showing at t, or None; speaking: whether a say beat is sounding.
"""
from __future__ import annotations

from dataclasses import dataclass

from render.script.model import Camera, Expression, Gesture, Look, Script
from render.script.timeline import Timeline

# Expression envelope inside its duration (seconds); a 0.25 s rise reads as natural, a slightly
# longer release avoids a visible "snap" back to neutral. Durations shorter than the two fades
# scale them down proportionally.
EXPRESSION_FADE_IN_S = 0.25
EXPRESSION_FADE_OUT_S = 0.35


@dataclass(frozen=True)
class ActiveGesture:
    gesture: Gesture
    local_s: float  # seconds since the gesture started
    progress: float  # local_s / duration, 0..1


@dataclass(frozen=True)
class StageState:
    t: float
    shot_from: str
    shot_to: str
    move_progress: float  # 0..1, eased; the camera is at shot_to when 1
    look: str
    expressions: tuple[tuple[str, float], ...]
    gestures: tuple[ActiveGesture, ...]
    subtitle: str | None
    speaking: bool


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _envelope(local: float, duration: float) -> float:
    fade_in, fade_out = EXPRESSION_FADE_IN_S, EXPRESSION_FADE_OUT_S
    if fade_in + fade_out > duration:
        scale = duration / (fade_in + fade_out)
        fade_in, fade_out = fade_in * scale, fade_out * scale
    rise = local / fade_in if fade_in > 0 else 1.0
    fall = (duration - local) / fade_out if fade_out > 0 else 1.0
    return min(max(min(rise, fall, 1.0), 0.0), 1.0)


def stage_at(plan: Timeline, script: Script, t: float) -> StageState:
    shot_from = shot_to = script.camera_shot
    progress = 1.0
    look = "camera"
    expressions: list[tuple[str, float]] = []
    gestures: list[ActiveGesture] = []
    speaking = False
    for tb in plan.beats:
        if tb.start_s > t:
            break
        beat = tb.beat
        if isinstance(beat, Camera):
            shot_from = shot_to  # a new move starts from the previous target
            shot_to = beat.shot
            if beat.move == "smooth" and beat.duration_s > 0:
                progress = _smoothstep((t - tb.start_s) / beat.duration_s)
            else:
                shot_from, progress = beat.shot, 1.0
        elif isinstance(beat, Look):
            look = beat.at
        elif isinstance(beat, Expression) and t < tb.end_s:
            weight = beat.intensity * _envelope(t - tb.start_s, beat.duration_s)
            if weight > 0:
                expressions.append((beat.name, weight))
        elif isinstance(beat, Gesture) and t < tb.end_s:
            local = t - tb.start_s
            gestures.append(ActiveGesture(beat, local, local / beat.duration_s))
        elif tb.speech is not None and t < tb.end_s:
            speaking = True
    subtitle = next((c.text for c in plan.cues if c.start_s <= t < c.end_s), None)
    return StageState(t, shot_from, shot_to, progress, look, tuple(expressions), tuple(gestures), subtitle, speaking)
