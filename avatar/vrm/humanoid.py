"""Humanoid bone maps of VRM 0.x and 1.0, validated and in VRM 1.0 spelling.

Required bones (VRM 1.0 humanoid.md "List of Humanoid Bones"): hips, spine, head, upper/lower
arms, hands, upper/lower legs, feet. VRM 0.x additionally required chest and neck (the 1.0 table
notes "required in 0.X" for both).
"""
from __future__ import annotations

import logging
from typing import Any

from avatar.gltf.fields import FieldReader
from avatar.vrm.types import Humanoid, frozen_mapping

log = logging.getLogger(__name__)

_LIMBS = tuple(f"{side}{part}" for side in ("left", "right")
               for part in ("UpperLeg", "LowerLeg", "Foot", "UpperArm", "LowerArm", "Hand"))
REQUIRED_V1 = ("hips", "spine", "head") + _LIMBS
REQUIRED_V0 = ("hips", "spine", "chest", "neck", "head") + _LIMBS

_FINGERS = ("Index", "Middle", "Ring", "Little")
BONES_V1 = frozenset(
    ("hips", "spine", "chest", "upperChest", "neck", "head", "leftEye", "rightEye", "jaw")
    + tuple(f"{s}{p}" for s in ("left", "right") for p in (
        "UpperLeg", "LowerLeg", "Foot", "Toes", "Shoulder", "UpperArm", "LowerArm", "Hand",
        "ThumbMetacarpal", "ThumbProximal", "ThumbDistal",
        *(f"{finger}{joint}" for finger in _FINGERS for joint in ("Proximal", "Intermediate", "Distal"))))
)
# VRM 0.x names its thumb joints one step differently (Unity's humanoid): rename to 1.0.
V0_RENAMES = {f"{s}Thumb{old}": f"{s}Thumb{new}" for s in ("left", "right")
              for old, new in (("Proximal", "Metacarpal"), ("Intermediate", "Proximal"), ("Distal", "Distal"))}
# 1.0 bones whose parent bone must exist (humanoid.md "parent required" column).
PARENT_REQUIRED = {"upperChest": "chest"}


def _finish(f: FieldReader, path: str, bones: dict[str, int], required: tuple[str, ...], version: str) -> Humanoid:
    missing = [b for b in required if b not in bones]
    if missing:
        f.fail(path, f"missing required humanoid bone(s) {', '.join(missing)}; VRM {version} requires "
                     f"{', '.join(required)} (map them in your VRM exporter)")
    for bone, parent in PARENT_REQUIRED.items():
        if bone in bones and parent not in bones:
            log.warning("%s: %s: %s is mapped without %s (the spec requires its parent)", f.name, path, bone, parent)
    return Humanoid(frozen_mapping(bones))


def _add(f: FieldReader, bones: dict[str, int], seen_nodes: dict[int, str], name: str, node: int, where: str) -> None:
    if name in bones:
        f.fail(where, f"humanoid bone {name} is mapped twice")
    if node in seen_nodes:
        f.fail(where, f"node {node} is mapped to both {seen_nodes[node]} and {name}")
    bones[name] = node
    seen_nodes[node] = name


def read_humanoid_v0(f: FieldReader, spec: dict[str, Any], path: str, node_count: int) -> Humanoid:
    bones: dict[str, int] = {}
    seen: dict[int, str] = {}
    for i, entry in enumerate(f.objects(spec, "humanBones", path, required=True)):
        where = f"{path}.humanBones[{i}]"
        name = f.str_(entry, "bone", where)
        node = f.index(entry, "node", where, "nodes", node_count)
        name = V0_RENAMES.get(name, name)
        if name not in BONES_V1:
            log.warning("%s: %s.bone: unknown humanoid bone %r ignored", f.name, where, name)
            continue
        _add(f, bones, seen, name, node, where)
    return _finish(f, f"{path}.humanBones", bones, REQUIRED_V0, "0.x")


def read_humanoid_v1(f: FieldReader, spec: dict[str, Any], path: str, node_count: int) -> Humanoid:
    bones: dict[str, int] = {}
    seen: dict[int, str] = {}
    human_bones = f.obj(spec, "humanBones", path, required=True)
    for name, entry in human_bones.items():
        where = f"{path}.humanBones.{name}"
        if not isinstance(entry, dict):
            f.fail(where, "expected an object with a node index")
        node = f.index(entry, "node", where, "nodes", node_count)
        if name not in BONES_V1:
            log.warning("%s: %s: unknown humanoid bone %r ignored", f.name, where, name)
            continue
        _add(f, bones, seen, name, node, where)
    return _finish(f, f"{path}.humanBones", bones, REQUIRED_V1, "1.0")
