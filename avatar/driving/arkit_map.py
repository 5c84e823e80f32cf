"""ARKit-52 (MediaPipe) blendshapes -> expression weights.

Two targets:
- "perfect sync": the avatar has ARKit-named morphs, so every blendshape drives its morph as is
  (`arkit_weights`); names are matched loosely (eyeBlink_L == eyeBlinkLeft);
- VRM presets (`vrm_preset_weights`): blink per eye, the five vowels from the mouth shapes and the
  five emotions from brows, cheeks and mouth. Every threshold below is named and says where it
  came from (observed MediaPipe ranges on the talking-head clips in shared/data/video).
"""
from __future__ import annotations

import numpy as np

from capture.types import BLENDSHAPE_NAMES, Blendshape as B

# eyeBlink on talking_head_man_d12.mp4 (capture/analysis.py): open eyes 0.01-0.31, closed eyes
# 0.52-0.74; after One Euro smoothing a two-frame blink peaks at only ~0.47. Map BLINK_OPEN..
# BLINK_CLOSED onto 0..1 so a real blink closes the avatar's eyes fully.
BLINK_OPEN = 0.25
BLINK_CLOSED = 0.45
# jawOpen on the clips ranges 0.00-0.87 while speaking; a wide-open mouth reads ~0.6.
JAW_FULL = 0.6
# Smiles read mouthSmile 0.3-0.9; below SMILE_START is a resting mouth.
SMILE_START = 0.25
SMILE_FULL = 0.7
PUCKER_START = 0.2  # talking-head clips: mouthPucker 0.1-0.2 at rest
PUCKER_FULL = 0.6
FUNNEL_START = 0.1
FUNNEL_FULL = 0.4
STRETCH_START = 0.05  # mouthStretch stays below ~0.03 at rest
STRETCH_FULL = 0.35
BROW_START = 0.25  # browDown / browInnerUp at rest stay below ~0.2
BROW_FULL = 0.7
FROWN_START = 0.15
FROWN_FULL = 0.5
WIDE_START = 0.2  # eyeWide / browOuterUp at rest
WIDE_FULL = 0.6


def remap(value: float, start: float, full: float) -> float:
    """start -> 0, full -> 1, clamped."""
    return float(min(1.0, max(0.0, (value - start) / (full - start))))


def _mean(b: np.ndarray, *keys: B) -> float:
    return sum(float(b[k]) for k in keys) / len(keys)


def vrm_preset_weights(b: np.ndarray) -> dict[str, float]:
    """VRM 1.0 preset expression weights from (52,) blendshapes (person's left = avatar's left)."""
    jaw = remap(float(b[B.JAW_OPEN]), 0.02, JAW_FULL)
    # Resting mouths read mouthPucker ~0.15 and smiles are the "happy" expression's job, so the
    # rounded and spread shapes start above their resting noise and spread comes from stretch only.
    pucker = remap(float(b[B.MOUTH_PUCKER]), PUCKER_START, PUCKER_FULL)
    funnel = remap(float(b[B.MOUTH_FUNNEL]), FUNNEL_START, FUNNEL_FULL)
    wide = remap(_mean(b, B.MOUTH_STRETCH_LEFT, B.MOUTH_STRETCH_RIGHT), STRETCH_START, STRETCH_FULL)
    smile = _mean(b, B.MOUTH_SMILE_LEFT, B.MOUTH_SMILE_RIGHT)
    rounded = max(pucker, funnel)
    aa = jaw * (1.0 - rounded) * (1.0 - 0.5 * wide)
    oh = jaw * funnel
    ou = pucker * (1.0 - jaw)
    ee = wide * (1.0 - rounded) * (1.0 - 0.6 * jaw)
    ih = wide * jaw * (1.0 - rounded) * 0.6
    vowels = np.array([aa, ih, ou, ee, oh])
    total = float(vowels.sum())
    if total > 1.0:  # one mouth: the vowel shapes are meant to add up to at most fully open
        vowels /= total
    happy = remap(smile, SMILE_START, SMILE_FULL)
    not_happy = 1.0 - happy
    angry = remap(_mean(b, B.BROW_DOWN_LEFT, B.BROW_DOWN_RIGHT), BROW_START, BROW_FULL) * not_happy
    sad = remap(_mean(b, B.MOUTH_FROWN_LEFT, B.MOUTH_FROWN_RIGHT) * 0.6 + float(b[B.BROW_INNER_UP]) * 0.4,
                FROWN_START, FROWN_FULL) * not_happy
    surprised = remap(0.5 * _mean(b, B.BROW_OUTER_UP_LEFT, B.BROW_OUTER_UP_RIGHT)
                      + 0.5 * _mean(b, B.EYE_WIDE_LEFT, B.EYE_WIDE_RIGHT), WIDE_START, WIDE_FULL)
    relaxed = remap(_mean(b, B.CHEEK_SQUINT_LEFT, B.CHEEK_SQUINT_RIGHT), 0.3, 0.7) * not_happy
    return {
        "blinkLeft": remap(float(b[B.EYE_BLINK_LEFT]), BLINK_OPEN, BLINK_CLOSED),
        "blinkRight": remap(float(b[B.EYE_BLINK_RIGHT]), BLINK_OPEN, BLINK_CLOSED),
        "aa": float(vowels[0]), "ih": float(vowels[1]), "ou": float(vowels[2]),
        "ee": float(vowels[3]), "oh": float(vowels[4]),
        "happy": happy, "angry": angry, "sad": sad, "surprised": surprised, "relaxed": relaxed,
    }


def arkit_weights(b: np.ndarray) -> dict[str, float]:
    """Every ARKit blendshape by its ARKit name (perfect sync), blinks remapped like the presets."""
    out = {name: float(b[i]) for i, name in enumerate(BLENDSHAPE_NAMES) if i != B.NEUTRAL}
    out["eyeBlinkLeft"] = remap(float(b[B.EYE_BLINK_LEFT]), BLINK_OPEN, BLINK_CLOSED)
    out["eyeBlinkRight"] = remap(float(b[B.EYE_BLINK_RIGHT]), BLINK_OPEN, BLINK_CLOSED)
    return out


def arkit_key(name: str) -> str:
    """Loose key for ARKit morph names: eyeBlink_L, EyeBlinkLeft, eye_blink_left -> eyeblinkl."""
    key = name.replace("_", "").replace(".", "").lower()
    for long, short in (("left", "l"), ("right", "r")):
        if key.endswith(long):
            key = key[: -len(long)] + short
    return key


ARKIT_KEYS = {arkit_key(n): n for n in BLENDSHAPE_NAMES[1:]}
