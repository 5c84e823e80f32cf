"""MToon parameters: VRMC_materials_mtoon 1.0 (per material extension) and VRM 0.x
`materialProperties` (shader "VRM/MToon"), migrated to the 1.0 parameter set.

0.x -> 1.0 migration (derived from the two shaders' formulas):
- 0.x lights with `linearstep(shift0, lerp(1, shift0, toony0), NdotL)`; 1.0 with
  `linearstep(-1 + toony1, 1 - toony1, NdotL + shift1)`. Matching the ranges gives
  toony1 = clamp((2 - (max - min)) / 2, 0, 1) and shift1 = clamp(-(max + min) / 2, -1, 1) with
  min = shift0, max = lerp(1, shift0, toony0). (0.x defaults toony 0.9, shift 0 -> 0.95, -0.05.)
- giEqualization = 1 - _IndirectLightIntensity (an approximation: the two models differ).
- outline width: 0.x world widths are centimetres (-> metres, x 0.01); 0.x screen widths move
  the vertex 0.01 x width in clip space, whose height is 2, so they are 0.005 x width of the
  picture's height, 1.0's unit. (0.x's _OutlineScaledMaxDistance, thinning far outlines, is not
  carried over.)
- outline lighting mix applies only when _OutlineColorMode is 1 (mixed lighting), else 0.
"""
from __future__ import annotations

import logging
from typing import Any

from avatar.gltf.document import GltfDocument
from avatar.gltf.fields import FieldReader
from avatar.gltf.materials import MaterialReader
from avatar.vrm.types import MToonParameters, OutlineWidthMode

log = logging.getLogger(__name__)

V0_MTOON_SHADER = "VRM/MToon"
V0_OUTLINE_MODES = {0: OutlineWidthMode.NONE, 1: OutlineWidthMode.WORLD_COORDINATES,
                    2: OutlineWidthMode.SCREEN_COORDINATES}
V0_OUTLINE_WIDTH_TO_1_0 = {OutlineWidthMode.WORLD_COORDINATES: 0.01,  # cm -> m
                           OutlineWidthMode.SCREEN_COORDINATES: 0.005,  # clip-space units -> fraction of the height
                           OutlineWidthMode.NONE: 0.0}
V0_BLEND_TRANSPARENT_WITH_ZWRITE = 3  # _BlendMode: 0 opaque, 1 cutout, 2 transparent, 3 transparent+zwrite
V0_OUTLINE_COLOR_MIXED = 1


def migrate_shading_v0(toony0: float, shift0: float) -> tuple[float, float]:
    """(shadingToonyFactor, shadingShiftFactor) of 1.0 from 0.x _ShadeToony/_ShadeShift."""
    low = shift0
    high = 1.0 + (shift0 - 1.0) * toony0  # lerp(1, shift0, toony0)
    toony = min(max((2.0 - (high - low)) * 0.5, 0.0), 1.0)
    shift = min(max(-(high + low) * 0.5, -1.0), 1.0)
    return toony, shift


def _rgb(f: FieldReader, spec: dict[str, Any], key: str, path: str, default: tuple[float, float, float]
         ) -> tuple[float, float, float]:
    return f.floats(spec, key, path, 3, default)  # type: ignore[return-value]


def read_mtoon_v1(f: FieldReader, doc: GltfDocument, materials: MaterialReader) -> dict[int, MToonParameters]:
    result = {}
    for i, material in enumerate(f.objects(doc.json, "materials", "")):
        body = material.get("extensions", {}).get("VRMC_materials_mtoon") if isinstance(material.get("extensions"), dict) else None
        if not isinstance(body, dict):
            continue
        path = f"materials[{i}].extensions.VRMC_materials_mtoon"
        unused: dict[str, Any] = {}

        def tex(key: str, scale_key: str | None = None):
            return materials.texture_ref(body, key, path, unused, scale_key)

        d = MToonParameters()
        result[i] = MToonParameters(
            shade_color_factor=_rgb(f, body, "shadeColorFactor", path, d.shade_color_factor),
            shade_multiply_texture=tex("shadeMultiplyTexture"),
            shading_shift_factor=f.float_(body, "shadingShiftFactor", path, d.shading_shift_factor),
            shading_shift_texture=tex("shadingShiftTexture", "scale"),
            shading_toony_factor=f.float_(body, "shadingToonyFactor", path, d.shading_toony_factor),
            gi_equalization_factor=f.float_(body, "giEqualizationFactor", path, d.gi_equalization_factor),
            matcap_factor=_rgb(f, body, "matcapFactor", path, d.matcap_factor),
            matcap_texture=tex("matcapTexture"),
            parametric_rim_color_factor=_rgb(f, body, "parametricRimColorFactor", path, d.parametric_rim_color_factor),
            rim_multiply_texture=tex("rimMultiplyTexture"),
            rim_lighting_mix_factor=f.float_(body, "rimLightingMixFactor", path, d.rim_lighting_mix_factor),
            parametric_rim_fresnel_power_factor=f.float_(body, "parametricRimFresnelPowerFactor", path,
                                                         d.parametric_rim_fresnel_power_factor),
            parametric_rim_lift_factor=f.float_(body, "parametricRimLiftFactor", path, d.parametric_rim_lift_factor),
            outline_width_mode=OutlineWidthMode(f.choice(body, "outlineWidthMode", path,
                                                         tuple(m.value for m in OutlineWidthMode), "none")),
            outline_width_factor=f.float_(body, "outlineWidthFactor", path, d.outline_width_factor),
            outline_width_multiply_texture=tex("outlineWidthMultiplyTexture"),
            outline_color_factor=_rgb(f, body, "outlineColorFactor", path, d.outline_color_factor),
            outline_lighting_mix_factor=f.float_(body, "outlineLightingMixFactor", path, d.outline_lighting_mix_factor),
            uv_animation_mask_texture=tex("uvAnimationMaskTexture"),
            uv_animation_scroll_x_speed=f.float_(body, "uvAnimationScrollXSpeedFactor", path, 0.0),
            uv_animation_scroll_y_speed=f.float_(body, "uvAnimationScrollYSpeedFactor", path, 0.0),
            uv_animation_rotation_speed=f.float_(body, "uvAnimationRotationSpeedFactor", path, 0.0),
            transparent_with_z_write=f.bool_(body, "transparentWithZWrite", path, False),
            render_queue_offset=f.int_(body, "renderQueueOffsetNumber", path, 0),
        )
    return result


def mtoon_of_document(doc: GltfDocument, warn: bool = True) -> dict[int, MToonParameters]:
    """Every MToon material of `doc` by material index: the 1.0 material extension where a material
    has it (plain glTF files may carry it too), else the VRM 0.x `materialProperties` entry.
    warn=False: skip the warnings the VRM loader already gave for this document."""
    f = FieldReader(doc.source.name)
    materials = MaterialReader(f, doc.json, len(doc.images))
    result = read_mtoon_v1(f, doc, materials)  # some 0.x exporters also write the 1.0 extension
    extensions = f.obj(doc.json, "extensions", "")
    if isinstance(extensions.get("VRM"), dict):
        path = "extensions.VRM.materialProperties"
        properties = f.objects(extensions["VRM"], "materialProperties", "extensions.VRM")
        for index, params in read_mtoon_v0(f, doc, materials, properties, path, warn).items():
            result.setdefault(index, params)
    return result


def read_mtoon_v0(f: FieldReader, doc: GltfDocument, materials: MaterialReader, properties: list[dict[str, Any]],
                  path: str, warn: bool = True) -> dict[int, MToonParameters]:
    """0.x materialProperties[i] describes glTF materials[i] (UniVRM writes them index-aligned)."""
    result = {}
    for i, props in enumerate(properties[:len(doc.materials)]):
        where = f"{path}[{i}]"
        if props.get("shader") != V0_MTOON_SHADER:
            continue
        if warn and props.get("name") not in (None, doc.materials[i].name):
            log.warning("%s: %s.name: %r differs from materials[%d].name %r; UniVRM pairs them by index, "
                        "so we do too", f.name, where, props.get("name"), i, doc.materials[i].name)
        floats = f.obj(props, "floatProperties", where)
        vectors = f.obj(props, "vectorProperties", where)
        textures = f.obj(props, "textureProperties", where)
        fpath, vpath = f"{where}.floatProperties", f"{where}.vectorProperties"

        def num(key: str, default: float) -> float:
            return f.float_(floats, key, fpath, default)

        def rgb(key: str, default: tuple[float, float, float]) -> tuple[float, float, float]:
            value = vectors.get(key)
            if value is None:
                return default
            return f.floats(vectors, key, vpath, len(value) if isinstance(value, list) else 4)[:3]  # type: ignore[return-value]

        def tex(key: str):
            if textures.get(key) is None:
                return None
            return materials.texture_ref({key: {"index": textures[key]}}, key, f"{where}.textureProperties", {})

        toony, shift = migrate_shading_v0(num("_ShadeToony", 0.9), num("_ShadeShift", 0.0))
        mode = V0_OUTLINE_MODES.get(int(num("_OutlineWidthMode", 0)), OutlineWidthMode.NONE)
        mixed = int(num("_OutlineColorMode", 0)) == V0_OUTLINE_COLOR_MIXED
        result[i] = MToonParameters(
            shade_color_factor=rgb("_ShadeColor", (0.97, 0.81, 0.86)),  # MToon 0.x default shade colour
            shade_multiply_texture=tex("_ShadeTexture"),
            shading_shift_factor=shift,
            shading_toony_factor=toony,
            gi_equalization_factor=min(max(1.0 - num("_IndirectLightIntensity", 0.1), 0.0), 1.0),
            matcap_texture=tex("_SphereAdd"),
            parametric_rim_color_factor=rgb("_RimColor", (0.0, 0.0, 0.0)),
            rim_multiply_texture=tex("_RimTexture"),
            rim_lighting_mix_factor=num("_RimLightingMix", 0.0),
            parametric_rim_fresnel_power_factor=num("_RimFresnelPower", 1.0),
            parametric_rim_lift_factor=num("_RimLift", 0.0),
            outline_width_mode=mode,
            outline_width_factor=num("_OutlineWidth", 0.0) * V0_OUTLINE_WIDTH_TO_1_0[mode],
            outline_width_multiply_texture=tex("_OutlineWidthTexture"),
            outline_color_factor=rgb("_OutlineColor", (0.0, 0.0, 0.0)),
            outline_lighting_mix_factor=num("_OutlineLightingMix", 1.0) if mixed else 0.0,
            uv_animation_mask_texture=tex("_UvAnimMaskTexture"),
            uv_animation_scroll_x_speed=num("_UvAnimScrollX", 0.0),
            uv_animation_scroll_y_speed=num("_UvAnimScrollY", 0.0),
            uv_animation_rotation_speed=num("_UvAnimRotation", 0.0),
            transparent_with_z_write=int(num("_BlendMode", 0)) == V0_BLEND_TRANSPARENT_WITH_ZWRITE,
        )
    return result
