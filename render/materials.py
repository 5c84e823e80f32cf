"""Shading parameters for one glTF material: MToon-style toon, metallic-roughness PBR or unlit.

The toon look reads `VRMC_materials_mtoon` (VRM 1.0 names) when the material has it; a plain
glTF material can be drawn toon too, with shade colour derived from its base colour."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from avatar.gltf.document import AlphaMode, Material

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
