"""The canonical face mesh (468 vertices, UVs, triangles) at runtime, without shipping a copy.

MediaPipe's FaceLandmarker bundle (face_landmarker.task, which tracking needs anyway) holds
`geometry_pipeline_metadata_landmarks.binarypb`: a GeometryPipelineMetadata protobuf whose
`canonical_mesh` (field 1, a Mesh3d) carries the vertex buffer (x, y, z, u, v per vertex, cm)
and the triangle index buffer. We read it with a tiny protobuf wire-format reader (no generated
classes are shipped in the mediapipe wheel) and cache it per model path.
"""
from __future__ import annotations

import functools
import math
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assets.errors import AssetError
from capture import models

METADATA_MEMBER = "geometry_pipeline_metadata_landmarks.binarypb"
NUM_MESH_VERTICES = 468
# MediaPipe's face geometry "environment": a perspective camera with a 63 degree vertical FOV,
# near 1 cm, far 10000 cm (face_geometry/env_generator_calculator options in MediaPipe's
# face_landmarker graph). Checked by tests/effects/test_canonical.py: projecting the canonical
# vertices with the facial transformation matrix lands on the tracked 2D landmarks.
MEDIAPIPE_FOV_Y_DEG = 63.0
MEDIAPIPE_NEAR_CM = 1.0
MEDIAPIPE_FAR_CM = 10000.0


@dataclass(frozen=True)
class CanonicalFaceMesh:
    """vertices (468, 3) float32 cm in canonical face space; uvs (468, 2) float32 with v DOWN
    (image convention: u = column / width, v = row / height of a top-row-first texture; the
    canonical_face_model.obj file stores the same UVs with v up); triangles (T, 3) int32."""

    vertices: np.ndarray
    uvs: np.ndarray
    triangles: np.ndarray


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, int, object]]:
    """(field number, wire type, value) for each field of a protobuf message."""
    out, pos = [], 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((number, wire, value))
    return out


def parse_geometry_metadata(data: bytes, source: str) -> CanonicalFaceMesh:
    try:
        mesh_bytes = [v for n, w, v in _fields(data) if n == 1 and w == 2]  # canonical_mesh = 1
        if not mesh_bytes:
            raise ValueError("no canonical_mesh field")
        floats: list[float] = []
        indices: list[int] = []
        for number, wire, value in _fields(mesh_bytes[0]):
            if number == 3 and wire == 2:  # packed float vertex_buffer
                floats.extend(struct.unpack(f"<{len(value) // 4}f", value))
            elif number == 3 and wire == 5:
                floats.append(struct.unpack("<f", value)[0])
            elif number == 4 and wire == 2:  # packed uint32 index_buffer
                pos = 0
                while pos < len(value):
                    idx, pos = _varint(value, pos)
                    indices.append(idx)
            elif number == 4 and wire == 0:
                indices.append(int(value))
    except (ValueError, IndexError, struct.error) as exc:
        raise AssetError(f"{source}: not a MediaPipe geometry pipeline metadata file ({exc})") from exc
    vb = np.asarray(floats, np.float32)
    if vb.size != NUM_MESH_VERTICES * 5 or len(indices) % 3:
        raise AssetError(f"{source}: canonical mesh has {vb.size} floats / {len(indices)} indices; "
                         f"expected {NUM_MESH_VERTICES} vertices of (x, y, z, u, v)")
    vb = vb.reshape(NUM_MESH_VERTICES, 5)
    vertices, uvs = vb[:, :3].copy(), vb[:, 3:].copy()
    triangles = np.asarray(indices, np.int32).reshape(-1, 3)
    for a in (vertices, uvs, triangles):
        a.flags.writeable = False
    return CanonicalFaceMesh(vertices, uvs, triangles)


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> CanonicalFaceMesh:
    try:
        with zipfile.ZipFile(path) as bundle:
            data = bundle.read(METADATA_MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise AssetError(f"{path}: cannot read {METADATA_MEMBER} from the face landmarker bundle "
                         f"({exc}); check it with `vivid models verify`") from exc
    return parse_geometry_metadata(data, f"{path}:{METADATA_MEMBER}")


def load_canonical_face_mesh(model: str = "face_landmarker.task") -> CanonicalFaceMesh:
    """The canonical face mesh from the FaceLandmarker bundle `model` (resolved by capture.models)."""
    return _load(models.resolve(model))


def mediapipe_projection(width: int, height: int) -> np.ndarray:
    """MediaPipe's face-geometry perspective projection (camera space cm -> clip), OpenGL style."""
    f = 1.0 / math.tan(math.radians(MEDIAPIPE_FOV_Y_DEG) / 2.0)
    n, fa = MEDIAPIPE_NEAR_CM, MEDIAPIPE_FAR_CM
    proj = np.zeros((4, 4))
    proj[0, 0] = f / (width / height)
    proj[1, 1] = f
    proj[2, 2] = (fa + n) / (n - fa)
    proj[2, 3] = 2.0 * fa * n / (n - fa)
    proj[3, 2] = -1.0
    return proj


def project_points(points_cm: np.ndarray, head_matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    """Canonical-space points (N, 3) cm -> normalized image coords (N, 2), x right, y down."""
    homo = np.c_[np.asarray(points_cm, np.float64), np.ones(len(points_cm))]
    clip = (mediapipe_projection(width, height) @ np.asarray(head_matrix, np.float64) @ homo.T).T
    ndc = clip[:, :2] / clip[:, 3:4]
    return np.c_[(ndc[:, 0] + 1) * 0.5, (1 - ndc[:, 1]) * 0.5]
