"""Body tracker: MediaPipe PoseLandmarker -> BodyTracking (33 image + world landmarks, visibility)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from mediapipe.tasks.python import vision

from assets.errors import AssetError
from capture.models import POSE_MODELS
from capture.trackers.base import MediaPipeTracker, RunningMode, base_options, create_task
from capture.trackers.face import landmarks_array
from capture.types import NUM_POSE_LANDMARKS, BodyTracking


@dataclass(frozen=True)
class PoseTrackerOptions:
    """Options of PoseTracker.

    model: "lite" (default; pose_landmarker_lite.task, in the test data), "full", "heavy", or a
    registry name / path of a PoseLandmarker bundle. full/heavy come from `vivid models fetch`.
    num_poses: most bodies returned, largest first.
    min_*_confidence: MediaPipe's thresholds (its defaults, 0.5).
    result_callback: LIVE_STREAM only.
    """

    model: str = "lite"
    running_mode: RunningMode = RunningMode.IMAGE
    num_poses: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    result_callback: Callable[["PoseResult"], None] | None = None

    @property
    def model_name(self) -> str:
        return POSE_MODELS.get(self.model, self.model)


@dataclass(frozen=True)
class PoseResult:
    bodies: tuple[BodyTracking, ...]
    timestamp_s: float
    frame_size: tuple[int, int]


def body_from_mediapipe(landmarks: Sequence[object], world_landmarks: Sequence[object],
                        timestamp_s: float) -> BodyTracking:
    """Convert one MediaPipe pose (normalized + world landmarks with visibility)."""
    lm = landmarks_array(landmarks)
    if lm.shape != (NUM_POSE_LANDMARKS, 3):
        raise ValueError(f"expected {NUM_POSE_LANDMARKS} pose landmarks, got {lm.shape[0]}")
    world = landmarks_array(world_landmarks) if world_landmarks else np.full_like(lm, np.nan)
    vis = np.array([p.visibility if p.visibility is not None else np.nan for p in landmarks],
                   dtype=np.float32)
    for a in (lm, world, vis):
        a.flags.writeable = False
    return BodyTracking(landmarks=lm, world_landmarks=world, visibility=vis,
                        timestamp_s=timestamp_s)


def _body_area(body: BodyTracking) -> float:
    span = body.landmarks[:, :2].max(axis=0) - body.landmarks[:, :2].min(axis=0)
    return float(np.prod(span))


def convert_pose_result(result: vision.PoseLandmarkerResult, timestamp_s: float,
                        frame_size: tuple[int, int]) -> PoseResult:
    bodies = []
    for i, landmarks in enumerate(result.pose_landmarks):
        world = result.pose_world_landmarks[i] if i < len(result.pose_world_landmarks) else []
        bodies.append(body_from_mediapipe(landmarks, world, timestamp_s))
    bodies.sort(key=_body_area, reverse=True)
    return PoseResult(tuple(bodies), timestamp_s, frame_size)


class PoseTracker(MediaPipeTracker[PoseResult]):
    """MediaPipe PoseLandmarker with our result types."""

    def __init__(self, options: PoseTrackerOptions) -> None:
        if options.num_poses < 1:
            raise AssetError(f"PoseTrackerOptions.num_poses must be >= 1, got {options.num_poses}")
        self.options = options
        self._init_core("PoseTracker", options.running_mode, options.result_callback)
        mp_options = vision.PoseLandmarkerOptions(
            base_options=base_options(options.model_name),
            running_mode=options.running_mode.mediapipe,
            num_poses=options.num_poses,
            min_pose_detection_confidence=options.min_detection_confidence,
            min_pose_presence_confidence=options.min_presence_confidence,
            min_tracking_confidence=options.min_tracking_confidence,
            output_segmentation_masks=False,
            result_callback=self._live_callback(),
        )
        self._task = create_task(
            lambda: vision.PoseLandmarker.create_from_options(mp_options), options.model_name)

    @classmethod
    def create_from_options(cls, options: PoseTrackerOptions) -> "PoseTracker":
        return cls(options)

    def _convert(self, mp_result: object, timestamp_s: float,
                 frame_size: tuple[int, int]) -> PoseResult:
        return convert_pose_result(mp_result, timestamp_s, frame_size)  # type: ignore[arg-type]
