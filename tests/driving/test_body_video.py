"""Real body video: a woman raising and moving her arms (no face visible). The avatar's arms
follow the tracked arms bone by bone, its head stays on idle, and nothing flails."""
from __future__ import annotations

import math

import numpy as np
import pytest

from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver
from avatar.driving.landmarks import to_model_frame
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources import VideoSource
from capture.types import PoseLandmark as P

MIN_CORRELATION = 0.8
MAX_STEP_DEG = 600.0 / 25 + 0.1  # RetargetOptions.limb_max_speed_deg_s at 25 fps: nothing flails


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.acos(np.clip(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1)))


@pytest.fixture(scope="module")
def s13(test_data, model_dir):
    path = test_data / "video/full_body_woman_arms_s13.mp4"
    with VideoSource(path) as source, TrackingPipeline(PipelineOptions(body=True)) as pipeline:
        return [tracking for _, tracking in pipeline.run(source)]


def test_arms_follow_the_tracked_arms(test_data, s13):
    avatar = load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")
    driver = AvatarDriver(avatar)
    rig = avatar.rig
    person = {"left": [], "right": []}
    shown = {"left": [], "right": []}
    steps = []
    previous = None
    tracked_frames = 0
    for tracking in s13:
        frame = driver.update(tracking)
        assert frame.retarget.weights["head"] == 0.0  # no face in this clip: idle head
        if not tracking.bodies:
            continue
        pts = to_model_frame(tracking.bodies[0].world_landmarks)
        w = frame.node_world.astype(float)
        if min(frame.retarget.weights["leftArm"], frame.retarget.weights["rightArm"]) > 0.99:
            tracked_frames += 1
        for side, (s, e, h) in (("left", (P.LEFT_SHOULDER, P.LEFT_ELBOW, P.LEFT_WRIST)),
                                ("right", (P.RIGHT_SHOULDER, P.RIGHT_ELBOW, P.RIGHT_WRIST))):
            # Elevation of the upper arm (angle from straight down) and the elbow bend.
            person[side].append((_angle(pts[e] - pts[s], (0, -1, 0)), _angle(pts[e] - pts[s], pts[h] - pts[e])))
            ps = [w[rig.node(f"{side}{b}")][:3, 3] for b in ("UpperArm", "LowerArm", "Hand")]
            shown[side].append((_angle(ps[1] - ps[0], (0, -1, 0)), _angle(ps[1] - ps[0], ps[2] - ps[1])))
        q = frame.pose.rotations["leftUpperArm"]
        if previous is not None:
            steps.append(math.degrees(2 * math.acos(min(1.0, abs(float(np.dot(q, previous)))))))
        previous = q
    assert tracked_frames >= 0.8 * len(s13)
    for side in ("left", "right"):
        a, b = np.array(person[side]), np.array(shown[side])
        assert a[:, 0].std() > 10.0, "the arms should move in this clip"
        r = float(np.corrcoef(a[:, 0], b[:, 0])[0, 1])
        assert r >= MIN_CORRELATION, f"{side} upper-arm elevation correlation {r:.2f}"
        assert np.abs(a[:, 0] - b[:, 0]).mean() < 15.0, f"{side} elevation off by {np.abs(a[:, 0] - b[:, 0]).mean():.1f} deg"
    assert max(steps) < MAX_STEP_DEG
