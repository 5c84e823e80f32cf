"""Humanoid bones of a plain glTF (no VRM extension) found by node name: VRM 1.0 names as they
are (the built-in avatar uses them), Mixamo ("mixamorig:LeftArm") and a few common synonyms."""
from __future__ import annotations

import re

from avatar.gltf.document import GltfDocument
from avatar.vrm.humanoid import BONES_V1

_PREFIXES = ("mixamorig", "armature", "jbipc", "jbipl", "jbipr")
_FINGER_MIXAMO = {"index": "Index", "middle": "Middle", "ring": "Ring", "pinky": "Little"}


def _key(name: str) -> str:
    name = re.sub(r"^b_|_\d+$", "", name)  # Fox-style "b_LeftHand_011"
    side = re.search(r"[._](l|r)$", name.lower())  # Blender-style "UpperArm.L"
    if side:
        name = ("left" if side.group(1) == "l" else "right") + name[: side.start()]
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
    return key


def _synonyms() -> dict[str, str]:
    table = {b.lower(): b for b in BONES_V1}
    table.update({"eyeleft": "leftEye", "eyeright": "rightEye", "spine1": "chest", "spine2": "upperChest",
                  "pelvis": "hips", "hip": "hips", "abdomen": "spine", "torso": "chest"})
    for side, s in (("left", "left"), ("right", "right")):
        table.update({f"{side}arm": f"{s}UpperArm", f"{side}forearm": f"{s}LowerArm",
                      f"{side}upleg": f"{s}UpperLeg", f"{side}leg": f"{s}LowerLeg",
                      f"{side}toebase": f"{s}Toes", f"eye{side}": f"{s}Eye"})
        for mix, vrm in _FINGER_MIXAMO.items():
            for i, joint in enumerate(("Proximal", "Intermediate", "Distal"), start=1):
                table[f"{side}hand{mix}{i}"] = f"{s}{vrm}{joint}"
        for i, joint in enumerate(("Metacarpal", "Proximal", "Distal"), start=1):
            table[f"{side}handthumb{i}"] = f"{s}Thumb{joint}"
    return table


_TABLE = _synonyms()


def humanoid_from_names(doc: GltfDocument) -> dict[str, int]:
    """Humanoid bone name -> node index for every node whose name we recognize (first wins)."""
    bones: dict[str, int] = {}
    joints = {j for skin in doc.skins for j in skin.joints}
    for index, node in enumerate(doc.nodes):
        if joints and index not in joints:
            continue  # skinned models: only joints are bones (mesh nodes may share their names)
        bone = _TABLE.get(_key(node.name or ""))
        if bone is not None and bone not in bones:
            bones[bone] = index
    return bones
