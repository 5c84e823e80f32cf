"""Open any avatar for driving: a VRM 0.x/1.0 file, a plain glTF with a humanoid skeleton, or a
plain glTF face with ARKit morphs (facecap.glb). Anything else is refused with a clear error."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from assets.errors import AssetError
from avatar.driving.binding import ExpressionBinding
from avatar.driving.bone_names import humanoid_from_names
from avatar.driving.rig import HumanoidRig
from avatar.driving.skeleton_shape import describe, humanoid_from_shape
from avatar.gltf.document import GltfDocument
from avatar.loading import load_avatar_document
from avatar.vrm.loader import ROTATE_Y_180, is_vrm, vrm_from_document
from avatar.vrm.types import LookAt, SpringBones, VrmModel

log = logging.getLogger(__name__)


class DrivingError(AssetError):
    """An avatar that cannot be driven (message names the file and what is missing)."""


@dataclass(frozen=True)
class DrivableAvatar:
    path: Path
    doc: GltfDocument
    vrm: VrmModel | None
    rig: HumanoidRig
    binding: ExpressionBinding
    look_at: LookAt | None
    springs: SpringBones

    @property
    def kind(self) -> str:
        if self.vrm is not None:
            return f"VRM {self.vrm.spec_version}"
        return "glTF humanoid" if self.rig.has("hips") else "glTF face"


def avatar_from_document(doc: GltfDocument, path: Path) -> DrivableAvatar:
    if is_vrm(doc):
        vrm = vrm_from_document(doc)
        rig = HumanoidRig(doc, vrm.humanoid.bones, vrm.root_transform, vrm.constraints)
        return DrivableAvatar(path, doc, vrm, rig, ExpressionBinding(doc, vrm), vrm.look_at, vrm.spring_bones)
    bones = humanoid_from_names(doc)
    binding = ExpressionBinding(doc, None)
    has_skeleton = bool(doc.skins) and "hips" in bones
    shape_note = ""
    if doc.skins and not has_skeleton:
        shape = humanoid_from_shape(doc)  # unknown joint names: map by the skeleton's shape
        if "head" in shape.bones:
            names = [n.name or f"node {i}" for i, n in enumerate(doc.nodes)]
            log.warning("%s: no humanoid bone names; mapped by skeleton shape%s: %s", path.name,
                     " (faces -Z, turned to +Z)" if shape.faces_minus_z else "", describe(shape.bones, names))
            rig = HumanoidRig(doc, shape.bones, ROTATE_Y_180 if shape.faces_minus_z else None)
            return DrivableAvatar(path, doc, None, rig, binding, None, SpringBones())
        shape_note = f" ({shape.reason})"
    if not has_skeleton and "head" not in bones and not binding.perfect_sync:
        raise DrivingError(
            f"{path}: cannot drive this glTF: it has no VRM extension, no humanoid skeleton (a skin "
            f"with a node named 'hips' or 'mixamorig:Hips', or joints shaped like one: hips with two "
            f"legs down, a spine up to a neck and two arms{shape_note}) and no ARKit face morphs "
            f"(eyeBlinkLeft, jawOpen, ...); found {len(doc.skins)} skin(s) and bones "
            f"{sorted(bones) or 'none'}. Export it as VRM or name its bones with VRM/Mixamo names")
    if not has_skeleton:
        # A face model (facecap.glb): its "head" node may hold only the skin mesh while the eyes
        # and teeth hang elsewhere; turn the node that holds every mesh so the whole face moves.
        bones = {b: n for b, n in bones.items() if b in ("leftEye", "rightEye", "jaw")}
        bones["head"] = _common_ancestor(doc, [i for i, n in enumerate(doc.nodes) if n.mesh is not None])
    return DrivableAvatar(path, doc, None, HumanoidRig(doc, bones), binding, None, SpringBones())


def _common_ancestor(doc: GltfDocument, nodes: list[int]) -> int:
    parents = doc.parents()

    def chain(n: int) -> list[int]:
        out = [n]
        while parents[out[-1]] != -1:
            out.append(int(parents[out[-1]]))
        return out[::-1]

    chains = [chain(n) for n in nodes]
    common = chains[0][0]
    for depth in range(min(len(c) for c in chains)):
        if len({c[depth] for c in chains}) != 1:
            break
        common = chains[0][depth]
    return common


def load_drivable(name: str | Path) -> DrivableAvatar:
    """'builtin', a .vrm, .glb or .gltf."""
    doc = load_avatar_document(name)
    return avatar_from_document(doc, Path(doc.source) if hasattr(doc, "source") else Path(str(name)))
