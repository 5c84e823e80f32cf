"""Anchor strings of effect layers: where a layer is attached.

  "face:<name>"  a face landmark or derived point (see effects.landmarks.FACE_ANCHOR_NAMES)
  "head"         the head pose (facial transformation matrix), for 3D props
  "face_mesh"    the tracked canonical face mesh, for face paint
  "hand:<name>"  a hand landmark (capture.types.HandLandmark, lower case)
  "body:<name>"  a body landmark (capture.types.PoseLandmark, lower case)
  "screen"       the whole frame
"""
from __future__ import annotations

from dataclasses import dataclass

from capture.types import HandLandmark, PoseLandmark
from effects.landmarks import FACE_ANCHOR_NAMES

HAND_NAMES = tuple(m.name.lower() for m in HandLandmark)
BODY_NAMES = tuple(m.name.lower() for m in PoseLandmark)
KINDS = ("face", "head", "face_mesh", "hand", "body", "screen")


@dataclass(frozen=True)
class Anchor:
    kind: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}" if self.name else self.kind


def parse_anchor(text: str) -> Anchor:
    """Parse an anchor string; ValueError with the valid choices when unknown."""
    kind, _, name = text.partition(":")
    if kind not in KINDS:
        raise ValueError(f"unknown anchor kind '{kind}'; choose one of {', '.join(KINDS)} "
                         f"(e.g. 'face:nose_tip', 'head', 'screen')")
    choices = {"face": FACE_ANCHOR_NAMES, "hand": HAND_NAMES, "body": BODY_NAMES}.get(kind)
    if choices is None:
        if name:
            raise ValueError(f"anchor '{kind}' takes no name (got '{text}')")
        return Anchor(kind)
    if name not in choices:
        what = {"face": "landmark", "hand": "hand landmark", "body": "body landmark"}[kind]
        raise ValueError(f"unknown {what} '{name}'; choose one of {', '.join(choices)}")
    return Anchor(kind, name)
