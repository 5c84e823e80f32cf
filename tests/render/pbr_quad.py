"""A textured quad as a real .gltf file (data: URIs) and a numpy reference of mesh.glsl's
metallic-roughness lighting, for known-answer tests of the glTF material textures.

The quad spans x, y in [-1, 1] at z = 0 facing +Z, TEXCOORD_0 = ((x + 1) / 2, (1 - y) / 2) (glTF's
v runs down the image), so its tangent (dP/du) is +X and its bitangent (up the image) +Y.
Optionally skinned: every vertex fully bound to joint node 1 (identity inverse bind matrix)."""
from __future__ import annotations

import base64
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from render.camera import Camera
from tests.gltf_buffers import GltfBuffers

POSITIONS = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], np.float32)
NORMALS = np.tile(np.array([0, 0, 1], np.float32), (4, 1))
UVS = np.stack([(POSITIONS[:, 0] + 1) / 2, (1 - POSITIONS[:, 1]) / 2], axis=1).astype(np.float32)
INDICES = np.array([0, 1, 2, 0, 2, 3], np.uint16)  # counter-clockwise seen from +Z

# The camera of every quad test: on +Z looking at the quad's centre, which fills the middle of the view.
CAMERA = Camera(position=(0.0, 0.0, 3.0), target=(0.0, 0.0, 0.0), fov_y_deg=30.0, near=0.5, far=10.0)
SIZE = 64


def png_uri(rgba: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgba, np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def solid(rgb: tuple[int, int, int], size: int = 8) -> np.ndarray:
    """A (size, size, 4) uint8 image of one opaque colour."""
    image = np.zeros((size, size, 4), np.uint8)
    image[..., :3] = rgb
    image[..., 3] = 255
    return image


def halves(left: tuple[int, int, int], right: tuple[int, int, int], size: int = 8) -> np.ndarray:
    """An image whose left half (u < 0.5) is `left` and right half `right`."""
    image = solid(left, size)
    image[:, size // 2:, :3] = right
    return image


def encode_normal(n: np.ndarray) -> tuple[int, int, int]:
    """A tangent-space unit normal as the 8-bit RGB a normal map stores ((n + 1) / 2)."""
    return tuple(int(round((c + 1) / 2 * 255)) for c in n)


def decode_normal(rgb: tuple[int, int, int]) -> np.ndarray:
    """What the shader reads back from those 8 bits: rgb / 255 * 2 - 1 (not renormalized)."""
    return np.asarray(rgb, np.float64) / 255 * 2 - 1


@dataclass(frozen=True)
class QuadSpec:
    material: dict  # the glTF material object; textures refer to `images` by index
    images: tuple[np.ndarray, ...] = ()
    tangents: np.ndarray | None = None  # (4, 4) TANGENT attribute; None: the renderer computes them
    texcoord0: np.ndarray | None = None  # (4, 2); None: UVS
    more_texcoords: tuple[np.ndarray, ...] = ()  # (4, 2) each: TEXCOORD_1, TEXCOORD_2, ...
    normals: bool = True  # False: no NORMAL attribute
    skinned: bool = False
    tangent_delta: np.ndarray | None = None  # (3,): one morph target moving every TANGENT by it


def write_quad(path: Path, spec: QuadSpec) -> Path:
    """Write the quad as a self-contained .gltf (buffer and images in data: URIs)."""
    buffers = GltfBuffers()
    add = buffers.add
    attributes = {
        "POSITION": add(POSITIONS, "VEC3", 5126, 34962, min=[-1, -1, 0], max=[1, 1, 0]),
        "TEXCOORD_0": add(np.asarray(UVS if spec.texcoord0 is None else spec.texcoord0, np.float32), "VEC2", 5126, 34962),
    }
    if spec.normals:
        attributes["NORMAL"] = add(NORMALS, "VEC3", 5126, 34962)
    for i, uvs in enumerate(spec.more_texcoords, start=1):
        attributes[f"TEXCOORD_{i}"] = add(np.asarray(uvs, np.float32), "VEC2", 5126, 34962)
    if spec.tangents is not None:
        attributes["TANGENT"] = add(np.asarray(spec.tangents, np.float32), "VEC4", 5126, 34962)
    nodes: list[dict] = [{"mesh": 0}]
    skins: list[dict] = []
    if spec.skinned:
        attributes["JOINTS_0"] = add(np.zeros((4, 4), np.uint8), "VEC4", 5121, 34962)
        attributes["WEIGHTS_0"] = add(np.tile(np.array([1, 0, 0, 0], np.float32), (4, 1)), "VEC4", 5126, 34962)
        nodes = [{"mesh": 0, "skin": 0}, {"name": "joint"}]
        skins = [{"joints": [1]}]
    primitive = {"attributes": attributes, "indices": add(INDICES, "SCALAR", 5123, 34963), "material": 0}
    if spec.tangent_delta is not None:
        primitive["targets"] = [{"POSITION": add(np.zeros((4, 3), np.float32), "VEC3", 5126, min=[0, 0, 0], max=[0, 0, 0]),
                                 "TANGENT": add(np.tile(np.asarray(spec.tangent_delta, np.float32), (4, 1)), "VEC3", 5126)}]
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": list(range(len(nodes)))}],
        "nodes": nodes,
        "meshes": [{"primitives": [primitive]}],
        "materials": [spec.material],
        "images": [{"uri": png_uri(image)} for image in spec.images],
        "textures": [{"source": i} for i in range(len(spec.images))],
        **buffers.document_fields(),
    }
    if skins:
        document["skins"] = skins
    if not spec.images:
        del document["images"], document["textures"]
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def view_vectors(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(K, 3) unit vectors from the quad points seen at pixel centres (row 0 at the top) to CAMERA."""
    half = math.tan(math.radians(CAMERA.fov_y_deg) / 2) * CAMERA.position[2]
    x = ((cols + 0.5) / SIZE * 2 - 1) * half
    y = (1 - (rows + 0.5) / SIZE * 2) * half
    to_camera = np.stack([-x, -y, np.full_like(x, CAMERA.position[2])], axis=1)
    return to_camera / np.linalg.norm(to_camera, axis=1, keepdims=True)


def tangent_space_normal(texel_rgb: tuple[int, int, int], scale: float, tangent: np.ndarray,
                         bitangent: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """The world normal the glTF spec gives for a normal-map texel: normalize(TBN (m * (s, s, 1)))."""
    m = decode_normal(texel_rgb) * np.array([scale, scale, 1.0])
    n = m[0] * np.asarray(tangent, float) + m[1] * np.asarray(bitangent, float) + m[2] * np.asarray(normal, float)
    return n / np.linalg.norm(n)


def pbr_reference(n: np.ndarray, v: np.ndarray, base: np.ndarray, metallic: float, roughness: float,
                  lights: list[tuple[np.ndarray, np.ndarray]], ambient_sky: np.ndarray = np.zeros(3),
                  ambient_ground: np.ndarray = np.zeros(3), occlusion: float = 1.0) -> np.ndarray:
    """(K, 3) 8-bit display values of mesh.glsl's metallic-roughness model at unit normal `n` (3,)
    seen along unit `v` (K, 3): Lambert diffuse + GGX / Smith-Schlick / Schlick-Fresnel specular per
    directional light (travel direction, colour * intensity), hemisphere ambient scaled by
    `occlusion`, gamma-2 output."""
    n = np.asarray(n, np.float64)
    base = np.asarray(base, np.float64)
    r = min(max(roughness, 0.04), 1.0)
    a2 = r ** 4
    f0 = 0.04 * (1 - metallic) + base * metallic
    diffuse = base * (1 - metallic)
    ambient = ambient_ground + (ambient_sky - ambient_ground) * (0.5 + 0.5 * n[1])
    color = np.tile((diffuse * ambient + f0 * ambient * 0.25) * occlusion, (len(v), 1))
    n_dot_v = np.maximum(v @ n, 1e-4)[:, None]
    for direction, light in lights:
        l = -np.asarray(direction, np.float64) / np.linalg.norm(direction)
        h = (l + v) / np.linalg.norm(l + v, axis=1, keepdims=True)
        n_dot_l = max(float(n @ l), 0.0)
        n_dot_h = np.maximum(h @ n, 0.0)[:, None]
        d = a2 / (math.pi * (n_dot_h ** 2 * (a2 - 1) + 1) ** 2)
        k = (r + 1) ** 2 / 8
        g = (n_dot_l / (n_dot_l * (1 - k) + k)) * (n_dot_v / (n_dot_v * (1 - k) + k))
        f = f0 + (1 - f0) * (1 - np.maximum(np.sum(h * v, axis=1, keepdims=True), 0.0)) ** 5
        specular = d * g * f / np.maximum(4 * n_dot_l * n_dot_v, 1e-4)
        color = color + (diffuse + math.pi * specular) * n_dot_l * np.asarray(light, np.float64)
    return np.sqrt(np.clip(color, 0, 1)) * 255
