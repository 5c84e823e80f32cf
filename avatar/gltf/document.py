"""Plain-array types a glTF 2.0 file is parsed into.

Nothing here touches the GPU. Arrays are numpy, float32 unless noted; quaternions are xyzw
(glTF order); matrices are 4x4 column-vector convention (``p' = M @ p``), stored row-major in
numpy (we transpose glTF's column-major on load).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np


class PrimitiveMode(IntEnum):
    POINTS = 0
    LINES = 1
    LINE_LOOP = 2
    LINE_STRIP = 3
    TRIANGLES = 4
    TRIANGLE_STRIP = 5
    TRIANGLE_FAN = 6


class AlphaMode(IntEnum):
    OPAQUE = 0
    MASK = 1
    BLEND = 2


@dataclass(frozen=True)
class UvTransform:
    """KHR_texture_transform: texture UV = offset + rotate(rotation) * (scale * mesh UV).

    glTF UV (0, 0) is the image's top-left; the rotation turns the UVs counter-clockwise, as the
    extension's reference shader (and the Khronos sample viewer) do."""

    offset: tuple[float, float] = (0.0, 0.0)
    rotation: float = 0.0  # radians
    scale: tuple[float, float] = (1.0, 1.0)

    def rows(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """The affine 2x3 matrix: texture (u, v) = rows @ (mesh u, mesh v, 1)."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        (su, sv), (ou, ov) = self.scale, self.offset
        return (c * su, -s * sv, ou), (s * su, c * sv, ov)


IDENTITY_UV = UvTransform()


@dataclass(frozen=True)
class TextureRef:
    """A material's reference to a texture: which image, which UV set, sampler settings."""

    image: int  # index into GltfDocument.images
    texcoord: int = 0  # KHR_texture_transform's texCoord, where given, already applied
    uv_transform: UvTransform = IDENTITY_UV
    scale: float = 1.0  # normalTexture.scale / occlusionTexture.strength
    mag_filter: int | None = None  # GL enums as in the file, None = default
    min_filter: int | None = None
    wrap_s: int = 10497  # GL_REPEAT
    wrap_t: int = 10497


@dataclass(frozen=True)
class Image:
    """A decoded image: (H, W, 4) uint8 RGBA."""

    name: str
    pixels: np.ndarray
    mime_type: str


@dataclass(frozen=True)
class Material:
    name: str
    base_color_factor: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    base_color_texture: TextureRef | None = None
    metallic_factor: float = 1.0
    roughness_factor: float = 1.0
    metallic_roughness_texture: TextureRef | None = None
    normal_texture: TextureRef | None = None
    occlusion_texture: TextureRef | None = None
    emissive_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    emissive_texture: TextureRef | None = None
    alpha_mode: AlphaMode = AlphaMode.OPAQUE
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    unlit: bool = False  # KHR_materials_unlit
    extensions: dict[str, Any] = field(default_factory=dict)  # raw, e.g. VRMC_materials_mtoon


@dataclass(frozen=True)
class MorphTarget:
    """Per-vertex deltas of one morph target; None where the file gives none."""

    positions: np.ndarray | None  # (N, 3)
    normals: np.ndarray | None  # (N, 3)
    tangents: np.ndarray | None = None  # (N, 3): xyz deltas of TANGENT (w, the handedness, does not morph)


@dataclass(frozen=True)
class Primitive:
    """One draw call's worth of vertex data, all arrays with N = vertex count rows."""

    positions: np.ndarray  # (N, 3) float32
    indices: np.ndarray | None  # (M,) uint32, None = non-indexed
    mode: PrimitiveMode = PrimitiveMode.TRIANGLES
    normals: np.ndarray | None = None  # (N, 3)
    tangents: np.ndarray | None = None  # (N, 4)
    texcoords: tuple[np.ndarray, ...] = ()  # TEXCOORD_0, _1, ... each (N, 2)
    colors: np.ndarray | None = None  # COLOR_0 as (N, 4) float32 in [0, 1]
    joints: np.ndarray | None = None  # JOINTS_0 (N, 4) uint16
    weights: np.ndarray | None = None  # WEIGHTS_0 (N, 4) float32
    material: int | None = None  # index into GltfDocument.materials
    targets: tuple[MorphTarget, ...] = ()
    # The accessors the vertex data comes from (attributes, then each target's). Primitives with
    # the same non-empty source share their vertices (UniVRM writes every submesh of a Unity mesh
    # so): a renderer then skins and morphs them once. () = not known to be shared.
    vertex_source: tuple = ()
    # Levels of detail (VIVID_lod): coarser TRIANGLES index lists over the same vertices, finest
    # first, each with its geometric error (metres: how far the coarse surface may lie from the
    # full one). A renderer may draw one where that error is too small to see on screen.
    lod_indices: tuple[np.ndarray, ...] = ()
    lod_errors: tuple[float, ...] = ()

    @property
    def vertex_count(self) -> int:
        return int(self.positions.shape[0])


@dataclass(frozen=True)
class Mesh:
    name: str
    primitives: tuple[Primitive, ...]
    weights: np.ndarray  # (T,) default morph weights (zeros if the file gives none)
    target_names: tuple[str, ...]  # from mesh.extras.targetNames; "" where unnamed


@dataclass(frozen=True)
class Skin:
    name: str
    joints: tuple[int, ...]  # node indices
    inverse_bind_matrices: np.ndarray  # (J, 4, 4), identity where the file gives none
    skeleton: int | None = None


@dataclass(frozen=True)
class Node:
    name: str
    children: tuple[int, ...] = ()
    translation: np.ndarray = field(default_factory=lambda: np.zeros(3, np.float32))
    rotation: np.ndarray = field(default_factory=lambda: np.array([0, 0, 0, 1], np.float32))  # xyzw
    scale: np.ndarray = field(default_factory=lambda: np.ones(3, np.float32))
    matrix: np.ndarray | None = None  # (4, 4) when the file gives a matrix instead of TRS
    mesh: int | None = None
    skin: int | None = None
    camera: int | None = None
    weights: np.ndarray | None = None  # node-level morph weight override
    extras: dict[str, Any] = field(default_factory=dict)


class Interpolation(IntEnum):
    LINEAR = 0
    STEP = 1
    CUBICSPLINE = 2


@dataclass(frozen=True)
class AnimationSampler:
    input: np.ndarray  # (K,) keyframe times, seconds, ascending
    output: np.ndarray  # (K, C) values; CUBICSPLINE: (K, 3, C) as in-tangent, value, out-tangent
    interpolation: Interpolation


@dataclass(frozen=True)
class AnimationChannel:
    node: int
    path: str  # "translation" | "rotation" | "scale" | "weights"
    sampler: int


@dataclass(frozen=True)
class Animation:
    name: str
    channels: tuple[AnimationChannel, ...]
    samplers: tuple[AnimationSampler, ...]

    @property
    def duration(self) -> float:
        return max((float(s.input[-1]) for s in self.samplers if len(s.input)), default=0.0)


@dataclass(frozen=True)
class GltfDocument:
    """A whole parsed file. `json` keeps the raw top-level JSON so extension readers
    (VRM, VRMC_springBone, ...) can read what the core types do not cover."""

    source: Path
    nodes: tuple[Node, ...]
    meshes: tuple[Mesh, ...]
    skins: tuple[Skin, ...]
    materials: tuple[Material, ...]
    images: tuple[Image, ...]
    animations: tuple[Animation, ...]
    scenes: tuple[tuple[int, ...], ...]  # root node indices per scene
    scene: int  # default scene index
    json: dict[str, Any]

    @property
    def root_nodes(self) -> tuple[int, ...]:
        return self.scenes[self.scene] if self.scenes else ()

    def parents(self) -> np.ndarray:
        """(num_nodes,) int32 parent index per node, -1 for roots."""
        parents = np.full(len(self.nodes), -1, np.int32)
        for index, node in enumerate(self.nodes):
            for child in node.children:
                parents[child] = index
        return parents

    def node_index(self, name: str) -> int:
        for index, node in enumerate(self.nodes):
            if node.name == name:
                return index
        raise KeyError(name)
