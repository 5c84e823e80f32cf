"""Smoothing: jitter of a still face drops >= 3x, a step costs <= 1 frame of lag; One Euro and
quaternion filters behave on their own."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.smoothing import (OneEuroFilter, QuaternionOneEuro, SmoothingOptions,
                               matrix_to_quat_translation, quat_angle, quat_slerp)
from capture.sources import read_image
from capture.types import Frame

FPS = 30.0
STILL_FRAMES = 60  # 2 s of a still face, then the face jumps 40 px sideways
SENSOR_NOISE_SIGMA = 8.0  # grey levels; a typical webcam in indoor light
STEP_PX = 40


@pytest.fixture(scope="module")
def still_then_step(test_data):
    """Real MediaPipe tracking of a still photo with fresh sensor noise on every frame, then the
    whole picture shifted by STEP_PX at frame STILL_FRAMES. Raw and smoothed runs."""
    image = cv2.resize(read_image(test_data / "faces/obama.jpg"), (455, 568))
    h, w = image.shape[:2]
    padded = np.pad(image, ((0, 0), (STEP_PX, STEP_PX), (0, 0)), mode="edge")
    rng = np.random.default_rng(1)
    frames = []
    for i in range(STILL_FRAMES + 8):
        x0 = STEP_PX if i < STILL_FRAMES else 0  # content moves right by STEP_PX
        crop = padded[:, x0:x0 + w].astype(np.float64)
        noisy = np.clip(crop + rng.normal(0, SENSOR_NOISE_SIGMA, crop.shape), 0, 255)
        frames.append(Frame(noisy.astype(np.uint8), i / FPS, i))

    def run(smoothing):
        with TrackingPipeline(PipelineOptions(smoothing=smoothing)) as pipeline:
            return [pipeline.process(f).face for f in frames]

    return (w, h), run(None), run(SmoothingOptions())


def frame_to_frame(values: np.ndarray) -> float:
    """Mean absolute change between consecutive frames over the settled still part."""
    part = values[STILL_FRAMES // 2:STILL_FRAMES]
    return float(np.abs(np.diff(part, axis=0)).mean())


def test_smoothing_cuts_still_face_jitter_at_least_3x(still_then_step):
    size, raw, smooth = still_then_step
    lm_raw = np.array([f.landmarks[:, :2] * size for f in raw])
    lm_smooth = np.array([f.landmarks[:, :2] * size for f in smooth])
    print("landmark jitter px", frame_to_frame(lm_raw), frame_to_frame(lm_smooth))
    assert frame_to_frame(lm_raw) >= 3.0 * frame_to_frame(lm_smooth)

    def angles(faces):
        q = np.array([matrix_to_quat_translation(f.head_matrix)[0] for f in faces])
        return np.array([quat_angle(q[i], q[i + 1]) for i in range(len(q) - 1)])

    still = slice(STILL_FRAMES // 2, STILL_FRAMES - 1)
    print("rotation jitter rad", angles(raw)[still].mean(), angles(smooth)[still].mean())
    assert angles(raw)[still].mean() >= 3.0 * angles(smooth)[still].mean()
    bs_raw = np.array([f.blendshapes for f in raw])
    bs_smooth = np.array([f.blendshapes for f in smooth])
    print("blendshape jitter", frame_to_frame(bs_raw), frame_to_frame(bs_smooth))
    assert frame_to_frame(bs_raw) >= 3.0 * frame_to_frame(bs_smooth)


def test_smoothing_adds_at_most_one_frame_of_lag_on_a_step(still_then_step):
    size, raw, smooth = still_then_step

    def crossing(faces) -> int:
        x = np.array([f.landmarks[:, 0].mean() * size[0] for f in faces])
        before, after = x[STILL_FRAMES - 1], x[-1]
        assert abs(after - before) > 0.8 * STEP_PX  # the tracker really saw the step
        half = (before + after) / 2
        return int(np.argmax((x - half) * np.sign(after - before) > 0))

    assert crossing(smooth) - crossing(raw) <= 1


def test_one_euro_per_channel_parameters_and_no_mutation():
    # two channels: one heavily smoothed, one almost pass-through
    f = OneEuroFilter(min_cutoff_hz=np.array([0.1, 100.0]), beta=0.0)
    x = np.array([0.0, 0.0])
    f(x, 0.0)
    step = np.array([1.0, 1.0])
    out = f(step, 1 / FPS)
    assert out[0] < 0.05 and out[1] > 0.9
    np.testing.assert_array_equal(step, [1.0, 1.0])  # input untouched
    # time-driven: after 1/30 s the output has moved about as far at 144 fps as at 30 fps
    at30, at144 = OneEuroFilter(1.0, 0.0), OneEuroFilter(1.0, 0.0)
    at30(np.zeros(1), 0.0)
    at144(np.zeros(1), 0.0)
    moved30 = at30(np.ones(1), 1 / 30)[0]
    moved144 = [at144(np.ones(1), k / 144)[0] for k in range(1, 6)][-1]  # 5/144 s ~ 1/30 s
    assert moved144 == pytest.approx(moved30, rel=0.25)
    # a repeated timestamp returns the previous estimate instead of dividing by zero
    assert np.array_equal(f(np.array([5.0, 5.0]), 1 / FPS), out)


def test_one_euro_nan_channel_does_not_poison_the_others():
    f = OneEuroFilter(1.0, 0.0)
    f(np.array([0.0, 0.0]), 0.0)
    out = f(np.array([np.nan, 1.0]), 0.1)
    assert np.isnan(out[0]) and 0.0 < out[1] < 1.0
    out = f(np.array([2.0, 1.0]), 0.2)
    assert out[0] == 2.0  # restarts from the first valid value


def test_quaternion_filter_takes_the_short_way_through_a_sign_flip():
    rot = QuaternionOneEuro(min_cutoff_hz=1.0, beta=0.0)
    q = Rotation.from_euler("y", 10, degrees=True).as_quat()
    rot(q, 0.0)
    out = rot(-q, 1 / FPS)  # the same rotation with the opposite sign
    assert quat_angle(out, q) < 1e-6
    target = Rotation.from_euler("y", 40, degrees=True).as_quat()
    out = rot(-target, 2 / FPS)
    angle = math.degrees(quat_angle(out, q))
    assert 0.0 < angle < 30.0  # moved toward 40 deg along the short arc, not the long one
    assert np.linalg.norm(out) == pytest.approx(1.0)


def test_slerp_endpoints_and_midpoint():
    a = Rotation.from_euler("x", 0, degrees=True).as_quat()
    b = Rotation.from_euler("x", 90, degrees=True).as_quat()
    assert quat_angle(quat_slerp(a, b, 0.0), a) < 1e-7
    assert quat_angle(quat_slerp(a, b, 1.0), b) < 1e-7
    mid = Rotation.from_quat(quat_slerp(a, b, 0.5)).as_euler("xyz", degrees=True)
    assert mid[0] == pytest.approx(45.0, abs=1e-6)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_default_blendshape_and_rotation_filters_follow_a_step_within_one_frame(fps):
    o = SmoothingOptions()
    blend = OneEuroFilter(o.blendshape_min_cutoff_hz, o.blendshape_beta, o.d_cutoff_hz)
    rot = QuaternionOneEuro(o.rotation_min_cutoff_hz, o.rotation_beta, o.d_cutoff_hz)
    q0 = Rotation.identity().as_quat()
    q1 = Rotation.from_euler("y", 20, degrees=True).as_quat()
    for i in range(10):  # settle on the resting value
        blend(np.zeros(1), i / fps)
        rot(q0, i / fps)
    # a blink (0 -> 0.8) and a 20 degree head turn between two frames: the raw signal is past
    # half way on the step frame; <= 1 frame of lag means the output is by the next frame.
    blend(np.full(1, 0.8), 10 / fps)
    rot(q1, 10 / fps)
    assert blend(np.full(1, 0.8), 11 / fps)[0] > 0.4
    assert math.degrees(quat_angle(rot(q1, 11 / fps), q0)) > 10.0


def test_fast_quaternion_conversions_match_scipy():
    from capture.smoothing import quat_to_rotation, rotation_to_quat

    rng = np.random.default_rng(5)
    rotations = [Rotation.random(random_state=int(rng.integers(1 << 31))) for _ in range(200)]
    rotations += [Rotation.from_euler("xyz", e, degrees=True)
                  for e in ([180, 0, 0], [0, 180, 0], [0, 0, 180], [0, 0, 0], [179.9, 0.1, 0])]
    for rot in rotations:
        q = rotation_to_quat(rot.as_matrix())
        assert 1 - abs(np.dot(q, rot.as_quat())) < 1e-12
        np.testing.assert_allclose(quat_to_rotation(rot.as_quat()), rot.as_matrix(), atol=1e-12)


def test_each_face_keeps_its_own_filters_when_the_order_swaps(test_data):
    from capture.smoothing import TrackingSmoother
    from capture.trackers import FaceTracker, FaceTrackerOptions
    from capture.types import Tracking

    frame = Frame(read_image(test_data / "faces/two_people.jpg"), 0.0, 0)
    with FaceTracker(FaceTrackerOptions(num_faces=2)) as tracker:
        a, b = tracker.detect(frame).faces
    smoother = TrackingSmoother()
    for i in range(20):
        t = i / FPS
        faces = (a, b) if i % 2 == 0 else (b, a)  # similar sizes: the order flips
        faces = tuple(type(f)(f.landmarks, f.blendshapes, f.head_matrix, t) for f in faces)
        out = smoother(Tracking(timestamp_s=t, faces=faces))
        for given, smoothed in zip(faces, out.faces):
            # never pulled toward the other person's face
            assert np.abs(smoothed.landmarks - given.landmarks).max() < 1e-4
    assert len(smoother(Tracking(timestamp_s=1.0, faces=(a,))).faces) == 1
