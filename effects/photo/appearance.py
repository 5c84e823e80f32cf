"""Colours sampled from the photo for the synthesized parts: eyelid skin, teeth, mouth cavity.
Tinted to the photo's own brightness and saturation, so a sepia or grey photo gets grey teeth."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from effects.photo import landmarks as L

TEETH_BASE = np.array([0.90, 0.87, 0.80])  # warm off-white
CAVITY_BASE = np.array([0.24, 0.07, 0.08])  # dark red-brown
LASH_DARKNESS = 0.35  # lash line colour = lid colour x this
# Skin luminance (0..1) the base colours were tuned for; other photos scale with theirs.
REFERENCE_SKIN_LUMA = 0.55
# The lid is sampled this far above the upper lid (x the eye's opening height): over the lid
# skin and below the crease shadow.
LID_SAMPLE_RANGE = (0.7, 1.4)


@dataclass(frozen=True)
class FaceColours:
    lid_right: tuple[float, float, float]
    lid_left: tuple[float, float, float]
    teeth: tuple[float, float, float]
    cavity: tuple[float, float, float]


def _sample(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    x = np.clip(np.round(points[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.round(points[:, 1]).astype(int), 0, h - 1)
    return image[y, x, :3].astype(np.float64) / 255.0


def _lid_colour(image: np.ndarray, rest: np.ndarray, upper: tuple[int, ...],
                lower: tuple[int, ...]) -> np.ndarray:
    up = rest[list(upper[1:-1]), :2]
    low = rest[list(lower[1:-1]), :2]
    gap = max(float(np.abs(low[:, 1] - up[:, 1]).mean()), 2.0)
    samples = [up - np.array([0.0, f * gap]) for f in np.linspace(*LID_SAMPLE_RANGE, 5)]
    return np.median(_sample(image, np.concatenate(samples)), axis=0)


def _tint(base: np.ndarray, skin: np.ndarray, saturation: float) -> tuple[float, float, float]:
    luma = float(skin @ np.array([0.299, 0.587, 0.114]))
    brightness = float(np.clip(luma / REFERENCE_SKIN_LUMA, 0.35, 1.2))
    grey = float(base @ np.array([0.299, 0.587, 0.114]))
    colour = grey + saturation * (base - grey)
    return tuple(float(c) for c in np.clip(colour * brightness, 0.0, 1.0))


def face_colours(image: np.ndarray, rest: np.ndarray) -> FaceColours:
    """Colours for one face from the photo (RGBA uint8) and its rest landmarks (pixels)."""
    cheeks = _sample(image, rest[list(L.CHEEKS), :2])
    skin = np.median(cheeks, axis=0)
    # photo saturation: chroma of the skin relative to a typical skin's (~0.25)
    saturation = float(np.clip((skin.max() - skin.min()) / 0.25, 0.0, 1.0))
    return FaceColours(
        lid_right=tuple(float(c) for c in _lid_colour(image, rest, L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER)),
        lid_left=tuple(float(c) for c in _lid_colour(image, rest, L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER)),
        teeth=_tint(TEETH_BASE, skin, saturation),
        cavity=_tint(CAVITY_BASE, skin, saturation),
    )
