"""VMC: real UDP round trip on loopback, one bundle per frame, malformed packets, handedness."""
from __future__ import annotations

import socket

import numpy as np
import pytest
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket
from scipy.spatial.transform import Rotation

from assets.errors import SourceError
from capture.vmc import VmcReceiver, VmcSender, build_frame_bundle
from capture.vmc.coords import (MIRROR_X, position_gltf_to_unity, quat_gltf_to_unity,
                                quat_unity_to_gltf)
from capture.types import Blendshape


def random_bones(rng, names):
    bones = {}
    for name in names:
        q = Rotation.random(random_state=rng.integers(1 << 31)).as_quat()
        bones[name] = (rng.normal(0, 0.5, 3), q)
    return bones


def test_loopback_round_trip_preserves_bones_and_blendshapes():
    rng = np.random.default_rng(7)
    bones = random_bones(rng, ["Hips", "Spine", "Head", "LeftUpperArm", "RightHand"])
    blend = {"eyeBlinkLeft": 0.8, "JawOpen": 0.33, "Blink_R": 0.5, "A": 1.0}
    with VmcReceiver(port=0) as receiver, VmcSender(port=receiver.port) as sender:
        assert receiver.host == "127.0.0.1"
        for frame in range(3):
            sender.send_frame(bones, blend, root=bones["Hips"], time_s=frame / 30)
        assert receiver.wait_for_frames(3, timeout_s=5.0)
        tracking = receiver.latest()
        stats = receiver.stats
    assert stats.packets == 3 and stats.frames == 3  # one datagram (bundle) per frame
    assert stats.malformed_packets == 0 and stats.malformed_messages == 0
    ext = tracking.external
    assert set(ext.bones) == set(bones)
    for name, (pos, quat) in bones.items():
        np.testing.assert_allclose(ext.bones[name].position, pos, atol=1e-6)  # float32 on wire
        assert 1 - abs(np.dot(ext.bones[name].rotation, quat)) < 1e-6
    np.testing.assert_allclose(ext.root.position, bones["Hips"][0], atol=1e-6)
    assert ext.blendshapes == pytest.approx(blend)
    face = tracking.face
    assert face.blendshapes[Blendshape.EYE_BLINK_LEFT] == pytest.approx(0.8)
    assert face.blendshapes[Blendshape.JAW_OPEN] == pytest.approx(0.33)  # case-insensitive
    assert face.blendshapes[Blendshape.EYE_BLINK_RIGHT] == 0.0  # VRM "Blink_R" is not ARKit
    assert face.landmarks.shape == (0, 3) and np.isnan(face.head_matrix).all()
    assert tracking.ages_s["vmc"] >= 0.0


def test_blendshapes_apply_only_on_apply():
    with VmcReceiver(port=0) as receiver:
        def message(address, *args):
            b = OscMessageBuilder(address)
            for a in args:
                b.add_arg(a)
            return b.build().dgram
        receiver.handle_datagram(message("/VMC/Ext/Blend/Val", "jawOpen", 0.9))
        assert receiver.latest() is None  # nothing committed yet
        receiver.handle_datagram(message("/VMC/Ext/Blend/Apply"))
        assert receiver.latest().face.blendshapes[Blendshape.JAW_OPEN] == pytest.approx(0.9)


def test_malformed_packets_are_counted_and_ignored():
    with VmcReceiver(port=0) as receiver, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        target = ("127.0.0.1", receiver.port)
        bad_bone = OscMessageBuilder("/VMC/Ext/Bone/Pos")
        bad_bone.add_arg("Head")
        bad_bone.add_arg(1.0)  # too few floats
        bad_blend = OscMessageBuilder("/VMC/Ext/Blend/Val")
        bad_blend.add_arg(0.5)  # name missing
        for data in (b"garbage", b"/VMC/Ext/Bone/Pos\x00\x00\x00,sff", b"#bundle\x00\x01",
                     bad_bone.build().dgram, bad_blend.build().dgram):
            s.sendto(data, target)
        with VmcSender(port=receiver.port) as sender:
            sender.send_frame({"Head": (np.zeros(3), np.array([0, 0, 0, 1.0]))},
                              {"mouthSmileLeft": 0.4})
        assert receiver.wait_for_frames(1, timeout_s=5.0)
        assert receiver.wait_for_packets(6, timeout_s=5.0)
        stats = receiver.stats
        tracking = receiver.latest()
    assert stats.malformed_packets == 3 and stats.malformed_messages == 2
    assert stats.frames == 1
    assert tracking.face.blendshapes[Blendshape.MOUTH_SMILE_LEFT] == pytest.approx(0.4)
    assert set(tracking.external.bones) == {"Head"}


def test_one_bundle_holds_the_whole_frame_in_order():
    bones = {"Hips": (np.zeros(3), np.array([0, 0, 0, 1.0])),
             "Head": (np.array([0, 1.6, 0]), np.array([0, 0, 0, 1.0]))}
    data = build_frame_bundle(bones, {"A": 0.5}, time_s=1.5)
    addresses = [m.message.address for m in OscPacket(data).messages]
    assert addresses == ["/VMC/Ext/OK", "/VMC/Ext/T", "/VMC/Ext/Bone/Pos", "/VMC/Ext/Bone/Pos",
                         "/VMC/Ext/Blend/Val", "/VMC/Ext/Blend/Apply"]


def test_left_handed_conversion_matches_mirroring_the_rotation_matrix():
    """Unity = glTF mirrored on X: for every rotation R, the converted quaternion is M R M."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        q = Rotation.random(random_state=rng.integers(1 << 31)).as_quat()
        unity = quat_gltf_to_unity(q)
        expected = MIRROR_X @ Rotation.from_quat(q).as_matrix() @ MIRROR_X
        np.testing.assert_allclose(Rotation.from_quat(unity).as_matrix(), expected, atol=1e-12)
        np.testing.assert_allclose(quat_unity_to_gltf(unity), q)  # involution
        p = rng.normal(size=3)
        # a point rotated then converted == converted point rotated by the converted rotation
        lhs = position_gltf_to_unity(Rotation.from_quat(q).apply(p))
        rhs = Rotation.from_quat(unity).apply(position_gltf_to_unity(p))
        np.testing.assert_allclose(lhs, rhs, atol=1e-12)


def test_known_values_of_the_conversion():
    # glTF +X (the avatar's left when it faces +Z) is Unity -X; a yaw of +30 deg about +Y
    # (counter-clockwise seen from above in glTF) is -30 deg in Unity's left-handed frame.
    np.testing.assert_allclose(position_gltf_to_unity([1.0, 2.0, 3.0]), [-1.0, 2.0, 3.0])
    yaw = Rotation.from_euler("y", 30, degrees=True).as_quat()
    unity = Rotation.from_quat(quat_gltf_to_unity(yaw)).as_euler("xyz", degrees=True)
    np.testing.assert_allclose(unity, [0, -30, 0], atol=1e-9)


def test_port_in_use_is_a_clear_error():
    with VmcReceiver(port=0) as first:
        with pytest.raises(SourceError, match=f"cannot listen for VMC on 127.0.0.1:{first.port}"):
            VmcReceiver(port=first.port)


def test_channels_pick_what_is_sent():
    """A sender for the face only leaves the body to another tracker, and the other way round."""
    from capture.vmc.channels import bone_channel

    rng = np.random.default_rng(11)
    names = ["Hips", "Spine", "Neck", "Head", "LeftEye", "LeftUpperArm", "LeftHand", "LeftIndexProximal",
             "RightThumbDistal", "LeftToes"]
    bones = random_bones(rng, names)
    blend = {"Blink_L": 0.7, "A": 0.4}
    received = {}
    for label, channels in (("face+head", frozenset({"face", "head"})), ("body+hands", frozenset({"body", "hands"}))):
        with VmcReceiver(port=0) as receiver, VmcSender(port=receiver.port, channels=channels) as sender:
            sender.send_frame(bones, blend, root=bones["Hips"], time_s=0.0)
            assert receiver.wait_for_packets(1, timeout_s=5.0)
            received[label] = receiver.latest().external
    face = received["face+head"]
    assert set(face.bones) == {"Neck", "Head"} and face.root is None
    assert face.blendshapes == pytest.approx(blend)
    body = received["body+hands"]
    assert set(body.bones) == {"Hips", "Spine", "LeftUpperArm", "LeftToes", "LeftHand", "LeftIndexProximal",
                               "RightThumbDistal"}
    assert body.root is None and not body.blendshapes
    # No face channel: no Blend/Apply either, so a receiver keeps the face another sender drives.
    body_only = build_frame_bundle({"Hips": bones["Hips"]}, None)
    assert b"/VMC/Ext/Blend" not in body_only
    assert [bone_channel(n) for n in ("Jaw", "RightEye", "RightHand", "LeftLittleDistal", "UpperChest")] == \
        ["head", "eyes", "hands", "hands", "body"]


def test_channel_lists_are_checked():
    from assets.errors import VividError
    from capture.vmc.channels import ALL_CHANNELS, format_channels, parse_channels

    assert parse_channels("all") == ALL_CHANNELS
    assert parse_channels(" Head, face ") == {"head", "face"}
    assert format_channels(parse_channels("face,head")) == "head,face"
    with pytest.raises(VividError, match="unknown VMC channel 'legs'; choose from root, body, head"):
        parse_channels("head,legs")
    with pytest.raises(VividError, match="no VMC channel given"):
        parse_channels(" , ")
