"""Mocap clips: exact round trip of a real tracking session, timing of replay, bad files."""
from __future__ import annotations

import zipfile

import numpy as np
import pytest

from assets.errors import AssetError
from capture.mocap import ClipRecorder, load_clip
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources import VideoSource
from capture.types import BonePose, ExternalTracking, Tracking, readonly_f32

FRAMES = 40


@pytest.fixture(scope="module")
def session(test_data):
    """40 frames of face + body tracking of a real video (body every other frame)."""
    options = PipelineOptions(body=True, body_interval_s=0.07)
    out = []
    with VideoSource(test_data / "video/talking_head_woman_d10.mp4") as video, \
            TrackingPipeline(options) as pipeline:
        for _, (frame, tracking) in zip(range(FRAMES), pipeline.run(video)):
            out.append(tracking)
    return out


def assert_same(a: Tracking, b: Tracking) -> None:
    assert a.timestamp_s == b.timestamp_s and a.frame_size == b.frame_size
    assert a.ages_s == b.ages_s
    for xs, ys in ((a.faces, b.faces), (a.bodies, b.bodies), (a.hands, b.hands)):
        assert len(xs) == len(ys)
        for x, y in zip(xs, ys):
            for field in x.__dataclass_fields__:
                vx, vy = getattr(x, field), getattr(y, field)
                if isinstance(vx, np.ndarray):
                    assert vx.dtype == vy.dtype and not vy.flags.writeable
                    np.testing.assert_array_equal(vx, vy)
                else:
                    assert vx == vy
    assert (a.external is None) == (b.external is None)
    if a.external is not None:
        assert a.external.blendshapes == b.external.blendshapes
        assert a.external.bones.keys() == b.external.bones.keys()
        for k in a.external.bones:
            np.testing.assert_array_equal(a.external.bones[k].rotation,
                                          b.external.bones[k].rotation)


def test_replay_reproduces_the_recorded_values_exactly(session, tmp_path):
    recorder = ClipRecorder(meta={"input": "talking_head_woman_d10.mp4"})
    for tracking in session:
        recorder.add(tracking)
    path = recorder.save(tmp_path / "session.vmcap")
    clip = load_clip(path)
    assert len(clip) == FRAMES and clip.meta["input"] == "talking_head_woman_d10.mp4"
    assert all(t.faces and t.bodies for t in clip.frames)
    assert any(t.ages_s["body"] > 0 for t in clip.frames)  # body ran at a lower rate
    for recorded, replayed in zip(session, clip.frames):
        assert_same(recorded, replayed)
    # compact: well under the raw float32 size of the same data
    raw_bytes = FRAMES * (478 * 3 + 52 + 16 + 33 * 7) * 4
    assert path.stat().st_size < raw_bytes


def test_clip_with_vmc_hands_and_empty_frames_round_trips(tmp_path, session):
    from capture.trackers.hands import hand_from_mediapipe

    class P:
        def __init__(self, x, y, z):
            self.x, self.y, self.z = x, y, z

    pts = [P(0.1 * i, 0.2, -0.01 * i) for i in range(21)]
    hand = hand_from_mediapipe(pts, pts, "Left", 0.91, 0.5)
    ext = ExternalTracking(
        bones={"Head": BonePose(readonly_f32([0.0, 1.6, 0.1]), readonly_f32([0.1, 0, 0, 0.995]))},
        root=None, blendshapes={"Blink_L": 0.25, "eyeBlinkLeft": 0.5})
    frames = [Tracking(timestamp_s=0.0), Tracking(timestamp_s=0.5, hands=(hand,), external=ext,
                                                  ages_s={"vmc": 0.01}), session[0]]
    frames[2] = Tracking(timestamp_s=1.0, faces=session[0].faces)
    recorder = ClipRecorder()
    for f in frames:
        recorder.add(f)
    clip = load_clip(recorder.save(tmp_path / "mixed.vmcap"))
    for a, b in zip(frames, clip.frames):
        assert_same(a, b)
    assert clip.at(0.7) is clip.frames[1] and clip.at(-1.0) is None


def test_play_keeps_the_original_timing(session):
    from capture.mocap import Clip

    clip = Clip(session[:10])
    now = [100.0]
    waits = []

    def clock():
        return now[0]

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    out = list(clip.play(speed=2.0, clock=clock, sleep=sleep))
    assert [t.timestamp_s for t in out] == [t.timestamp_s for t in session[:10]]
    expected = np.diff([t.timestamp_s for t in session[:10]]) / 2.0
    np.testing.assert_allclose(waits, expected, atol=1e-9)


def test_timestamps_must_increase_when_recording(session):
    recorder = ClipRecorder()
    recorder.add(session[1])
    with pytest.raises(AssetError, match="timestamps must increase"):
        recorder.add(session[0])


def test_bad_clip_files_are_clear_errors(tmp_path):
    text = tmp_path / "clip.vmcap"
    text.write_text("hello")
    with pytest.raises(AssetError, match="not a Vivid mocap clip"):
        load_clip(text)
    with zipfile.ZipFile(tmp_path / "future.vmcap", "w") as z:
        z.writestr("header.json", '{"format": "vivid-mocap", "version": 99, "frames": 0}')
    with pytest.raises(AssetError, match="clip version 99 not supported"):
        load_clip(tmp_path / "future.vmcap")
    with pytest.raises(AssetError, match="does not exist"):
        load_clip(tmp_path / "none.vmcap")
