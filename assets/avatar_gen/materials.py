"""Materials: flat glTF metallic-roughness colours plus a VRMC_materials_mtoon toon setup each."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    base: tuple[int, int, int]  # sRGB 0-255 (converted to linear for glTF factors)
    shade: tuple[int, int, int]  # MToon shade colour, sRGB
    outline_m: float  # outline width in metres (0 = none); inverted-hull outlines in a toon renderer
    roughness: float = 0.85
    emissive: tuple[int, int, int] = (0, 0, 0)
    rim: float = 0.25  # parametric rim strength


# Palette: warm skin, chestnut hair, navy blazer over a white shirt, teal tie, blue-violet eyes.
# Outlines only where they can show: the hair cap lies under the strands, and the shirt, lapels
# and tie lie on or inside the blazer, so theirs are never seen (checked on every preview
# render) but would cost a second pass of their triangles every frame.
LOOKS: dict[str, Look] = {
    "skin": Look((255, 228, 212), (236, 176, 166), 0.0008),
    "lips": Look((228, 132, 134), (196, 98, 104), 0.0),
    "mouth": Look((96, 30, 38), (64, 18, 26), 0.0, rim=0.0),
    "teeth": Look((250, 250, 246), (214, 210, 214), 0.0, roughness=0.6, rim=0.0),
    "tongue": Look((212, 106, 114), (170, 74, 86), 0.0, rim=0.0),
    "eye_white": Look((253, 253, 253), (206, 210, 230), 0.0, roughness=0.5, rim=0.0),
    "iris": Look((52, 84, 160), (34, 52, 112), 0.0, roughness=0.4, rim=0.0),
    "iris_light": Look((112, 176, 226), (80, 130, 190), 0.0, roughness=0.4, rim=0.0),
    "pupil": Look((24, 22, 42), (16, 14, 30), 0.0, roughness=0.4, rim=0.0),
    "highlight": Look((255, 255, 255), (255, 255, 255), 0.0, roughness=0.3, emissive=(255, 255, 255), rim=0.0),
    "lash": Look((48, 30, 34), (30, 18, 22), 0.0, rim=0.0),
    "brow": Look((104, 64, 48), (76, 44, 36), 0.0, rim=0.0),
    "hair": Look((134, 82, 58), (84, 46, 42), 0.0014, rim=0.35),
    "hair_cap": Look((134, 82, 58), (84, 46, 42), 0.0, rim=0.35),
    "blazer": Look((46, 62, 104), (28, 36, 70), 0.0012),
    "lapel": Look((34, 44, 78), (20, 26, 52), 0.0, roughness=0.5),
    "shirt": Look((246, 246, 250), (192, 198, 222), 0.0),
    "accent": Look((28, 150, 160), (16, 98, 112), 0.0),
    "pants": Look((54, 56, 68), (34, 34, 46), 0.0012),
    "shoes": Look((78, 50, 40), (48, 30, 26), 0.0012, roughness=0.6),
}


def srgb_to_linear(c: int) -> float:
    x = c / 255.0
    value = x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4
    return round(value, 6)


def material_json(name: str) -> dict:
    look = LOOKS[name]
    base = [srgb_to_linear(c) for c in look.base] + [1.0]
    shade = [srgb_to_linear(c) for c in look.shade]
    outline = [round(v * 0.35, 6) for v in shade]
    mtoon = {
        "specVersion": "1.0",
        "transparentWithZWrite": False,
        "renderQueueOffsetNumber": 0,
        "shadeColorFactor": shade,
        "shadingShiftFactor": -0.05,
        "shadingToonyFactor": 0.92,
        "giEqualizationFactor": 0.9,
        "matcapFactor": [0.0, 0.0, 0.0],
        "parametricRimColorFactor": [round(look.rim, 6)] * 3,
        "parametricRimFresnelPowerFactor": 4.0,
        "parametricRimLiftFactor": 0.0,
        "rimLightingMixFactor": 1.0,
        "outlineWidthMode": "worldCoordinates" if look.outline_m > 0 else "none",
        "outlineWidthFactor": look.outline_m,
        "outlineColorFactor": outline,
        "outlineLightingMixFactor": 1.0,
        "uvAnimationScrollXSpeedFactor": 0.0,
        "uvAnimationScrollYSpeedFactor": 0.0,
        "uvAnimationRotationSpeedFactor": 0.0,
    }
    out = {
        "name": name,
        "pbrMetallicRoughness": {"baseColorFactor": base, "metallicFactor": 0.0, "roughnessFactor": look.roughness},
        "extensions": {"VRMC_materials_mtoon": mtoon},
    }
    if any(look.emissive):
        out["emissiveFactor"] = [srgb_to_linear(c) for c in look.emissive]
    return out
