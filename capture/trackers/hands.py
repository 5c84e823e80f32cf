"""Hand tracker: MediaPipe HandLandmarker -> HandTracking (21 landmarks, world landmarks, handedness).

Handedness: MediaPipe 1.2.2 documents its label as the subject's own hand for an unmirrored
image, and inverted when the image was mirrored (selfie view). Our sources mirror only when asked
(`mirror=True`), so the tracker is told explicitly (`input_is_mirrored`) and corrects the label:
HandTracking.handedness is always the person's own hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from mediapipe.tasks.python import vision

from assets.errors import AssetError
from capture.trackers.base import MediaPipeTracker, RunningMode, base_options, create_task
from capture.trackers.face import landmarks_array
from capture.types import NUM_HAND_LANDMARKS, HandTracking

HANDEDNESS_LABELS = ("Left", "Right")
_SWAP = {"Left": "Right", "Right": "Left"}


@dataclass(frozen=True)
class HandTrackerOptions:
    """Options of HandTracker.

    model: hand_landmarker.task (not in the test data; `vivid models fetch hand_landmarker.task`).
    num_hands: most hands returned (2 = both hands of one person).
    input_is_mirrored: True when frames were mirrored (selfie view) before tracking; the
    handedness label is then swapped so it still names the person's own hand.
    result_callback: LIVE_STREAM only.
    """

    model: str = "hand_landmarker.task"
    running_mode: RunningMode = RunningMode.IMAGE
    num_hands: int = 2
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    input_is_mirrored: bool = False
    result_callback: Callable[["HandResult"], None] | None = None


@dataclass(frozen=True)
class HandResult:
    """Hands found in one frame: the person's left hand first, then right."""

    hands: tuple[HandTracking, ...]
    timestamp_s: float
    frame_size: tuple[int, int]


def person_handedness(mediapipe_label: str, input_is_mirrored: bool) -> str:
    """The person's own hand from MediaPipe's label (see module doc)."""
    if mediapipe_label not in _SWAP:
        raise ValueError(f"handedness label must be one of {HANDEDNESS_LABELS}, "
                         f"got {mediapipe_label!r}")
    return _SWAP[mediapipe_label] if input_is_mirrored else mediapipe_label


def hand_from_mediapipe(landmarks: Sequence[object], world_landmarks: Sequence[object],
                        label: str, score: float, timestamp_s: float,
                        input_is_mirrored: bool = False) -> HandTracking:
    """Convert one MediaPipe hand (normalized + world landmarks, handedness category)."""
    lm = landmarks_array(landmarks)
    if lm.shape != (NUM_HAND_LANDMARKS, 3):
        raise ValueError(f"expected {NUM_HAND_LANDMARKS} hand landmarks, got {lm.shape[0]}")
    world = landmarks_array(world_landmarks) if world_landmarks else np.full_like(lm, np.nan)
    lm.flags.writeable = False
    world.flags.writeable = False
    return HandTracking(landmarks=lm, world_landmarks=world,
                        handedness=person_handedness(label, input_is_mirrored),
                        score=float(score), timestamp_s=timestamp_s)


def convert_hand_result(result: vision.HandLandmarkerResult, timestamp_s: float,
                        frame_size: tuple[int, int], input_is_mirrored: bool) -> HandResult:
    hands = []
    for i, landmarks in enumerate(result.hand_landmarks):
        category = result.handedness[i][0]
        world = result.hand_world_landmarks[i] if i < len(result.hand_world_landmarks) else []
        hands.append(hand_from_mediapipe(landmarks, world, category.category_name,
                                         category.score, timestamp_s, input_is_mirrored))
    hands.sort(key=lambda h: HANDEDNESS_LABELS.index(h.handedness))
    return HandResult(tuple(hands), timestamp_s, frame_size)


class HandTracker(MediaPipeTracker[HandResult]):
    """MediaPipe HandLandmarker with our result types."""

    def __init__(self, options: HandTrackerOptions) -> None:
        if options.num_hands < 1:
            raise AssetError(f"HandTrackerOptions.num_hands must be >= 1, got {options.num_hands}")
        self.options = options
        self._init_core("HandTracker", options.running_mode, options.result_callback)
        mp_options = vision.HandLandmarkerOptions(
            base_options=base_options(options.model),
            running_mode=options.running_mode.mediapipe,
            num_hands=options.num_hands,
            min_hand_detection_confidence=options.min_detection_confidence,
            min_hand_presence_confidence=options.min_presence_confidence,
            min_tracking_confidence=options.min_tracking_confidence,
            result_callback=self._live_callback(),
        )
        self._task = create_task(
            lambda: vision.HandLandmarker.create_from_options(mp_options), options.model)

    @classmethod
    def create_from_options(cls, options: HandTrackerOptions) -> "HandTracker":
        return cls(options)

    def _convert(self, mp_result: object, timestamp_s: float,
                 frame_size: tuple[int, int]) -> HandResult:
        return convert_hand_result(mp_result, timestamp_s, frame_size,  # type: ignore[arg-type]
                                   self.options.input_is_mirrored)
