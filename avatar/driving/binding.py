"""Resolved expression weights -> morph target weights per mesh node.

VRM avatars use their expressions' morph binds (weights add up, clamped to 0..1 per target, as
UniVRM does). Plain glTF avatars (the built-in one, facecap.glb) bind an expression to the morph
of the same name. ARKit-named weights reach ARKit-named morphs on either kind ("perfect sync").
Material color and texture transform binds are resolved to per-material values
(`ExpressionBinding.material_overrides`), which the renderer does not draw yet."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from avatar.driving.arkit_map import ARKIT_KEYS, arkit_key
from avatar.gltf.document import GltfDocument
from avatar.vrm.types import Expression, VrmModel


@dataclass(frozen=True)
class MaterialOverrides:
    colors: dict[tuple[int, str], tuple[float, float, float, float]]  # (material, type) -> blended colour
    uv_transforms: dict[int, tuple[float, float, float, float]]  # material -> (scale u, v, offset u, v)


class ExpressionBinding:
    def __init__(self, doc: GltfDocument, vrm: VrmModel | None) -> None:
        self.doc = doc
        self.expressions: dict[str, Expression] = {e.name: e for e in vrm.expressions} if vrm else {}
        self.base: dict[int, np.ndarray] = {}
        self._mesh_nodes: dict[int, list[int]] = {}
        self._by_name: dict[str, list[tuple[int, int]]] = {}
        self._arkit: dict[str, list[tuple[int, int]]] = {}
        for node_index, node in enumerate(doc.nodes):
            if node.mesh is None:
                continue
            mesh = doc.meshes[node.mesh]
            self._mesh_nodes.setdefault(node.mesh, []).append(node_index)
            self.base[node_index] = np.array(node.weights if node.weights is not None else mesh.weights, np.float32)
            for t, name in enumerate(mesh.target_names):
                if not name:
                    continue
                self._by_name.setdefault(name, []).append((node_index, t))
                arkit = ARKIT_KEYS.get(arkit_key(name))
                if arkit is not None:
                    self._arkit.setdefault(arkit, []).append((node_index, t))

        # Morphs that expressions control start from 0 (a file's default weights, e.g. facecap's
        # captured first frame, would otherwise add to every expression); others keep the default.
        controlled = [slot for slots in (*self._by_name.values(), *self._arkit.values()) for slot in slots]
        for expression in self.expressions.values():
            for bind in expression.morph_binds:
                controlled += [(n, bind.target) for n in self._mesh_nodes.get(bind.mesh, ())]
        for node, target in controlled:
            self.base[node][target] = 0.0

    @property
    def perfect_sync(self) -> bool:
        """True when at least the blinks and jaw exist as ARKit morphs."""
        return all(n in self._arkit for n in ("eyeBlinkLeft", "eyeBlinkRight", "jawOpen"))

    @property
    def is_vrm(self) -> bool:
        return bool(self.expressions)

    def names(self) -> tuple[str, ...]:
        """Every expression name this avatar can show."""
        return tuple(self.expressions) if self.expressions else tuple(self._by_name)

    def node_weights(self, weights: Mapping[str, float]) -> dict[int, np.ndarray]:
        out = {n: w.copy() for n, w in self.base.items()}
        for name, value in weights.items():
            if value == 0.0:
                continue
            expression = self.expressions.get(name)
            if expression is not None:
                for bind in expression.morph_binds:
                    for node in self._mesh_nodes.get(bind.mesh, ()):
                        if bind.node is None or bind.node == node:
                            out[node][bind.target] += value * bind.weight
                continue
            slots = self._arkit.get(name) if name in ARKIT_KEYS.values() else None
            for node, target in slots or self._by_name.get(name, ()):
                out[node][target] += value
        for w in out.values():
            np.clip(w, 0.0, 1.0, out=w)
        return out

    def material_overrides(self, weights: Mapping[str, float]) -> MaterialOverrides:
        colors: dict[tuple[int, str], np.ndarray] = {}
        uv: dict[int, np.ndarray] = {}
        for name, value in weights.items():
            expression = self.expressions.get(name)
            if expression is None or value == 0.0:
                continue
            for bind in expression.material_color_binds:
                key = (bind.material, bind.type)
                colors[key] = colors.get(key, np.zeros(4)) + np.asarray(bind.target_value) * value
            for bind in expression.texture_transform_binds:
                delta = np.array([bind.scale[0] - 1.0, bind.scale[1] - 1.0, *bind.offset]) * value
                uv[bind.material] = uv.get(bind.material, np.zeros(4)) + delta
        return MaterialOverrides({k: tuple(float(x) for x in v) for k, v in colors.items()},
                                 {k: (1.0 + v[0], 1.0 + v[1], float(v[2]), float(v[3])) for k, v in uv.items()})
