"""Left/right mirroring of poses and names (the explicit, tested `mirror` flag)."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from avatar.driving.qmath import mirror_quat

_SWAPS = (("left", "right"), ("Left", "Right"))


def mirror_name(name: str) -> str:
    """leftUpperArm <-> rightUpperArm, blinkLeft <-> blinkRight, eyeBlinkLeft <-> eyeBlinkRight."""
    for a, b in _SWAPS:
        if a in name:
            return name.replace(a, b)
        if b in name:
            return name.replace(b, a)
    return name


def mirror_rotations(rotations: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The mirror image of a normalized pose: sides swapped, each rotation reflected through x = 0."""
    return {mirror_name(bone): mirror_quat(np.asarray(q, np.float64)) for bone, q in rotations.items()}


def mirror_weights(weights: Mapping[str, float]) -> dict[str, float]:
    return {mirror_name(n): w for n, w in weights.items()}
