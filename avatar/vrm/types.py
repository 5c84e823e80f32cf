"""Frozen types a VRM 0.x / 1.0 file is read into, in VRM 1.0 vocabulary.

VRM 0.x data is converted on load so that downstream code sees one convention:
- bone names are VRM 1.0 names (0.x thumbProximal/Intermediate -> 1.0 thumbMetacarpal/Proximal),
- expression presets are 1.0 names (joy -> happy, a -> aa, blink_l -> blinkLeft, ...),
- morph bind weights are 0..1 (0.x stores 0..100),
- vectors stored in Unity space by 0.x (collider offsets, look-at offset, gravity) are converted,
- `VrmModel.root_transform` rotates a 0.x model (which faces -Z) by 180 deg about +Y so that every
  model faces +Z like VRM 1.0 (see loader.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from types import MappingProxyType
from typing import Mapping

import numpy as np

from avatar.gltf.document import GltfDocument, TextureRef


class VrmVersion(IntEnum):
    V0 = 0  # "VRM" extension (specVersion 0.0)
    V1 = 1  # "VRMC_vrm" extension (specVersion 1.0 / 1.0-beta)


class OverrideMode(Enum):
    NONE = "none"
    BLOCK = "block"
    BLEND = "blend"


class ExpressionPreset(Enum):
    HAPPY = "happy"
    ANGRY = "angry"
    SAD = "sad"
    RELAXED = "relaxed"
    SURPRISED = "surprised"
    AA = "aa"
    IH = "ih"
    OU = "ou"
    EE = "ee"
    OH = "oh"
    BLINK = "blink"
    BLINK_LEFT = "blinkLeft"
    BLINK_RIGHT = "blinkRight"
    LOOK_UP = "lookUp"
    LOOK_DOWN = "lookDown"
    LOOK_LEFT = "lookLeft"
    LOOK_RIGHT = "lookRight"
    NEUTRAL = "neutral"


class LookAtType(Enum):
    BONE = "bone"
    EXPRESSION = "expression"


class ColliderShape(Enum):
    SPHERE = "sphere"
    CAPSULE = "capsule"


class OutlineWidthMode(Enum):
    NONE = "none"
    WORLD_COORDINATES = "worldCoordinates"  # width in metres
    SCREEN_COORDINATES = "screenCoordinates"  # width as a fraction of the screen height


@dataclass(frozen=True)
class VrmMeta:
    """What the author says about the model; show `license_fields` to the user as given."""

    name: str  # 1.0 "name" / 0.x "title"
    version: str
    authors: tuple[str, ...]  # 0.x has one "author"
    contact_information: str
    references: tuple[str, ...]
    license_url: str  # 1.0 licenseUrl; 0.x: "" (see license_name)
    license_name: str  # 0.x licenseName (CC_BY, CC0, Redistribution_Prohibited, Other, ...); 1.0: ""
    other_license_url: str
    thumbnail_image: int | None  # index into GltfDocument.images
    license_fields: tuple[tuple[str, str], ...]  # every permission/licence field as (json key, value)


@dataclass(frozen=True)
class Humanoid:
    """Humanoid bone name (VRM 1.0 spelling) -> node index."""

    bones: Mapping[str, int]

    def node(self, bone: str) -> int | None:
        return self.bones.get(bone)


@dataclass(frozen=True)
class MorphBind:
    mesh: int  # index into GltfDocument.meshes
    target: int  # morph target index within that mesh
    weight: float  # 0..1
    node: int | None = None  # the node the bind names (VRM 1.0 binds name nodes), None for 0.x


@dataclass(frozen=True)
class MaterialColorBind:
    material: int
    type: str  # color | emissionColor | shadeColor | matcapColor | rimColor | outlineColor
    target_value: tuple[float, float, float, float]


@dataclass(frozen=True)
class TextureTransformBind:
    material: int
    scale: tuple[float, float]
    offset: tuple[float, float]


@dataclass(frozen=True)
class Expression:
    name: str  # preset name (1.0 spelling) or the custom name
    preset: ExpressionPreset | None  # None for custom expressions
    is_binary: bool
    override_blink: OverrideMode
    override_look_at: OverrideMode
    override_mouth: OverrideMode
    morph_binds: tuple[MorphBind, ...]
    material_color_binds: tuple[MaterialColorBind, ...]
    texture_transform_binds: tuple[TextureTransformBind, ...]


@dataclass(frozen=True)
class RangeMap:
    """Look-at range map: input angle 0..input_max_value_deg maps linearly to 0..output_scale
    (degrees of eye-bone rotation for BONE, expression weight for EXPRESSION)."""

    input_max_value_deg: float
    output_scale: float


@dataclass(frozen=True)
class LookAt:
    type: LookAtType
    offset_from_head_bone: np.ndarray  # (3,) in the head bone's local space
    horizontal_inner: RangeMap
    horizontal_outer: RangeMap
    vertical_down: RangeMap
    vertical_up: RangeMap


@dataclass(frozen=True)
class Collider:
    node: int
    shape: ColliderShape
    offset: np.ndarray  # (3,) in the node's local space
    radius: float
    tail: np.ndarray | None = None  # (3,) capsule end in the node's local space


@dataclass(frozen=True)
class ColliderGroup:
    name: str
    colliders: tuple[int, ...]  # indices into SpringBones.colliders


@dataclass(frozen=True)
class SpringJoint:
    node: int
    hit_radius: float  # metres
    stiffness: float
    gravity_power: float
    gravity_dir: np.ndarray  # (3,) unit, in the normalized (+Z facing) model space
    drag_force: float  # 0..1


@dataclass(frozen=True)
class Spring:
    """A chain of joints, parent first. VRM 1.0 semantics: each joint swings toward the next one,
    and the last joint is only the tail of the chain. `virtual_tail` (0.x leaf bones): the last
    joint also swings, toward this point in its local space (UniVRM: 7 cm along the bone)."""

    name: str
    joints: tuple[SpringJoint, ...]
    collider_groups: tuple[int, ...]  # indices into SpringBones.collider_groups
    center: int | None  # node whose space the simulation runs in; None = world
    virtual_tail: np.ndarray | None = None


@dataclass(frozen=True)
class SpringBones:
    colliders: tuple[Collider, ...] = ()
    collider_groups: tuple[ColliderGroup, ...] = ()
    springs: tuple[Spring, ...] = ()


@dataclass(frozen=True)
class MToonParameters:
    """VRMC_materials_mtoon 1.0 parameters (0.x MToon migrated to them, see mtoon.py)."""

    shade_color_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    shade_multiply_texture: TextureRef | None = None
    shading_shift_factor: float = 0.0
    shading_shift_texture: TextureRef | None = None
    shading_toony_factor: float = 0.9
    gi_equalization_factor: float = 0.9
    matcap_factor: tuple[float, float, float] = (1.0, 1.0, 1.0)
    matcap_texture: TextureRef | None = None
    parametric_rim_color_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rim_multiply_texture: TextureRef | None = None
    rim_lighting_mix_factor: float = 1.0
    parametric_rim_fresnel_power_factor: float = 5.0
    parametric_rim_lift_factor: float = 0.0
    outline_width_mode: OutlineWidthMode = OutlineWidthMode.NONE
    outline_width_factor: float = 0.0
    outline_width_multiply_texture: TextureRef | None = None
    outline_color_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    outline_lighting_mix_factor: float = 1.0
    uv_animation_mask_texture: TextureRef | None = None
    uv_animation_scroll_x_speed: float = 0.0
    uv_animation_scroll_y_speed: float = 0.0
    uv_animation_rotation_speed: float = 0.0
    transparent_with_z_write: bool = False
    render_queue_offset: int = 0


@dataclass(frozen=True)
class NodeConstraint:
    """VRMC_node_constraint 1.0 on `node`: kind roll | aim | rotation, driven by `source`."""

    node: int
    kind: str
    source: int
    weight: float
    axis: str | None = None  # roll: X|Y|Z; aim: PositiveX|NegativeX|PositiveY|...; rotation: None


@dataclass(frozen=True)
class VrmModel:
    document: GltfDocument
    version: VrmVersion
    spec_version: str  # as written in the file ("0.0", "1.0", "1.0-beta")
    meta: VrmMeta
    humanoid: Humanoid
    expressions: tuple[Expression, ...]
    look_at: LookAt | None
    spring_bones: SpringBones
    mtoon: Mapping[int, MToonParameters]  # material index -> parameters (MToon materials only)
    constraints: tuple[NodeConstraint, ...]
    root_transform: np.ndarray  # (4, 4): parent of every scene root; 0.x: 180 deg about +Y

    def expression(self, name: str) -> Expression | None:
        return next((e for e in self.expressions if e.name == name), None)


def frozen_mapping(items: dict) -> Mapping:
    return MappingProxyType(dict(items))
