"""Shading parameters for one glTF material: MToon-style toon, metallic-roughness PBR or unlit.

The toon look reads `VRMC_materials_mtoon` (VRM 1.0 names) when the material has it; a plain
glTF material can be drawn toon too, with shade colour derived from its base colour. VRM
expressions can recolour a material or move its textures for a while (`with_overrides`)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from avatar.gltf.document import IDENTITY_UV, AlphaMode, Material, UvTransform
from avatar.posing import MaterialOverrides

MTOON_EXTENSION = "VRMC_materials_mtoon"


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
    outline_width_m: float = 0.0  # world-space outline thickness; 0 = no outline pass
    outline_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    base_uv: UvTransform = IDENTITY_UV  # KHR_texture_transform of the base colour texture
    emissive_uv: UvTransform = IDENTITY_UV


DEFAULT_MATERIAL = Material(name="default", base_color_factor=(0.8, 0.8, 0.8, 1.0),
                            metallic_factor=0.0, roughness_factor=0.8)


def _rgb(value: object, default: tuple[float, float, float]) -> tuple[float, float, float]:
    if isinstance(value, (list, tuple)) and len(value) >= 3:
        return (float(value[0]), float(value[1]), float(value[2]))
    return default


def shading_params(material: Material, style: ShadingStyle = ShadingStyle.AUTO) -> ShadingParams:
    common = dict(
        base_color=tuple(float(c) for c in material.base_color_factor),
        emissive=tuple(float(c) for c in material.emissive_factor),
        alpha_mode=material.alpha_mode,
        alpha_cutoff=float(material.alpha_cutoff),
        double_sided=bool(material.double_sided),
        base_uv=material.base_color_texture.uv_transform if material.base_color_texture else IDENTITY_UV,
        emissive_uv=material.emissive_texture.uv_transform if material.emissive_texture else IDENTITY_UV,
    )
    if material.unlit:
        return ShadingParams(kind="unlit", **common)
    mtoon = material.extensions.get(MTOON_EXTENSION)
    if style is ShadingStyle.PBR or (style is ShadingStyle.AUTO and not isinstance(mtoon, dict)):
        return ShadingParams(kind="pbr", metallic=float(material.metallic_factor),
                             roughness=float(material.roughness_factor), **common)
    mtoon = mtoon if isinstance(mtoon, dict) else {}
    base = common["base_color"]
    outline_mode = mtoon.get("outlineWidthMode", "none")
    return ShadingParams(
        kind="toon",
        shade_color=_rgb(mtoon.get("shadeColorFactor"), (base[0] * 0.7, base[1] * 0.62, base[2] * 0.7)),
        shading_shift=float(mtoon.get("shadingShiftFactor", 0.0)),
        shading_toony=float(mtoon.get("shadingToonyFactor", 0.9)),
        rim_color=_rgb(mtoon.get("parametricRimColorFactor"), (0.0, 0.0, 0.0)),
        rim_fresnel_power=float(mtoon.get("parametricRimFresnelPowerFactor", 5.0)),
        rim_lift=float(mtoon.get("parametricRimLiftFactor", 0.0)),
        # screenCoordinates outlines are approximated in world space at presenter distance.
        outline_width_m=float(mtoon.get("outlineWidthFactor", 0.0)) if outline_mode != "none" else 0.0,
        outline_color=_rgb(mtoon.get("outlineColorFactor"), (0.0, 0.0, 0.0)),
        **common,
    )


# VRM bind type -> the ShadingParams field it colours. MToon's matcap is not drawn, so
# matcapColor binds change nothing.
_COLOR_FIELDS = {"color": "base_color", "emissionColor": "emissive", "shadeColor": "shade_color",
                 "rimColor": "rim_color", "outlineColor": "outline_color"}


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
        for name in ("base_uv", "emissive_uv"):  # a bind moves every texture of the material
            own: UvTransform = getattr(shading, name)
            changes[name] = UvTransform(offset=_blend(own.offset, weighted[2:], total), rotation=own.rotation,
                                        scale=_blend(own.scale, weighted[:2], total))
    return replace(shading, **changes) if changes else shading
