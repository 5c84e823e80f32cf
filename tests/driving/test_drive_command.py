"""`vivid avatar drive`: side by side / avatar only / transparent, VMC out, overlay, bad arguments."""
from __future__ import annotations

import argparse
import socket

import av
import numpy as np
import pytest

from avatar.driving.commands import register_drive_command


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="vivid")
    groups = parser.add_subparsers()
    register_drive_command(groups.add_parser("avatar").add_subparsers())
    args = parser.parse_args(["avatar", "drive", *argv])
    return args.func(args)


def _frames(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgba") for f in container.decode(stream)]
        return frames, stream.codec_context.name


def test_side_by_side_video_with_overlay_and_vmc(test_data, model_dir, tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.2)
    port = receiver.getsockname()[1]
    out = tmp_path / "side.mp4"
    try:
        code = _run([str(test_data / "vrm/Godette_vrm_v4.vrm"), "--input", str(test_data / "video/talking_head_man_d12.mp4"),
                     "-o", str(out), "--size", "320x240", "--max-seconds", "0.6", "--debug-overlay",
                     "--vmc-out", f"127.0.0.1:{port}"])
        assert code == 0
        packets = []
        while True:
            try:
                packets.append(receiver.recv(65536))
            except socket.timeout:
                break
    finally:
        receiver.close()
    frames, _ = _frames(out)
    assert 14 <= len(frames) <= 16  # 0.6 s at 25 fps
    assert frames[0].shape[:2] == (240, 240 + 320)  # 512x512 source scaled to 240 high + the avatar
    assert len(packets) == len(frames)  # one bundle per frame
    assert b"/VMC/Ext/Bone/Pos" in packets[0] and b"Head" in packets[0] and b"Blink_L" in packets[0]


def test_transparent_avatar_only(test_data, model_dir, tmp_path):
    out = tmp_path / "alpha.mov"  # ProRes 4444: FFmpeg decodes its alpha natively
    code = _run([str(test_data / "gltf/facecap/facecap.glb"),
                 "--input", str(test_data / "video/talking_head_man_d12.mp4"), "-o", str(out),
                 "--size", "160x160", "--max-seconds", "0.2", "--transparent"])
    assert code == 0
    frames, codec = _frames(out)
    assert frames[0].shape[:2] == (160, 160)
    alpha = frames[0][..., 3]
    assert alpha.min() < 10 and alpha.max() > 245  # background clear, face opaque


def test_transparent_needs_an_alpha_container(test_data, model_dir, tmp_path, capsys):
    code = _run([str(test_data / "vrm/sphere_cc0.vrm"), "--input", str(test_data / "video/talking_head_man_d12.mp4"),
                 "-o", str(tmp_path / "x.mp4"), "--size", "64x64", "--max-seconds", "0.1", "--transparent"])
    assert code == 2
    assert "for a transparent video (--transparent needs ProRes 4444 .mov or VP9 .webm); use .mov or .webm" \
        in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


def test_bad_vmc_address_is_rejected(capsys):
    with pytest.raises(SystemExit):
        _run(["builtin", "--input", "x.mp4", "-o", "y.mp4", "--vmc-out", "nohost"])
    assert "must be HOST:PORT" in capsys.readouterr().err


def test_unsupported_avatar_reports_an_error(test_data, tmp_path, capsys):
    code = _run([str(test_data / "gltf/RiggedSimple/RiggedSimple.glb"), "--input", "x.mp4", "-o", str(tmp_path / "o.mp4")])
    assert code == 2
    assert "cannot drive this glTF" in capsys.readouterr().err
    assert not np.any([p.suffix == ".mp4" for p in tmp_path.iterdir()])


def test_drive_from_a_recorded_clip(test_data, tmp_path):
    """A .vmcap clip (no images) drives the avatar alone; the head turns as recorded."""
    from capture.mocap import ClipRecorder
    from avatar.driving.qmath import qeuler_deg
    from tests.driving import synthetic as syn

    recorder = ClipRecorder()
    for i in range(12):
        t = i / 24
        recorder.add(syn.tracking(t, faces=[syn.face(qeuler_deg(0, 40 * i / 11, 0), t)]))
    clip = recorder.save(tmp_path / "turn.vmcap")
    out = tmp_path / "clip.mp4"
    assert _run([str(test_data / "vrm/sphere_cc0.vrm"), "--input", str(clip), "-o", str(out), "--size", "96x64"]) == 0
    frames, _ = _frames(out)
    assert len(frames) == 12 and frames[0].shape[:2] == (64, 96)


def test_vmc_channels_limit_what_is_sent(test_data, model_dir, tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.2)
    try:
        code = _run([str(test_data / "vrm/Godette_vrm_v4.vrm"), "--input", str(test_data / "video/talking_head_man_d12.mp4"),
                     "-o", str(tmp_path / "face.mp4"), "--size", "64x64", "--max-seconds", "0.1", "--layout", "avatar",
                     "--vmc-out", f"127.0.0.1:{receiver.getsockname()[1]}", "--vmc-channels", "head,face"])
        assert code == 0
        packet = receiver.recv(65536)
    finally:
        receiver.close()
    assert b"Head" in packet and b"Blink_L" in packet and b"/VMC/Ext/Blend/Apply" in packet
    assert b"LeftUpperArm" not in packet and b"Hips" not in packet and b"LeftEye" not in packet


def test_bad_vmc_channel_is_rejected(capsys):
    with pytest.raises(SystemExit):
        _run(["builtin", "--input", "x.mp4", "-o", "y.mp4", "--vmc-channels", "head,tail"])
    err = capsys.readouterr().err
    assert "--vmc-channels: unknown VMC channel 'tail'" in err and "root, body, head, eyes, hands, face" in err
