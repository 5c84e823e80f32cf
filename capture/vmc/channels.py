"""Which parts of a frame a VMC sender sends. Receivers often combine several trackers (a phone for
the face, a webcam for the hands, a full-body tracker): each sender sends only the parts it
tracks best, and the others keep theirs (XR Animator users asked for exactly this).

Channels, by Unity HumanBodyBones name:
- root:  /VMC/Ext/Root/Pos (where the avatar stands)
- body:  hips, spine, chest, shoulders, arms (upper and lower), legs, feet, toes
- head:  neck, head and jaw
- eyes:  left and right eye bones
- hands: hands and every finger bone
- face:  blendshapes (/VMC/Ext/Blend/Val)
"""
from __future__ import annotations

from typing import Mapping, TypeVar

from assets.errors import VividError

CHANNELS = ("root", "body", "head", "eyes", "hands", "face")
ALL_CHANNELS = frozenset(CHANNELS)
_FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")

T = TypeVar("T")


def bone_channel(unity_bone: str) -> str:
    """The channel a Unity HumanBodyBones name belongs to."""
    if unity_bone in ("Neck", "Head", "Jaw"):
        return "head"
    if unity_bone.endswith("Eye"):
        return "eyes"
    if unity_bone.endswith("Hand") or any(finger in unity_bone for finger in _FINGERS):
        return "hands"
    return "body"


def parse_channels(text: str) -> frozenset[str]:
    """'head,face' -> {'head', 'face'}; 'all' for every channel. Unknown names are an error that
    lists the valid ones."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise VividError(f"no VMC channel given; choose from {', '.join(CHANNELS)} (or 'all')")
    if names == ["all"]:
        return ALL_CHANNELS
    unknown = [n for n in names if n not in ALL_CHANNELS]
    if unknown:
        raise VividError(f"unknown VMC channel {', '.join(repr(n) for n in unknown)}; "
                         f"choose from {', '.join(CHANNELS)} (or 'all')")
    return frozenset(names)


def format_channels(channels: frozenset[str]) -> str:
    """The inverse of parse_channels, in the documented order."""
    return "all" if channels == ALL_CHANNELS else ",".join(c for c in CHANNELS if c in channels)


def select_bones(bones: Mapping[str, T], channels: frozenset[str]) -> dict[str, T]:
    """The bones of the chosen channels."""
    if channels >= ALL_CHANNELS:
        return dict(bones)
    return {name: value for name, value in bones.items() if bone_channel(name) in channels}
