"""Keep the teeth out of sight while the lips are shut, and in sight once they part.

A shut mouth is a slit about 1 mm tall in front of the dark mouth bag, with the teeth a few
millimetres behind it. Two rules keep them from showing through the slit:

* The rows rest TEETH_TUCK further from the lip line than where an open mouth shows them (head.py),
  so a view from about 5 degrees below to 13 above the mouth (the close-up looks down on it by 10)
  still passes between them. The shapes that part the lips bring them back (TEETH_SHOWN), and the
  VRM presets that part them are baked with the rows all the way back: aa, oh, happy... show their
  teeth as they did before the tuck.
* The shapes that keep the lips together but move the line where they meet (a frown, a smile, a
  shrug, a press) carry both rows up or down with that line (SEALED_MOUTH), so the slit stays in
  front of the gap between the rows; the mouth bag goes along, so the rows stay inside it. The
  tongue lies low behind the lower teeth and stays put (moved, its tip could pass the chin).
"""
from __future__ import annotations

import numpy as np

from . import face_layout as F
from .errors import AvatarBuildError
from .geometry import Part

TEETH = ("teeth_upper", "teeth_lower")
SEALED_MOUTH = ("mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthLeft",
                "mouthRight", "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRollLower",
                "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
                "mouthStretchLeft", "mouthStretchRight")
# How far each shape brings the (upper, lower) row back from its tuck: the jaw and the funnel part
# both lips, each side of mouthUpperUp / mouthLowerDown half of one lip; mouthClose shuts them again.
TEETH_SHOWN: dict[str, tuple[float, float]] = {
    "jawOpen": (1.0, 1.0), "mouthFunnel": (1.0, 1.0), "tongueOut": (1.0, 1.0), "mouthClose": (-1.0, -1.0),
    "mouthUpperUpLeft": (0.5, 0.0), "mouthUpperUpRight": (0.5, 0.0),
    "mouthLowerDownLeft": (0.0, 0.5), "mouthLowerDownRight": (0.0, 0.5),
}
PARTING_MOUTH = frozenset(name for name, rows in TEETH_SHOWN.items() if max(rows) > 0)
# The rows take the lip line's motion beyond this: a smaller move stays well inside the tuck, and
# following it would only add sparse morph entries (file size).
LINE_SLACK = 0.00015


def lip_line(parts: list[Part], deltas: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Where the lips meet, moved by `deltas`: the rest x along the slit, and the (N, 3) motion of
    the midpoint between the upper and the lower lip edge at that x (both edges share x at rest)."""
    for i, part in enumerate(parts):
        if part.kind != "lips":
            continue
        edge = part.extra["ring"] == 0
        x, side, d = part.positions[edge, 0], part.extra["side"][edge], deltas[i][edge]
        grid = np.unique(x)
        halves = []
        for keep in (side < 0.75, side > 0.25):  # upper edge, lower edge (each with both corners)
            order = np.argsort(x[keep])
            halves.append(np.stack([np.interp(grid, x[keep][order], d[keep][order][:, k]) for k in range(3)], 1))
        return grid, 0.5 * (halves[0] + halves[1])
    raise AvatarBuildError("the face has no lips part")


def with_mouth_on_lip_line(parts: list[Part], lip_follow: list[np.ndarray], deltas: list[np.ndarray]) -> list[np.ndarray]:
    """`deltas` plus the up/down motion of the lip line in front of them: all of it on both teeth
    rows, on the lips and the bag what their own share of the lips' motion (`lip_follow`) left out."""
    grid, motion = lip_line(parts, deltas)
    dy = np.sign(motion[:, 1]) * np.maximum(np.abs(motion[:, 1]) - LINE_SLACK, 0.0)
    out = [d.copy() for d in deltas]
    if not np.any(dy):
        return out
    for i, part in enumerate(parts):
        share = 1.0 if part.kind in TEETH else 1.0 - lip_follow[i] if part.kind in ("lips", "mouth_bag") else 0.0
        if np.any(share):
            out[i][:, 1] += share * np.interp(part.positions[:, 0], grid, dy)
    return out


def teeth_shown(parts: list[Part], upper: float, lower: float) -> list[np.ndarray]:
    """Bring the upper row down and the lower row up by these fractions of TEETH_TUCK."""
    out = [np.zeros_like(p.positions) for p in parts]
    for i, part in enumerate(parts):
        if part.kind in TEETH:
            out[i][:, 1] = F.TEETH_TUCK * (-upper if part.kind == "teeth_upper" else lower)
    return out


def seal(parts: list[Part], lip_follow: list[np.ndarray],
         motions: dict[str, list[np.ndarray]]) -> dict[str, list[np.ndarray]]:
    """The ARKit targets from their skin/jaw motions, with the teeth placed by the rules above
    (`lip_follow`: per part, how much each vertex follows the lips, morphs.FaceRig's)."""
    out = {}
    for name, deltas in motions.items():
        if name in SEALED_MOUTH:
            deltas = with_mouth_on_lip_line(parts, lip_follow, deltas)
        if name in TEETH_SHOWN:
            deltas = [d + t for d, t in zip(deltas, teeth_shown(parts, *TEETH_SHOWN[name]))]
        out[name] = deltas
    return out
