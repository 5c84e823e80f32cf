"""VMC protocol addresses (https://protocol.vmc.info/english) and ARKit name lookup."""
from __future__ import annotations

from capture.types import BLENDSHAPE_NAMES

DEFAULT_PORT = 39539  # the VMC "performer -> marionette" default port
LOOPBACK = "127.0.0.1"

ADDR_OK = "/VMC/Ext/OK"  # (loaded: int[, calibration state, mode, tracking status])
ADDR_TIME = "/VMC/Ext/T"  # (time: float seconds)
ADDR_ROOT = "/VMC/Ext/Root/Pos"  # (name, px, py, pz, qx, qy, qz, qw[, scale..., offset...])
ADDR_BONE = "/VMC/Ext/Bone/Pos"  # (name, px, py, pz, qx, qy, qz, qw)
ADDR_BLEND_VAL = "/VMC/Ext/Blend/Val"  # (name, value)
ADDR_BLEND_APPLY = "/VMC/Ext/Blend/Apply"  # () commit the values sent since the last Apply

# Senders spell ARKit names differently (eyeBlinkLeft, EyeBlinkLeft, eyeblinkleft); match
# case-insensitively. "_neutral" is not an ARKit shape and is never sent.
ARKIT_INDEX: dict[str, int] = {name.lower(): i for i, name in enumerate(BLENDSHAPE_NAMES)
                               if not name.startswith("_")}

# Unity HumanBodyBones names a VMC sender may use for bones.
UNITY_BONES: tuple[str, ...] = (
    "Hips", "LeftUpperLeg", "RightUpperLeg", "LeftLowerLeg", "RightLowerLeg", "LeftFoot",
    "RightFoot", "Spine", "Chest", "UpperChest", "Neck", "Head", "LeftShoulder",
    "RightShoulder", "LeftUpperArm", "RightUpperArm", "LeftLowerArm", "RightLowerArm",
    "LeftHand", "RightHand", "LeftToes", "RightToes", "LeftEye", "RightEye", "Jaw",
    "LeftThumbProximal", "LeftThumbIntermediate", "LeftThumbDistal", "LeftIndexProximal",
    "LeftIndexIntermediate", "LeftIndexDistal", "LeftMiddleProximal", "LeftMiddleIntermediate",
    "LeftMiddleDistal", "LeftRingProximal", "LeftRingIntermediate", "LeftRingDistal",
    "LeftLittleProximal", "LeftLittleIntermediate", "LeftLittleDistal", "RightThumbProximal",
    "RightThumbIntermediate", "RightThumbDistal", "RightIndexProximal",
    "RightIndexIntermediate", "RightIndexDistal", "RightMiddleProximal",
    "RightMiddleIntermediate", "RightMiddleDistal", "RightRingProximal",
    "RightRingIntermediate", "RightRingDistal", "RightLittleProximal",
    "RightLittleIntermediate", "RightLittleDistal",
)
