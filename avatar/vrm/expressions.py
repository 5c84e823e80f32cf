"""Expressions: VRM 1.0 `expressions` (preset + custom) and VRM 0.x `blendShapeMaster`.

Binds are resolved and checked against the document. A bind that points at a missing mesh,
node or morph target (or an unknown material) is dropped with a warning that names the
expression and the bind - never applied to some other morph (STYLE.md pitfall: three-vrm's
warn-and-continue once removed the wrong expression).
"""
from __future__ import annotations

import logging
from typing import Any

from avatar.gltf.document import GltfDocument
from avatar.gltf.fields import FieldReader
from avatar.vrm.types import (
    Expression, ExpressionPreset, MaterialColorBind, MorphBind, OverrideMode, TextureTransformBind,
)

log = logging.getLogger(__name__)

V0_PRESETS = {
    "neutral": ExpressionPreset.NEUTRAL, "a": ExpressionPreset.AA, "i": ExpressionPreset.IH,
    "u": ExpressionPreset.OU, "e": ExpressionPreset.EE, "o": ExpressionPreset.OH,
    "blink": ExpressionPreset.BLINK, "blink_l": ExpressionPreset.BLINK_LEFT, "blink_r": ExpressionPreset.BLINK_RIGHT,
    "joy": ExpressionPreset.HAPPY, "angry": ExpressionPreset.ANGRY, "sorrow": ExpressionPreset.SAD,
    "fun": ExpressionPreset.RELAXED, "lookup": ExpressionPreset.LOOK_UP, "lookdown": ExpressionPreset.LOOK_DOWN,
    "lookleft": ExpressionPreset.LOOK_LEFT, "lookright": ExpressionPreset.LOOK_RIGHT,
}
# VRM 0.x MToon material property -> 1.0 materialColorBinds type. _MainTex_ST is a texture transform.
V0_COLOR_PROPERTIES = {"_Color": "color", "_EmissionColor": "emissionColor", "_ShadeColor": "shadeColor",
                       "_RimColor": "rimColor", "_OutlineColor": "outlineColor", "_SphereAdd": "matcapColor",
                       "_MatcapColor": "matcapColor"}
V1_COLOR_TYPES = ("color", "emissionColor", "shadeColor", "matcapColor", "rimColor", "outlineColor")
V0_WEIGHT_SCALE = 100.0  # VRM 0.x blend shape bind weights are 0..100


def unity_offset_to_gltf(scale: tuple[float, ...], offset: tuple[float, ...]) -> tuple[float, float]:
    """A Unity texture offset (UV origin bottom-left, as VRM 0.x `_MainTex_ST` gives it) as a glTF
    one (origin top-left): v' = 1 - (1 - v) * s - o = v * s + (1 - s - o)."""
    return float(offset[0]), 1.0 - float(scale[1]) - float(offset[1])


def _warn_drop(f: FieldReader, where: str, expression: str, reason: str) -> None:
    log.warning("%s: %s: expression %r: %s; bind dropped", f.name, where, expression, reason)


def _morph_bind(f: FieldReader, doc: GltfDocument, where: str, expression: str, mesh: int | None,
                target: Any, weight: float, node: int | None) -> MorphBind | None:
    if mesh is None or not 0 <= mesh < len(doc.meshes):
        _warn_drop(f, where, expression, f"mesh {mesh} does not exist ({len(doc.meshes)} meshes)")
        return None
    count = len(doc.meshes[mesh].target_names)
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < count:
        _warn_drop(f, where, expression, f"morph target {target!r} does not exist on mesh {mesh} "
                                         f"({doc.meshes[mesh].name or 'unnamed'}, {count} targets)")
        return None
    if not 0.0 <= weight <= 1.0:
        log.warning("%s: %s: expression %r: weight %g clamped to 0..1", f.name, where, expression, weight)
        weight = min(max(weight, 0.0), 1.0)
    return MorphBind(mesh=mesh, target=target, weight=weight, node=node)


def _override(f: FieldReader, spec: dict[str, Any], key: str, path: str) -> OverrideMode:
    return OverrideMode(f.choice(spec, key, path, tuple(m.value for m in OverrideMode), "none"))


def read_expressions_v1(f: FieldReader, doc: GltfDocument, spec: dict[str, Any], path: str) -> tuple[Expression, ...]:
    expressions = []
    presets = f.obj(spec, "preset", path)
    for name, body in presets.items():
        where = f"{path}.preset.{name}"
        try:
            preset = ExpressionPreset(name)
        except ValueError:
            log.warning("%s: %s: unknown preset %r read as a custom expression", f.name, where, name)
            preset = None
        expressions.append(_expression_v1(f, doc, name, preset, body, where))
    for name, body in f.obj(spec, "custom", path).items():
        where = f"{path}.custom.{name}"
        if name in {p.value for p in ExpressionPreset}:
            f.fail(where, f"custom expression {name!r} uses a preset name; rename it")
        expressions.append(_expression_v1(f, doc, name, None, body, where))
    return tuple(expressions)


def _expression_v1(f: FieldReader, doc: GltfDocument, name: str, preset: ExpressionPreset | None,
                   body: Any, path: str) -> Expression:
    if not isinstance(body, dict):
        f.fail(path, "expected an expression object")
    morphs = []
    for i, bind in enumerate(f.objects(body, "morphTargetBinds", path)):
        where = f"{path}.morphTargetBinds[{i}]"
        node = bind.get("node")
        if isinstance(node, bool) or not isinstance(node, int) or not 0 <= node < len(doc.nodes):
            _warn_drop(f, where, name, f"node {node!r} does not exist ({len(doc.nodes)} nodes)")
            continue
        mesh = doc.nodes[node].mesh
        if mesh is None:
            _warn_drop(f, where, name, f"node {node} has no mesh")
            continue
        resolved = _morph_bind(f, doc, where, name, mesh, bind.get("index"),
                               f.float_(bind, "weight", where, 1.0), node)
        if resolved is not None:
            morphs.append(resolved)
    colors = []
    for i, bind in enumerate(f.objects(body, "materialColorBinds", path)):
        where = f"{path}.materialColorBinds[{i}]"
        material = bind.get("material")
        if isinstance(material, bool) or not isinstance(material, int) or not 0 <= material < len(doc.materials):
            _warn_drop(f, where, name, f"material {material!r} does not exist ({len(doc.materials)} materials)")
            continue
        colors.append(MaterialColorBind(material, f.choice(bind, "type", where, V1_COLOR_TYPES, None),
                                        f.floats(bind, "targetValue", where, 4)))
    transforms = []
    for i, bind in enumerate(f.objects(body, "textureTransformBinds", path)):
        where = f"{path}.textureTransformBinds[{i}]"
        material = bind.get("material")
        if isinstance(material, bool) or not isinstance(material, int) or not 0 <= material < len(doc.materials):
            _warn_drop(f, where, name, f"material {material!r} does not exist ({len(doc.materials)} materials)")
            continue
        transforms.append(TextureTransformBind(material, f.floats(bind, "scale", where, 2, (1.0, 1.0)),
                                               f.floats(bind, "offset", where, 2, (0.0, 0.0))))
    return Expression(
        name=name, preset=preset, is_binary=f.bool_(body, "isBinary", path, False),
        override_blink=_override(f, body, "overrideBlink", path),
        override_look_at=_override(f, body, "overrideLookAt", path),
        override_mouth=_override(f, body, "overrideMouth", path),
        morph_binds=tuple(morphs), material_color_binds=tuple(colors), texture_transform_binds=tuple(transforms),
    )


def read_expressions_v0(f: FieldReader, doc: GltfDocument, spec: dict[str, Any], path: str) -> tuple[Expression, ...]:
    material_by_name = {m.name: i for i, m in reversed(list(enumerate(doc.materials)))}
    expressions: list[Expression] = []
    for g, group in enumerate(f.objects(spec, "blendShapeGroups", path)):
        gpath = f"{path}.blendShapeGroups[{g}]"
        preset_name = str(group.get("presetName") or "unknown").lower()
        preset = V0_PRESETS.get(preset_name)
        name = preset.value if preset is not None else f.str_(group, "name", gpath, f"expression{g}")
        if any(e.name == name for e in expressions):
            log.warning("%s: %s: duplicate expression %r ignored (the first one is kept)", f.name, gpath, name)
            continue
        morphs = []
        for i, bind in enumerate(f.objects(group, "binds", gpath)):
            where = f"{gpath}.binds[{i}]"
            mesh = bind.get("mesh")
            mesh = mesh if isinstance(mesh, int) and not isinstance(mesh, bool) else None
            weight = f.float_(bind, "weight", where, V0_WEIGHT_SCALE) / V0_WEIGHT_SCALE
            resolved = _morph_bind(f, doc, where, name, mesh, bind.get("index"), weight, None)
            if resolved is not None:
                morphs.append(resolved)
        colors, transforms = [], []
        for i, value in enumerate(f.objects(group, "materialValues", gpath)):
            where = f"{gpath}.materialValues[{i}]"
            material = material_by_name.get(value.get("materialName"))
            if material is None:
                _warn_drop(f, where, name, f"material {value.get('materialName')!r} does not exist")
                continue
            prop = f.str_(value, "propertyName", where, "")
            target = f.floats(value, "targetValue", where, 4)
            if prop == "_MainTex_ST":  # Unity (scale.x, scale.y, offset.x, offset.y)
                transforms.append(TextureTransformBind(material, (target[0], target[1]),
                                                       unity_offset_to_gltf(target[:2], target[2:])))
            elif prop in V0_COLOR_PROPERTIES:
                colors.append(MaterialColorBind(material, V0_COLOR_PROPERTIES[prop], target))
            else:
                _warn_drop(f, where, name, f"material property {prop!r} is not one of "
                                           f"{', '.join(V0_COLOR_PROPERTIES)}, _MainTex_ST")
        expressions.append(Expression(
            name=name, preset=preset, is_binary=f.bool_(group, "isBinary", gpath, False),
            override_blink=OverrideMode.NONE, override_look_at=OverrideMode.NONE, override_mouth=OverrideMode.NONE,
            morph_binds=tuple(morphs), material_color_binds=tuple(colors), texture_transform_binds=tuple(transforms),
        ))
    return tuple(expressions)
