"""A mocap clip recorded with `vivid track` plays as a script gesture, retargeted onto the avatar."""
from __future__ import annotations

import pytest

import cli
from avatar.quaternions import quat_angle_deg
from render.script.loader import load_script
from render.script.timeline import plan_timeline
from render.timeline.performance import Performance
from render.timeline.render_script import _drivable
from avatar.loading import load_avatar_document
from assets.errors import AssetError


@pytest.fixture(scope="module")
def arm_clip(test_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "arms.vmcap"
    code = cli.main(["track", str(test_data / "video/full_body_woman_arms_s13.mp4"), "--body",
                     "--max-frames", "45", "-o", str(path)])
    assert code == 0 and path.exists()
    return path


def test_clip_gesture_moves_the_arms(arm_clip, tmp_path):
    script_path = tmp_path / "clip.yaml"
    script_path.write_text(f"version: 1\nbeats:\n  - gesture: {arm_clip}\n  - pause: 0.5\n")
    script = load_script(script_path)
    timeline = plan_timeline(script)
    rig = _drivable(load_avatar_document("builtin"), script, required=True).rig
    with_clip = Performance(script, timeline, rig)
    start, duration = timeline.beats[0].start_s, timeline.beats[0].end_s - timeline.beats[0].start_s
    assert duration > 1.0, "the clip's own length is used"
    plain_script = tmp_path / "plain.yaml"
    plain_script.write_text("version: 1\nbeats:\n  - pause: 2.0\n")
    plain = Performance(load_script(plain_script), plan_timeline(load_script(plain_script)))
    t = start + duration * 0.6
    moved = [quat_angle_deg(with_clip.pose_at(t).rotations[b], plain.pose_at(t).rotations[b])
             for b in ("leftUpperArm", "rightUpperArm")]
    assert max(moved) > 15.0, f"arms follow the clip (moved {moved} degrees)"
    after = start + duration + 0.45  # eased back to idle after the clip
    for bone in ("leftUpperArm", "rightUpperArm"):
        assert quat_angle_deg(with_clip.pose_at(after).rotations[bone], plain.pose_at(after).rotations[bone]) < 1.0


def test_clip_gesture_needs_a_humanoid(arm_clip, tmp_path):
    script_path = tmp_path / "clip.yaml"
    script_path.write_text(f"version: 1\nbeats:\n  - gesture: {arm_clip}\n")
    script = load_script(script_path)
    with pytest.raises(AssetError, match="a mocap clip needs a humanoid avatar"):
        Performance(script, plan_timeline(script), rig=None)
