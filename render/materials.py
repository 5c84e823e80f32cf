"""Shading parameters for one glTF material: MToon-style toon, metallic-roughness PBR or unlit.

The toon look follows a material's MToon parameters (VRMC_materials_mtoon, or VRM 0.x MToon
migrated to it); a plain glTF material can be drawn toon too, with shade colour derived from its
base colour. VRM expressions can recolour a material or move its textures for a while
(`with_overrides`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from enum import Enum

from avatar.gltf.document import IDENTITY_UV, AlphaMode, Material, Primitive, PrimitiveMode, TextureRef, UvTransform
from avatar.posing import MaterialOverrides
from avatar.vrm.types import MToonParameters, OutlineWidthMode


log = logging.getLogger(__name__)

MAX_UV_SETS = 2  # TEXCOORD_n sets one primitive binds (a_uv, a_uv1 in mesh.glsl)


class ShadingStyle(Enum):
    AUTO = "auto"  # toon where the material has MToon data, PBR elsewhere
    TOON = "toon"  # toon everywhere
    PBR = "pbr"  # metallic-roughness everywhere (MToon data ignored)


@dataclass(frozen=True)
class ShadingParams:
    kind: str  # "toon" | "pbr" | "unlit"
    base_color: tuple[float, float, float, float]
    emissive: tuple[float, float, float]
    alpha_mode: AlphaMode
    alpha_cutoff: float
    double_sided: bool
    metallic: float = 0.0
    roughness: float = 1.0
    shade_color: tuple[float, float, float] = (0.6, 0.55, 0.6)
    shading_shift: float = 0.0
    shading_toony: float = 0.9
    rim_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rim_fresnel_power: float = 5.0
    rim_lift: float = 0.0
    outline_width_m: float = 0.0  # outline thickness: metres, or a fraction of the picture's height when outline_screen; 0 = none
    outline_screen: bool = False  # MToon screenCoordinates: the same thickness on screen at any distance
    outline_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    base_uv: UvTransform = IDENTITY_UV  # KHR_texture_transform of the base colour texture
    emissive_uv: UvTransform = IDENTITY_UV
    metallic_roughness_uv: UvTransform = IDENTITY_UV
    occlusion_uv: UvTransform = IDENTITY_UV
    normal_uv: UvTransform = IDENTITY_UV
    normal_scale: float = 1.0  # normalTexture.scale: tangent-space X and Y of the map are multiplied by it
    occlusion_strength: float = 1.0  # occlusionTexture.strength: 0 = no occlusion, 1 = the map's full value
    # Toon only. MToon's shade colour is shadeColorFactor (times shadeMultiplyTexture); a material
    # drawn toon without MToon data derives its shade from its own base colour instead.
    shade_from_base: bool = False
    matcap_color: tuple[float, float, float] = (1.0, 1.0, 1.0)  # matcapFactor (drawn with a matcap texture)
    rim_lighting_mix: float = 0.0  # 0: rim light is added as is; 1: scaled by the light falling on the surface
    shading_shift_texture_scale: float = 1.0  # shadingShiftTexture.scale (its R channel, linear)
    uv_animation: tuple[float, float, float] = (0.0, 0.0, 0.0)  # MToon UV scroll x, y (UV units / s), rotation (rad / s)
    gi_equalization: float = 0.0  # MToon: 1 evens the ambient light out to its average over all directions
    outline_lighting_mix: float = 1.0  # MToon: 0 draws the outline colour as is, 1 times the lit surface colour


class TextureSlot(Enum):
    """The textures of a material the renderer draws; the value names mesh.glsl's define
    (`<value>_TEXTURE`, `<value>_UV_SLOT`)."""

    BASE = "BASE"
    EMISSIVE = "EMISSIVE"
    METALLIC_ROUGHNESS = "MR"
    OCCLUSION = "OCCLUSION"
    NORMAL = "NORMAL"
    # MToon (toon shading of VRM materials). They read the base texture's UV transform, as UniVRM
    # does (a VRM expression's texture transform moves them all).
    SHADE = "SHADE"  # shadeMultiplyTexture: RGB (sRGB) times the shade colour
    SHADING_SHIFT = "SHIFT"  # shadingShiftTexture: R (linear) times its scale, added to the shading shift
    MATCAP = "MATCAP"  # matcapTexture: sampled by the view-space normal, added as rim light
    RIM = "RIM"  # rimMultiplyTexture: RGB (sRGB) masks the rim light (matcap included)
    OUTLINE_WIDTH = "OUTLINE_WIDTH"  # outlineWidthMultiplyTexture: G (linear) times the outline width
    UV_ANIMATION_MASK = "UVANIM"  # uvAnimationMaskTexture: B (linear) times the UV animation speeds


# Textures the outline pass (lit flat) does not read; outline width is read by it alone.
SURFACE_ONLY_SLOTS = frozenset({TextureSlot.SHADE, TextureSlot.SHADING_SHIFT, TextureSlot.MATCAP, TextureSlot.RIM,
                                TextureSlot.NORMAL})


def drawn_textures(material: Material, kind: str, primitive: Primitive, where: str,
                   mtoon: MToonParameters | None = None) -> dict[TextureSlot, TextureRef]:
    """The textures of `material` that shading `kind` draws on `primitive`. Metallic-roughness and
    occlusion belong to the PBR model only; the toon model uses the normal map too (MToon 1.0 takes
    it from the glTF material) and, given its MToon parameters `mtoon`, the MToon textures (UV
    animation masks excepted); unlit draws base colour and emission. A normal map needs normals,
    UVs and, without a TANGENT attribute, triangles to compute tangents from: lacking them it is
    not drawn; textures reading a third UV set are not drawn either (a primitive binds two). Both
    with a warning naming `where` (file, mesh and primitive)."""
    slots = {TextureSlot.BASE: material.base_color_texture, TextureSlot.EMISSIVE: material.emissive_texture}
    if kind in ("pbr", "toon"):
        slots[TextureSlot.NORMAL] = material.normal_texture
    if kind == "pbr":
        slots[TextureSlot.METALLIC_ROUGHNESS] = material.metallic_roughness_texture
        slots[TextureSlot.OCCLUSION] = material.occlusion_texture
    if kind == "toon" and mtoon is not None:
        slots.update({TextureSlot.SHADE: mtoon.shade_multiply_texture,
                      TextureSlot.SHADING_SHIFT: mtoon.shading_shift_texture,
                      TextureSlot.MATCAP: mtoon.matcap_texture, TextureSlot.RIM: mtoon.rim_multiply_texture})
        if mtoon.outline_width_mode is not OutlineWidthMode.NONE:
            slots[TextureSlot.OUTLINE_WIDTH] = mtoon.outline_width_multiply_texture
        if any(_uv_animation(mtoon)):
            slots[TextureSlot.UV_ANIMATION_MASK] = mtoon.uv_animation_mask_texture
    textures = {slot: ref for slot, ref in slots.items() if ref is not None}
    if TextureSlot.NORMAL in textures:
        missing = [what for what, lacking in (
            ("NORMAL", primitive.normals is None),
            ("TEXCOORD", not primitive.texcoords),
            ("TANGENT or TRIANGLES mode", primitive.tangents is None and primitive.mode is not PrimitiveMode.TRIANGLES),
        ) if lacking]
        if missing:
            log.warning("%s: material '%s' has a normal texture but the primitive has no %s; drawn without the "
                        "normal map", where, material.name, ", ".join(missing))
            del textures[TextureSlot.NORMAL]
    uv_sets = list(dict.fromkeys(texture_uv_set(primitive, ref) for ref in textures.values()))
    if len(uv_sets) > MAX_UV_SETS:
        dropped = [slot for slot, ref in textures.items() if texture_uv_set(primitive, ref) not in uv_sets[:MAX_UV_SETS]]
        log.warning("%s: material '%s' reads %d UV sets (TEXCOORD_%s), at most %d are drawn; its %s texture(s) "
                    "on the others are not drawn", where, material.name, len(uv_sets), "/".join(map(str, uv_sets)),
                    MAX_UV_SETS, ", ".join(slot.name.lower() for slot in dropped))
        textures = {slot: ref for slot, ref in textures.items() if slot not in dropped}
    return textures


def texture_uv_set(primitive: Primitive, ref: TextureRef) -> int:
    """The TEXCOORD_n a texture reads on `primitive` (TEXCOORD_0 where it lacks the named set)."""
    return ref.texcoord if ref.texcoord < len(primitive.texcoords) else 0


DEFAULT_MATERIAL = Material(name="default", base_color_factor=(0.8, 0.8, 0.8, 1.0),
                            metallic_factor=0.0, roughness_factor=0.8)


def shading_params(material: Material, style: ShadingStyle = ShadingStyle.AUTO,
                   mtoon: MToonParameters | None = None) -> ShadingParams:
    """How to draw `material`. `mtoon`: its MToon parameters (avatar/vrm/mtoon.py
    `mtoon_of_document`), which win over KHR_materials_unlit: VRM exporters add that extension
    only as the fallback look for viewers without MToon."""
    common = dict(
        base_color=tuple(float(c) for c in material.base_color_factor),
        emissive=tuple(float(c) for c in material.emissive_factor),
        alpha_mode=material.alpha_mode,
        alpha_cutoff=float(material.alpha_cutoff),
        double_sided=bool(material.double_sided),
        base_uv=material.base_color_texture.uv_transform if material.base_color_texture else IDENTITY_UV,
        emissive_uv=material.emissive_texture.uv_transform if material.emissive_texture else IDENTITY_UV,
        normal_uv=material.normal_texture.uv_transform if material.normal_texture else IDENTITY_UV,
        normal_scale=float(material.normal_texture.scale) if material.normal_texture else 1.0,
    )
    toon = style is ShadingStyle.TOON or (style is ShadingStyle.AUTO and mtoon is not None)
    if material.unlit and not toon:
        return ShadingParams(kind="unlit", **common)
    if not toon:
        mr, occlusion = material.metallic_roughness_texture, material.occlusion_texture
        return ShadingParams(kind="pbr", metallic=float(material.metallic_factor),
                             roughness=float(material.roughness_factor),
                             metallic_roughness_uv=mr.uv_transform if mr else IDENTITY_UV,
                             occlusion_uv=occlusion.uv_transform if occlusion else IDENTITY_UV,
                             occlusion_strength=float(occlusion.scale) if occlusion else 1.0, **common)
    if mtoon is None:  # toon asked for a material without MToon: shade derived from its base colour
        base = common["base_color"]
        return ShadingParams(kind="toon", shade_color=(base[0] * 0.7, base[1] * 0.62, base[2] * 0.7), shade_from_base=True,
                             **common)
    outlined = mtoon.outline_width_mode is not OutlineWidthMode.NONE
    return ShadingParams(
        kind="toon",
        shade_color=tuple(float(c) for c in mtoon.shade_color_factor),
        shading_shift=float(mtoon.shading_shift_factor),
        shading_toony=float(mtoon.shading_toony_factor),
        rim_color=tuple(float(c) for c in mtoon.parametric_rim_color_factor),
        rim_fresnel_power=float(mtoon.parametric_rim_fresnel_power_factor),
        rim_lift=float(mtoon.parametric_rim_lift_factor),
        outline_width_m=float(mtoon.outline_width_factor) if outlined else 0.0,
        outline_screen=mtoon.outline_width_mode is OutlineWidthMode.SCREEN_COORDINATES,
        outline_color=tuple(float(c) for c in mtoon.outline_color_factor),
        matcap_color=tuple(float(c) for c in mtoon.matcap_factor),
        rim_lighting_mix=float(mtoon.rim_lighting_mix_factor),
        shading_shift_texture_scale=float(mtoon.shading_shift_texture.scale) if mtoon.shading_shift_texture else 1.0,
        uv_animation=_uv_animation(mtoon),
        gi_equalization=float(mtoon.gi_equalization_factor),
        outline_lighting_mix=float(mtoon.outline_lighting_mix_factor),
        **common,
    )


def _uv_animation(mtoon: MToonParameters) -> tuple[float, float, float]:
    return (float(mtoon.uv_animation_scroll_x_speed), float(mtoon.uv_animation_scroll_y_speed),
            float(mtoon.uv_animation_rotation_speed))


# VRM bind type -> the ShadingParams field it colours.
_COLOR_FIELDS = {"color": "base_color", "emissionColor": "emissive", "shadeColor": "shade_color",
                 "rimColor": "rim_color", "outlineColor": "outline_color", "matcapColor": "matcap_color"}


def _blend(own: tuple[float, ...], weighted: tuple[float, ...], total: float) -> tuple[float, ...]:
    return tuple(o * (1.0 - total) + w for o, w in zip(own, weighted))


def with_overrides(shading: ShadingParams, material: int | None, overrides: MaterialOverrides | None) -> ShadingParams:
    """`shading` with the expression binds of `overrides` on `material` blended in."""
    if overrides is None or material is None:
        return shading
    changes: dict[str, object] = {}
    for (bound, kind), (weighted, total) in overrides.colors.items():
        name = _COLOR_FIELDS.get(kind)
        if bound == material and name is not None:
            own = getattr(shading, name)
            changes[name] = _blend(own, weighted[:len(own)], total)
    uv = overrides.uv.get(material)
    if uv is not None:
        weighted, total = uv
        # a bind moves every texture of the material
        for name in ("base_uv", "emissive_uv", "metallic_roughness_uv", "occlusion_uv", "normal_uv"):
            own: UvTransform = getattr(shading, name)
            changes[name] = UvTransform(offset=_blend(own.offset, weighted[2:], total), rotation=own.rotation,
                                        scale=_blend(own.scale, weighted[:2], total))
    return replace(shading, **changes) if changes else shading
