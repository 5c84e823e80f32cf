"""The container layer of glTF: .gltf JSON or .glb (header + JSON chunk + BIN chunk), and the
resolver that turns a buffer/image `uri` into bytes (data: URIs or files next to the asset).

GLB layout (glTF 2.0 spec, "Binary glTF Layout"): a 12-byte header ``magic 'glTF', uint32 version 2,
uint32 total length``, then chunks ``uint32 length, uint32 type, data``; the first chunk is JSON
(type 0x4E4F534A), an optional second is BIN (type 0x004E4942). All little-endian.
"""
from __future__ import annotations

import base64
import binascii
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from assets.errors import AssetError

GLB_MAGIC = b"glTF"
GLB_VERSION = 2
GLB_HEADER_BYTES = 12
GLB_CHUNK_HEADER_BYTES = 8
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942


@dataclass(frozen=True)
class Container:
    """The parsed container: top-level JSON and the GLB BIN chunk (None for .gltf or no BIN)."""

    json: dict[str, Any]
    glb_bin: bytes | None


def read_container(path: Path) -> Container:
    """Read a .gltf/.glb/.vrm file; the format is decided by the magic bytes, not the suffix."""
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AssetError(f"{path}: file not found") from None
    except OSError as error:
        raise AssetError(f"{path}: cannot read the file ({error.strerror})") from None
    if data[:4] == GLB_MAGIC:
        return _read_glb(name, data)
    if path.suffix.lower() in (".glb", ".vrm"):
        raise AssetError(
            f"{name}: header.magic: expected b'glTF' for a binary glTF ({path.suffix}), got {data[:4]!r}; "
            "the file is not a .glb (or is corrupt)")
    if path.suffix.lower() != ".gltf":
        raise AssetError(f"{name}: not a glTF model (its extension is '{path.suffix}' and it has no glTF "
                         f"header); give a .glb, .gltf or .vrm file")
    return Container(_parse_json(name, data, "the file"), None)


def _parse_json(name: str, data: bytes, where: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8-sig")
        tree = json.loads(text)
    except UnicodeDecodeError as error:
        raise AssetError(f"{name}: {where} is not UTF-8 JSON (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise AssetError(
            f"{name}: {where} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    if not isinstance(tree, dict):
        raise AssetError(f"{name}: {where}: the top level must be a JSON object, got {type(tree).__name__}")
    return tree


def _read_glb(name: str, data: bytes) -> Container:
    if len(data) < GLB_HEADER_BYTES:
        raise AssetError(f"{name}: header: truncated GLB, {len(data)} bytes is shorter than the 12-byte header")
    _magic, version, length = struct.unpack_from("<4sII", data, 0)
    if version != GLB_VERSION:
        raise AssetError(f"{name}: header.version: GLB version {version} is not supported, only 2 (glTF 2.0)")
    if length > len(data):
        raise AssetError(
            f"{name}: header.length: truncated GLB, the header declares {length} bytes but the file has {len(data)}")
    offset = GLB_HEADER_BYTES
    chunks: list[tuple[int, bytes]] = []
    while offset < length:
        if offset + GLB_CHUNK_HEADER_BYTES > length:
            raise AssetError(f"{name}: chunks[{len(chunks)}]: truncated GLB, chunk header cut off at byte {offset}")
        chunk_length, chunk_type = struct.unpack_from("<II", data, offset)
        start = offset + GLB_CHUNK_HEADER_BYTES
        if start + chunk_length > length:
            raise AssetError(
                f"{name}: chunks[{len(chunks)}].length: truncated GLB, chunk of {chunk_length} bytes at byte "
                f"{start} runs past the end ({length} bytes)")
        chunks.append((chunk_type, data[start:start + chunk_length]))
        offset = start + chunk_length
    if not chunks or chunks[0][0] != CHUNK_JSON:
        raise AssetError(f"{name}: chunks[0].type: the first GLB chunk must be JSON (0x4E4F534A)")
    # The spec pads the JSON chunk with spaces; some exporters pad with NUL bytes instead.
    tree = _parse_json(name, chunks[0][1].rstrip(b"\x00 "), "chunks[0] (JSON)")
    binary = next((payload for chunk_type, payload in chunks[1:] if chunk_type == CHUNK_BIN), None)
    return Container(tree, binary)


class UriResolver:
    """Resolves `uri` strings of buffers and images: ``data:`` URIs inline, anything else as a
    path relative to the asset's folder (percent-decoded, as the spec requires)."""

    def __init__(self, name: str, base_dir: Path) -> None:
        self.name = name
        self.base_dir = base_dir

    def read(self, uri: str, field: str) -> bytes:
        if uri.startswith("data:"):
            header, sep, payload = uri.partition(",")
            if not sep:
                raise AssetError(f"{self.name}: {field}: malformed data: URI (no ',')")
            if header.endswith(";base64"):
                try:
                    return base64.b64decode(payload, validate=False)
                except (binascii.Error, ValueError) as error:
                    raise AssetError(f"{self.name}: {field}: invalid base64 in data: URI ({error})") from None
            return unquote(payload).encode("latin-1", errors="replace")
        if "://" in uri:
            raise AssetError(f"{self.name}: {field}: remote URI {uri!r} is not supported; download it next to the file")
        target = self.base_dir / unquote(uri)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise AssetError(
                f"{self.name}: {field}: referenced file is missing: {target} (copy it next to {self.name})") from None
        except OSError as error:
            raise AssetError(f"{self.name}: {field}: cannot read {target} ({error.strerror})") from None

    @staticmethod
    def mime_from_data_uri(uri: str) -> str | None:
        if not uri.startswith("data:"):
            return None
        return uri[5:].split(";", 1)[0].split(",", 1)[0] or None
