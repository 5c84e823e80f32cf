"""What the presenter does at time t, as a pure function of the script's timeline: body pose
(idle life + gestures + looks), face (expressions + visemes), and which camera shot is active.

No GL here: the renderer asks `pose_at(t)` and `shot_at(t)` for every frame, so a frame depends
only on (script, t) and any frame can be rendered on its own (deterministic output)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from assets.errors import AssetError
from avatar.gestures import ScheduledGesture, apply_gestures, blend_rotations, gesture
from avatar.idle import IdleMotion, IdleOptions
from avatar.pose_presets import pose_preset
from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg, quat_multiply
from render.script.model import Gesture, GestureKind, Look, Script
from render.script.stage import stage_at
from render.script.timeline import Timeline
from tts_bridge.viseme_table import VRMMouth

CLIP_BLEND_S = 0.3  # mocap clips ease in and out over the idle motion
LOOK_TURN_S = 0.45  # a glance to the side takes about half a second
LOOK_YAW_DEG = {"camera": 0.0, "left": 28.0, "right": -28.0}  # the avatar's own left is +yaw
# A broad smile narrows the eyes: blinking fully on top of it looks wrong (VRM overrideBlink idea).
SMILE_BLINK_DAMPING = 0.6
SHOT_NAMES = {"wide": "full", "medium": "medium", "close-up": "closeup"}
# The vowel presets give the lip shape; the jaw carries the opening, so that closed consonants
# (m, b, p) visibly shut the mouth between open vowels. Tuned on the built-in avatar by eye and by
# re-tracking rendered speech with MediaPipe: at 0.55 ordinary vowels opened the mouth too little
# for the tracker to see it open (tests/timeline/test_script_render.py).
VOWEL_SHAPE_GAIN = 0.7
JAW_FROM_OPENNESS = 0.75


def _smooth(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


@dataclass(frozen=True)
class ShotState:
    """The camera at time t: blending from shot `a` to shot `b` by `mix` (0 = a, 1 = b)."""

    a: str
    b: str
    mix: float


@dataclass(frozen=True)
class ClipGesture:
    """A mocap clip (.vmcap from `vivid track`) retargeted once onto the avatar's rig: bone
    rotations at the clip's own frame times, played from `start_s`."""

    start_s: float
    duration_s: float
    times: np.ndarray  # (F,) seconds from the clip's start
    frames: tuple[dict[str, np.ndarray], ...]  # normalized local rotations per frame

    def rotations_at(self, local_s: float) -> dict[str, np.ndarray]:
        index = int(np.clip(np.searchsorted(self.times, local_s, side="right") - 1, 0, len(self.frames) - 1))
        return self.frames[index]


def retarget_clip(path, rig, start_s: float, duration_s: float) -> ClipGesture:
    from avatar.driving.retarget import Retargeter
    from capture.mocap import load_clip

    clip = load_clip(path)
    retargeter = Retargeter(rig)
    first = clip.frames[0].timestamp_s if clip.frames else 0.0
    times, frames = [], []
    for tracking in clip.frames:
        result = retargeter.update(tracking)
        # Only the parts the clip really tracked (confidence-weighted by the retargeter's easing).
        frames.append({bone: rotation for bone, rotation in result.rotations.items()
                       if result.weights.get(result.bone_part.get(bone, ""), 1.0) > 0.5})
        times.append(tracking.timestamp_s - first)
    return ClipGesture(start_s, duration_s, np.array(times), tuple(frames))


class Performance:
    def __init__(self, script: Script, timeline: Timeline, rig=None) -> None:
        """`rig`: the avatar's humanoid rig (avatar.driving), needed only for mocap-clip gestures."""
        self.script = script
        self.timeline = timeline
        self.idle = IdleMotion(IdleOptions()) if script.idle else None
        self._rest = pose_preset("relaxed")
        self._gestures: list[ScheduledGesture] = []
        self._animations: list[tuple[float, float, str]] = []  # (start, duration, glTF animation name)
        self._clips: list[ClipGesture] = []
        self._looks: list[tuple[float, str]] = [(0.0, "camera")]
        self._visemes = timeline.viseme_track()
        self._stage_cache = None
        for timed in timeline.beats:
            beat = timed.beat
            if isinstance(beat, Gesture):
                if beat.kind is GestureKind.BUILTIN:
                    self._gestures.append(ScheduledGesture(gesture(beat.name), timed.start_s, beat.duration_s))
                elif beat.kind is GestureKind.ANIMATION:
                    self._animations.append((timed.start_s, beat.duration_s, beat.name))
                else:
                    if rig is None:
                        raise AssetError(f"{script.path}:{beat.line}: gesture {beat.name}: a mocap clip needs a "
                                         "humanoid avatar (VRM, the built-in one, or a glTF with VRM/Mixamo bone names)")
                    self._clips.append(retarget_clip(beat.path, rig, timed.start_s, beat.duration_s))
            elif isinstance(beat, Look):
                self._looks.append((timed.start_s, beat.at))

    def _stage(self, t: float):
        """`stage_at` for t, computed once per frame (pose, mouth and camera all ask for it)."""
        if self._stage_cache is None or self._stage_cache[0] != t:
            self._stage_cache = (t, stage_at(self.timeline, self.script, t))
        return self._stage_cache[1]

    # ------------------------------------------------------------------ face
    def expression_weights(self, t: float) -> dict[str, float]:
        weights: dict[str, float] = {}
        for name, weight in self._stage(t).expressions:
            weights[name] = max(weights.get(name, 0.0), weight)
        weights.pop("neutral", None)
        return weights

    def mouth_weights(self, t: float) -> dict[str, float]:
        """VRM aa/ih/ou/ee/oh (the vowel shape) plus jawOpen (how open) at t, from the lip-sync
        track of the whole video (phoneme-timed, or the audio analyser for untranscribed takes)."""
        local = np.array([t])
        vrm = self._visemes.vrm(local)[0]
        weights = {mouth.name: float(vrm[mouth]) * VOWEL_SHAPE_GAIN for mouth in VRMMouth if vrm[mouth] > 1e-3}
        weights["jawOpen"] = float(np.clip(self._visemes.openness(local)[0] * JAW_FROM_OPENNESS, 0.0, 1.0))
        return weights

    def speaking(self, t: float) -> bool:
        return self._stage(t).speaking

    # ------------------------------------------------------------------ body
    def look_yaw(self, t: float) -> float:
        previous, current_start, current = "camera", 0.0, "camera"
        for start, target in self._looks:
            if start <= t:
                previous, current_start, current = current, start, target
        mix = _smooth((t - current_start) / LOOK_TURN_S)
        return LOOK_YAW_DEG[previous] * (1 - mix) + LOOK_YAW_DEG[current] * mix

    def animations_at(self, t: float) -> list[tuple[str, float]]:
        """(glTF animation name, local time) for animation gestures playing at t."""
        return [(name, t - start) for start, duration, name in self._animations if 0 <= t - start <= duration]

    def pose_at(self, t: float) -> Pose:
        base = self.idle.pose_at(t) if self.idle is not None else self._rest
        yaw = self.look_yaw(t)
        rotations = dict(base.rotations)
        if abs(yaw) > 1e-3:  # the head turns most of the way, the eyes lead it
            look = {"head": quat_from_euler_deg(0, yaw * 0.55, 0), "neck": quat_from_euler_deg(0, yaw * 0.25, 0),
                    "leftEye": quat_from_euler_deg(0, yaw * 0.4, 0), "rightEye": quat_from_euler_deg(0, yaw * 0.4, 0)}
            rotations.update({bone: _compose(rotations.get(bone), extra) for bone, extra in look.items()})
        if self.speaking(t):  # a presenter's head moves gently with the speech
            beat = 2.5 * math.sin(t * 2 * math.pi * 1.7) * math.sin(t * 2 * math.pi * 0.31)
            rotations["head"] = _compose(rotations.get("head"), quat_from_euler_deg(beat, 0, 0))
        pose = apply_gestures(Pose(rotations=rotations, morphs=dict(base.morphs), root_offset=base.root_offset),
                              t, self._gestures)
        for clip in self._clips:
            local = t - clip.start_s
            if 0 <= local <= clip.duration_s:
                envelope = min(_smooth(local / CLIP_BLEND_S), _smooth((clip.duration_s - local) / CLIP_BLEND_S))
                pose = Pose(rotations=blend_rotations(pose.rotations, clip.rotations_at(local), envelope),
                            morphs=pose.morphs, root_offset=pose.root_offset)
        morphs = dict(pose.morphs)
        expressions = self.expression_weights(t)
        morphs.update(expressions)
        happy = expressions.get("happy", 0.0)
        if "blink" in morphs:
            morphs["blink"] *= 1.0 - SMILE_BLINK_DAMPING * happy
        mouth = self.mouth_weights(t)
        # Speech owns the mouth; a smile stays but is eased back so vowels read clearly.
        for name in ("happy", "relaxed"):
            if name in morphs and mouth:
                morphs[name] *= 0.75
        morphs.update(mouth)
        return Pose(rotations=pose.rotations, morphs=morphs, root_offset=pose.root_offset)

    # ------------------------------------------------------------------ camera
    def shot_at(self, t: float) -> ShotState:
        stage = self._stage(t)
        return ShotState(SHOT_NAMES[stage.shot_from], SHOT_NAMES[stage.shot_to], stage.move_progress)


def _compose(base: np.ndarray | None, extra: np.ndarray) -> np.ndarray:
    return extra if base is None else quat_multiply(base, extra)
