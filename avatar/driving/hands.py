"""Hand retargeting: wrist orientation and every finger joint (curl and spread together) from
MediaPipe hand world landmarks, bone by bone against the avatar's rest pose."""
from __future__ import annotations

import numpy as np

from avatar.driving.qmath import qclamp, vlen, qfrom_frames, qfrom_to, qinv, qmul, qnorm, qrot
from avatar.driving.rig import HumanoidRig
from capture.types import HandLandmark as H

# bone suffix -> (landmark at the bone, landmark at its child)
FINGER_SEGMENTS: dict[str, tuple[int, int]] = {
    "ThumbMetacarpal": (H.THUMB_CMC, H.THUMB_MCP), "ThumbProximal": (H.THUMB_MCP, H.THUMB_IP),
    "ThumbDistal": (H.THUMB_IP, H.THUMB_TIP),
    "IndexProximal": (H.INDEX_FINGER_MCP, H.INDEX_FINGER_PIP),
    "IndexIntermediate": (H.INDEX_FINGER_PIP, H.INDEX_FINGER_DIP),
    "IndexDistal": (H.INDEX_FINGER_DIP, H.INDEX_FINGER_TIP),
    "MiddleProximal": (H.MIDDLE_FINGER_MCP, H.MIDDLE_FINGER_PIP),
    "MiddleIntermediate": (H.MIDDLE_FINGER_PIP, H.MIDDLE_FINGER_DIP),
    "MiddleDistal": (H.MIDDLE_FINGER_DIP, H.MIDDLE_FINGER_TIP),
    "RingProximal": (H.RING_FINGER_MCP, H.RING_FINGER_PIP),
    "RingIntermediate": (H.RING_FINGER_PIP, H.RING_FINGER_DIP),
    "RingDistal": (H.RING_FINGER_DIP, H.RING_FINGER_TIP),
    "LittleProximal": (H.PINKY_MCP, H.PINKY_PIP), "LittleIntermediate": (H.PINKY_PIP, H.PINKY_DIP),
    "LittleDistal": (H.PINKY_DIP, H.PINKY_TIP),
}
FINGER_CHAINS = (("ThumbMetacarpal", "ThumbProximal", "ThumbDistal"),
                 *((f"{f}Proximal", f"{f}Intermediate", f"{f}Distal") for f in ("Index", "Middle", "Ring", "Little")))
FINGER_MAX_DEG = 110.0  # no finger joint bends further than this (anatomical range ~90-100 deg)


def finger_rest_direction(rig: HumanoidRig, side: str, chain: tuple[str, ...], k: int) -> np.ndarray | None:
    """Rest direction of chain[k]: toward the next bone; the last bone continues its parent's."""
    names = [f"{side}{b}" for b in chain]
    if not all(rig.has(n) for n in names[: k + 1]):
        return None
    if k + 1 < len(names) and rig.has(names[k + 1]):
        d = rig.bones[names[k + 1]].rest_position - rig.bones[names[k]].rest_position
    elif k > 0:
        d = rig.bones[names[k]].rest_position - rig.bones[names[k - 1]].rest_position
    else:
        return None
    n = vlen(d)
    return d / n if n > 1e-9 else None


def hand_rest_frame(rig: HumanoidRig, side: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(wrist -> middle knuckle, little knuckle -> index knuckle) at rest, or None if missing."""
    need = [f"{side}{b}" for b in ("Hand", "MiddleProximal", "IndexProximal", "LittleProximal")]
    if not all(rig.has(n) for n in need):
        return None
    p = {n: rig.bones[n].rest_position for n in need}
    return p[need[1]] - p[need[0]], p[need[2]] - p[need[3]]


def hand_world_rotation(rig: HumanoidRig, side: str, points: np.ndarray) -> np.ndarray | None:
    """The hand's world rotation (normalized rig) from 21 landmarks in the model frame."""
    rest = hand_rest_frame(rig, side)
    if rest is None:
        return None
    forward = points[H.MIDDLE_FINGER_MCP] - points[H.WRIST]
    across = points[H.INDEX_FINGER_MCP] - points[H.PINKY_MCP]
    return qfrom_frames(rest[0], rest[1], forward, across)


def finger_rotations(rig: HumanoidRig, side: str, points: np.ndarray, hand_world: np.ndarray) -> dict[str, np.ndarray]:
    """Normalized local rotations of every finger bone, from landmarks in the model frame and the
    hand's world rotation computed from the same landmarks."""
    out: dict[str, np.ndarray] = {}
    limit = np.radians(FINGER_MAX_DEG)
    for chain in FINGER_CHAINS:
        parent_world = hand_world
        for k, bone in enumerate(chain):
            rest_dir = finger_rest_direction(rig, side, chain, k)
            if rest_dir is None:
                break
            a, b = FINGER_SEGMENTS[bone]
            target = points[b] - points[a]
            if vlen(target) < 1e-9:
                break
            swing = qfrom_to(qrot(parent_world, rest_dir), target)
            local = qclamp(qnorm(qmul(qinv(parent_world), qmul(swing, parent_world))), limit)
            out[f"{side}{bone}"] = local
            parent_world = qnorm(qmul(parent_world, local))
    return out

