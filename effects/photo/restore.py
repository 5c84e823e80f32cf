"""Optional restoration of old photos: denoise, sharpen, auto contrast, white balance.

Off by default. Colour is kept as it is (a sepia or black-and-white photo is not colourised);
white balance only removes a global cast from photos that are clearly coloured.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class RestoreOptions:
    """denoise: non-local-means strength (OpenCV h; 0 = off; 5 removes film grain without
    waxy skin on the shared portraits). sharpen: unsharp-mask amount (0 = off).
    auto_contrast: stretch luminance between the 0.5th and 99.5th percentiles.
    white_balance: grey-world gains, limited to +-20 % per channel."""

    denoise: float = 5.0
    sharpen: float = 0.5
    auto_contrast: bool = True
    white_balance: bool = True


# Below this mean chroma (0-255 units) a photo is treated as monochrome / sepia: no white balance.
MONOCHROME_CHROMA = 12.0
CONTRAST_PERCENTILES = (0.5, 99.5)
MAX_WB_GAIN = 1.2


def restore(rgb: np.ndarray, options: RestoreOptions = RestoreOptions()) -> np.ndarray:
    """(H, W, 3) uint8 -> restored (H, W, 3) uint8 (a new array)."""
    out = np.ascontiguousarray(rgb)
    f = out.astype(np.float32)
    chroma = float(np.abs(f - f.mean(axis=2, keepdims=True)).mean())
    if options.denoise > 0:
        if chroma > MONOCHROME_CHROMA:
            f = cv2.fastNlMeansDenoisingColored(out, None, options.denoise, options.denoise, 5, 15).astype(np.float32)
        else:  # denoise the brightness only: a grey or sepia photo keeps its exact tint
            luma = np.ascontiguousarray(np.clip(f.mean(axis=2) + 0.5, 0, 255).astype(np.uint8))
            clean = cv2.fastNlMeansDenoising(luma, None, options.denoise, 5, 15).astype(np.float32)
            f = f + (clean - luma.astype(np.float32))[:, :, None]
    if options.white_balance:
        mean = f.reshape(-1, 3).mean(axis=0)
        if chroma > MONOCHROME_CHROMA:
            gains = np.clip(mean.mean() / np.maximum(mean, 1.0), 1 / MAX_WB_GAIN, MAX_WB_GAIN)
            f = f * gains
    if options.auto_contrast:
        lum = f @ np.array([0.299, 0.587, 0.114], np.float32)
        lo, hi = np.percentile(lum, CONTRAST_PERCENTILES)
        if hi - lo > 1.0:
            f = (f - lo) * (255.0 / (hi - lo))
    if options.sharpen > 0:
        blur = cv2.GaussianBlur(f, (0, 0), 1.5)
        f = f + options.sharpen * (f - blur)
    return np.clip(f + 0.5, 0, 255).astype(np.uint8)
