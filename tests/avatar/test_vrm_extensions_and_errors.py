"""VRM bad inputs and the extensions no sample carries (VRMC_springBone, VRMC_materials_mtoon,
VRMC_node_constraint), written into copies of the real samples."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from assets.errors import AssetError
from avatar.vrm.loader import load_vrm
from avatar.vrm.types import ColliderShape, OutlineWidthMode
from tests.avatar.gltf_helpers import SAMPLES, pack_glb, split_glb


def _edited(test_data, tmp_path, name, edit):
    tree, binary = split_glb(test_data / f"vrm/{name}")
    edit(tree)
    path = tmp_path / name
    path.write_bytes(pack_glb(tree, binary))
    return path


def test_vrm1_missing_required_bones_are_named(test_data, tmp_path):
    def edit(tree):
        bones = tree["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]
        del bones["leftHand"], bones["rightFoot"]

    path = _edited(test_data, tmp_path, "human_male.vrm", edit)
    with pytest.raises(AssetError, match=r"human_male\.vrm: extensions\.VRMC_vrm\.humanoid\.humanBones: missing "
                                         r"required humanoid bone\(s\) leftHand, rightFoot; VRM 1\.0 requires hips"):
        load_vrm(path)


def test_vrm0_requires_chest_and_neck(test_data, tmp_path):
    def edit(tree):
        bones = tree["extensions"]["VRM"]["humanoid"]["humanBones"]
        bones[:] = [b for b in bones if b["bone"] not in ("chest", "neck")]

    path = _edited(test_data, tmp_path, "sphere_cc0.vrm", edit)
    with pytest.raises(AssetError, match=r"sphere_cc0\.vrm: extensions\.VRM\.humanoid\.humanBones: missing "
                                         r"required humanoid bone\(s\) chest, neck; VRM 0\.x requires"):
        load_vrm(path)


def test_bone_mapped_twice(test_data, tmp_path):
    def edit(tree):
        bones = tree["extensions"]["VRM"]["humanoid"]["humanBones"]
        bones.append(dict(bones[0]))

    path = _edited(test_data, tmp_path, "sphere_cc0.vrm", edit)
    with pytest.raises(AssetError, match=r"sphere_cc0\.vrm: extensions\.VRM\.humanoid\.humanBones\[22\]: "
                                         r"humanoid bone hips is mapped twice"):
        load_vrm(path)


def test_bind_to_a_missing_morph_is_dropped_with_a_named_warning(test_data, tmp_path, caplog):
    def edit(tree):
        groups = tree["extensions"]["VRM"]["blendShapeMaster"]["blendShapeGroups"]
        aa = next(g for g in groups if g["presetName"] == "a")
        aa["binds"].append({"mesh": 0, "index": 99, "weight": 100})
        aa["binds"].append({"mesh": 7, "index": 0, "weight": 100})

    path = _edited(test_data, tmp_path, "Godette_vrm_v4.vrm", edit)
    with caplog.at_level(logging.WARNING):
        model = load_vrm(path)
    assert ("Godette_vrm_v4.vrm: extensions.VRM.blendShapeMaster.blendShapeGroups[1].binds[1]: expression 'aa': "
            "morph target 99 does not exist on mesh 0") in caplog.text
    assert "binds[2]: expression 'aa': mesh 7 does not exist (2 meshes); bind dropped" in caplog.text
    # the valid bind survives untouched; nothing is re-targeted onto another morph
    assert [(b.mesh, b.target, b.weight) for b in model.expression("aa").morph_binds] == [(0, 5, 1.0)]


def test_vrm1_bind_to_a_node_without_mesh_is_dropped(test_data, tmp_path, caplog):
    def edit(tree):
        happy = tree["extensions"]["VRMC_vrm"]["expressions"]["preset"]["happy"]
        happy["morphTargetBinds"] = [{"node": 0, "index": 0, "weight": 1.0}]
        happy["materialColorBinds"] = [{"material": 42, "type": "color", "targetValue": [1, 0, 0, 1]}]

    path = _edited(test_data, tmp_path, "VRMC_vrm_expressions_isBinary_Overrides.vrm", edit)
    with caplog.at_level(logging.WARNING):
        model = load_vrm(path)
    assert "preset.happy.morphTargetBinds[0]: expression 'happy': node 0 has no mesh; bind dropped" in caplog.text
    assert "materialColorBinds[0]: expression 'happy': material 42 does not exist (4 materials)" in caplog.text
    happy = model.expression("happy")
    assert happy.morph_binds == () and happy.material_color_binds == ()
    assert len(happy.texture_transform_binds) == 2


def test_invalid_override_value_names_the_choices(test_data, tmp_path):
    def edit(tree):
        tree["extensions"]["VRMC_vrm"]["expressions"]["preset"]["happy"]["overrideBlink"] = "sometimes"

    path = _edited(test_data, tmp_path, "VRMC_vrm_expressions_isBinary_Overrides.vrm", edit)
    with pytest.raises(AssetError, match=r"preset\.happy\.overrideBlink: 'sometimes' is not one of 'none', 'block', 'blend'"):
        load_vrm(path)


def test_plain_gltf_is_not_a_vrm(test_data):
    with pytest.raises(AssetError, match=r"RiggedSimple\.glb: extensions: .*no VRM or VRMC_vrm extension"):
        load_vrm(test_data / SAMPLES["RiggedSimple"])


def _add_spring_bones(tree):
    nodes = tree["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]
    head, neck, spine = nodes["head"]["node"], nodes["neck"]["node"], nodes["spine"]["node"]
    tree["extensionsUsed"].append("VRMC_springBone")
    tree["extensions"]["VRMC_springBone"] = {
        "specVersion": "1.0",
        "colliders": [
            {"node": head, "shape": {"sphere": {"offset": [0, 0.1, 0], "radius": 0.12}}},
            {"node": spine, "shape": {"capsule": {"offset": [0, 0, 0], "radius": 0.1, "tail": [0, 0.3, 0]}}},
        ],
        "colliderGroups": [{"name": "body", "colliders": [0, 1]}],
        "springs": [{"name": "tail", "joints": [{"node": spine, "stiffness": 2.0, "hitRadius": 0.03},
                                                {"node": neck, "gravityPower": 0.5, "gravityDir": [0, 0, -2]},
                                                {"node": head}],
                     "colliderGroups": [0], "center": spine}],
    }
    return head, neck, spine


def test_vrmc_spring_bone_1_0(test_data, tmp_path):
    nodes = {}
    path = _edited(test_data, tmp_path, "human_male.vrm", lambda t: nodes.update(zip(("head", "neck", "spine"), _add_spring_bones(t))))
    springs = load_vrm(path).spring_bones
    assert [c.shape for c in springs.colliders] == [ColliderShape.SPHERE, ColliderShape.CAPSULE]
    np.testing.assert_allclose(springs.colliders[1].tail, [0, 0.3, 0])
    assert springs.collider_groups[0].colliders == (0, 1)
    spring = springs.springs[0]
    assert spring.name == "tail" and spring.center == nodes["spine"] and spring.virtual_tail is None
    first, second, last = spring.joints
    assert (first.stiffness, first.hit_radius, first.drag_force, first.gravity_power) == (2.0, 0.03, 0.5, 0.0)
    np.testing.assert_allclose(second.gravity_dir, [0, 0, -1])  # normalized
    assert last.stiffness == 1.0  # spec default


def test_spring_bone_with_a_bad_collider_group_index(test_data, tmp_path):
    def edit(tree):
        _add_spring_bones(tree)
        tree["extensions"]["VRMC_springBone"]["springs"][0]["colliderGroups"] = [3]

    path = _edited(test_data, tmp_path, "human_male.vrm", edit)
    with pytest.raises(AssetError, match=r"extensions\.VRMC_springBone\.springs\[0\]\.colliderGroups\[0\]: "
                                         r"index 3 is out of range: colliderGroups has 1 entries"):
        load_vrm(path)


def test_vrmc_materials_mtoon_and_node_constraint(test_data, tmp_path):
    def edit(tree):
        tree["materials"][0].setdefault("extensions", {})["VRMC_materials_mtoon"] = {
            "specVersion": "1.0", "shadeColorFactor": [0.5, 0.4, 0.3], "shadingToonyFactor": 0.7,
            "outlineWidthMode": "worldCoordinates", "outlineWidthFactor": 0.002,
            "shadeMultiplyTexture": {"index": 0}, "parametricRimFresnelPowerFactor": 3.0,
        }
        bones = tree["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]
        twist = bones["leftLowerArm"]["node"]
        tree["nodes"][twist].setdefault("extensions", {})["VRMC_node_constraint"] = {
            "specVersion": "1.0", "constraint": {"roll": {"source": bones["leftHand"]["node"], "rollAxis": "X", "weight": 0.5}}}

    path = _edited(test_data, tmp_path, "debug_robot.vrm", edit)
    model = load_vrm(path)
    mtoon = model.mtoon[0]
    assert mtoon.shade_color_factor == (0.5, 0.4, 0.3) and mtoon.shading_toony_factor == 0.7
    assert mtoon.outline_width_mode == OutlineWidthMode.WORLD_COORDINATES
    assert mtoon.shade_multiply_texture is not None
    assert mtoon.gi_equalization_factor == 0.9 and mtoon.parametric_rim_fresnel_power_factor == 3.0
    (constraint,) = model.constraints
    assert (constraint.kind, constraint.axis, constraint.weight) == ("roll", "X", 0.5)
    assert constraint.node == model.humanoid.node("leftLowerArm") and constraint.source == model.humanoid.node("leftHand")


def test_random_corruptions_of_vrm_extensions_raise_only_asset_error(test_data, tmp_path):
    """Fuzz the VRM JSON: every failure must be an AssetError naming the file, never a KeyError etc."""
    import copy
    import random

    from tests.avatar.test_gltf_errors import _mutations

    tree, binary = split_glb(test_data / "vrm/VRMC_vrm_expressions_isBinary_Overrides.vrm")
    _add_spring_bones(tree)
    locations = [("extensions",) + p for p in _mutations(tree["extensions"])]
    rng = random.Random(99)
    path = tmp_path / "fuzz.vrm"
    failures = 0
    logging.disable(logging.WARNING)
    try:
        for _ in range(300):
            broken = copy.deepcopy(tree)
            location = rng.choice(locations)
            parent = broken
            for key in location[:-1]:
                parent = parent[key]
            replacement = rng.choice([None, -1, 10**9, "x", 2.5, [], {}, [1, 2], True])
            if replacement is None and isinstance(parent, dict):
                del parent[location[-1]]
            else:
                parent[location[-1]] = replacement
            path.write_bytes(pack_glb(broken, binary))
            try:
                load_vrm(path)
            except AssetError as error:
                failures += 1
                assert str(error).startswith("fuzz.vrm: ")
    finally:
        logging.disable(logging.NOTSET)
    assert failures > 50
