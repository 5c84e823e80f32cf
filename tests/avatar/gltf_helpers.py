"""Test helpers: read a sample's JSON independently of the loader, and write modified copies
of real files (JSON edits, GLB re-packing) into tmp_path for bad-input tests."""
from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

SAMPLES = {
    "RiggedSimple": "gltf/RiggedSimple/RiggedSimple.glb",
    "RiggedFigure": "gltf/RiggedFigure/RiggedFigure.glb",
    "CesiumMan": "gltf/CesiumMan/CesiumMan.glb",
    "SimpleSkin": "gltf/SimpleSkin/SimpleSkin.gltf",
    "SimpleMorph": "gltf/SimpleMorph/SimpleMorph.gltf",
    "MorphPrimitivesTest": "gltf/MorphPrimitivesTest/MorphPrimitivesTest.glb",
    "AnimatedMorphCube": "gltf/AnimatedMorphCube/AnimatedMorphCube.glb",
    "MorphStressTest": "gltf/MorphStressTest/MorphStressTest.glb",
    "RecursiveSkeletons": "gltf/RecursiveSkeletons/RecursiveSkeletons.glb",
    "Fox": "gltf/Fox/Fox.glb",
    "RobotExpressive": "gltf/RobotExpressive/RobotExpressive.glb",
    "facecap": "gltf/facecap/facecap.glb",
}


def split_glb(path: Path) -> tuple[dict[str, Any], bytes]:
    """(JSON, BIN chunk) of a .glb, parsed with plain struct (independent of the loader)."""
    data = path.read_bytes()
    json_length = struct.unpack_from("<I", data, 12)[0]
    tree = json.loads(data[20:20 + json_length])
    rest = 20 + json_length
    binary = b""
    if rest + 8 <= len(data):
        bin_length = struct.unpack_from("<I", data, rest)[0]
        binary = data[rest + 8:rest + 8 + bin_length]
    return tree, binary


def raw_json(path: Path) -> dict[str, Any]:
    if path.suffix == ".gltf":
        return json.loads(path.read_text())
    return split_glb(path)[0]


def pack_glb(tree: dict[str, Any], binary: bytes) -> bytes:
    """A GLB file from JSON + BIN (each chunk padded to 4 bytes as the spec requires)."""
    text = json.dumps(tree).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text
    if binary:
        chunks += struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def data_uri(payload: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(payload).decode()


class BufferBuilder:
    """Builds one binary buffer + bufferViews + accessors for hand-made test glTFs."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []

    def view(self, payload: bytes, **extra: Any) -> int:
        self.data += b"\0" * (-len(self.data) % 4)
        self.views.append({"buffer": 0, "byteOffset": len(self.data), "byteLength": len(payload), **extra})
        self.data += payload
        return len(self.views) - 1

    def accessor(self, array: np.ndarray, kind: str, component: int, **extra: Any) -> int:
        view = self.view(np.ascontiguousarray(array).tobytes())
        count = array.shape[0]
        self.accessors.append({"bufferView": view, "componentType": component, "count": count, "type": kind, **extra})
        return len(self.accessors) - 1

    def tree(self, **parts: Any) -> dict[str, Any]:
        return {
            "asset": {"version": "2.0"},
            "buffers": [{"uri": data_uri(bytes(self.data)), "byteLength": len(self.data)}],
            "bufferViews": self.views,
            "accessors": self.accessors,
            **parts,
        }
