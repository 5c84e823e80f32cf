"""The built-in avatar: deterministic generator, skeleton, skin weights, face morphs, VRM data."""
from __future__ import annotations

import numpy as np
import pytest

from assets.avatar_gen import build_glb
from assets.avatar_gen.face_layout import FINAL_MOUTH_HALF_WIDTH as MOUTH_HALF_WIDTH
from assets.avatar_gen.face_layout import FINAL_MOUTH_Y as MOUTH_Y
from assets.avatar_gen.face_layout import TEETH_TUCK
from assets.avatar_gen.skeleton import HEAD_SCALE
from assets.paths import BUILTIN_AVATAR
from capture.types import BLENDSHAPE_NAMES

from .glb_io import GlbFile

MAX_FILE_BYTES = 3 * 1024 * 1024  # the brief's budget for the committed avatar
TRIANGLES_RANGE = (25_000, 45_000)  # smooth toon shading in a close-up; light enough for a software rasterizer
ARKIT = [n for n in BLENDSHAPE_NAMES if n != "_neutral"] + ["tongueOut"]
VRM_PRESETS = ["aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad",
               "relaxed", "surprised", "lookUp", "lookDown", "lookLeft", "lookRight", "neutral"]
PARENTS = {
    "hips": None, "spine": "hips", "chest": "spine", "upperChest": "chest", "neck": "upperChest",
    "head": "neck", "leftEye": "head", "rightEye": "head", "jaw": "head",
}
for _s in ("left", "right"):
    PARENTS.update({
        f"{_s}Shoulder": "upperChest", f"{_s}UpperArm": f"{_s}Shoulder", f"{_s}LowerArm": f"{_s}UpperArm",
        f"{_s}Hand": f"{_s}LowerArm", f"{_s}ThumbMetacarpal": f"{_s}Hand", f"{_s}ThumbProximal": f"{_s}ThumbMetacarpal",
        f"{_s}ThumbDistal": f"{_s}ThumbProximal", f"{_s}UpperLeg": "hips", f"{_s}LowerLeg": f"{_s}UpperLeg",
        f"{_s}Foot": f"{_s}LowerLeg", f"{_s}Toes": f"{_s}Foot",
    })
    for _f in ("Index", "Middle", "Ring", "Little"):
        PARENTS.update({f"{_s}{_f}Proximal": f"{_s}Hand", f"{_s}{_f}Intermediate": f"{_s}{_f}Proximal",
                        f"{_s}{_f}Distal": f"{_s}{_f}Intermediate"})


@pytest.fixture(scope="module")
def fresh() -> bytes:
    return build_glb()


@pytest.fixture(scope="module")
def glb(fresh: bytes) -> GlbFile:
    return GlbFile(fresh)


def _face_target(glb: GlbFile, name: str):
    """Yield (material, rest positions, delta) per face primitive for one morph target."""
    mesh = glb.mesh("Face")
    k = mesh["extras"]["targetNames"].index(name)
    for prim in mesh["primitives"]:
        rest = glb.attribute(prim, "POSITION")
        delta = glb.target(prim, k)
        yield glb.material_name(prim), rest, delta


def test_generator_is_deterministic(fresh: bytes) -> None:
    assert build_glb() == fresh


def test_committed_avatar_equals_a_fresh_build(fresh: bytes) -> None:
    committed = BUILTIN_AVATAR.read_bytes()
    assert committed == fresh, (
        f"{BUILTIN_AVATAR} is stale: run `python -m assets.avatar_gen -o {BUILTIN_AVATAR}` and commit it")


def test_glb_container_is_valid(glb: GlbFile, fresh: bytes) -> None:
    assert glb.header == (b"glTF", 2, len(fresh))
    assert glb.json_type == b"JSON" and glb.bin_type == b"BIN\x00"
    doc = glb.doc
    assert doc["asset"]["version"] == "2.0"
    assert doc["buffers"] == [{"byteLength": len(glb.bin)}]
    for view in doc["bufferViews"]:
        assert view["byteOffset"] % 4 == 0
        assert view["byteOffset"] + view["byteLength"] <= len(glb.bin)
    for mesh in doc["meshes"]:
        for prim in mesh["primitives"]:
            count = doc["accessors"][prim["attributes"]["POSITION"]]["count"]
            for acc in prim["attributes"].values():
                assert doc["accessors"][acc]["count"] == count
            idx = glb.accessor(prim["indices"])
            assert idx.min() >= 0 and idx.max() < count and len(idx) % 3 == 0
            pos = glb.accessor(prim["attributes"]["POSITION"])
            acc = doc["accessors"][prim["attributes"]["POSITION"]]
            np.testing.assert_allclose(pos.min(axis=0), acc["min"], atol=1e-6)
            np.testing.assert_allclose(pos.max(axis=0), acc["max"], atol=1e-6)


def test_each_mesh_shares_one_vertex_set_between_its_primitives(glb: GlbFile) -> None:
    # UniVRM's layout: a renderer skins and morphs each mesh once a frame, not once per material.
    for mesh in glb.doc["meshes"]:
        first = mesh["primitives"][0]
        assert all(p["attributes"] == first["attributes"] for p in mesh["primitives"])
        assert all(p.get("targets") == first.get("targets") for p in mesh["primitives"])
        used = [set(glb.used_vertices(p)) for p in mesh["primitives"]]
        # Every vertex is drawn (a vertex no triangle uses would still be skinned and morphed each
        # frame) and belongs to one material.
        assert sum(len(u) for u in used) == glb.doc["accessors"][first["attributes"]["POSITION"]]["count"]
        assert len(set().union(*used)) == sum(len(u) for u in used)


def test_size_and_triangle_budget(glb: GlbFile, fresh: bytes) -> None:
    assert len(fresh) <= MAX_FILE_BYTES
    tris = sum(glb.doc["accessors"][p["indices"]]["count"] // 3 for m in glb.doc["meshes"] for p in m["primitives"])
    assert TRIANGLES_RANGE[0] <= tris <= TRIANGLES_RANGE[1]


def test_bones_have_vrm_names_parents_and_identity_rest_rotation(glb: GlbFile) -> None:
    nodes = glb.doc["nodes"]
    by_name = {n["name"]: i for i, n in enumerate(nodes)}
    parent_of = {c: i for i, n in enumerate(nodes) for c in n.get("children", [])}
    for bone, parent in PARENTS.items():
        assert bone in by_name, f"missing bone {bone}"
        i = by_name[bone]
        actual = nodes[parent_of[i]]["name"] if i in parent_of else None
        assert actual == parent, f"{bone}: parent {actual}, expected {parent}"
        assert "rotation" not in nodes[i] and "scale" not in nodes[i] and "matrix" not in nodes[i]


def _world_positions(glb: GlbFile) -> dict[str, np.ndarray]:
    nodes = glb.doc["nodes"]
    parent_of = {c: i for i, n in enumerate(nodes) for c in n.get("children", [])}

    def world(i: int) -> np.ndarray:
        t = np.array(nodes[i].get("translation", [0.0, 0.0, 0.0]))
        return t + (world(parent_of[i]) if i in parent_of else 0.0)

    return {nodes[j]["name"]: world(j) for j in glb.doc["skins"][0]["joints"]}


def test_inverse_bind_matrices_undo_the_rest_pose(glb: GlbFile) -> None:
    skin = glb.doc["skins"][0]
    ibm = glb.accessor(skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)  # column-major
    world = _world_positions(glb)
    for k, j in enumerate(skin["joints"]):
        rest = np.eye(4)
        rest[:3, 3] = world[glb.doc["nodes"][j]["name"]]
        np.testing.assert_allclose(ibm[k] @ rest, np.eye(4), atol=1e-5)


def test_proportions_height_facing_and_sides(glb: GlbFile) -> None:
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for mesh in glb.doc["meshes"]:
        for prim in mesh["primitives"]:
            acc = glb.doc["accessors"][prim["attributes"]["POSITION"]]
            lo, hi = np.minimum(lo, acc["min"]), np.maximum(hi, acc["max"])
    assert abs(hi[1] - 1.60) < 0.03 and abs(lo[1]) < 0.005  # ~1.6 m, standing on y = 0
    world = _world_positions(glb)
    assert world["leftEye"][0] > 0.02 and world["rightEye"][0] < -0.02  # the avatar's left is +X
    assert world["leftHand"][0] > 0.6  # T-pose
    assert world["leftToes"][2] > world["leftFoot"][2] + 0.05  # feet point +Z: the avatar faces +Z
    assert world["leftEye"][2] > world["head"][2] + 0.05


def test_morph_targets_cover_arkit_and_vrm_presets(glb: GlbFile) -> None:
    assert len(ARKIT) == 52
    mesh = glb.mesh("Face")
    names = mesh["extras"]["targetNames"]
    assert len(names) == len(set(names))
    assert set(ARKIT) <= set(names) and set(VRM_PRESETS) <= set(names)
    assert len(mesh["weights"]) == len(names)
    for prim in mesh["primitives"]:
        assert len(prim["targets"]) == len(names)
        for target in prim["targets"]:
            acc = glb.doc["accessors"][target["POSITION"]]
            assert "bufferView" not in acc  # sparse or all-zero, never dense
    assert all("targets" not in p for p in glb.mesh("Body")["primitives"])


def test_skin_weights_are_normalized_and_reference_valid_joints(glb: GlbFile) -> None:
    joints = len(glb.doc["skins"][0]["joints"])
    for mesh in glb.doc["meshes"]:
        for prim in mesh["primitives"]:
            w = glb.attribute(prim, "WEIGHTS_0")
            j = glb.attribute(prim, "JOINTS_0").astype(int)
            assert w.shape[1] == 4 and np.all(w >= 0.0)
            np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-6)
            assert j.min() >= 0 and j.max() < joints
            used = np.where(w > 0, j, -1 - np.arange(4))  # distinct placeholders for empty slots
            assert all(len(set(row)) == 4 for row in used), f"duplicate joint in a vertex of {glb.material_name(prim)}"


def _weights_by_bone(glb: GlbFile, prim: dict, bone: str) -> np.ndarray:
    index = next(k for k, j in enumerate(glb.doc["skins"][0]["joints"]) if glb.doc["nodes"][j]["name"] == bone)
    w = glb.attribute(prim, "WEIGHTS_0")
    j = glb.attribute(prim, "JOINTS_0").astype(int)
    return np.sum(np.where(j == index, w, 0.0), axis=1)


def test_eyes_follow_only_their_eye_bone(glb: GlbFile) -> None:
    for prim in glb.mesh("Face")["primitives"]:
        if glb.material_name(prim) not in ("eye_white", "iris", "pupil"):
            continue
        x = glb.attribute(prim, "POSITION")[:, 0]
        np.testing.assert_allclose(_weights_by_bone(glb, prim, "leftEye")[x > 0], 1.0, atol=1e-6)
        np.testing.assert_allclose(_weights_by_bone(glb, prim, "rightEye")[x < 0], 1.0, atol=1e-6)


def test_elbow_and_jaw_blend_smoothly(glb: GlbFile) -> None:
    world = _world_positions(glb)
    sleeve = next(p for p in glb.mesh("Body")["primitives"] if glb.material_name(p) == "blazer")
    pos = glb.attribute(sleeve, "POSITION")
    near_elbow = (np.abs(pos[:, 0] - world["leftLowerArm"][0]) < 0.01) & (np.abs(pos[:, 1] - world["leftLowerArm"][1]) < 0.06)
    upper = _weights_by_bone(glb, sleeve, "leftUpperArm")[near_elbow]
    assert near_elbow.sum() > 10 and np.all((upper > 0.2) & (upper < 0.8))  # blended, not a hard seam
    teeth = next(p for p in glb.mesh("Face")["primitives"] if glb.material_name(p) == "teeth")
    y = glb.attribute(teeth, "POSITION")[:, 1]
    jaw = _weights_by_bone(glb, teeth, "jaw")
    assert np.all(jaw[y < MOUTH_Y] == 1.0) and np.all(jaw[y > MOUTH_Y] == 0.0)


def test_blink_moves_only_that_eyes_lids_down_over_the_eye(glb: GlbFile) -> None:
    world = _world_positions(glb)
    for name, bone, sign in (("eyeBlinkLeft", "leftEye", 1.0), ("eyeBlinkRight", "rightEye", -1.0)):
        biggest = 0.0
        for material, rest, delta in _face_target(glb, name):
            moved = np.linalg.norm(delta, axis=1) > 0
            if not moved.any():
                continue
            assert material in ("skin", "lash"), f"{name} moves {material}"
            assert np.all(np.sign(rest[moved, 0]) == sign), f"{name} moves the other side"
            assert np.all(np.linalg.norm(rest[moved] - world[bone], axis=1) < 0.03), f"{name} moves far from the eye"
            big = np.linalg.norm(delta, axis=1) > 0.002
            upper = rest[:, 1] > world[bone][1]
            assert np.all(delta[big & upper, 1] < 0), f"{name}: the upper lid must close downward"
            # lids slide vertically over the eyeball (little sideways motion)
            assert np.all(np.abs(delta[big, 1]) > np.abs(delta[big, 0])), f"{name}: lids must move vertically"
            # most of the travel is the upper lid's (a real blink: the lower lid rises a little)
            assert delta[:, 1].max() < 0.6 * -delta[:, 1].min()
            biggest = max(biggest, -delta[:, 1].min())
            if material == "lash":  # the closed upper lash line ends below the eye centre: fully shut
                upper_lash = moved & upper
                assert (rest + delta)[upper_lash, 1].min() < world[bone][1]
        assert biggest > 0.008  # the upper lid edge travels most of the ~1.5 cm eye opening


def test_jaw_open_drops_the_lower_lip_teeth_and_tongue(glb: GlbFile) -> None:
    drops = {}
    for material, rest, delta in _face_target(glb, "jawOpen"):
        moved = np.linalg.norm(delta, axis=1) > 0
        drops[material] = -delta[:, 1].min() if moved.any() else 0.0
        if material == "teeth":
            # The upper row only comes down out of its shut-mouth tuck, straight down and by TEETH_TUCK.
            upper = rest[:, 1] > MOUTH_Y
            tuck = TEETH_TUCK * HEAD_SCALE
            np.testing.assert_allclose(delta[upper], np.tile([0.0, -tuck, 0.0], (int(upper.sum()), 1)), atol=2e-6)
            assert np.all(delta[~upper, 1] < -0.008)
            continue
        upper_lip = (np.abs(rest[:, 0]) < 0.8 * MOUTH_HALF_WIDTH) & (rest[:, 1] > MOUTH_Y + 0.002)
        assert not np.any(moved & upper_lip), f"jawOpen moves the upper lip area of {material}"
    assert drops["lips"] > 0.01 and drops["tongue"] > 0.008 and drops["skin"] > 0.01
    assert drops.get("eye_white", 0.0) == 0.0


def test_smile_raises_the_mouth_corner_on_its_own_side(glb: GlbFile) -> None:
    for material, rest, delta in _face_target(glb, "mouthSmileLeft"):
        moved = np.linalg.norm(delta, axis=1) > 0
        if not moved.any():
            continue
        assert np.all(rest[moved, 0] > -0.01), "mouthSmileLeft must act on the avatar's left (+X)"
        corner = (np.abs(rest[:, 0] - MOUTH_HALF_WIDTH) < 0.004) & (np.abs(rest[:, 1] - MOUTH_Y) < 0.003)
        if material in ("skin", "lips") and corner.any():
            assert delta[corner, 1].mean() > 0.002


def test_vrm_extension_is_consistent(glb: GlbFile) -> None:
    doc = glb.doc
    assert "VRMC_vrm" in doc["extensionsUsed"] and "VRMC_vrm" not in doc.get("extensionsRequired", [])
    vrm = doc["extensions"]["VRMC_vrm"]
    assert vrm["specVersion"] == "1.0"
    assert vrm["meta"]["name"] == "Vivid Presenter" and vrm["meta"]["authors"] == ["Vivid Studio"]
    assert vrm["meta"]["licenseUrl"].startswith("https://creativecommons.org/publicdomain/zero/1.0")
    bones = vrm["humanoid"]["humanBones"]
    assert set(PARENTS) <= set(bones)
    for name, entry in bones.items():
        assert doc["nodes"][entry["node"]]["name"] == name
    assert vrm["lookAt"]["type"] == "bone" and len(vrm["lookAt"]["offsetFromHeadBone"]) == 3
    names = glb.mesh("Face")["extras"]["targetNames"]
    face_node = next(i for i, n in enumerate(doc["nodes"]) if n.get("mesh") == doc["meshes"].index(glb.mesh("Face")))
    for preset in VRM_PRESETS:
        binds = vrm["expressions"]["preset"][preset]["morphTargetBinds"]
        assert binds == [{"node": face_node, "index": names.index(preset), "weight": 1.0}]


def test_every_material_is_matte_pbr_with_mtoon(glb: GlbFile) -> None:
    assert "VRMC_materials_mtoon" in glb.doc["extensionsUsed"]
    for m in glb.doc["materials"]:
        pbr = m["pbrMetallicRoughness"]
        assert pbr["metallicFactor"] == 0.0 and pbr["roughnessFactor"] >= 0.3
        mtoon = m["extensions"]["VRMC_materials_mtoon"]
        for key in ("shadeColorFactor", "shadingShiftFactor", "shadingToonyFactor", "parametricRimColorFactor",
                    "outlineWidthFactor", "outlineWidthMode"):
            assert key in mtoon, f"{m['name']}: MToon {key} missing"


def test_build_avatar_command_checks_staleness(tmp_path, capsys) -> None:
    import argparse

    from assets.avatar_gen.commands import register

    parser = argparse.ArgumentParser(prog="vivid")
    register(parser.add_subparsers())
    stale = tmp_path / "avatar.glb"
    stale.write_bytes(b"not an avatar")
    args = parser.parse_args(["build-avatar", "--check", "-o", str(stale)])
    assert args.func(args) == 1
    assert "stale or missing" in capsys.readouterr().out
    args = parser.parse_args(["build-avatar", "--check", "-o", str(BUILTIN_AVATAR)])
    assert args.func(args) == 0
    assert "is up to date" in capsys.readouterr().out


def _skin(glb: GlbFile, mesh: str, rotations: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Linear blend skinning in numpy: (material, rest, posed) per primitive of `mesh`."""
    nodes = glb.doc["nodes"]
    skin = glb.doc["skins"][0]
    parent_of = {c: i for i, n in enumerate(nodes) for c in n.get("children", [])}

    def world(i: int) -> np.ndarray:
        local = np.eye(4)
        local[:3, 3] = nodes[i].get("translation", [0.0, 0.0, 0.0])
        local[:3, :3] = rotations.get(nodes[i]["name"], np.eye(3))
        return world(parent_of[i]) @ local if i in parent_of else local

    ibm = glb.accessor(skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    mats = np.array([world(j) @ ibm[k] for k, j in enumerate(skin["joints"])])
    out = []
    for prim in glb.mesh(mesh)["primitives"]:
        rest = glb.attribute(prim, "POSITION")
        w = glb.attribute(prim, "WEIGHTS_0")
        j = glb.attribute(prim, "JOINTS_0").astype(int)
        m = np.einsum("nk,nkij->nij", w, mats[j])
        out.append((glb.material_name(prim), rest, np.einsum("nij,nj->ni", m[:, :3, :3], rest) + m[:, :3, 3]))
    return out


def test_rest_pose_skinning_is_identity_and_raising_an_arm_moves_only_that_arm(glb: GlbFile) -> None:
    for mesh in ("Body", "Face"):
        for material, rest, posed in _skin(glb, mesh, {}):
            np.testing.assert_allclose(posed, rest, atol=1e-5, err_msg=material)
    a = np.radians(60.0)  # leftUpperArm about +Z: the left arm (along +X) swings up
    raise_left = {"leftUpperArm": np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])}
    world = _world_positions(glb)
    for material, rest, posed in _skin(glb, "Body", raise_left):
        moved = np.linalg.norm(posed - rest, axis=1) > 1e-5  # float32 round-off is ~1e-6 m
        assert not np.any(moved & (rest[:, 0] < 0.0)), f"{material}: raising the left arm moved the right side"
        hand = rest[:, 0] > world["leftHand"][0]
        if hand.any():
            assert np.all(posed[hand, 1] - rest[hand, 1] > 0.3)  # the hand goes up by about 0.43 m


def test_a_part_without_a_weight_rule_is_a_build_error() -> None:
    from assets.avatar_gen.errors import AvatarBuildError
    from assets.avatar_gen.geometry import Part
    from assets.avatar_gen.weights import assign_weights

    part = Part("cape", "cape", "blazer", np.zeros((3, 3)), np.array([[0, 1, 2]]))
    with pytest.raises(AvatarBuildError, match="no skin weight rule for part kind 'cape'"):
        assign_weights(part)


def test_preview_reader_rejects_a_truncated_glb(tmp_path) -> None:
    from assets.avatar_gen.readback import Glb
    from assets.errors import AssetError

    bad = tmp_path / "cut.glb"
    bad.write_bytes(BUILTIN_AVATAR.read_bytes()[:5000])
    with pytest.raises(AssetError, match="cut.glb: not a glTF 2.0 binary"):
        Glb(bad)


def test_levels_of_detail_spare_the_layered_parts(glb: GlbFile) -> None:
    """VIVID_lod: coarser and coarser index lists per large primitive, over that primitive's own
    vertices, within 1 cm; the eye's and the mouth's layers (a fraction of a millimetre apart) keep
    their triangles."""
    assert "VIVID_lod" in glb.doc["extensionsUsed"] and "VIVID_lod" not in glb.doc.get("extensionsRequired", [])
    with_levels = set()
    for mesh in glb.doc["meshes"]:
        for prim in mesh["primitives"]:
            lod = prim.get("extensions", {}).get("VIVID_lod")
            if lod is None:
                continue
            with_levels.add(glb.material_name(prim))
            full = glb.accessor(prim["indices"])
            assert len(lod["indices"]) == len(lod["errors"]) >= 1
            previous = full
            for accessor, error in zip(lod["indices"], lod["errors"]):
                coarse = glb.accessor(accessor)
                assert set(np.unique(coarse)) <= set(np.unique(full))
                assert len(coarse) % 3 == 0 and len(coarse) <= 0.8 * len(previous)
                assert 0.0 <= error <= 0.01
                previous = coarse
    assert {"skin", "hair", "blazer", "pants"} <= with_levels
    assert not with_levels & {"eye_white", "iris", "iris_light", "pupil", "highlight", "teeth", "tongue", "mouth"}
