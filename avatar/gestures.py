"""Built-in gesture clips (wave, nod, point, ...) as pure functions of time, and pose blending.

A gesture gives bone rotations (deltas on a T-pose rest, VRM bone names, like `avatar.idle`) at
normalized time u in [0, 1]; `GesturePlayer` eases it in and out over the idle motion so the
presenter never snaps. Left/right are the avatar's own (its left arm is +X when facing +Z)."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assets.errors import AssetError
from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg

Rotations = dict[str, np.ndarray]

# Arms relaxed at the sides, as in idle (upper arm 68 deg below the T-pose, elbows slightly bent).
_ARM_DOWN = 68.0


def _ease(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def _wave(u: float) -> Rotations:
    swing = 20.0 * math.sin(u * 2 * math.pi * 3.0)  # three waves of the forearm
    return {
        "rightUpperArm": quat_from_euler_deg(0, 20, -25),  # out to the side, a little forward and up
        "rightLowerArm": quat_from_euler_deg(0, 0, -95 + swing),  # forearm up, swinging
        "rightHand": quat_from_euler_deg(0, 0, swing * 0.3),
        "head": quat_from_euler_deg(0, -6, 5),
    }


_RIGHT_FINGERS = [f"right{f}{j}" for f in ("Index", "Middle", "Ring", "Little")
                  for j in ("Proximal", "Intermediate", "Distal")]


def _thumbs_up(u: float) -> Rotations:
    out = {
        "rightUpperArm": quat_from_euler_deg(0, 35, _ARM_DOWN - 10),
        "rightLowerArm": quat_from_euler_deg(0, 95, 0),  # forearm forward
        "rightHand": quat_from_euler_deg(90, 0, 0),  # palm turned in, so the thumb points up
        "head": quat_from_euler_deg(-3, -5, 0),
    }
    out.update({bone: quat_from_euler_deg(0, 0, 80) for bone in _RIGHT_FINGERS})  # a fist
    return out


def _nod(u: float) -> Rotations:
    pitch = 14.0 * math.sin(u * 2 * math.pi * 2.0) * (1 - u * 0.3)
    return {"head": quat_from_euler_deg(max(pitch, -4), 0, 0), "neck": quat_from_euler_deg(pitch * 0.3, 0, 0)}


def _shake(u: float) -> Rotations:
    yaw = 18.0 * math.sin(u * 2 * math.pi * 2.5)
    return {"head": quat_from_euler_deg(0, yaw, 0), "neck": quat_from_euler_deg(0, yaw * 0.3, 0)}


def _point(u: float) -> Rotations:
    return {
        "rightUpperArm": quat_from_euler_deg(0, 55, 10),
        "rightLowerArm": quat_from_euler_deg(0, 10, 0),
        "head": quat_from_euler_deg(0, -12, 0),
        "spine": quat_from_euler_deg(0, -6, 0),
    }


def _open_palms(u: float) -> Rotations:
    spread = 6.0 * math.sin(u * math.pi)
    return {
        "leftUpperArm": quat_from_euler_deg(0, 0, -(_ARM_DOWN - 18 - spread)),
        "rightUpperArm": quat_from_euler_deg(0, 0, _ARM_DOWN - 18 - spread),
        "leftLowerArm": quat_from_euler_deg(-70, -70, 0),
        "rightLowerArm": quat_from_euler_deg(-70, 70, 0),
        "head": quat_from_euler_deg(-4, 0, 0),
    }


def _shrug(u: float) -> Rotations:
    up = math.sin(u * math.pi)
    return {
        "leftShoulder": quat_from_euler_deg(0, 0, 14 * up),
        "rightShoulder": quat_from_euler_deg(0, 0, -14 * up),
        "leftUpperArm": quat_from_euler_deg(0, 0, -(_ARM_DOWN - 8)),
        "rightUpperArm": quat_from_euler_deg(0, 0, _ARM_DOWN - 8),
        "leftLowerArm": quat_from_euler_deg(-60, -60, 0),
        "rightLowerArm": quat_from_euler_deg(-60, 60, 0),
        "head": quat_from_euler_deg(0, 0, 8 * up),
    }


def _bow(u: float) -> Rotations:
    down = 22.0 * math.sin(u * math.pi)
    return {"spine": quat_from_euler_deg(down * 0.5, 0, 0), "chest": quat_from_euler_deg(down * 0.3, 0, 0),
            "head": quat_from_euler_deg(down * 0.4, 0, 0)}


def _think(u: float) -> Rotations:
    return {
        "rightUpperArm": quat_from_euler_deg(0, 30, _ARM_DOWN - 25),
        "rightLowerArm": quat_from_euler_deg(0, 135, 0),
        "head": quat_from_euler_deg(6, 8, 6),
    }


@dataclass(frozen=True)
class Gesture:
    name: str
    duration_s: float
    motion: Callable[[float], Rotations]
    description: str


GESTURES: dict[str, Gesture] = {g.name: g for g in (
    Gesture("wave", 2.2, _wave, "raise the right hand and wave"),
    Gesture("nod", 1.4, _nod, "nod twice"),
    Gesture("shake", 1.6, _shake, "shake the head"),
    Gesture("point", 1.8, _point, "point to the side with the right hand"),
    Gesture("open_palms", 2.0, _open_palms, "both hands forward, palms open"),
    Gesture("shrug", 1.6, _shrug, "shrug the shoulders"),
    Gesture("bow", 2.0, _bow, "a small bow"),
    Gesture("thumbs_up", 1.8, _thumbs_up, "a thumbs up with the right hand"),
    Gesture("think", 2.5, _think, "hand to the chin, head tilted"),
)}


def gesture(name: str) -> Gesture:
    try:
        return GESTURES[name]
    except KeyError:
        raise AssetError(f"unknown gesture '{name}'; choose one of {', '.join(sorted(GESTURES))}") from None


def slerp(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    dot = float(np.dot(a, b))
    if dot < 0:
        b, dot = -b, -dot
    if dot > 0.9995:
        out = a + (b - a) * w
    else:
        theta = math.acos(dot)
        out = (math.sin((1 - w) * theta) * a + math.sin(w * theta) * b) / math.sin(theta)
    return (out / np.linalg.norm(out)).astype(np.float32)


def blend_rotations(base: Rotations, over: Rotations, weight: float) -> Rotations:
    """`over` blended onto `base` with `weight` in [0, 1]; bones only in `base` stay as they are."""
    if weight <= 0:
        return dict(base)
    identity = np.array([0, 0, 0, 1], np.float32)
    out = dict(base)
    for bone, rotation in over.items():
        out[bone] = slerp(base.get(bone, identity), rotation, weight)
    return out


@dataclass(frozen=True)
class ScheduledGesture:
    gesture: Gesture
    start_s: float
    duration_s: float
    blend_s: float = 0.35  # ease in and out over this long


def apply_gestures(pose: Pose, t: float, scheduled: list[ScheduledGesture]) -> Pose:
    """The pose at time t with every gesture active at t eased in over it."""
    rotations = pose.rotations
    for item in scheduled:
        local = t - item.start_s
        if local < 0 or local > item.duration_s:
            continue
        envelope = min(_ease(local / item.blend_s), _ease((item.duration_s - local) / item.blend_s))
        rotations = blend_rotations(rotations, item.gesture.motion(local / item.duration_s), envelope)
    return Pose(rotations=rotations, morphs=pose.morphs, root_offset=pose.root_offset)
