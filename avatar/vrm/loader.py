"""`load_vrm(path) -> VrmModel`: the glTF document plus its VRM 0.x or 1.0 extensions.

Orientation: VRM 1.0 models face +Z; VRM 0.x models face -Z (UniVRM 0.x exported Unity's +Z-facing
avatars with Z reversed). `VrmModel.root_transform` is the identity for 1.0 and a 180 deg rotation
about +Y for 0.x; downstream code multiplies it in as the parent of every scene root
(`normalized_world_matrices`), so every model faces +Z. Node-local data (collider offsets, look-at
offset, virtual tails) is unaffected by that root rotation; world-space data (spring gravity) is
converted into the rotated frame at load.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from avatar.gltf.document import GltfDocument
from avatar.gltf.fields import FieldReader
from avatar.gltf.loader import load_gltf
from avatar.gltf.pose import world_matrices
from avatar.vrm.constraints import read_constraints
from avatar.vrm.expressions import read_expressions_v0, read_expressions_v1
from avatar.vrm.humanoid import read_humanoid_v0, read_humanoid_v1
from avatar.vrm.look_at import read_look_at_v0, read_look_at_v1
from avatar.vrm.meta import read_meta_v0, read_meta_v1
from avatar.vrm.mtoon import mtoon_of_document
from avatar.vrm.spring_bones import read_spring_bones_v0, read_spring_bones_v1
from avatar.vrm.types import SpringBones, VrmModel, VrmVersion, frozen_mapping

ROTATE_Y_180 = np.diag([-1.0, 1.0, -1.0, 1.0]).astype(np.float32)


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def load_vrm(path: str | Path) -> VrmModel:
    """Load a .vrm (0.x or 1.0). Raises AssetError for invalid files and for glTF files without VRM."""
    return vrm_from_document(load_gltf(path))


def is_vrm(doc: GltfDocument) -> bool:
    extensions = doc.json.get("extensions")
    return isinstance(extensions, dict) and bool({"VRM", "VRMC_vrm"} & set(extensions))


def vrm_from_document(doc: GltfDocument) -> VrmModel:
    f = FieldReader(doc.source.name)
    extensions = f.obj(doc.json, "extensions", "")
    if "VRMC_vrm" in extensions:
        return _read_v1(f, doc, f.obj(extensions, "VRMC_vrm", "extensions"), extensions)
    if "VRM" in extensions:
        return _read_v0(f, doc, f.obj(extensions, "VRM", "extensions"))
    f.fail("extensions", "no VRM or VRMC_vrm extension: this is a plain glTF, not a VRM "
                         "(load it with avatar.gltf.loader.load_gltf)")


def _read_v1(f: FieldReader, doc: GltfDocument, vrm: dict[str, Any], extensions: dict[str, Any]) -> VrmModel:
    path = "extensions.VRMC_vrm"
    spec_version = f.str_(vrm, "specVersion", path)
    if not spec_version.startswith("1."):
        f.fail(f"{path}.specVersion", f"{spec_version!r} is not supported; VRMC_vrm 1.0 (or 1.0-beta) is")
    spring = SpringBones()
    if "VRMC_springBone" in extensions:
        spring = read_spring_bones_v1(f, doc, f.obj(extensions, "VRMC_springBone", "extensions"),
                                      "extensions.VRMC_springBone")
    look_at = f.obj(vrm, "lookAt", path)
    return VrmModel(
        document=doc,
        version=VrmVersion.V1,
        spec_version=spec_version,
        meta=read_meta_v1(f, f.obj(vrm, "meta", path, required=True), f"{path}.meta", len(doc.images)),
        humanoid=read_humanoid_v1(f, f.obj(vrm, "humanoid", path, required=True), f"{path}.humanoid", len(doc.nodes)),
        expressions=read_expressions_v1(f, doc, f.obj(vrm, "expressions", path), f"{path}.expressions"),
        look_at=read_look_at_v1(f, look_at, f"{path}.lookAt") if look_at else None,
        spring_bones=spring,
        mtoon=frozen_mapping(mtoon_of_document(doc)),
        constraints=read_constraints(f, doc),
        root_transform=_readonly(np.eye(4, dtype=np.float32)),
    )


def _read_v0(f: FieldReader, doc: GltfDocument, vrm: dict[str, Any]) -> VrmModel:
    path = "extensions.VRM"
    texture_sources = [t.get("source") for t in f.objects(doc.json, "textures", "")]
    first_person = f.obj(vrm, "firstPerson", path)
    return VrmModel(
        document=doc,
        version=VrmVersion.V0,
        spec_version=str(vrm.get("specVersion", "0.0")),
        meta=read_meta_v0(f, f.obj(vrm, "meta", path), f"{path}.meta", len(doc.images), texture_sources),
        humanoid=read_humanoid_v0(f, f.obj(vrm, "humanoid", path, required=True), f"{path}.humanoid", len(doc.nodes)),
        expressions=read_expressions_v0(f, doc, f.obj(vrm, "blendShapeMaster", path), f"{path}.blendShapeMaster"),
        look_at=read_look_at_v0(f, first_person, f"{path}.firstPerson") if first_person else None,
        spring_bones=read_spring_bones_v0(f, doc, f.obj(vrm, "secondaryAnimation", path), f"{path}.secondaryAnimation"),
        mtoon=frozen_mapping(mtoon_of_document(doc)),
        constraints=read_constraints(f, doc),
        root_transform=_readonly(ROTATE_Y_180.copy()),
    )


def normalized_world_matrices(model: VrmModel, local: np.ndarray) -> np.ndarray:
    """World matrices with `model.root_transform` above the scene roots: the model faces +Z."""
    world = model.root_transform @ world_matrices(model.document, local)
    return _readonly(world.astype(np.float32))
