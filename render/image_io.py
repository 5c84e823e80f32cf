"""PNG (and other still image) writing and reading."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from assets.errors import AssetError


def write_png(path: str | Path, image: np.ndarray) -> Path:
    """Write an (H, W, 3|4) uint8 image; RGBA keeps straight alpha."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(image)).save(path)
    return path


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as (H, W, 4) uint8 RGBA, whatever its mode (grey, 16-bit, palette)."""
    path = Path(path)
    try:
        with Image.open(path) as im:
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                grey = np.asarray(im, dtype=np.float64)
                grey = (grey / max(grey.max(), 1) * 255).astype(np.uint8)
                im = Image.fromarray(grey)
            return np.asarray(im.convert("RGBA")).copy()
    except FileNotFoundError as exc:
        raise AssetError(f"{path}: image file not found") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise AssetError(f"{path}: not a readable image ({exc}); use PNG, JPEG, WebP, BMP or TIFF") from exc
