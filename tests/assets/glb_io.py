"""A tiny, independent GLB reader for the avatar tests (json + numpy; handles sparse accessors)."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

DTYPES = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


class GlbFile:
    def __init__(self, data: bytes) -> None:
        self.data = data
        magic, version, length = struct.unpack_from("<4sII", data, 0)
        self.header = (magic, version, length)
        json_len, json_type = struct.unpack_from("<I4s", data, 12)
        self.json_type = json_type
        self.doc = json.loads(data[20:20 + json_len])
        bin_len, bin_type = struct.unpack_from("<I4s", data, 20 + json_len)
        self.bin_type = bin_type
        self.bin = data[28 + json_len: 28 + json_len + bin_len]

    @classmethod
    def read(cls, path: Path) -> "GlbFile":
        return cls(Path(path).read_bytes())

    def view_bytes(self, index: int) -> bytes:
        v = self.doc["bufferViews"][index]
        return self.bin[v.get("byteOffset", 0): v.get("byteOffset", 0) + v["byteLength"]]

    def accessor(self, index: int) -> np.ndarray:
        a = self.doc["accessors"][index]
        width, dtype, count = WIDTH[a["type"]], DTYPES[a["componentType"]], a["count"]
        if "bufferView" in a:
            out = np.frombuffer(self.view_bytes(a["bufferView"]), dtype=dtype, count=count * width,
                                offset=a.get("byteOffset", 0)).reshape(count, width).astype(np.float64)
        else:
            out = np.zeros((count, width))
        if a.get("normalized"):
            out /= float(np.iinfo(dtype).max)
        s = a.get("sparse")
        if s:
            idx = np.frombuffer(self.view_bytes(s["indices"]["bufferView"]), dtype=DTYPES[s["indices"]["componentType"]], count=s["count"])
            val = np.frombuffer(self.view_bytes(s["values"]["bufferView"]), dtype=dtype, count=s["count"] * width)
            out[idx.astype(np.int64)] = val.reshape(-1, width)
        return out

    def used_vertices(self, prim: dict) -> np.ndarray:
        """The rows of the (possibly shared) vertex accessors that the primitive's triangles use."""
        return np.unique(self.accessor(prim["indices"]).astype(np.int64))

    def attribute(self, prim: dict, name: str) -> np.ndarray:
        """Attribute `name` of the vertices the primitive uses."""
        return self.accessor(prim["attributes"][name])[self.used_vertices(prim)]

    def target(self, prim: dict, index: int, name: str = "POSITION") -> np.ndarray:
        """Morph target `index`'s `name` deltas of the vertices the primitive uses."""
        return self.accessor(prim["targets"][index][name])[self.used_vertices(prim)]

    def mesh(self, name: str) -> dict:
        return next(m for m in self.doc["meshes"] if m["name"] == name)

    def material_name(self, prim: dict) -> str:
        return self.doc["materials"][prim["material"]]["name"]
