"""`load_avatar(path)`: one entry point for any avatar file (.gltf, .glb, .vrm 0.x/1.0).

Returns the glTF document, the VRM data when the file has it, and the root transform that makes
the model face +Z (identity for plain glTF and VRM 1.0, 180 deg about +Y for VRM 0.x), so a
renderer can treat every avatar the same way: ``world = root_transform @ world_matrices(...)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avatar.gltf.document import GltfDocument
from avatar.gltf.loader import load_gltf
from avatar.vrm.loader import is_vrm, vrm_from_document
from avatar.vrm.types import VrmModel


@dataclass(frozen=True)
class AvatarAsset:
    document: GltfDocument
    vrm: VrmModel | None  # None for plain glTF
    root_transform: np.ndarray  # (4, 4) float32, read-only


def load_avatar(path: str | Path) -> AvatarAsset:
    """Load any supported avatar file; raises AssetError naming the file and field when invalid."""
    document = load_gltf(path)
    if is_vrm(document):
        vrm = vrm_from_document(document)
        return AvatarAsset(document, vrm, vrm.root_transform)
    identity = np.eye(4, dtype=np.float32)
    identity.flags.writeable = False
    return AvatarAsset(document, None, identity)
