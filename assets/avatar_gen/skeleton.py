"""The humanoid skeleton: VRM 1.0 bone names, parents and rest positions (T-pose, facing +Z).

Rest rotations are identity, so every bone's local translation is its head position minus
its parent's: the normalized VRM rig equals this raw rig. Left = +X (the avatar's left).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bone:
    name: str
    parent: str | None
    head: tuple[float, float, float]  # world rest position, metres


# Proportions: ~1.6 m tall, a stylized ~6.6-heads figure (head 0.245 m) in T-pose.
HIP_Y = 0.86
HEAD_CENTRE = (0.0, 1.475, 0.012)  # centre of the skull ellipsoid (head.py builds around it)
JAW_PIVOT_BUILD = (0.0, 1.430, 0.000)  # where jawOpen rotates the lower face (and the jaw bone sits)
# The face and hair are modelled at "build" size, then scaled about the head bone and dropped a
# little: a bigger head and a shorter neck read as friendlier, more anime proportions.
HEAD_SCALE = 1.10
HEAD_PIVOT = (0.0, 1.392, 0.0)
HEAD_DROP = 0.018
EYE_CENTRE_L = (0.0335, 1.467, 0.0840)
SHOULDER_Y = 1.285
HAND_X = 0.655
FINGER_SPEC = {
    # name: (base offset from hand bone (x, y, z), segment lengths, splay about Y in degrees)
    "Index": ((0.088, 0.0, 0.022), (0.031, 0.020, 0.017), 4.0),
    "Middle": ((0.090, 0.0, 0.0035), (0.034, 0.022, 0.018), 0.0),
    "Ring": ((0.086, 0.0, -0.0145), (0.032, 0.021, 0.017), -4.0),
    "Little": ((0.078, -0.002, -0.031), (0.025, 0.016, 0.015), -9.0),
}
THUMB_BASE = (0.024, -0.012, 0.022)
THUMB_LENGTHS = (0.032, 0.026, 0.022)
THUMB_DIR = (0.78, -0.22, 0.58)  # in T-pose the thumb points forward and out


def head_to_final(p: np.ndarray) -> np.ndarray:
    """Build-space face/hair coordinates -> final avatar coordinates (uniform scale + drop)."""
    pivot = np.array(HEAD_PIVOT)
    return pivot + (np.asarray(p, dtype=np.float64) - pivot) * HEAD_SCALE - np.array([0.0, HEAD_DROP, 0.0])


def _final(p) -> tuple[float, float, float]:
    return tuple(float(round(v, 6)) for v in head_to_final(np.array(p)))


def _side(x: float, side: str) -> float:
    return x if side == "left" else -x


def _arm_bones(side: str) -> list[Bone]:
    s = side
    p = "left" if s == "left" else "right"
    bones = [
        Bone(f"{p}Shoulder", "upperChest", (_side(0.028, s), 1.262, -0.012)),
        Bone(f"{p}UpperArm", f"{p}Shoulder", (_side(0.165, s), SHOULDER_Y, -0.018)),
        Bone(f"{p}LowerArm", f"{p}UpperArm", (_side(0.415, s), SHOULDER_Y, -0.022)),
        Bone(f"{p}Hand", f"{p}LowerArm", (_side(HAND_X, s), SHOULDER_Y, -0.018)),
    ]
    hand = np.array([_side(HAND_X, s), SHOULDER_Y, -0.018])
    direction = np.array(THUMB_DIR) / np.linalg.norm(THUMB_DIR)
    direction[0] = _side(direction[0], s)
    base = hand + np.array([_side(THUMB_BASE[0], s), THUMB_BASE[1], THUMB_BASE[2]])
    parent = f"{p}Hand"
    for joint, length in zip(("Metacarpal", "Proximal", "Distal"), THUMB_LENGTHS):
        name = f"{p}Thumb{joint}"
        bones.append(Bone(name, parent, tuple(float(v) for v in base)))
        base = base + direction * length
        parent = name
    for finger, (offset, lengths, splay) in FINGER_SPEC.items():
        a = np.radians(splay)
        direction = np.array([np.cos(a), 0.0, np.sin(a)])
        direction[0] = _side(direction[0], s)
        base = hand + np.array([_side(offset[0], s), offset[1], offset[2]])
        parent = f"{p}Hand"
        for joint, length in zip(("Proximal", "Intermediate", "Distal"), lengths):
            name = f"{p}{finger}{joint}"
            bones.append(Bone(name, parent, tuple(float(v) for v in base)))
            base = base + direction * length
            parent = name
    return bones


def _leg_bones(side: str) -> list[Bone]:
    p = "left" if side == "left" else "right"
    x = _side(0.088, side)
    return [
        Bone(f"{p}UpperLeg", "hips", (x, 0.815, 0.0)),
        Bone(f"{p}LowerLeg", f"{p}UpperLeg", (x * 0.97, 0.455, 0.004)),
        Bone(f"{p}Foot", f"{p}LowerLeg", (x * 0.95, 0.085, -0.012)),
        Bone(f"{p}Toes", f"{p}Foot", (x * 0.95, 0.018, 0.105)),
    ]


def _build() -> tuple[Bone, ...]:
    bones = [
        Bone("hips", None, (0.0, HIP_Y, 0.0)),
        Bone("spine", "hips", (0.0, 0.955, -0.004)),
        Bone("chest", "spine", (0.0, 1.075, -0.008)),
        Bone("upperChest", "chest", (0.0, 1.175, -0.010)),
        Bone("neck", "upperChest", (0.0, 1.318, -0.012)),
        Bone("head", "neck", _final((0.0, 1.392, -0.004))),
        Bone("leftEye", "head", _final(EYE_CENTRE_L)),
        Bone("rightEye", "head", _final((-EYE_CENTRE_L[0], EYE_CENTRE_L[1], EYE_CENTRE_L[2]))),
        Bone("jaw", "head", _final(JAW_PIVOT_BUILD)),
    ]
    bones += _arm_bones("left") + _arm_bones("right") + _leg_bones("left") + _leg_bones("right")
    return tuple(bones)


BONES: tuple[Bone, ...] = _build()
BONE_INDEX: dict[str, int] = {b.name: i for i, b in enumerate(BONES)}


def bone_head(name: str) -> np.ndarray:
    return np.array(BONES[BONE_INDEX[name]].head, dtype=np.float64)


def children(name: str) -> list[str]:
    return [b.name for b in BONES if b.parent == name]
