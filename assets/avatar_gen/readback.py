"""Read a GLB back into numpy (for the preview and sanity checks): accessors incl. sparse ones."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from assets.errors import AssetError

_DTYPES = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


class Glb:
    def __init__(self, path: Path) -> None:
        data = Path(path).read_bytes()
        magic, version, length = struct.unpack_from("<4sII", data, 0)
        if magic != b"glTF" or version != 2 or length != len(data):
            raise AssetError(f"{path}: not a glTF 2.0 binary (header magic/version/length wrong)")
        json_len, json_type = struct.unpack_from("<I4s", data, 12)
        if json_type != b"JSON":
            raise AssetError(f"{path}: first chunk must be JSON")
        self.path = Path(path)
        self.json = json.loads(data[20:20 + json_len])
        off = 20 + json_len
        bin_len, _ = struct.unpack_from("<I4s", data, off)
        self.bin = data[off + 8: off + 8 + bin_len]

    def _view(self, index: int) -> bytes:
        view = self.json["bufferViews"][index]
        start = view.get("byteOffset", 0)
        return self.bin[start:start + view["byteLength"]]

    def accessor(self, index: int) -> np.ndarray:
        acc = self.json["accessors"][index]
        width = _WIDTH[acc["type"]]
        dtype = _DTYPES[acc["componentType"]]
        count = acc["count"]
        if "bufferView" in acc:
            raw = np.frombuffer(self._view(acc["bufferView"]), dtype=dtype, offset=acc.get("byteOffset", 0),
                                count=count * width).reshape(count, width)
            out = raw.astype(np.float64) if acc.get("normalized") or dtype == np.float32 else raw.astype(np.int64)
        else:
            out = np.zeros((count, width), dtype=np.float64)
        if acc.get("normalized"):
            out = out / float(np.iinfo(dtype).max)
        sparse = acc.get("sparse")
        if sparse:
            idx = np.frombuffer(self._view(sparse["indices"]["bufferView"]), dtype=_DTYPES[sparse["indices"]["componentType"]],
                                count=sparse["count"])
            val = np.frombuffer(self._view(sparse["values"]["bufferView"]), dtype=dtype, count=sparse["count"] * width)
            out = out.copy()
            out[idx.astype(np.int64)] = val.reshape(-1, width)
        return out
