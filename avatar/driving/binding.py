"""Resolved expression weights -> morph target weights per mesh node.

VRM avatars use their expressions' morph binds (weights add up, clamped to 0..1 per target, as
UniVRM does). Plain glTF avatars (the built-in one, facecap.glb) bind an expression to the morph
of the same name. ARKit-named weights reach ARKit-named morphs on either kind ("perfect sync").
Material colour and texture transform binds are resolved per material
(`ExpressionBinding.material_overrides`); the renderer blends them into the material's own values
(render/materials.py `with_overrides`)."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from avatar.driving.arkit_map import ARKIT_KEYS, arkit_key
from avatar.gltf.document import GltfDocument
from avatar.posing import MaterialOverrides
from avatar.vrm.types import Expression, VrmModel


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

    def material_overrides(self, weights: Mapping[str, float]) -> MaterialOverrides | None:
        """The material colour and texture transform binds of the expressions shown; None when
        none of them binds a material (the renderer then draws every material as it is)."""
        colors: dict[tuple[int, str], tuple[np.ndarray, float]] = {}
        uv: dict[int, tuple[np.ndarray, float]] = {}
        for name, value in weights.items():
            expression = self.expressions.get(name)
            if expression is None or value == 0.0:
                continue
            for bind in expression.material_color_binds:
                total, weight = colors.get((bind.material, bind.type), (np.zeros(4), 0.0))
                colors[(bind.material, bind.type)] = (total + np.asarray(bind.target_value) * value, weight + value)
            for bind in expression.texture_transform_binds:
                total, weight = uv.get(bind.material, (np.zeros(4), 0.0))
                uv[bind.material] = (total + np.array([*bind.scale, *bind.offset]) * value, weight + value)
        if not colors and not uv:
            return None
        return MaterialOverrides(
            {key: (tuple(float(x) for x in total), float(weight)) for key, (total, weight) in colors.items()},
            {key: (tuple(float(x) for x in total), float(weight)) for key, (total, weight) in uv.items()})
