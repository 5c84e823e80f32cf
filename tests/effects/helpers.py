"""Small builders for test packages (written to tmp_path, never into the repo)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from effects.package import EffectPackage, load_package


def write_package(folder: Path, layers: list[dict], triggers: list[dict] | None = None, **extra: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"format": "vivid-effect", "version": 1, "name": folder.name, "layers": layers}
    if triggers is not None:
        data["triggers"] = triggers
    data.update(extra)
    (folder / "effect.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return folder


def solid_png(path: Path, rgba: tuple[int, int, int, int], size: tuple[int, int] = (64, 64)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size[1], size[0], 4), rgba, np.uint8)).save(path)
    return path


def disc_png(path: Path, rgb: tuple[int, int, int], size: int = 64) -> Path:
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - size / 2 + 0.5, yy - size / 2 + 0.5)
    img = np.zeros((size, size, 4), np.uint8)
    img[..., :3] = rgb
    img[..., 3] = np.where(r < size / 2 - 1, 255, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path)
    return path


def package(folder: Path, layers: list[dict], **kw: object) -> EffectPackage:
    return load_package(write_package(folder, layers, **kw))
