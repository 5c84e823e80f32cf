"""Assemble the avatar: build the parts, paint weights, make morphs, write the GLB bytes."""
from __future__ import annotations

import numpy as np

from .body import build_arms, build_legs, build_neck, build_torso
from .eyes import build_eyes
from .face_layout import HEAD_C, HEAD_RADII
from .geometry import Part, smooth_normals
from .glb_writer import GlbBuilder, Primitive
from .hair import build_hair
from .hands import build_hands
from .head import build_head
from .materials import LOOKS, material_json
from .morphs import NORMALS_ON_TOP, build_all
from .skeleton import BONES, BONE_INDEX, HEAD_SCALE, bone_head, head_to_final
from .vrm import vrm_extension
from .weights import assign_weights

POSITION_DECIMALS = 6  # 1 micrometre grid: removes float noise so the bytes are reproducible
MORPH_EPSILON = 2e-5  # metres (20 um, far below a pixel at any framing); smaller offsets are dropped
NORMAL_EPSILON = 0.08
# Rigid little pieces whose shading barely changes when they move: no normal deltas (file size).
NO_NORMAL_DELTAS = ("iris", "iris_light", "pupil", "highlight", "teeth", "tongue", "brow", "lash")  # normal deltas below this are dropped (invisible in shading)
MATERIALS = list(LOOKS)
# Layers a fraction of a millimetre apart get no levels of detail (VIVID_lod), as any change to one
# surface lets the next show through: the eye's (white, iris, its light ring, pupil, highlight) and
# the mouth's (teeth and tongue tucked behind the closed lips, the mouth's inside).
NO_LEVELS_OF_DETAIL = ("eye_white", "iris", "iris_light", "pupil", "highlight", "teeth", "tongue", "mouth")
LID_NORMAL_BLEND = 0.35  # share of the lid shell's own normal (the rest follows the face surface)


def build_parts() -> list[Part]:
    parts = build_head()
    parts += build_eyes(parts[0])
    parts += build_hair()
    parts += build_torso() + build_neck() + build_arms() + build_hands() + build_legs()
    for part in parts:
        part.positions = np.round(part.positions, POSITION_DECIMALS)
        part.finish_normals()
        assign_weights(part)
        if part.kind.startswith(("lid_upper", "lid_lower")):
            part.extra["normal_fn"] = _lid_normals
            part.normals = _lid_normals(part.positions, part.normals)
    return parts


def _lid_normals(positions: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Lean lid normals toward the face's so open lids shade like the skin around them (no pale ring)."""
    face = (positions - HEAD_C) / HEAD_RADII ** 2  # gradient of the skull ellipsoid
    face /= np.linalg.norm(face, axis=1, keepdims=True)
    blend = LID_NORMAL_BLEND * normals + (1.0 - LID_NORMAL_BLEND) * face
    return blend / np.linalg.norm(blend, axis=1, keepdims=True)


def _group(parts: list[Part], deltas: dict[str, list[np.ndarray]] | None) -> list[Primitive]:
    """One primitive per material, parts concatenated in build order."""
    prims = []
    for material in MATERIALS:
        members = [i for i, p in enumerate(parts) if p.material == material]
        if not members:
            continue
        pos, nrm, jnt, wgt, idx = [], [], [], [], []
        offset = 0
        for i in members:
            p = parts[i]
            pos.append(p.positions)
            nrm.append(p.normals)
            jnt.append(p.joints)
            wgt.append(p.weights)
            idx.append(p.tris.ravel() + offset)
            offset += len(p.positions)
        prim = Primitive(MATERIALS.index(material), np.concatenate(pos).astype(np.float32),
                         np.round(np.concatenate(nrm), 5).astype(np.float32), np.concatenate(jnt),
                         np.concatenate(wgt), np.concatenate(idx),
                         levels_of_detail=material not in NO_LEVELS_OF_DETAIL)
        if deltas is not None:
            for name, per_part in deltas.items():
                dp, dn = [], []
                for i in members:
                    d = np.round(per_part[i], POSITION_DECIMALS)
                    d[np.abs(d) < MORPH_EPSILON] = 0.0
                    moved = np.any(d != 0.0, axis=1)
                    d[~moved] = 0.0
                    dp.append(d)
                    if np.any(moved) and parts[i].material not in NO_NORMAL_DELTAS:
                        if name in NORMALS_ON_TOP:  # measured where the target is used: on top of another
                            under = parts[i].positions + np.round(deltas[NORMALS_ON_TOP[name]][i], POSITION_DECIMALS)
                            delta_n = np.round(_normals(parts[i], under + d) - _normals(parts[i], under), 4)
                        else:
                            delta_n = np.round(_normals(parts[i], parts[i].positions + d) - parts[i].normals, 4)
                        delta_n[np.max(np.abs(delta_n), axis=1) < NORMAL_EPSILON] = 0.0
                    else:
                        delta_n = np.zeros_like(d)
                    dn.append(delta_n)
                prim.targets.append((np.concatenate(dp).astype(np.float32), np.concatenate(dn).astype(np.float32)))
        prims.append(prim)
    return prims


def _normals(part: Part, positions: np.ndarray) -> np.ndarray:
    n = smooth_normals(positions, part.tris)
    return part.extra["normal_fn"](positions, n) if "normal_fn" in part.extra else n


def build_glb() -> bytes:
    parts = build_parts()
    face = [p for p in parts if p.mesh == "face"]
    body = [p for p in parts if p.mesh == "body"]
    deltas = build_all(face)
    # Face and hair were modelled at build size: scale them (and the morph offsets) to final size.
    for part in parts:
        if part.mesh == "face" or part.kind == "hair":
            part.positions = np.round(head_to_final(part.positions), POSITION_DECIMALS)
    deltas = {name: [d * HEAD_SCALE for d in per_part] for name, per_part in deltas.items()}
    target_names = list(deltas)
    builder = GlbBuilder()
    face_prims = builder.shared_primitives(_group(face, deltas))
    body_prims = builder.shared_primitives(_group(body, None))

    nodes = []
    for i, bone in enumerate(BONES):
        parent = bone_head(bone.parent) if bone.parent else np.zeros(3)
        node = {"name": bone.name, "translation": [round(float(v), 6) for v in bone_head(bone.name) - parent]}
        kids = [j for j, b in enumerate(BONES) if b.parent == bone.name]
        if kids:
            node["children"] = kids
        nodes.append(node)
    body_node, face_node = len(nodes), len(nodes) + 1
    nodes.append({"name": "Body", "mesh": 0, "skin": 0})
    nodes.append({"name": "Face", "mesh": 1, "skin": 0})

    ibm = np.zeros((len(BONES), 4, 4), dtype=np.float32)
    for i, bone in enumerate(BONES):
        m = np.eye(4)
        m[:3, 3] = -np.round(bone_head(bone.name), 6)
        ibm[i] = m.T  # glTF matrices are column-major
    ibm_acc = builder.accessor(ibm.reshape(len(BONES), 16), 5126, "MAT4")

    document = {
        "asset": {"version": "2.0", "generator": "Vivid Studio assets.avatar_gen"},
        "extensionsUsed": ["VIVID_lod", "VRMC_materials_mtoon", "VRMC_vrm"],
        "scene": 0,
        "scenes": [{"name": "Vivid Presenter", "nodes": [0, body_node, face_node]}],
        "nodes": nodes,
        "meshes": [
            {"name": "Body", "primitives": body_prims},
            {"name": "Face", "primitives": face_prims, "weights": [0.0] * len(target_names),
             "extras": {"targetNames": target_names}},
        ],
        "skins": [{"name": "Armature", "joints": list(range(len(BONES))), "skeleton": BONE_INDEX["hips"],
                   "inverseBindMatrices": ibm_acc}],
        "materials": [material_json(m) for m in MATERIALS],
        "extensions": {"VRMC_vrm": vrm_extension(body_node, face_node, target_names)},
    }
    return builder.glb(document)
