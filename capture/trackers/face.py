"""Face tracker: MediaPipe FaceLandmarker -> FaceTracking (478 landmarks, 52 blendshapes, head matrix)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from mediapipe.tasks.python import vision

from assets.errors import AssetError
from capture.trackers import fast_results
from capture.trackers.base import (MediaPipeTracker, RunningMode, base_options, create_task,
                                   to_mp_image)
from capture.types import NUM_BLENDSHAPES, NUM_FACE_LANDMARKS, FaceTracking, Frame, readonly_f32

# When blendshapes or the matrix are switched off, FaceTracking still needs the arrays: they are
# filled with NaN ("not computed") rather than zeros/identity, so nobody mistakes them for data.
_NAN_BLENDSHAPES = readonly_f32(np.full(NUM_BLENDSHAPES, np.nan))
_NAN_MATRIX = readonly_f32(np.full((4, 4), np.nan))


@dataclass(frozen=True)
class FaceTrackerOptions:
    """Options of FaceTracker.

    model: registry name or path of a FaceLandmarker bundle with blendshapes.
    running_mode: IMAGE, VIDEO or LIVE_STREAM (see RunningMode).
    num_faces: most faces returned; results are ordered largest face first.
    min_*_confidence: MediaPipe's thresholds (its defaults, 0.5).
    output_blendshapes / output_head_matrix: off saves ~1 ms; arrays are then NaN.
    result_callback: LIVE_STREAM only; called on MediaPipe's thread with each FaceResult.
    """

    model: str = "face_landmarker.task"
    running_mode: RunningMode = RunningMode.IMAGE
    num_faces: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    output_blendshapes: bool = True
    output_head_matrix: bool = True
    result_callback: Callable[["FaceResult"], None] | None = None


@dataclass(frozen=True)
class FaceResult:
    """All faces found in one frame, largest first (empty tuple when none)."""

    faces: tuple[FaceTracking, ...]
    timestamp_s: float
    frame_size: tuple[int, int]


def landmarks_array(landmarks: Sequence[object]) -> np.ndarray:
    """(N, 3) float32 from MediaPipe landmark objects (anything with .x .y .z), one pass."""
    return np.array([(p.x, p.y, p.z) for p in landmarks], dtype=np.float32).reshape(-1, 3)


def face_from_arrays(landmarks: np.ndarray, blendshapes: np.ndarray | None,
                     matrix: np.ndarray | None, timestamp_s: float) -> FaceTracking:
    """FaceTracking from arrays we own (no copy of float32 inputs; they become read-only)."""
    lm = np.asarray(landmarks, np.float32)
    if lm.shape != (NUM_FACE_LANDMARKS, 3):
        raise ValueError(f"expected {NUM_FACE_LANDMARKS} face landmarks, got {lm.shape}")
    lm.flags.writeable = False
    if blendshapes is not None:
        bs = np.asarray(blendshapes, np.float32)
        if bs.shape != (NUM_BLENDSHAPES,):
            raise ValueError(f"expected {NUM_BLENDSHAPES} blendshapes, got {bs.shape}")
        bs.flags.writeable = False
    else:
        bs = _NAN_BLENDSHAPES
    mat = readonly_f32(matrix, (4, 4)) if matrix is not None else _NAN_MATRIX
    return FaceTracking(landmarks=lm, blendshapes=bs, head_matrix=mat, timestamp_s=timestamp_s)


def face_from_mediapipe(landmarks: Sequence[object], blendshapes: Sequence[object] | None,
                        matrix: np.ndarray | None, timestamp_s: float) -> FaceTracking:
    """Convert one MediaPipe face (landmark objects, blendshape categories, 4x4 matrix)."""
    bs = (np.array([c.score for c in blendshapes], dtype=np.float32)
          if blendshapes is not None else None)
    return face_from_arrays(landmarks_array(landmarks), bs, matrix, timestamp_s)


def _face_area(face: FaceTracking) -> float:
    lo = face.landmarks[:, :2].min(axis=0)
    hi = face.landmarks[:, :2].max(axis=0)
    return float(np.prod(hi - lo))


def _result(faces: list[FaceTracking], timestamp_s: float,
            frame_size: tuple[int, int]) -> FaceResult:
    if len(faces) > 1:
        faces.sort(key=_face_area, reverse=True)
    return FaceResult(tuple(faces), timestamp_s, frame_size)


def convert_face_result(result: vision.FaceLandmarkerResult, timestamp_s: float,
                        frame_size: tuple[int, int]) -> FaceResult:
    faces = []
    for i, landmarks in enumerate(result.face_landmarks):
        blend = result.face_blendshapes[i] if i < len(result.face_blendshapes) else None
        mats = result.facial_transformation_matrixes
        matrix = mats[i] if i < len(mats) else None
        faces.append(face_from_mediapipe(landmarks, blend, matrix, timestamp_s))
    return _result(faces, timestamp_s, frame_size)


class FaceTracker(MediaPipeTracker[FaceResult]):
    """MediaPipe FaceLandmarker with our result types. Use as a context manager or call close()."""

    def __init__(self, options: FaceTrackerOptions) -> None:
        if options.num_faces < 1:
            raise AssetError(f"FaceTrackerOptions.num_faces must be >= 1, got {options.num_faces}")
        self.options = options
        self._init_core("FaceTracker", options.running_mode, options.result_callback)
        mp_options = vision.FaceLandmarkerOptions(
            base_options=base_options(options.model),
            running_mode=options.running_mode.mediapipe,
            num_faces=options.num_faces,
            min_face_detection_confidence=options.min_detection_confidence,
            min_face_presence_confidence=options.min_presence_confidence,
            min_tracking_confidence=options.min_tracking_confidence,
            output_face_blendshapes=options.output_blendshapes,
            output_facial_transformation_matrixes=options.output_head_matrix,
            result_callback=self._live_callback(),
        )
        self._task = create_task(
            lambda: vision.FaceLandmarker.create_from_options(mp_options), options.model)
        # Direct C-struct -> numpy conversion (see fast_results.py); public API when unsupported.
        self.fast_path = fast_results.face_supported(self._task)

    @classmethod
    def create_from_options(cls, options: FaceTrackerOptions) -> "FaceTracker":
        return cls(options)

    def _convert(self, mp_result: object, timestamp_s: float,
                 frame_size: tuple[int, int]) -> FaceResult:
        return convert_face_result(mp_result, timestamp_s, frame_size)  # type: ignore[arg-type]

    def _fast(self, frame: Frame, timestamp_ms: int | None) -> FaceResult:
        image = to_mp_image(frame)  # kept alive until the C call has returned
        arrays = self._quiet_first(fast_results.detect_face, self._task, image._image_ptr, timestamp_ms)
        faces = [face_from_arrays(lm, bs, mat, frame.timestamp_s) for lm, bs, mat in arrays]
        return _result(faces, frame.timestamp_s, frame.size)

    def detect(self, frame: Frame) -> FaceResult:
        """IMAGE mode: one independent photo."""
        if not self.fast_path:
            return super().detect(frame)
        self._core.require("detect", RunningMode.IMAGE)
        return self._fast(frame, None)

    def detect_for_video(self, frame: Frame) -> FaceResult:
        """VIDEO mode: frames in order, frame.timestamp_s strictly increasing."""
        if not self.fast_path:
            return super().detect_for_video(frame)
        self._core.require("detect_for_video", RunningMode.VIDEO)
        return self._fast(frame, self._core.timestamp_ms("detect_for_video", frame.timestamp_s))
