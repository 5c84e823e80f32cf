"""VRM samples (0.x and 1.0): what the loader reads against what each file's JSON declares."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.gltf.pose import NodeTransforms
from avatar.vrm.loader import load_vrm, normalized_world_matrices
from avatar.vrm.mtoon import migrate_shading_v0
from avatar.vrm.types import (
    ExpressionPreset, LookAtType, OutlineWidthMode, OverrideMode, VrmVersion,
)
from tests.avatar.gltf_helpers import raw_json

VRM_FILES = {
    "Godette_vrm_v4.vrm": (VrmVersion.V0, 45),
    "sphere_cc0.vrm": (VrmVersion.V0, 22),
    "human_male.vrm": (VrmVersion.V1, 19),
    "debug_robot.vrm": (VrmVersion.V1, 53),
    "VRMC_vrm_expressions_isBinary_Overrides.vrm": (VrmVersion.V1, 22),
}
V0_TO_V1_PRESET = {"a": "aa", "i": "ih", "u": "ou", "e": "ee", "o": "oh", "joy": "happy", "sorrow": "sad",
                   "fun": "relaxed", "blink_l": "blinkLeft", "blink_r": "blinkRight", "lookup": "lookUp",
                   "lookdown": "lookDown", "lookleft": "lookLeft", "lookright": "lookRight"}


@pytest.mark.parametrize("name", sorted(VRM_FILES))
def test_version_bones_and_expressions_match_the_json(test_data, name):
    path = test_data / f"vrm/{name}"
    tree = raw_json(path)
    model = load_vrm(path)
    version, bone_count = VRM_FILES[name]
    assert model.version == version
    assert len(model.humanoid.bones) == bone_count  # counts from the data manifest
    if version == VrmVersion.V1:
        vrm = tree["extensions"]["VRMC_vrm"]
        assert set(model.humanoid.bones) == set(vrm["humanoid"]["humanBones"])
        for bone, entry in vrm["humanoid"]["humanBones"].items():
            assert model.humanoid.node(bone) == entry["node"]
        declared = set(vrm.get("expressions", {}).get("preset", {})) | set(vrm.get("expressions", {}).get("custom", {}))
        assert model.meta.name == vrm["meta"]["name"]
        assert model.meta.authors == tuple(vrm["meta"]["authors"])
        np.testing.assert_array_equal(model.root_transform, np.eye(4))
    else:
        vrm = tree["extensions"]["VRM"]
        assert len(model.humanoid.bones) == len(vrm["humanoid"]["humanBones"])
        groups = vrm["blendShapeMaster"]["blendShapeGroups"]
        declared = {V0_TO_V1_PRESET.get(g["presetName"], g["presetName"]) for g in groups}
        assert model.meta.name == vrm["meta"]["title"]
        np.testing.assert_array_equal(model.root_transform, np.diag([-1.0, 1.0, -1.0, 1.0]))
    assert {e.name for e in model.expressions} == declared


def test_godette_expressions_binds_and_weights(test_data):
    model = load_vrm(test_data / "vrm/Godette_vrm_v4.vrm")
    assert [e.name for e in model.expressions][:7] == ["neutral", "aa", "ih", "ou", "ee", "oh", "blink"]
    happy = model.expression("happy")  # 0.x "joy": binds (index 9, weight 50), (index 10, weight 25)
    assert happy.preset == ExpressionPreset.HAPPY
    assert [(b.mesh, b.target, b.weight) for b in happy.morph_binds] == [(0, 9, 0.5), (0, 10, 0.25)]
    blink = model.expression("blink")
    assert [(b.target, b.weight) for b in blink.morph_binds] == [(3, 1.0), (4, 1.0)]
    assert model.expression("blinkLeft").morph_binds[0].target == 3
    assert all(e.override_blink == OverrideMode.NONE for e in model.expressions)  # 0.x has no overrides
    assert len(model.document.meshes[0].target_names) == 15  # manifest: 15 morph targets


def test_godette_meta_look_at_springs_and_mtoon(test_data):
    model = load_vrm(test_data / "vrm/Godette_vrm_v4.vrm")
    vrm = raw_json(test_data / "vrm/Godette_vrm_v4.vrm")["extensions"]["VRM"]
    assert model.meta.authors == ("SirRichard94",)
    assert ("licenseName", "CC_BY") in model.meta.license_fields
    assert model.meta.license_name == "CC_BY"
    # look-at: BlendShape type, offset (0, 0.146, 0.122) in Unity space -> z reversed
    assert model.look_at.type == LookAtType.EXPRESSION
    np.testing.assert_allclose(model.look_at.offset_from_head_bone, [0, 0.146, -0.122], atol=1e-6)
    assert model.look_at.horizontal_outer.output_scale == pytest.approx(7.1)
    # spring bones: every root bone's subtree is simulated once; colliders flattened per group
    secondary = vrm["secondaryAnimation"]
    springs = model.spring_bones
    assert len(springs.collider_groups) == len(secondary["colliderGroups"]) == 2
    assert len(springs.colliders) == sum(len(g["colliders"]) for g in secondary["colliderGroups"]) == 4
    roots = [b for g in secondary["boneGroups"] for b in g["bones"]]
    assert sorted(s.joints[0].node for s in springs.springs) == sorted(roots)
    simulated = [j.node for s in springs.springs for j in s.joints]
    assert len(simulated) == len(set(simulated))
    hair = next(s for s in springs.springs if s.joints[0].node == 22)
    assert hair.joints[0].stiffness == 2.5 and hair.joints[0].drag_force == pytest.approx(0.4)
    assert hair.collider_groups == (1,) and hair.center is None
    assert np.linalg.norm(hair.virtual_tail) == pytest.approx(0.07, rel=1e-3)  # world scale is 1 here
    np.testing.assert_allclose(springs.colliders[0].offset, [0, 0.06, 0.04], atol=1e-6)  # Unity z reversed
    # MToon: the two "VRM/MToon" materials (Face, Body), migrated to 1.0 parameters
    assert sorted(model.mtoon) == [0, 1]
    face = model.mtoon[0]
    toony, shift = migrate_shading_v0(0.800000011920929, -0.44999998807907104)
    assert face.shading_toony_factor == pytest.approx(toony) and face.shading_shift_factor == pytest.approx(shift)
    assert face.outline_width_mode == OutlineWidthMode.SCREEN_COORDINATES
    # _OutlineWidth 0.25 in clip-space hundredths (0.x screen mode) = 0.00125 of the picture's height
    assert face.outline_width_factor == pytest.approx(0.00125)


def test_mtoon_shading_migration_known_values():
    """0.x defaults (toony 0.9, shift 0) and a pure Lambert (0, 0), as UniVRM's migration tests state."""
    assert migrate_shading_v0(0.9, 0.0) == pytest.approx((0.95, -0.05))
    assert migrate_shading_v0(0.0, 0.0) == pytest.approx((0.5, -0.5))


def test_is_binary_overrides_sample(test_data):
    model = load_vrm(test_data / "vrm/VRMC_vrm_expressions_isBinary_Overrides.vrm")
    happy = model.expression("happy")
    assert happy.is_binary and happy.override_blink == OverrideMode.BLEND
    assert happy.override_mouth == OverrideMode.NONE
    assert [(b.material, b.scale, b.offset) for b in happy.texture_transform_binds] == [
        (0, (0.125, 0.125), (0.875, 0.0)), (2, (0.498046875, 0.0), (0.0009765625, 0.0))]
    blink = model.expression("blink")
    assert not blink.is_binary and blink.override_blink == OverrideMode.NONE
    assert model.look_at.type == LookAtType.EXPRESSION
    np.testing.assert_allclose(model.look_at.offset_from_head_bone, [0, 0.06, 0])


def test_debug_robot_look_at_and_presets(test_data):
    model = load_vrm(test_data / "vrm/debug_robot.vrm")
    assert len(model.expressions) == 18 and all(e.preset is not None for e in model.expressions)
    assert all(not e.morph_binds for e in model.expressions)  # manifest: presets without morph binds
    assert model.look_at.type == LookAtType.BONE
    assert model.look_at.vertical_up.input_max_value_deg == 90.0 and model.look_at.vertical_up.output_scale == 10.0
    assert model.meta.license_fields[0] == ("avatarPermission", "everyone")


@pytest.mark.parametrize("name", sorted(VRM_FILES))
def test_every_model_faces_plus_z_after_normalization(test_data, name):
    """After root_transform the avatar's left arm is at +X and its toes point to +Z (VRM 1.0 facing)."""
    model = load_vrm(test_data / f"vrm/{name}")
    world = normalized_world_matrices(model, NodeTransforms.rest(model.document).local_matrices())
    bones = model.humanoid.bones
    assert world[bones["leftUpperArm"]][0, 3] > 0.05 > -0.05 > world[bones["rightUpperArm"]][0, 3]
    if "leftToes" in bones:
        assert world[bones["leftToes"]][2, 3] - world[bones["leftFoot"]][2, 3] > 0.03
    assert world[bones["head"]][1, 3] > world[bones["hips"]][1, 3]
