"""Pack primitives, a skin, sparse morph targets and extension JSON into one GLB (glTF 2.0 binary).

Plain json + struct, no third-party glTF library. Everything is written in a fixed order with
fixed rounding so the bytes are identical on every run.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

import numpy as np

from .geometry import keep_tris
from .simplify import simplify_levels

FLOAT, UBYTE, USHORT, UINT = 5126, 5121, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


@dataclass
class Primitive:
    material: int
    positions: np.ndarray  # float32 (N, 3)
    normals: np.ndarray  # float32 (N, 3)
    joints: np.ndarray  # uint8 (N, 4)
    weights: np.ndarray  # float (N, 4), rows sum to 1
    indices: np.ndarray  # (M*3,)
    targets: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (dpos, dnormal) float32 (N, 3)
    levels_of_detail: bool = False  # also write coarser levels (VIVID_lod)


LOD_EXTENSION = "VIVID_lod"
LOD_MIN_TRIANGLES = 200  # smaller primitives gain too little from a coarser level
# The share of the triangles each level keeps, finest first. A renderer draws the coarsest level
# whose error is small enough on screen; the error grows steeply as the share falls (the hair: 3 mm
# at 75 %, 7 mm at 60 %, 30 mm at 45 %), so levels come in small steps.
LOD_FRACTIONS = (0.75, 0.6, 0.45, 0.3, 0.2)
LOD_MIN_STEP = 0.8  # a level is kept only with at most this share of the previous level's triangles
LOD_MAX_ERROR_M = 0.01  # a level further off is left out: drawn only where the avatar is ~100 px tall


class GlbBuilder:
    def __init__(self) -> None:
        self.blob = bytearray()
        self.buffer_views: list[dict] = []
        self.accessors: list[dict] = []
        self._zero_cache: dict[int, int] = {}

    def _view(self, data: bytes, target: int | None = None) -> int:
        while len(self.blob) % 4:
            self.blob.append(0)
        view = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self.blob.extend(data)
        self.buffer_views.append(view)
        return len(self.buffer_views) - 1

    def accessor(self, array: np.ndarray, component: int, kind: str, target: int | None = None,
                 minmax: bool = False, normalized: bool = False) -> int:
        view = self._view(np.ascontiguousarray(array).tobytes(), target)
        acc = {"bufferView": view, "componentType": component, "count": int(array.shape[0]), "type": kind}
        if normalized:
            acc["normalized"] = True
        if minmax:
            flat = array.reshape(array.shape[0], -1)
            acc["min"] = [_num(v) for v in flat.min(axis=0)]
            acc["max"] = [_num(v) for v in flat.max(axis=0)]
        self.accessors.append(acc)
        return len(self.accessors) - 1

    def sparse_vec3(self, delta: np.ndarray, with_minmax: bool) -> int:
        """A VEC3 float accessor holding only the non-zero rows of `delta` (glTF sparse storage)."""
        count = delta.shape[0]
        rows = np.nonzero(np.any(delta != 0.0, axis=1))[0]
        if len(rows) == 0:
            return self.zeros_vec3(count, with_minmax)
        index_type = USHORT if count <= 65535 else UINT
        idx = rows.astype(np.uint16 if index_type == USHORT else np.uint32)
        iv = self._view(idx.tobytes())
        vv = self._view(np.ascontiguousarray(delta[rows], dtype=np.float32).tobytes())
        acc = {"componentType": FLOAT, "count": count, "type": "VEC3",
               "sparse": {"count": int(len(rows)), "indices": {"bufferView": iv, "componentType": index_type},
                          "values": {"bufferView": vv}}}
        if with_minmax:
            lo = np.minimum(delta[rows].min(axis=0), 0.0) if len(rows) < count else delta[rows].min(axis=0)
            hi = np.maximum(delta[rows].max(axis=0), 0.0) if len(rows) < count else delta[rows].max(axis=0)
            acc["min"] = [_num(v) for v in lo]
            acc["max"] = [_num(v) for v in hi]
        self.accessors.append(acc)
        return len(self.accessors) - 1

    def zeros_vec3(self, count: int, with_minmax: bool) -> int:
        """An all-zero VEC3 accessor with no buffer view (allowed by glTF: it reads as zeros)."""
        key = count * 2 + int(with_minmax)
        if key not in self._zero_cache:
            acc = {"componentType": FLOAT, "count": count, "type": "VEC3"}
            if with_minmax:
                acc["min"] = [0.0, 0.0, 0.0]
                acc["max"] = [0.0, 0.0, 0.0]
            self.accessors.append(acc)
            self._zero_cache[key] = len(self.accessors) - 1
        return self._zero_cache[key]

    def shared_primitives(self, prims: list[Primitive]) -> list[dict]:
        """The primitives of one mesh over one set of vertex accessors, each with its own indices
        and material (as UniVRM writes the submeshes of a mesh): a renderer then skins and morphs
        the mesh's vertices once a frame instead of once per primitive."""
        prims = [_drawn_vertices_only(p) for p in prims]
        offsets = np.cumsum([0] + [len(p.positions) for p in prims])[:-1]
        n = sum(len(p.positions) for p in prims)

        def joined(field: str) -> np.ndarray:
            return np.concatenate([getattr(p, field) for p in prims])

        attrs = {
            "POSITION": self.accessor(joined("positions"), FLOAT, "VEC3", ARRAY_BUFFER, minmax=True),
            "NORMAL": self.accessor(joined("normals"), FLOAT, "VEC3", ARRAY_BUFFER),
            "JOINTS_0": self.accessor(joined("joints").astype(np.uint8), UBYTE, "VEC4", ARRAY_BUFFER),
            "WEIGHTS_0": self.accessor(quantize_weights(joined("weights")), USHORT, "VEC4", ARRAY_BUFFER, normalized=True),
        }
        targets = [{"POSITION": self.sparse_vec3(np.concatenate([p.targets[k][0] for p in prims]), True),
                    "NORMAL": self.sparse_vec3(np.concatenate([p.targets[k][1] for p in prims]), False)}
                   for k in range(len(prims[0].targets))]
        out = []
        for prim, offset in zip(prims, offsets):
            idx = (prim.indices + offset).astype(np.uint16 if n <= 65535 else np.uint32)
            entry = {"attributes": attrs,
                     "indices": self.accessor(idx, USHORT if n <= 65535 else UINT, "SCALAR", ELEMENT_ARRAY_BUFFER),
                     "material": prim.material, "mode": 4}
            if targets:
                entry["targets"] = targets
            levels = _coarser_levels(prim)
            if levels:
                index_type = USHORT if n <= 65535 else UINT
                accessors = [self.accessor((level + offset).astype(idx.dtype), index_type, "SCALAR", ELEMENT_ARRAY_BUFFER)
                             for level, _ in levels]
                entry["extensions"] = {LOD_EXTENSION: {"indices": accessors, "errors": [_num(e) for _, e in levels]}}
            out.append(entry)
        return out

    def glb(self, document: dict) -> bytes:
        while len(self.blob) % 4:
            self.blob.append(0)
        document["buffers"] = [{"byteLength": len(self.blob)}]
        document["bufferViews"] = self.buffer_views
        document["accessors"] = self.accessors
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=True).encode("ascii")
        text += b" " * ((4 - len(text) % 4) % 4)
        total = 12 + 8 + len(text) + 8 + len(self.blob)
        out = bytearray(struct.pack("<4sII", b"glTF", 2, total))
        out += struct.pack("<I4s", len(text), b"JSON") + text
        out += struct.pack("<I4s", len(self.blob), b"BIN\x00") + bytes(self.blob)
        return bytes(out)


def _drawn_vertices_only(prim: Primitive) -> Primitive:
    """`prim` without the vertices no triangle uses (builders keep hidden vertices so their grid
    indices stay valid; a renderer would still skin and morph them every frame)."""
    triangles = prim.indices.reshape(-1, 3)
    positions, triangles, used = keep_tris(prim.positions, triangles, np.ones(len(triangles), bool))
    if len(used) == len(prim.positions):
        return prim
    return Primitive(prim.material, positions, prim.normals[used], prim.joints[used], prim.weights[used],
                     triangles.ravel(), [(dp[used], dn[used]) for dp, dn in prim.targets], prim.levels_of_detail)


def _coarser_levels(prim: Primitive) -> list[tuple[np.ndarray, float]]:
    """(indices, error in metres) of each coarser triangle list over `prim`'s vertices
    (simplify.py), shaped by the rest pose and every morph target, finest first."""
    triangles = prim.indices.reshape(-1, 3)
    if not prim.levels_of_detail or len(triangles) < LOD_MIN_TRIANGLES:
        return []
    rest = prim.positions.astype(np.float64)
    poses = np.stack([rest] + [rest + delta.astype(np.float64) for delta, _ in prim.targets])
    targets = [int(round(len(triangles) * fraction)) for fraction in LOD_FRACTIONS]
    levels, previous = [], len(triangles)
    for coarse, error in simplify_levels(poses, triangles, targets):
        if error > LOD_MAX_ERROR_M:
            break
        if len(coarse) <= LOD_MIN_STEP * previous:
            levels.append((coarse.ravel(), round(error, 6)))
            previous = len(coarse)
    return levels


def quantize_weights(weights: np.ndarray) -> np.ndarray:
    """Unsigned-short normalized weights whose four values add up to exactly 65535 (= 1.0)."""
    q = np.round(weights * 65535.0).astype(np.int64)
    err = 65535 - q.sum(axis=1)
    biggest = np.argmax(q, axis=1)
    q[np.arange(len(q)), biggest] += err
    return q.astype(np.uint16)


def _num(v) -> float:
    """The shortest decimal that reads back as the same float32 (keeps the JSON small)."""
    return float(repr(np.float32(v)).removeprefix("np.float32(").removesuffix(")"))
