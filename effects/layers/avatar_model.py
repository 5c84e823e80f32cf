"""The 3D avatar head for `avatar_head` with style "avatar": the built-in avatar's (or a
package glTF's) face mesh and hair, bound to the tracked head pose and driven by the face's 52
blendshapes through morph targets with the same ARKit names.

Only the head is drawn: every primitive of the mesh node with the most morph targets (the face)
plus primitives whose material is named in HAIR_MATERIALS; the body stays hidden."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from avatar.gltf.document import Primitive
from avatar.gltf.loader import load_gltf
from avatar.gltf.pose import NodeTransforms, world_matrices
from capture.types import BLENDSHAPE_NAMES, FaceTracking
from render.context import RenderContext
from render.model import ModelInstance

HAIR_MATERIALS = ("hair", "hair_cap")  # the built-in avatar's strands and the cap under them
# MediaPipe's eyeLook* scores sit at 0.2-0.5 even for a straight gaze; on full-range avatar
# morphs that rolls the irises out of sight, so gaze morphs are scaled down (by eye on the
# portraits; 1.0 hid the irises).
GAZE_GAIN = 0.25
# Morph weights below this are dropped: invisible, but each active morph costs a vertex fetch
# per vertex on a software rasterizer (MediaPipe leaves most of the 52 scores at 0.001-0.03).
MIN_MORPH_WEIGHT = 0.04
NOSE_TIP_CANONICAL_CM = np.array([0.0, -1.1, 7.5])  # canonical face model vertex 1
CHIN_CANONICAL_Y_CM = -9.4  # canonical face model vertex 152
# The real head the avatar must hide, in canonical face space (cm, +y up): it reaches well past
# the face mesh (top: vertex 10 at y 8.3; sides: vertices 234/454 at x +-7.7). Measured with the
# person mask on the portraits in tests/effects: hair up to 8.5 cm above vertex 10 (biden.jpg) and
# up to ~10.7 cm beside the centre line at the temples. Real chins end up to 0.7 cm below vertex
# 152 and are broader than a stylized, pointed one: with the avatar's chin 1 cm lower every chin
# landmark of those portraits is hidden; 1.5 cm leaves some slack.
HAIR_TOP_CANONICAL_Y_CM = 17.0
HAIR_HALF_WIDTH_CM = 10.7
CHIN_MARGIN_CM = 1.5


class AvatarHeadModel:
    def __init__(self, rc: RenderContext, path: Path, scale: float) -> None:
        doc = load_gltf(path)
        self.doc = doc
        mesh_nodes = [i for i, n in enumerate(doc.nodes) if n.mesh is not None]
        if not mesh_nodes:
            raise ValueError(f"{path}: no meshes")
        targets = {i: max((len(p.targets or ()) for p in doc.meshes[doc.nodes[i].mesh].primitives), default=0)
                   for i in mesh_nodes}
        self.face_node = max(targets, key=targets.get)
        names = doc.json["meshes"][doc.nodes[self.face_node].mesh].get("extras", {}).get("targetNames", [])
        # MediaPipe blendshape index -> morph target index (ARKit names on both sides).
        self.morph_map = [(b, names.index(n), GAZE_GAIN if n.startswith("eyeLook") else 1.0)
                          for b, n in enumerate(BLENDSHAPE_NAMES) if n in names]
        self.num_targets = targets[self.face_node]
        self.model = ModelInstance(rc, doc, outlines=False)

        def face_or_hair(node: int, material: int | None) -> bool:
            name = doc.materials[material].name if material is not None else ""
            return node == self.face_node or name in HAIR_MATERIALS

        self.model.keep_only(lambda item: face_or_hair(item.node, item.material))
        self.rest_world = world_matrices(doc, NodeTransforms.rest(doc).local_matrices()).astype(np.float64)
        # Anchors on the face node's rest pose (world space, m): the nose tip and the chin.
        face = self._rest_positions([(self.face_node, doc.meshes[doc.nodes[self.face_node].mesh].primitives[0])])
        nose = face[np.argmax(face[:, 2])]
        front = face[np.abs(face[:, 0]) < 0.01]  # the face's centre line
        chin_y = float(front[:, 1][front[:, 2] > nose[2] - 0.06].min()) if len(front) else float(face[:, 1].min())
        # Size: the smallest scale at which everything drawn (face and hair; rest-pose bounds) reaches
        # the real hair's top and sides from the chin up. Fitting the face alone to the canonical
        # face left the real hair, which is bigger than any face, sticking out around the avatar.
        drawn = self._rest_positions([(i, p) for i in mesh_nodes for p in doc.meshes[doc.nodes[i].mesh].primitives
                                      if face_or_hair(i, p.material)])
        height_m = float(drawn[:, 1].max()) - chin_y
        half_width_m = float(np.abs(drawn[:, 0] - nose[0]).max())
        chin_cm = CHIN_CANONICAL_Y_CM - CHIN_MARGIN_CM
        fit_cm_per_m = max((HAIR_TOP_CANONICAL_Y_CM - chin_cm) / max(height_m, 1e-6),
                           HAIR_HALF_WIDTH_CM / max(half_width_m, 1e-6))
        self.scale_cm_per_m = fit_cm_per_m * scale
        self.nose_m = nose
        self.chin_y_m = chin_y

    def _rest_positions(self, primitives: list[tuple[int, Primitive]]) -> np.ndarray:
        """World-space rest-pose vertices (N, 3) in m of (node index, primitive) pairs."""
        out = []
        for node, prim in primitives:
            local = prim.positions.astype(np.float64)
            out.append((self.rest_world[node] @ np.c_[local, np.ones(len(local))].T).T[:, :3])
        return np.concatenate(out)

    def pose(self, face: FaceTracking) -> None:
        """Place the head on `face` (camera space, cm) and set its expression."""
        s = self.scale_cm_per_m
        fit = np.eye(4)
        fit[:3, :3] *= s
        # Nose tip onto the canonical nose (x, z) and chin just below the canonical chin (y):
        # stylized heads have short chins, so a nose fit alone leaves the real chin showing.
        fit[:3, 3] = NOSE_TIP_CANONICAL_CM - s * self.nose_m
        fit[1, 3] = CHIN_CANONICAL_Y_CM - CHIN_MARGIN_CM - s * self.chin_y_m
        g = np.asarray(face.head_matrix, np.float64) @ fit
        weights = np.zeros(self.num_targets, np.float32)
        for b, t, gain in self.morph_map:
            value = float(face.blendshapes[b])
            weights[t] = 0.0 if np.isnan(value) else value * gain
        weights[weights < MIN_MORPH_WEIGHT] = 0.0
        self.model.set_pose(g @ self.rest_world, {self.face_node: weights})

    def release(self) -> None:
        self.model.release()
