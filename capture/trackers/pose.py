"""Body tracker: MediaPipe PoseLandmarker -> BodyTracking (33 image + world landmarks, visibility)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from mediapipe.tasks.python import vision

from assets.errors import AssetError
from capture.models import POSE_MODELS
from capture.trackers import fast_results
from capture.trackers.base import (MediaPipeTracker, RunningMode, base_options, create_task,
                                   to_mp_image)
from capture.trackers.face import landmarks_array
from capture.types import NUM_POSE_LANDMARKS, BodyTracking, Frame


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


def body_from_arrays(landmarks: np.ndarray, world_landmarks: np.ndarray | None,
                     visibility: np.ndarray, timestamp_s: float) -> BodyTracking:
    """BodyTracking from arrays we own (they become read-only; world None -> NaN)."""
    lm = np.asarray(landmarks, np.float32)
    if lm.shape != (NUM_POSE_LANDMARKS, 3):
        raise ValueError(f"expected {NUM_POSE_LANDMARKS} pose landmarks, got {lm.shape}")
    world = (np.asarray(world_landmarks, np.float32) if world_landmarks is not None
             and len(world_landmarks) else np.full_like(lm, np.nan))
    vis = np.asarray(visibility, np.float32)
    for a in (lm, world, vis):
        a.flags.writeable = False
    return BodyTracking(landmarks=lm, world_landmarks=world, visibility=vis,
                        timestamp_s=timestamp_s)


def body_from_mediapipe(landmarks: Sequence[object], world_landmarks: Sequence[object],
                        timestamp_s: float) -> BodyTracking:
    """Convert one MediaPipe pose (normalized + world landmark objects with visibility)."""
    vis = np.array([p.visibility if p.visibility is not None else np.nan for p in landmarks],
                   dtype=np.float32)
    world = landmarks_array(world_landmarks) if world_landmarks else None
    return body_from_arrays(landmarks_array(landmarks), world, vis, timestamp_s)


def _body_area(body: BodyTracking) -> float:
    span = body.landmarks[:, :2].max(axis=0) - body.landmarks[:, :2].min(axis=0)
    return float(np.prod(span))


def convert_pose_result(result: vision.PoseLandmarkerResult, timestamp_s: float,
                        frame_size: tuple[int, int]) -> PoseResult:
    bodies = []
    for i, landmarks in enumerate(result.pose_landmarks):
        world = result.pose_world_landmarks[i] if i < len(result.pose_world_landmarks) else []
        bodies.append(body_from_mediapipe(landmarks, world, timestamp_s))
    return _result(bodies, timestamp_s, frame_size)


def _result(bodies: list[BodyTracking], timestamp_s: float,
            frame_size: tuple[int, int]) -> PoseResult:
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
        # Direct C-struct -> numpy conversion (see fast_results.py); public API when unsupported.
        self.fast_path = fast_results.pose_supported(self._task)

    @classmethod
    def create_from_options(cls, options: PoseTrackerOptions) -> "PoseTracker":
        return cls(options)

    def _convert(self, mp_result: object, timestamp_s: float,
                 frame_size: tuple[int, int]) -> PoseResult:
        return convert_pose_result(mp_result, timestamp_s, frame_size)  # type: ignore[arg-type]

    def _fast(self, frame: Frame, timestamp_ms: int | None) -> PoseResult:
        image = to_mp_image(frame)  # kept alive until the C call has returned
        arrays = self._quiet_first(fast_results.detect_pose, self._task, image._image_ptr, timestamp_ms)
        bodies = [body_from_arrays(lm, w, v, frame.timestamp_s) for lm, w, v in arrays]
        return _result(bodies, frame.timestamp_s, frame.size)

    def detect(self, frame: Frame) -> PoseResult:
        """IMAGE mode: one independent photo."""
        if not self.fast_path:
            return super().detect(frame)
        self._core.require("detect", RunningMode.IMAGE)
        return self._fast(frame, None)

    def detect_for_video(self, frame: Frame) -> PoseResult:
        """VIDEO mode: frames in order, frame.timestamp_s strictly increasing."""
        if not self.fast_path:
            return super().detect_for_video(frame)
        self._core.require("detect_for_video", RunningMode.VIDEO)
        return self._fast(frame, self._core.timestamp_ms("detect_for_video", frame.timestamp_s))
