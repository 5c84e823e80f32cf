"""Triggers: conditions on blendshapes, head motion, hands, timers and taps, with thresholds,
hysteresis and hold times; their actions change layers (start/stop/toggle, particle bursts,
variants) or ask for a sound. Time-driven: every update takes the frame's timestamp_s.

A condition produces a score each frame. It becomes active when the score stays >= `on` for
`hold_s` seconds, and inactive when the score falls to <= `off` (off < on: no chatter while the
score wanders inside the band). Actions run on activation, `on_release` actions on deactivation.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from capture.types import BLENDSHAPE_NAMES, Blendshape as B, HandLandmark as H, Tracking
from effects.blow import BlowDetector
from effects.landmarks import head_angles_deg


@dataclass(frozen=True)
class GestureRule:
    """A named gesture: score source and default thresholds (score units, see each rule)."""

    on: float
    off: float
    note: str


# Thresholds: blendshape scores are MediaPipe's 0..1; picked from the talking-face and
# expressions videos in ../shared/data/video (observed ranges: jawOpen 0.002-0.86 while
# talking; eyeBlink ~0.05-0.2 open, 0.4-0.8 closed) and checked by tests/effects/test_triggers.py.
GESTURES: dict[str, GestureRule] = {
    "mouth_open": GestureRule(0.35, 0.20, "jawOpen"),
    "blink": GestureRule(0.45, 0.30, "min(eyeBlinkLeft, eyeBlinkRight)"),
    "wink_left": GestureRule(0.35, 0.15, "eyeBlinkLeft - eyeBlinkRight"),
    "wink_right": GestureRule(0.35, 0.15, "eyeBlinkRight - eyeBlinkLeft"),
    "smile": GestureRule(0.50, 0.30, "mean(mouthSmileLeft, mouthSmileRight)"),
    "kiss": GestureRule(0.50, 0.30, "mouthPucker"),
    # Blow = pursed lips AND puffed cheeks. MediaPipe's cheekPuff stays ~0 on real faces, so the
    # puff is measured from the landmarks (effects/blow.py); median over 0.09 s.
    "blow": GestureRule(1.00, 0.70, "min((max(mouthPucker, mouthFunnel) - smile)/0.5, "
                                    "max(cheek widening over the relaxed face/2.5 %, cheekPuff/0.3))"),
    "brows_raised": GestureRule(0.50, 0.30, "browInnerUp"),
    # Nod / shake: peak-to-peak head pitch / yaw (degrees) over the last HEAD_WINDOW_S, divided
    # by 12 degrees (a deliberate nod is 15-30 degrees; talking moves the head ~5).
    "nod": GestureRule(1.00, 0.60, "pitch range / 12 deg (yaw steadier than pitch)"),
    "shake": GestureRule(1.00, 0.60, "yaw range / 12 deg (pitch steadier than yaw)"),
    "hand_visible": GestureRule(0.50, 0.50, "1 when a hand is tracked"),
    # Hand poses from finger extension (see finger_states); binary scores, use hold_s to debounce.
    "open_palm": GestureRule(0.50, 0.50, "4 fingers extended"),
    "fist": GestureRule(0.50, 0.50, "no finger extended"),
    "victory": GestureRule(0.50, 0.50, "index and middle extended only"),
    "pointing": GestureRule(0.50, 0.50, "index extended only"),
    "thumbs_up": GestureRule(0.50, 0.50, "thumb extended upwards, fingers folded"),
}
HAND_GESTURES = ("open_palm", "fist", "victory", "pointing", "thumbs_up")
# A finger is extended when its tip is this much farther from the wrist than its middle joint
# (PIP); folded fingers put the tip closer to the wrist than the PIP (ratio < 1).
FINGER_EXTENDED_RATIO = 1.15
THUMB_EXTENDED_RATIO = 1.3  # thumb tip vs thumb IP distance to the index knuckle
HEAD_WINDOW_S = 1.0
HEAD_RANGE_DEG = 12.0


@dataclass(frozen=True)
class TriggerEvent:
    trigger: str
    time_s: float
    edge: str  # "start" or "end"
    score: float


def _bs(tracking: Tracking, name: B) -> float:
    face = tracking.face
    if face is None:
        return 0.0
    v = float(face.blendshapes[name])
    return 0.0 if math.isnan(v) else v


class HeadMotion:
    """Keeps (t, pitch, yaw) over HEAD_WINDOW_S for nod/shake."""

    def __init__(self) -> None:
        self.samples: deque[tuple[float, float, float]] = deque()

    def update(self, tracking: Tracking) -> None:
        face = tracking.face
        t = tracking.timestamp_s
        if face is not None and not np.isnan(face.head_matrix).any():
            pitch, yaw, _ = head_angles_deg(face.head_matrix)
            self.samples.append((t, pitch, yaw))
        while self.samples and self.samples[0][0] < t - HEAD_WINDOW_S:
            self.samples.popleft()

    def ranges(self) -> tuple[float, float]:
        if len(self.samples) < 3:
            return 0.0, 0.0
        a = np.array(self.samples)
        return float(np.ptp(a[:, 1])), float(np.ptp(a[:, 2]))


def finger_states(landmarks: np.ndarray) -> tuple[bool, bool, bool, bool, bool]:
    """(thumb, index, middle, ring, pinky) extended, from 21 hand landmarks (x, y[, z])."""
    pts = np.asarray(landmarks, np.float64)[:, :2]
    wrist = pts[H.WRIST]
    fingers = []
    for tip, pip in ((H.INDEX_FINGER_TIP, H.INDEX_FINGER_PIP), (H.MIDDLE_FINGER_TIP, H.MIDDLE_FINGER_PIP),
                     (H.RING_FINGER_TIP, H.RING_FINGER_PIP), (H.PINKY_TIP, H.PINKY_PIP)):
        fingers.append(np.linalg.norm(pts[tip] - wrist) > FINGER_EXTENDED_RATIO * np.linalg.norm(pts[pip] - wrist))
    knuckle = pts[H.INDEX_FINGER_MCP]
    thumb = np.linalg.norm(pts[H.THUMB_TIP] - knuckle) > THUMB_EXTENDED_RATIO * np.linalg.norm(pts[H.THUMB_IP] - knuckle)
    return (bool(thumb), *fingers)  # type: ignore[return-value]


def hand_pose_score(name: str, tracking: Tracking) -> float:
    for hand in tracking.hands:
        thumb, index, middle, ring, pinky = finger_states(hand.landmarks)
        four = (index, middle, ring, pinky)
        hit = {"open_palm": all(four), "fist": not any(four) and not thumb,
               "victory": index and middle and not ring and not pinky,
               "pointing": index and not middle and not ring and not pinky,
               "thumbs_up": thumb and not any(four)
               and hand.landmarks[H.THUMB_TIP][1] < hand.landmarks[H.THUMB_MCP][1]}[name]
        if hit:
            return 1.0
    return 0.0


def gesture_score(name: str, tracking: Tracking, head: HeadMotion, blow: BlowDetector) -> float:
    if name == "mouth_open":
        return _bs(tracking, B.JAW_OPEN)
    if name == "blink":
        return min(_bs(tracking, B.EYE_BLINK_LEFT), _bs(tracking, B.EYE_BLINK_RIGHT))
    if name == "wink_left":
        return _bs(tracking, B.EYE_BLINK_LEFT) - _bs(tracking, B.EYE_BLINK_RIGHT)
    if name == "wink_right":
        return _bs(tracking, B.EYE_BLINK_RIGHT) - _bs(tracking, B.EYE_BLINK_LEFT)
    if name == "smile":
        return 0.5 * (_bs(tracking, B.MOUTH_SMILE_LEFT) + _bs(tracking, B.MOUTH_SMILE_RIGHT))
    if name == "kiss":
        return _bs(tracking, B.MOUTH_PUCKER)
    if name == "blow":
        return blow.score()
    if name == "brows_raised":
        return _bs(tracking, B.BROW_INNER_UP)
    if name in ("nod", "shake"):
        pitch_range, yaw_range = head.ranges()
        main, other = (pitch_range, yaw_range) if name == "nod" else (yaw_range, pitch_range)
        return main / HEAD_RANGE_DEG if main > other else 0.0
    if name == "hand_visible":
        return 1.0 if tracking.hands else 0.0
    if name in HAND_GESTURES:
        return hand_pose_score(name, tracking)
    raise KeyError(f"unknown gesture '{name}'; choose one of {', '.join(GESTURES)}")


@dataclass
class Trigger:
    """One trigger from effect.json, with its hysteresis state."""

    id: str
    when: dict
    hold_s: float = 0.0
    cooldown_s: float = 0.0
    actions: list[dict] = field(default_factory=list)
    on_release: list[dict] = field(default_factory=list)
    active: bool = False
    score: float = 0.0
    _above_since: float | None = None
    _last_fire: float = -math.inf
    _timer_count: int = 0
    _tapped: bool = False

    @classmethod
    def from_json(cls, index: int, data: dict) -> "Trigger":
        return cls(id=data.get("id", f"trigger_{index}"), when=data["when"], hold_s=data.get("hold_s", 0.0),
                   cooldown_s=data.get("cooldown_s", 0.0), actions=list(data.get("actions", [])),
                   on_release=list(data.get("on_release", [])))

    def thresholds(self) -> tuple[float, float]:
        w = self.when
        if "gesture" in w:
            rule = GESTURES[w["gesture"]]
            on = w.get("on", rule.on)
            return on, w.get("off", min(rule.off, on))
        on = w.get("on", 0.5)
        return on, w.get("off", on * 0.7)

    def update(self, tracking: Tracking, head: HeadMotion, blow: BlowDetector) -> list[TriggerEvent]:
        t = tracking.timestamp_s
        w = self.when
        if "timer_s" in w:  # fires once per period, time-driven
            count = int(t // w["timer_s"])
            if count > self._timer_count:
                self._timer_count = count
                return [TriggerEvent(self.id, t, "start", 1.0)]
            return []
        if "tap" in w:
            if self._tapped:
                self._tapped = False
                return [TriggerEvent(self.id, t, "start", 1.0)]
            return []
        if "gesture" in w:
            self.score = gesture_score(w["gesture"], tracking, head, blow)
        else:
            self.score = _bs(tracking, B(BLENDSHAPE_NAMES.index(w["blendshape"])))
        on, off = self.thresholds()
        events = []
        if not self.active:
            if self.score >= on:
                if self._above_since is None:
                    self._above_since = t
                if t - self._above_since >= self.hold_s and t - self._last_fire >= self.cooldown_s:
                    self.active = True
                    self._last_fire = t
                    events.append(TriggerEvent(self.id, t, "start", self.score))
            elif self.score <= off or self.hold_s > 0:
                self._above_since = None
        elif self.score <= off:
            self.active = False
            self._above_since = None
            events.append(TriggerEvent(self.id, t, "end", self.score))
        return events

    def tap(self) -> None:
        if "tap" in self.when:
            self._tapped = True


class TriggerSet:
    """All triggers of a package; `update` returns this frame's events in trigger order."""

    def __init__(self, triggers: list[dict]) -> None:
        self.triggers = [Trigger.from_json(i, d) for i, d in enumerate(triggers)]
        self.head = HeadMotion()
        self.blow = BlowDetector()

    def update(self, tracking: Tracking) -> list[tuple[Trigger, TriggerEvent]]:
        self.head.update(tracking)
        self.blow.update(tracking)
        out = []
        for trig in self.triggers:
            for ev in trig.update(tracking, self.head, self.blow):
                out.append((trig, ev))
        return out

    def tap(self) -> None:
        for trig in self.triggers:
            trig.tap()
