"""Hands: tracker wiring with the real model when available; everything downstream (conversion,
handedness, world landmarks, smoothing) on MediaPipe's own expected hand landmarks."""
from __future__ import annotations

import numpy as np
import pytest

from assets.errors import ModelNotFoundError
from capture import models
from capture.smoothing import TrackingSmoother
from capture.sources import read_image
from capture.trackers import HandTracker, HandTrackerOptions
from capture.trackers.hands import hand_from_mediapipe, person_handedness
from capture.types import (NUM_HAND_LANDMARKS, Frame, HandLandmark, PoseLandmark, Tracking)
from tests.capture.helpers import landmarks_np, parse_pbtxt_landmarks

EXPECTED = ("thumb_up", "pointing_up", "victory")


def expected_hand(test_data, name: str, mirrored: bool = False):
    text = (test_data / f"expected/mediapipe/{name}_landmarks.pbtxt").read_text()
    image = parse_pbtxt_landmarks(text, "landmarks")
    world = parse_pbtxt_landmarks(text, "world_landmarks")
    label = "Right" if 'label: "Right"' in text else "Left"
    return image, world, label


@pytest.mark.parametrize("name", EXPECTED)
def test_conversion_of_mediapipe_hand_landmarks(test_data, name):
    image, world, label = expected_hand(test_data, name)
    hand = hand_from_mediapipe(image, world, label, 0.98, 1.25)
    assert hand.landmarks.shape == hand.world_landmarks.shape == (NUM_HAND_LANDMARKS, 3)
    assert hand.landmarks.dtype == np.float32 and not hand.landmarks.flags.writeable
    np.testing.assert_allclose(hand.landmarks, landmarks_np(image), rtol=0, atol=1e-7)
    assert hand.handedness == label == "Right" and hand.timestamp_s == 1.25
    # world landmarks are metres around the hand's centre: an adult hand is 15-25 cm from
    # wrist to middle fingertip along the finger chain (wrist -> MCP -> PIP -> DIP -> tip)
    chain = [HandLandmark.WRIST, HandLandmark.MIDDLE_FINGER_MCP, HandLandmark.MIDDLE_FINGER_PIP,
             HandLandmark.MIDDLE_FINGER_DIP, HandLandmark.MIDDLE_FINGER_TIP]
    length = sum(np.linalg.norm(hand.world_landmarks[a] - hand.world_landmarks[b])
                 for a, b in zip(chain, chain[1:]))
    assert 0.12 < length < 0.25
    assert np.abs(hand.world_landmarks.mean(axis=0)).max() < 0.06


def test_handedness_is_the_persons_own_hand_and_mirroring_is_explicit():
    assert person_handedness("Right", input_is_mirrored=False) == "Right"
    assert person_handedness("Right", input_is_mirrored=True) == "Left"
    assert person_handedness("Left", input_is_mirrored=True) == "Right"
    with pytest.raises(ValueError, match="one of \\('Left', 'Right'\\)"):
        person_handedness("left", input_is_mirrored=False)


def test_holistic_left_hand_sits_at_the_pose_left_wrist(test_data):
    """In MediaPipe's holistic result (unmirrored photo) the hand it calls left is at the body's
    LEFT_WRIST: our 'person's own hand' convention matches MediaPipe for unmirrored input."""
    text = (test_data / "expected/mediapipe/male_full_height_hands_result_cpu.pbtxt").read_text()
    pose = landmarks_np(parse_pbtxt_landmarks(text, "pose_landmarks"))
    for block, label, wrist in (("left_hand_landmarks", "Left", PoseLandmark.LEFT_WRIST),
                                ("right_hand_landmarks", "Right", PoseLandmark.RIGHT_WRIST)):
        points = parse_pbtxt_landmarks(text, block)
        hand = hand_from_mediapipe(points, [], label, 1.0, 0.0)
        assert np.isnan(hand.world_landmarks).all()  # holistic gives no hand world landmarks
        own = np.linalg.norm(hand.landmarks[HandLandmark.WRIST, :2] - pose[wrist, :2])
        other_wrist = (PoseLandmark.RIGHT_WRIST if wrist == PoseLandmark.LEFT_WRIST
                       else PoseLandmark.LEFT_WRIST)
        other = np.linalg.norm(hand.landmarks[HandLandmark.WRIST, :2] - pose[other_wrist, :2])
        assert own < 0.05 and own < other / 3


def test_smoothing_keeps_hands_apart_and_reduces_jitter(test_data):
    right_img, right_world, _ = expected_hand(test_data, "thumb_up")
    left_img, left_world, _ = expected_hand(test_data, "victory")
    base_r, base_l = landmarks_np(right_img), landmarks_np(left_img)
    rng = np.random.default_rng(3)
    smoother = TrackingSmoother()
    raw_r, out_r, out_l = [], [], []
    for i in range(60):
        t = i / 30.0
        noisy_r = base_r + rng.normal(0, 0.002, base_r.shape).astype(np.float32)
        noisy_l = base_l + rng.normal(0, 0.002, base_l.shape).astype(np.float32)
        hands = (
            hand_from_mediapipe([_P(*p) for p in noisy_r], right_world, "Right", 1.0, t),
            hand_from_mediapipe([_P(*p) for p in noisy_l], left_world, "Left", 1.0, t),
        )
        if i % 2:  # order of hands in the result must not matter
            hands = hands[::-1]
        result = smoother(Tracking(timestamp_s=t, hands=hands))
        by_side = {h.handedness: h for h in result.hands}
        raw_r.append(noisy_r)
        out_r.append(by_side["Right"].landmarks)
        out_l.append(by_side["Left"].landmarks)
    settled = slice(30, 60)
    jitter = lambda a: np.abs(np.diff(np.array(a)[settled], axis=0)).mean()  # noqa: E731
    assert jitter(raw_r) >= 3.0 * jitter(out_r)
    # each side converges to its own hand (no mixing of the two filters)
    assert np.abs(np.mean(out_r[settled], axis=0) - base_r).max() < 0.003
    assert np.abs(np.mean(out_l[settled], axis=0) - base_l).max() < 0.003


class _P:
    def __init__(self, x: float, y: float, z: float) -> None:
        self.x, self.y, self.z = float(x), float(y), float(z)


def test_missing_hand_model_says_where_it_looked_and_how_to_fix(tmp_path, monkeypatch, test_data):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(models.MODEL_DIR_ENV, str(tmp_path / "models"))
    with pytest.raises(ModelNotFoundError) as info:
        HandTracker(HandTrackerOptions())
    message = str(info.value)
    assert "hand_landmarker.task" in message
    assert str(tmp_path / "models" / "hand_landmarker.task") in message
    assert str(tmp_path / "cache") in message
    assert "vivid models fetch hand_landmarker.task" in message
    assert models.MODELS["hand_landmarker.task"].url in message


def test_hand_tracker_with_the_real_model(test_data):
    try:
        models.resolve("hand_landmarker.task")
    except ModelNotFoundError:
        pytest.skip("hand_landmarker.task is not in VIVID_MODEL_DIR or the model cache "
                    "(../shared/data has no verified copy); `vivid models fetch "
                    "hand_landmarker.task` enables this test")
    frame = Frame(read_image(test_data / "hands/woman_hands.jpg"), 0.0, 0)
    with HandTracker(HandTrackerOptions(num_hands=2)) as tracker:
        result = tracker.detect(frame)
    assert len(result.hands) == 2
    assert [h.handedness for h in result.hands] == ["Left", "Right"]
    for hand in result.hands:
        assert hand.landmarks.shape == (21, 3) and np.isfinite(hand.world_landmarks).all()


def test_hand_tracker_wiring_reaches_mediapipe_and_rejects_the_wrong_bundle(model_dir):
    """Without the hand model, the options still go all the way into MediaPipe's graph: a pose
    bundle is refused for lacking the hand detector (and named in an AssetError)."""
    from assets.errors import AssetError
    from capture.trackers import RunningMode

    for mode in (RunningMode.IMAGE, RunningMode.VIDEO):
        with pytest.raises(AssetError, match="pose_landmarker_lite.task.*hand_detector.tflite"):
            HandTracker(HandTrackerOptions(model=str(model_dir / "pose_landmarker_lite.task"),
                                           running_mode=mode))
