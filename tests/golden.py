"""Golden-image comparison pinned to llvmpipe: per-case tolerances, diff images on failure,
`pytest --regenerate-golden` to accept new output (STYLE.md point 11)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
DIFF_DIR = GOLDEN_DIR / "_diff"


@dataclass(frozen=True)
class Tolerance:
    """max_mean: mean absolute difference over all channels (0-255 scale).
    max_bad_fraction: fraction of pixels allowed to differ by more than `bad_threshold`."""

    max_mean: float = 1.5
    bad_threshold: int = 40
    max_bad_fraction: float = 0.005


def compare_golden(name: str, image: np.ndarray, regenerate: bool, tolerance: Tolerance = Tolerance()) -> None:
    path = GOLDEN_DIR / f"{name}.png"
    if regenerate or not path.exists():
        if not regenerate:
            raise AssertionError(f"no golden image {path}; run pytest --regenerate-golden to create it")
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path)
        return
    expected = np.asarray(Image.open(path).convert("RGBA" if image.shape[2] == 4 else "RGB"))
    assert expected.shape == image.shape, f"{name}: size {image.shape} differs from golden {expected.shape}"
    diff = np.abs(expected.astype(np.int16) - image.astype(np.int16))
    mean = float(diff.mean())
    bad = float((diff.max(axis=2) > tolerance.bad_threshold).mean())
    if mean > tolerance.max_mean or bad > tolerance.max_bad_fraction:
        DIFF_DIR.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(DIFF_DIR / f"{name}.actual.png")
        heat = np.clip(diff.max(axis=2) * 4, 0, 255).astype(np.uint8)
        Image.fromarray(heat).save(DIFF_DIR / f"{name}.diff.png")
        raise AssertionError(
            f"{name}: mean abs diff {mean:.2f} (limit {tolerance.max_mean}), {bad:.2%} pixels off by "
            f">{tolerance.bad_threshold} (limit {tolerance.max_bad_fraction:.2%}); see {DIFF_DIR}/{name}.*.png")
