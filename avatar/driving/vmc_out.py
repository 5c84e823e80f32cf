"""Driven avatar -> VMC (one OSC bundle per frame through capture/vmc): humanoid bones as Unity
HumanBodyBones names with normalized-rig local rotations (T-pose rest, the frame VMC receivers
expect, so VRM 0.x and 1.0 senders look the same), blendshapes with VRM 0.x clip names."""
from __future__ import annotations

import numpy as np

from avatar.driving.driver import DrivenFrame
from avatar.driving.qmath import IDENTITY
from avatar.driving.rig import HumanoidRig

# VRM 1.0 thumb names -> Unity's (Unity calls the metacarpal "Proximal").
_THUMB = {"ThumbMetacarpal": "ThumbProximal", "ThumbProximal": "ThumbIntermediate", "ThumbDistal": "ThumbDistal"}
VRM0_CLIP_NAMES = {"aa": "A", "ih": "I", "ou": "U", "ee": "E", "oh": "O", "blink": "Blink",
                   "blinkLeft": "Blink_L", "blinkRight": "Blink_R", "happy": "Joy", "angry": "Angry",
                   "sad": "Sorrow", "relaxed": "Fun", "surprised": "Surprised", "neutral": "Neutral",
                   "lookUp": "LookUp", "lookDown": "LookDown", "lookLeft": "LookLeft", "lookRight": "LookRight"}


def unity_bone_name(bone: str) -> str:
    for vrm, unity in _THUMB.items():
        if bone.endswith(vrm):
            bone = bone[: -len(vrm)] + unity
            break
    return bone[0].upper() + bone[1:]


def vmc_bones(rig: HumanoidRig, frame: DrivenFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Unity bone name -> (local position offset from the parent bone, local rotation), glTF frame."""
    out = {}
    for name, bone in rig.bones.items():
        parent = rig.bones.get(bone.parent) if bone.parent else None
        offset = bone.rest_position - (parent.rest_position if parent is not None else 0.0)
        q = np.asarray(frame.pose.rotations.get(name, IDENTITY), np.float64)
        out[unity_bone_name(name)] = (offset.astype(np.float64), q)
    return out


def vmc_blendshapes(frame: DrivenFrame) -> dict[str, float]:
    return {VRM0_CLIP_NAMES.get(n, n): float(v) for n, v in frame.pose.morphs.items()}
