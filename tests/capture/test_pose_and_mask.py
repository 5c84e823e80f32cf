"""Pose (lite) against ground-truth keypoints; person mask from the selfie segmenter; the
multi-rate pipeline's ages."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources import VideoSource, read_image
from capture.trackers import (PersonSegmenter, PoseTracker, PoseTrackerOptions, RunningMode,
                              SegmenterOptions)
from capture.types import NUM_POSE_LANDMARKS, Frame, PoseLandmark

# COCO-17 keypoint order of pose_landmark_truth.csv -> BlazePose indices
COCO_TO_BLAZEPOSE = [PoseLandmark.NOSE, PoseLandmark.LEFT_EYE, PoseLandmark.RIGHT_EYE,
                     PoseLandmark.LEFT_EAR, PoseLandmark.RIGHT_EAR, PoseLandmark.LEFT_SHOULDER,
                     PoseLandmark.RIGHT_SHOULDER, PoseLandmark.LEFT_ELBOW,
                     PoseLandmark.RIGHT_ELBOW, PoseLandmark.LEFT_WRIST, PoseLandmark.RIGHT_WRIST,
                     PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP, PoseLandmark.LEFT_KNEE,
                     PoseLandmark.RIGHT_KNEE, PoseLandmark.LEFT_ANKLE, PoseLandmark.RIGHT_ANKLE]
MEAN_ERROR_PX = 12.0  # manifest: pose lite agrees within ~7-8 px mean on these two images


@pytest.mark.parametrize("row,name", [(0, "bodies/pixabay_woman_standing_render.png"),
                                      (1, "bodies/pixabay_businessman.jpeg")])
def test_pose_matches_ground_truth_keypoints(test_data, row, name):
    with open(test_data / "expected/pose/pose_landmark_truth.csv") as handle:
        rows = [r for r in csv.reader(handle) if r and r[0].strip()[0].isdigit()]
    truth = np.array([float(v) for v in rows[row]]).reshape(17, 2)
    frame = Frame(read_image(test_data / name), 0.0, 0)
    with PoseTracker(PoseTrackerOptions()) as tracker:
        result = tracker.detect(frame)
    assert len(result.bodies) == 1
    body = result.bodies[0]
    assert body.landmarks.shape == body.world_landmarks.shape == (NUM_POSE_LANDMARKS, 3)
    assert body.visibility.shape == (NUM_POSE_LANDMARKS,)
    px = body.landmarks[COCO_TO_BLAZEPOSE, :2] * np.array(frame.size)
    assert np.linalg.norm(px - truth, axis=1).mean() < MEAN_ERROR_PX
    # world landmarks: metres, origin between the hips, +y down (MediaPipe), person ~1.5-2 m
    hips = (body.world_landmarks[PoseLandmark.LEFT_HIP] + body.world_landmarks[PoseLandmark.RIGHT_HIP]) / 2
    assert np.abs(hips).max() < 0.05
    height = body.world_landmarks[:, 1].max() - body.world_landmarks[:, 1].min()
    assert 1.2 < height < 2.2


def test_pose_video_mode_and_missing_body(test_data):
    with PoseTracker(PoseTrackerOptions(running_mode=RunningMode.VIDEO)) as tracker:
        empty = tracker.detect_for_video(Frame(np.zeros((240, 320, 3), np.uint8), 0.0, 0))
        assert empty.bodies == ()
        person = tracker.detect_for_video(
            Frame(read_image(test_data / "bodies/pixabay_businessman.jpeg"), 0.04, 1))
        assert len(person.bodies) == 1


def test_person_mask_covers_the_person(test_data):
    image = read_image(test_data / "bodies/pixabay_businessman.jpeg")
    with PersonSegmenter(SegmenterOptions()) as segmenter:
        mask = segmenter.detect(Frame(image, 0.0, 0)).mask
    assert mask.shape == image.shape[:2] and mask.dtype == np.float32
    assert not mask.flags.writeable and 0.0 <= mask.min() and mask.max() <= 1.0
    # white studio background: bright, low-saturation pixels far from the centre are background
    background = image.min(axis=2) > 235
    assert mask[background].mean() < 0.1
    centre = mask[mask.shape[0] // 3: 2 * mask.shape[0] // 3,
                  mask.shape[1] * 2 // 5: mask.shape[1] * 3 // 5]
    assert centre.mean() > 0.8


def test_pipeline_runs_body_at_a_lower_rate_and_reports_ages(test_data):
    options = PipelineOptions(body=True, mask=True, body_interval_s=0.1, mask_interval_s=0.2)
    with VideoSource(test_data / "video/talking_head_man_d12.mp4") as video, \
            TrackingPipeline(options) as pipeline:
        out = [t for _, (_, t) in zip(range(12), pipeline.run(video))]
    body_times = sorted({t.bodies[0].timestamp_s for t in out})
    assert len(body_times) == 4  # 0.0, 0.12, 0.24, 0.36 s at 25 fps with a 0.1 s interval
    for t in out:
        assert t.ages_s["face"] == 0.0
        assert t.ages_s["body"] == pytest.approx(t.timestamp_s - t.bodies[0].timestamp_s)
        assert t.ages_s["body"] < 0.1 + 1e-9 and t.ages_s["mask"] < 0.2 + 1e-9
        assert t.mask is not None and t.mask.mask.shape == (512, 512)


def test_fast_c_struct_path_equals_the_public_api_path(test_data):
    from capture.trackers import RunningMode as Mode

    pairs = []
    fast, public = PoseTracker(PoseTrackerOptions(num_poses=3)), \
        PoseTracker(PoseTrackerOptions(num_poses=3))
    assert fast.fast_path
    public.fast_path = False
    with fast, public:
        for name in ("bodies/coco_val2014_000000000241.jpg", "faces/no_face_dogs.jpg"):
            frame = Frame(read_image(test_data / name), 0.0, 0)
            pairs.append((fast.detect(frame), public.detect(frame)))
    assert len(pairs[0][0].bodies) >= 2 and pairs[1][0].bodies == ()
    fast = PoseTracker(PoseTrackerOptions(running_mode=Mode.VIDEO))
    public = PoseTracker(PoseTrackerOptions(running_mode=Mode.VIDEO))
    public.fast_path = False
    with fast, public, VideoSource(test_data / "video/full_body_woman_arms_s13.mp4") as video:
        for _, frame in zip(range(10), video):
            pairs.append((fast.detect_for_video(frame), public.detect_for_video(frame)))
    for a, b in pairs:
        assert len(a.bodies) == len(b.bodies)
        for x, y in zip(a.bodies, b.bodies):
            np.testing.assert_array_equal(x.landmarks, y.landmarks)
            np.testing.assert_array_equal(x.world_landmarks, y.world_landmarks)
            np.testing.assert_array_equal(x.visibility, y.visibility)
            assert not x.visibility.flags.writeable
