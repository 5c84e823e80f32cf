"""Open any avatar file the user names: 'builtin', a .glb/.gltf, or a .vrm."""
from __future__ import annotations

from pathlib import Path

from assets.errors import AssetError
from assets.paths import BUILTIN_AVATAR
from avatar.gltf.document import GltfDocument
from avatar.gltf.loader import load_gltf

SUPPORTED_SUFFIXES = (".glb", ".gltf", ".vrm")


def resolve_avatar_path(name: str | Path) -> Path:
    if str(name) == "builtin":
        return BUILTIN_AVATAR
    path = Path(name)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise AssetError(f"{path}: unsupported avatar format '{path.suffix}'; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    if not path.exists():
        raise AssetError(f"{path}: avatar file not found")
    return path


def load_avatar_document(name: str | Path) -> GltfDocument:
    return load_gltf(resolve_avatar_path(name))
