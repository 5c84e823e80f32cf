"""Buffers, buffer views and accessors (glTF 2.0 spec sections 3.6 "Binary Data Storage").

`AccessorReader.read(i)` returns accessor `i` as a read-only numpy array of shape (count,) for
SCALAR, (count, n) for VECn and (count, n*n) column-major for MATn, with:
- byteStride honoured (interleaved vertex data),
- matrix columns padded to 4 bytes for 1- and 2-byte components (spec "Data Alignment"),
- normalized integers converted to float32 with the spec's formulas (e.g. int8 -> max(c/127, -1)),
- sparse substitution applied on top of the bufferView data (or zeros when there is none),
- every offset and length checked, so a bad file raises AssetError naming the field.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from avatar.gltf.container import UriResolver
from avatar.gltf.fields import FieldReader

# componentType -> little-endian numpy dtype (spec table "Accessor Data Types").
COMPONENT_DTYPES: dict[int, np.dtype] = {
    5120: np.dtype("<i1"),  # BYTE
    5121: np.dtype("<u1"),  # UNSIGNED_BYTE
    5122: np.dtype("<i2"),  # SHORT
    5123: np.dtype("<u2"),  # UNSIGNED_SHORT
    5125: np.dtype("<u4"),  # UNSIGNED_INT
    5126: np.dtype("<f4"),  # FLOAT
}
TYPE_COMPONENTS: dict[str, int] = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
MATRIX_ROWS: dict[str, int] = {"MAT2": 2, "MAT3": 3, "MAT4": 4}
SPARSE_INDEX_TYPES = (5121, 5123, 5125)


def _normalize(values: np.ndarray) -> np.ndarray:
    """Spec "Animations"/"Meshes" normalization: unsigned c / max, signed max(c / max, -1)."""
    info = np.iinfo(values.dtype)
    result = values.astype(np.float32) / np.float32(info.max)
    if info.min < 0:
        result = np.maximum(result, np.float32(-1.0))
    return result


class AccessorReader:
    """Reads accessors of one document; decoded arrays are cached (they are read-only)."""

    def __init__(self, fields: FieldReader, tree: dict[str, Any], resolver: UriResolver, glb_bin: bytes | None) -> None:
        self.f = fields
        self.tree = tree
        self.resolver = resolver
        self.glb_bin = glb_bin
        self.buffers_json = fields.objects(tree, "buffers", "")
        self.views_json = fields.objects(tree, "bufferViews", "")
        self.accessors_json = fields.objects(tree, "accessors", "")
        self._buffers: dict[int, bytes] = {}
        self._cache: dict[int, np.ndarray] = {}

    @property
    def count(self) -> int:
        return len(self.accessors_json)

    # -- buffers and views ---------------------------------------------------------------
    def buffer(self, index: int) -> bytes:
        if index in self._buffers:
            return self._buffers[index]
        path = f"buffers[{index}]"
        spec = self.buffers_json[index]
        byte_length = self.f.int_(spec, "byteLength", path, minimum=1)
        uri = spec.get("uri")
        if uri is None:
            if self.glb_bin is None:
                self.f.fail(f"{path}.uri", "missing: a buffer without a uri needs the BIN chunk of a .glb, "
                                           "and this file has none")
            if index != 0:
                self.f.fail(f"{path}.uri", "missing: only buffers[0] may refer to the GLB BIN chunk")
            data = self.glb_bin
        else:
            if not isinstance(uri, str):
                self.f.fail(f"{path}.uri", f"expected a string, got {uri!r}")
            data = self.resolver.read(uri, f"{path}.uri")
        if len(data) < byte_length:
            self.f.fail(f"{path}.byteLength", f"declares {byte_length} bytes but the data has only {len(data)}")
        self._buffers[index] = data
        return data

    def view(self, index: int) -> tuple[memoryview, int | None]:
        """(bytes of bufferViews[index], byteStride or None)."""
        path = f"bufferViews[{index}]"
        spec = self.views_json[index]
        buffer_index = self.f.index(spec, "buffer", path, "buffers", len(self.buffers_json))
        offset = self.f.int_(spec, "byteOffset", path, 0, minimum=0)
        length = self.f.int_(spec, "byteLength", path, minimum=1)
        stride = self.f.opt_int(spec, "byteStride", path)
        # The spec asks for 4..252 in steps of 4, but real exporters write e.g. 3 for int8 VEC3
        # normals (facecap.glb); we accept any stride that fits the element (checked per accessor).
        if stride is not None and not 1 <= stride <= 252:
            self.f.fail(f"{path}.byteStride", f"{stride} is outside the allowed 1..252")
        data = self.buffer(buffer_index)
        buffer_length = self.f.int_(self.buffers_json[buffer_index], "byteLength", f"buffers[{buffer_index}]")
        if offset + length > buffer_length:
            self.f.fail(f"{path}.byteLength",
                        f"offset {offset} + length {length} runs past buffers[{buffer_index}] ({buffer_length} bytes)")
        return memoryview(data)[offset:offset + length], stride

    # -- accessors -------------------------------------------------------------------------
    def read(self, index: int, field: str = "") -> np.ndarray:
        """Accessor `index` decoded (see module doc). `field` names who referenced it, for messages."""
        if not 0 <= index < len(self.accessors_json):
            self.f.fail(field or "accessors", f"accessor index {index} is out of range: "
                                              f"accessors has {len(self.accessors_json)} entries")
        if index not in self._cache:
            array = self._decode(index)
            array.flags.writeable = False
            self._cache[index] = array
        return self._cache[index]

    def info(self, index: int) -> tuple[str, int, bool, int]:
        """(type, componentType, normalized, count) of accessor `index` without decoding it."""
        path = f"accessors[{index}]"
        spec = self.accessors_json[index]
        kind = self.f.choice(spec, "type", path, tuple(TYPE_COMPONENTS), None)
        component = self.f.choice(spec, "componentType", path, tuple(COMPONENT_DTYPES), None)
        normalized = self.f.bool_(spec, "normalized", path, False)
        count = self.f.int_(spec, "count", path, minimum=1)
        return kind, component, normalized, count

    def _decode(self, index: int) -> np.ndarray:
        path = f"accessors[{index}]"
        spec = self.accessors_json[index]
        kind, component, normalized, count = self.info(index)
        if normalized and component in (5125, 5126):
            self.f.fail(f"{path}.normalized", "only BYTE/UNSIGNED_BYTE/SHORT/UNSIGNED_SHORT may be normalized")
        dtype = COMPONENT_DTYPES[component]
        view_index = self.f.index(spec, "bufferView", path, "bufferViews", len(self.views_json), required=False)
        if view_index is None:
            values = np.zeros((count, TYPE_COMPONENTS[kind]), dtype)
        else:
            offset = self.f.int_(spec, "byteOffset", path, 0, minimum=0)
            view, stride = self.view(view_index)
            values = self._strided(path, view, view_index, offset, stride, count, kind, dtype)
        sparse = spec.get("sparse")
        if sparse is not None:
            values = self._apply_sparse(path, sparse, values, kind, dtype, count)
        if normalized:
            values = _normalize(values)
        if kind == "SCALAR":
            values = values.reshape(count)
        return np.ascontiguousarray(values)

    def _strided(self, path: str, view: memoryview, view_index: int, offset: int, stride: int | None,
                 count: int, kind: str, dtype: np.dtype) -> np.ndarray:
        components = TYPE_COMPONENTS[kind]
        size = dtype.itemsize
        rows = MATRIX_ROWS.get(kind, components)
        columns = components // rows
        # Matrix columns start on 4-byte boundaries (spec "Data Alignment").
        column_stride = -(-rows * size // 4) * 4 if kind in MATRIX_ROWS else rows * size
        element_bytes = column_stride * (columns - 1) + rows * size
        packed_bytes = column_stride * columns
        step = stride if stride is not None else packed_bytes
        if step < element_bytes:
            self.f.fail(f"{path}.bufferView", f"bufferViews[{view_index}].byteStride {step} is smaller than "
                                              f"one {kind} element ({element_bytes} bytes)")
        if offset % size:
            self.f.fail(f"{path}.byteOffset", f"{offset} is not a multiple of the component size {size}")
        needed = offset + step * (count - 1) + element_bytes
        if needed > len(view):
            self.f.fail(f"{path}.count",
                        f"{count} elements need {needed} bytes but bufferViews[{view_index}] has {len(view)}")
        raw = np.frombuffer(view, np.uint8)
        out = np.empty((count, components), dtype)
        for column in range(columns):
            start = offset + column * column_stride
            block = np.lib.stride_tricks.as_strided(
                raw[start:], shape=(count, rows * size), strides=(step, 1), writeable=False)
            out[:, column * rows:(column + 1) * rows] = np.ascontiguousarray(block).view(dtype).reshape(count, rows)
        return out

    def _apply_sparse(self, path: str, sparse: Any, values: np.ndarray, kind: str, dtype: np.dtype,
                      count: int) -> np.ndarray:
        where = f"{path}.sparse"
        if not isinstance(sparse, dict):
            self.f.fail(where, "expected a JSON object")
        n = self.f.int_(sparse, "count", where, minimum=1)
        if n > count:
            self.f.fail(f"{where}.count", f"{n} substitutions exceed the accessor's {count} elements")
        indices_spec = self.f.obj(sparse, "indices", where, required=True)
        values_spec = self.f.obj(sparse, "values", where, required=True)
        ipath, vpath = f"{where}.indices", f"{where}.values"
        index_type = self.f.choice(indices_spec, "componentType", ipath, SPARSE_INDEX_TYPES, None)
        iview_index = self.f.index(indices_spec, "bufferView", ipath, "bufferViews", len(self.views_json))
        iview, _ = self.view(iview_index)
        ioffset = self.f.int_(indices_spec, "byteOffset", ipath, 0, minimum=0)
        idtype = COMPONENT_DTYPES[index_type]
        indices = self._strided(ipath, iview, iview_index, ioffset, None, n, "SCALAR", idtype).reshape(n)
        vview_index = self.f.index(values_spec, "bufferView", vpath, "bufferViews", len(self.views_json))
        vview, _ = self.view(vview_index)
        voffset = self.f.int_(values_spec, "byteOffset", vpath, 0, minimum=0)
        substitutes = self._strided(vpath, vview, vview_index, voffset, None, n, kind, dtype)
        indices = indices.astype(np.int64)
        if indices.max() >= count:
            self.f.fail(f"{ipath}", f"index {int(indices.max())} is out of range for {count} elements")
        if n > 1 and np.any(np.diff(indices) <= 0):
            self.f.fail(f"{ipath}", "indices must be strictly increasing")
        values = values.copy()
        values[indices] = substitutes
        return values
