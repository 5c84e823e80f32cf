"""Meshes and primitives: attributes, indices, morph targets (glTF 2.0 spec "Meshes").

Conventions of the produced `Primitive` (see document.py):
- TRIANGLE_STRIP and TRIANGLE_FAN are converted to TRIANGLES indices (spec "Primitive Topologies"
  winding: strip triangle i = (i, i+1+i%2, i+2-i%2), fan triangle i = (i+1, i+2, 0)), so the
  renderer only draws POINTS / LINES / LINE_LOOP / LINE_STRIP / TRIANGLES.
- Attributes stored as normalized integers (KHR_mesh_quantization, COLOR_0, TEXCOORD_n, WEIGHTS_0)
  come out as float32; POSITION/NORMAL stored as plain integers are cast to float32.
- COLOR_0 is always (N, 4): RGB colours get alpha 1.
- More than 4 influences (JOINTS_1/WEIGHTS_1): the 4 largest weights per vertex are kept and
  renormalized, and a warning names the mesh (document.py holds one JOINTS_0/WEIGHTS_0 set).
- Skin weights not summing to 1 (invalid, but real files do it) are renormalized per vertex, so
  the mesh-node transform cancels as the spec intends and every renderer agrees.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

from avatar.gltf.accessors import AccessorReader
from avatar.gltf.document import Mesh, MorphTarget, Primitive, PrimitiveMode
from avatar.gltf.fields import FieldReader

log = logging.getLogger(__name__)

MAX_INFLUENCES = 4  # JOINTS_0/WEIGHTS_0 in document.Primitive
# Per-vertex weight sums further than this from 1 are renormalized (float32 exporters land within
# ~1e-6; uint8-quantized weights can be off by a few /255 and are renormalized too, harmlessly).
WEIGHT_SUM_TOLERANCE = 1e-3
# Only sums off by more than this get a warning: beyond quantization noise, the file is wrong.
WEIGHT_SUM_WARN = 1e-2


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _float_attribute(acc: AccessorReader, index: int, field: str, width: int, f: FieldReader) -> np.ndarray:
    values = acc.read(index, field)
    if values.ndim != 2 or values.shape[1] != width:
        f.fail(field, f"accessors[{index}] must be VEC{width}, got shape {values.shape[1:] or 'SCALAR'}")
    return _readonly(values.astype(np.float32, copy=True)) if values.dtype != np.float32 else values


LOD_EXTENSION = "VIVID_lod"  # coarser index lists over a primitive's own vertices (docs/avatar_formats.md)


def strip_to_triangles(order: np.ndarray) -> np.ndarray:
    """Vertex order of a TRIANGLE_STRIP -> TRIANGLES indices, keeping the spec's winding."""
    n = len(order) - 2
    if n <= 0:
        return np.zeros(0, np.uint32)
    i = np.arange(n)
    odd = i % 2
    tris = np.stack([order[i], order[i + 1 + odd], order[i + 2 - odd]], axis=1)
    return tris.reshape(-1).astype(np.uint32)


def fan_to_triangles(order: np.ndarray) -> np.ndarray:
    """Vertex order of a TRIANGLE_FAN -> TRIANGLES indices, keeping the spec's winding."""
    n = len(order) - 2
    if n <= 0:
        return np.zeros(0, np.uint32)
    i = np.arange(n)
    tris = np.stack([order[i + 1], order[i + 2], np.full(n, order[0])], axis=1)
    return tris.reshape(-1).astype(np.uint32)


def _accessor_map(spec: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    """(semantic, accessor index) pairs of an attributes or morph target object, sorted."""
    return tuple(sorted((name, index) for name, index in spec.items() if isinstance(index, int)))


class MeshReader:
    def __init__(self, f: FieldReader, acc: AccessorReader, material_count: int) -> None:
        self.f = f
        self.acc = acc
        self.material_count = material_count

    def mesh(self, index: int, spec: dict[str, Any]) -> Mesh:
        path = f"meshes[{index}]"
        primitives_json = self.f.objects(spec, "primitives", path, required=True)
        if not primitives_json:
            self.f.fail(f"{path}.primitives", "a mesh needs at least one primitive")
        primitives = tuple(self.primitive(f"{path}.primitives[{i}]", p) for i, p in enumerate(primitives_json))
        target_count = len(primitives[0].targets)
        for i, primitive in enumerate(primitives):
            if len(primitive.targets) != target_count:
                self.f.fail(f"{path}.primitives[{i}].targets",
                            f"has {len(primitive.targets)} morph targets but primitives[0] has {target_count} "
                            "(all primitives of a mesh must have the same number)")
        weights_json = self.f.array(spec, "weights", path)
        if weights_json:
            if len(weights_json) != target_count:
                self.f.fail(f"{path}.weights", f"has {len(weights_json)} entries for {target_count} morph targets")
            weights = np.asarray(self.f.floats(spec, "weights", path, target_count), np.float32)
        else:
            weights = np.zeros(target_count, np.float32)
        return Mesh(
            name=self.f.str_(spec, "name", path, ""),
            primitives=primitives,
            weights=_readonly(weights),
            target_names=self._target_names(path, spec, primitives_json, target_count),
        )

    def _target_names(self, path: str, spec: dict[str, Any], primitives_json: list[dict[str, Any]],
                      target_count: int) -> tuple[str, ...]:
        # mesh.extras.targetNames is the de-facto convention; some exporters put it on primitive 0.
        for holder, where in ((spec, path), (primitives_json[0], f"{path}.primitives[0]")):
            extras = holder.get("extras")
            if isinstance(extras, dict) and isinstance(extras.get("targetNames"), list):
                names = [n if isinstance(n, str) else "" for n in extras["targetNames"]]
                if len(names) != target_count:
                    log.warning("%s: %s.extras.targetNames has %d names for %d morph targets; "
                                "missing names are empty, extra names dropped", self.f.name, where,
                                len(names), target_count)
                names = (names + [""] * target_count)[:target_count]
                return tuple(names)
        return ("",) * target_count

    def primitive(self, path: str, spec: dict[str, Any]) -> Primitive:
        attributes = self.f.obj(spec, "attributes", path, required=True)
        apath = f"{path}.attributes"
        count = self.acc.count

        def attribute(name: str) -> int | None:
            return self.f.index(attributes, name, apath, "accessors", count, required=False)

        position_index = attribute("POSITION")
        if position_index is None:
            self.f.fail(f"{apath}.POSITION", "required attribute is missing")
        positions = _float_attribute(self.acc, position_index, f"{apath}.POSITION", 3, self.f)
        n = positions.shape[0]

        def checked(name: str, array: np.ndarray | None) -> np.ndarray | None:
            if array is not None and array.shape[0] != n:
                self.f.fail(f"{apath}.{name}", f"has {array.shape[0]} elements but POSITION has {n}")
            return array

        def floats(name: str, width: int) -> np.ndarray | None:
            index = attribute(name)
            if index is None:
                return None
            return checked(name, _float_attribute(self.acc, index, f"{apath}.{name}", width, self.f))

        normals = floats("NORMAL", 3)
        tangents = floats("TANGENT", 4)
        texcoords = []
        while f"TEXCOORD_{len(texcoords)}" in attributes:
            texcoords.append(floats(f"TEXCOORD_{len(texcoords)}", 2))
        colors = self._colors(apath, attributes, n)
        joints, weights = self._skin_attributes(apath, attributes, n)
        mode = PrimitiveMode(self.f.choice(spec, "mode", path, tuple(int(m) for m in PrimitiveMode), 4))
        indices = self._indices(path, spec, n)
        if mode in (PrimitiveMode.TRIANGLE_STRIP, PrimitiveMode.TRIANGLE_FAN):
            order = indices if indices is not None else np.arange(n, dtype=np.uint32)
            convert = strip_to_triangles if mode == PrimitiveMode.TRIANGLE_STRIP else fan_to_triangles
            indices = _readonly(convert(order))
            mode = PrimitiveMode.TRIANGLES
        lod_indices, lod_errors = self._levels_of_detail(path, spec, n, mode, indices)
        material = self.f.index(spec, "material", path, "materials", self.material_count, required=False)
        targets_json = self.f.objects(spec, "targets", path)
        targets = tuple(self._target(f"{path}.targets[{i}]", t, n) for i, t in enumerate(targets_json))
        return Primitive(
            positions=positions, indices=indices, mode=mode, normals=normals, tangents=tangents,
            texcoords=tuple(texcoords), colors=colors, joints=joints, weights=weights,
            material=material, targets=targets, lod_indices=lod_indices, lod_errors=lod_errors,
            vertex_source=(_accessor_map(attributes), tuple(_accessor_map(t) for t in targets_json)),
        )

    def _indices(self, path: str, spec: dict[str, Any], n: int) -> np.ndarray | None:
        index = self.f.index(spec, "indices", path, "accessors", self.acc.count, required=False)
        if index is None:
            return None
        return self._index_list(index, f"{path}.indices", n)

    def _index_list(self, index: int, where: str, n: int) -> np.ndarray:
        values = self.acc.read(index, where)
        if values.ndim != 1 or values.dtype.kind != "u":
            self.f.fail(where, f"accessors[{index}] must be SCALAR unsigned integers")
        if values.size and int(values.max()) >= n:
            self.f.fail(where, f"accessors[{index}] refers to vertex {int(values.max())} but the primitive has {n}")
        return _readonly(values.astype(np.uint32))

    def _levels_of_detail(self, path: str, spec: dict[str, Any], n: int, mode: PrimitiveMode,
                          indices: np.ndarray | None) -> tuple[tuple[np.ndarray, ...], tuple[float, ...]]:
        """The primitive's VIVID_lod levels, finest first: {"indices": [accessor, ...],
        "errors": [metres, ...]}."""
        extension = self.f.obj(self.f.obj(spec, "extensions", path), LOD_EXTENSION, f"{path}.extensions")
        if not extension:
            return (), ()
        where = f"{path}.extensions.{LOD_EXTENSION}"
        if mode is not PrimitiveMode.TRIANGLES or indices is None:
            self.f.fail(where, "levels of detail need an indexed TRIANGLES primitive (remove the extension)")
        accessors = self.f.array(extension, "indices", where, required=True)
        errors = self.f.floats(extension, "errors", where, len(accessors))
        if any(not error >= 0.0 for error in errors):
            self.f.fail(f"{where}.errors", f"must be distances in metres (>= 0), got {list(errors)}")
        levels = []
        for k, value in enumerate(accessors):
            index = self.f.index_value(value, f"{where}.indices[{k}]", "accessors", self.acc.count)
            level = self._index_list(index, f"{where}.indices[{k}]", n)
            if level.size % 3:
                self.f.fail(f"{where}.indices[{k}]", f"accessors[{index}] must hold whole triangles (a multiple of 3 indices)")
            levels.append(level)
        return tuple(levels), errors

    def _colors(self, apath: str, attributes: dict[str, Any], n: int) -> np.ndarray | None:
        index = self.f.index(attributes, "COLOR_0", apath, "accessors", self.acc.count, required=False)
        if index is None:
            return None
        values = self.acc.read(index, f"{apath}.COLOR_0").astype(np.float32)
        if values.ndim != 2 or values.shape[1] not in (3, 4) or values.shape[0] != n:
            self.f.fail(f"{apath}.COLOR_0", f"must be VEC3 or VEC4 with {n} elements")
        if values.shape[1] == 3:
            values = np.concatenate([values, np.ones((n, 1), np.float32)], axis=1)
        return _readonly(values)

    def _skin_attributes(self, apath: str, attributes: dict[str, Any], n: int
                         ) -> tuple[np.ndarray | None, np.ndarray | None]:
        sets = []
        while f"JOINTS_{len(sets)}" in attributes:
            k = len(sets)
            j_index = self.f.index(attributes, f"JOINTS_{k}", apath, "accessors", self.acc.count)
            w_index = self.f.index(attributes, f"WEIGHTS_{k}", apath, "accessors", self.acc.count)
            joints = self.acc.read(j_index, f"{apath}.JOINTS_{k}")
            weights = self.acc.read(w_index, f"{apath}.WEIGHTS_{k}").astype(np.float32)
            if joints.shape != (n, 4) or joints.dtype.kind != "u":
                self.f.fail(f"{apath}.JOINTS_{k}", f"must be VEC4 unsigned byte/short with {n} elements")
            if weights.shape != (n, 4):
                self.f.fail(f"{apath}.WEIGHTS_{k}", f"must be VEC4 with {n} elements")
            sets.append((joints.astype(np.uint16), weights))
        if not sets:
            return None, None
        joints = np.concatenate([s[0] for s in sets], axis=1)
        weights = np.concatenate([s[1] for s in sets], axis=1)
        if joints.shape[1] > MAX_INFLUENCES:
            log.warning("%s: %s has %d joint influences per vertex; keeping the %d largest and renormalizing",
                        self.f.name, apath, joints.shape[1], MAX_INFLUENCES)
            order = np.argsort(-weights, axis=1, kind="stable")[:, :MAX_INFLUENCES]
            joints = np.take_along_axis(joints, order, axis=1)
            weights = np.take_along_axis(weights, order, axis=1)
            total = weights.sum(axis=1, keepdims=True)
            weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
        weights = self._normalized_weights(apath, weights)
        return _readonly(np.ascontiguousarray(joints)), _readonly(np.ascontiguousarray(weights))

    def _normalized_weights(self, apath: str, weights: np.ndarray) -> np.ndarray:
        """The spec requires per-vertex weights summing to 1; files that break it (RobotExpressive's
        hands sum to 1.75) would skin differently in every renderer, so we renormalize them."""
        total = weights.sum(axis=1, keepdims=True)
        off = np.abs(total[:, 0] - 1.0) > WEIGHT_SUM_TOLERANCE
        if not off.any():
            return weights
        worst = float(np.abs(total[:, 0] - 1.0).max())
        if worst > WEIGHT_SUM_WARN:
            log.warning("%s: %s.WEIGHTS_0: %d vertices have weights that do not sum to 1 (off by up to %.3g); "
                        "renormalized", self.f.name, apath, int(off.sum()), worst)
        safe = np.where(total > 0.0, total, 1.0)
        return np.where(off[:, None] & (total > 0.0), weights / safe, weights).astype(np.float32)

    def _target(self, path: str, spec: dict[str, Any], n: int) -> MorphTarget:
        def delta(name: str) -> np.ndarray | None:
            index = self.f.index(spec, name, path, "accessors", self.acc.count, required=False)
            if index is None:
                return None
            values = _float_attribute(self.acc, index, f"{path}.{name}", 3, self.f)
            if values.shape[0] != n:
                self.f.fail(f"{path}.{name}", f"has {values.shape[0]} elements but POSITION has {n}")
            return values

        return MorphTarget(positions=delta("POSITION"), normals=delta("NORMAL"), tangents=delta("TANGENT"))
