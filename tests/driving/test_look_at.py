"""Look-at through the model's range maps: eye bones (debug_robot) and look expressions (Godette)."""
from __future__ import annotations

import pytest

from avatar.driving.avatar_model import load_drivable
from avatar.driving.look_at import LookAtApplier
from avatar.driving.qmath import qdistance, qeuler_deg
from avatar.posing import Pose


def test_bone_look_at_uses_range_maps_on_raw_eye_bones(test_data):
    avatar = load_drivable(test_data / "vrm/debug_robot.vrm")  # eyes have non-identity rest rotations
    applier = LookAtApplier(avatar.look_at, True)
    out = applier.apply(45.0, -30.0)  # ranges: 90 deg in -> 10 deg out, every direction
    expected = qeuler_deg(30.0 / 90.0 * 10.0, 45.0 / 90.0 * 10.0, 0.0)  # down = +X rotation
    for eye in ("leftEye", "rightEye"):
        assert qdistance(out.rotations[eye], expected) < 1e-9
        world = avatar.rig.pose_world(Pose(rotations=out.rotations))
        assert qdistance(avatar.rig.normalized_world_rotation(world, eye), expected) < 1e-9
    assert applier.apply(200.0, 0.0).rotations["leftEye"] == pytest.approx(qeuler_deg(0, 10.0, 0))  # clamped


def test_expression_look_at_weights(test_data):
    avatar = load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")
    applier = LookAtApplier(avatar.look_at, False)
    out = applier.apply(9.0, -18.0)
    outer, down = avatar.look_at.horizontal_outer, avatar.look_at.vertical_down
    assert out.rotations == {}
    assert out.expressions["lookLeft"] == pytest.approx(9.0 / outer.input_max_value_deg * outer.output_scale)
    assert out.expressions["lookRight"] == 0.0 and out.expressions["lookUp"] == 0.0
    assert out.expressions["lookDown"] == pytest.approx(18.0 / down.input_max_value_deg * down.output_scale)


def test_tracked_gaze_fraction_reaches_the_models_range(test_data):
    """MediaPipe's eyeLook gives the gaze as a fraction of the eyes' range: 1 = output scale."""
    avatar = load_drivable(test_data / "vrm/debug_robot.vrm")
    out = LookAtApplier(avatar.look_at, True).apply_fraction(0.5, 1.5)
    assert qdistance(out.rotations["leftEye"], qeuler_deg(-10.0, 5.0, 0.0)) < 1e-9  # up clamped at 10
