"""VMC out: the same motion gives the same bone rotations for a VRM 0.x and a VRM 1.0 avatar
(normalized T-pose rig: no backwards or cross-eyed receivers), with Unity bone names."""
from __future__ import annotations

from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.qmath import qdistance, qeuler_deg
from avatar.driving.vmc_out import unity_bone_name, vmc_blendshapes, vmc_bones
from capture.vmc.sender import build_frame_bundle
from tests.driving import synthetic as syn


def test_vrm0_and_vrm1_send_the_same_head_rotation(test_data):
    head = qeuler_deg(-10, 25, 5)
    sent = {}
    for name in ("vrm/Godette_vrm_v4.vrm", "vrm/human_male.vrm"):
        avatar = load_drivable(test_data / name)
        frame = AvatarDriver(avatar, DriverOptions(use_idle=False)).update(syn.tracking(0.0, faces=[syn.face(head, 0.0)]))
        bones = vmc_bones(avatar.rig, frame)
        sent[name] = bones
        assert build_frame_bundle(bones, vmc_blendshapes(frame), time_s=0.0)  # encodes as one bundle
    godette, male = sent.values()
    for bone in ("Neck", "Head"):
        assert qdistance(godette[bone][1], male[bone][1]) < 1e-9
    assert godette["LeftUpperArm"][0][0] > 0  # the avatar's left is +X in both (glTF frame)
    assert male["LeftUpperArm"][0][0] > 0 or male["LeftShoulder"][0][0] > 0


def test_unity_bone_names():
    assert unity_bone_name("leftThumbMetacarpal") == "LeftThumbProximal"
    assert unity_bone_name("rightThumbProximal") == "RightThumbIntermediate"
    assert unity_bone_name("upperChest") == "UpperChest"
    assert unity_bone_name("leftLittleDistal") == "LeftLittleDistal"
