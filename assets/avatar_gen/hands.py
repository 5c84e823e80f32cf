"""Hands: a rounded palm and five fingers (three segments each, the thumb too), in T-pose."""
from __future__ import annotations

import numpy as np

from .geometry import Part, loft
from .skeleton import FINGER_SPEC, THUMB_LENGTHS, bone_head

FINGER_RADIUS = {"Index": 0.0088, "Middle": 0.0092, "Ring": 0.0086, "Little": 0.0076, "Thumb": 0.0105}


def _finger(side: str, finger: str) -> tuple[np.ndarray, np.ndarray]:
    joints = ("Metacarpal", "Proximal", "Distal") if finger == "Thumb" else ("Proximal", "Intermediate", "Distal")
    heads = [bone_head(f"{side}{finger}{j}") for j in joints]
    last = THUMB_LENGTHS[-1] if finger == "Thumb" else FINGER_SPEC[finger][1][-1]
    direction = heads[2] - heads[1]
    direction /= np.linalg.norm(direction)
    tip = heads[2] + direction * last
    start = heads[0] - (heads[1] - heads[0]) * (0.35 if finger != "Thumb" else 0.1)
    knots = np.array([start] + heads + [tip])
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(knots, axis=0), axis=1))])
    u = np.concatenate([np.linspace(0.0, 0.88, 10), 0.88 + 0.12 * np.sin(np.linspace(0.0, np.pi / 2, 5)[1:])])
    samples = u * s[-1]
    path = np.stack([np.interp(samples, s, knots[:, k]) for k in range(3)], 1)
    r0 = FINGER_RADIUS[finger]
    t = samples / s[-1]
    radius = r0 * (1.0 - 0.22 * t)
    radius *= np.sqrt(np.clip(1.0 - ((t - 0.88) / 0.12).clip(0, None) ** 2, 0.02, 1.0))  # round tip
    up = np.array([0.0, 1.0, 0.0]) if finger != "Thumb" else np.array([0.0, 0.6, -0.8]) * np.array([1, 1, 1])
    return loft(path, radius * 1.05, radius * 0.9, np.tile(up, (len(path), 1)), around=8, exponent=2.2)


def build_hands() -> list[Part]:
    parts = []
    for side in ("left", "right"):
        sgn = 1.0 if side == "left" else -1.0
        hand = bone_head(f"{side}Hand")
        # Palm: from the wrist to the knuckles, wide in z, thin in y.
        # From inside the wrist (so the cuff-to-hand transition is a smooth taper) to the knuckles.
        xs = np.linspace(-0.032, 0.094, 12)
        half_z = np.interp(xs, [-0.032, -0.012, 0.0, 0.03, 0.07, 0.094], [0.0205, 0.0235, 0.027, 0.035, 0.037, 0.030])
        half_y = np.interp(xs, [-0.032, -0.012, 0.0, 0.05, 0.094], [0.0172, 0.0170, 0.0165, 0.0145, 0.010])
        path = np.stack([hand[0] + sgn * xs, np.full_like(xs, hand[1] - 0.002), np.full_like(xs, hand[2] + 0.002)], 1)
        hint = np.tile([0.0, 1.0, 0.0], (len(xs), 1))
        pos, tris = loft(path, half_z, half_y, hint, around=16, exponent=2.8)
        suffix = "L" if sgn > 0 else "R"
        parts.append(Part(f"palm_{suffix}", f"palm_{suffix}", "skin", pos, tris))
        for finger in ("Thumb", "Index", "Middle", "Ring", "Little"):
            pos, tris = _finger(side, finger)
            parts.append(Part(f"{finger.lower()}_{suffix}", f"finger_{finger}_{suffix}", "skin", pos, tris))
    return parts
