"""Errors of the effects package: each names the package file and the JSON path inside it."""
from __future__ import annotations

from assets.errors import AssetError, RenderError


class EffectPackageError(AssetError):
    """An effect package is invalid: bad JSON, schema violation, missing asset, unknown name.

    `where` is "package/effect.json" (or the asset path); `json_path` like "layers[2].anchor"."""

    def __init__(self, where: str, json_path: str, message: str) -> None:
        self.where = where
        self.json_path = json_path
        self.detail = message
        location = f"{where}: {json_path}: " if json_path else f"{where}: "
        super().__init__(location + message)


class EffectShaderError(RenderError):
    """A layer's shader failed to compile (names the package, the layer and the shader file)."""


def json_path(parts: list | tuple) -> str:
    """['layers', 2, 'anchor'] -> 'layers[2].anchor'."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out
