"""load_avatar: one entry point for glTF and VRM files."""
from __future__ import annotations

import numpy as np

from avatar.asset import load_avatar
from avatar.vrm.types import VrmVersion
from tests.avatar.gltf_helpers import SAMPLES


def test_plain_gltf_has_no_vrm_and_an_identity_root(test_data):
    asset = load_avatar(test_data / SAMPLES["CesiumMan"])
    assert asset.vrm is None
    np.testing.assert_array_equal(asset.root_transform, np.eye(4))


def test_vrm0_gets_the_facing_rotation_and_vrm1_does_not(test_data):
    v0 = load_avatar(test_data / "vrm/sphere_cc0.vrm")
    assert v0.vrm.version == VrmVersion.V0
    np.testing.assert_array_equal(v0.root_transform, np.diag([-1.0, 1.0, -1.0, 1.0]))
    v1 = load_avatar(test_data / "vrm/human_male.vrm")
    assert v1.vrm.version == VrmVersion.V1 and v1.vrm.document is v1.document
    np.testing.assert_array_equal(v1.root_transform, np.eye(4))
