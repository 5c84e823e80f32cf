"""Broken inputs made on the fly from real files (nothing copied into the repo)."""
from __future__ import annotations

import json
import struct
from pathlib import Path


def vrm_without_bone(source: Path, folder: Path, bone: str) -> Path:
    """A copy of a VRM 0.x .vrm (GLB) in `folder` whose humanoid lacks `bone`."""
    data = source.read_bytes()
    magic, version, _length = struct.unpack_from("<III", data, 0)
    json_len, json_type = struct.unpack_from("<II", data, 12)
    doc = json.loads(data[20:20 + json_len])
    rest = data[20 + json_len:]
    human = doc["extensions"]["VRM"]["humanoid"]
    human["humanBones"] = [b for b in human["humanBones"] if b.get("bone") != bone]
    text = json.dumps(doc).encode()
    text += b" " * (-len(text) % 4)
    out = struct.pack("<III", magic, version, 12 + 8 + len(text) + len(rest))
    out += struct.pack("<II", len(text), json_type) + text + rest
    path = folder / f"{source.stem}_no_{bone}.vrm"
    path.write_bytes(out)
    return path
