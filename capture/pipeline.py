"""Frames -> Tracking: face, body, hands and person mask at their own rates, combined with ages,
then smoothed and calibrated. The same code runs live (camera) and offline (video, photos)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from capture.calibration import NeutralCalibration
from capture.smoothing import SmoothingOptions, TrackingSmoother
from capture.trackers.base import RunningMode
from capture.trackers.face import FaceResult, FaceTracker, FaceTrackerOptions
from capture.trackers.hands import HandResult, HandTracker, HandTrackerOptions
from capture.trackers.pose import PoseResult, PoseTracker, PoseTrackerOptions
from capture.trackers.segmenter import PersonSegmenter, SegmenterOptions
from capture.types import Frame, SegmentationMask, Tracking


class TrackingCombiner:
    """Keeps the latest result of each tracker and bundles them into a Tracking with each one's
    age (seconds between the result's frame and the snapshot time). Thread-safe: LIVE_STREAM
    callbacks may update it from MediaPipe's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._face: FaceResult | None = None
        self._pose: PoseResult | None = None
        self._hands: HandResult | None = None
        self._mask: SegmentationMask | None = None
        self._size = (0, 0)

    def update(self, result: FaceResult | PoseResult | HandResult | SegmentationMask) -> None:
        with self._lock:
            if isinstance(result, FaceResult):
                self._face, self._size = result, result.frame_size
            elif isinstance(result, PoseResult):
                self._pose, self._size = result, result.frame_size
            elif isinstance(result, HandResult):
                self._hands, self._size = result, result.frame_size
            else:
                self._mask = result

    def snapshot(self, timestamp_s: float, frame_size: tuple[int, int] | None = None) -> Tracking:
        with self._lock:
            ages: dict[str, float] = {}
            for key, res in (("face", self._face), ("body", self._pose),
                             ("hands", self._hands), ("mask", self._mask)):
                if res is not None:
                    ages[key] = max(0.0, timestamp_s - res.timestamp_s)
            return Tracking(
                timestamp_s=timestamp_s,
                faces=self._face.faces if self._face else (),
                bodies=self._pose.bodies if self._pose else (),
                hands=self._hands.hands if self._hands else (),
                frame_size=frame_size or self._size,
                ages_s=ages,
                mask=self._mask,
            )


@dataclass(frozen=True)
class PipelineOptions:
    """What to track and how often.

    face/body/hands/mask: which trackers run (hands needs hand_landmarker.task from the model
    manager; mask uses selfie_segmenter.tflite).
    *_interval_s: run that tracker at most once per this many seconds of frame time (0 = every
    frame); in between, its last result is reused and Tracking.ages_s says how old it is.
    still_images: IMAGE mode (independent photos, no temporal tracking or smoothing) instead of
    VIDEO mode.
    input_is_mirrored: frames were mirrored by the source (hand labels are corrected).
    smoothing: One Euro parameters, or None for raw results.
    calibration: neutral-face calibration applied to blendshapes after smoothing, or None.
    """

    face: bool = True
    body: bool = False
    hands: bool = False
    mask: bool = False
    num_faces: int = 1
    num_poses: int = 1
    face_model: str = "face_landmarker.task"
    pose_model: str = "lite"
    hand_model: str = "hand_landmarker.task"
    body_interval_s: float = 0.0
    hands_interval_s: float = 0.0
    mask_interval_s: float = 0.0
    still_images: bool = False
    input_is_mirrored: bool = False
    smoothing: SmoothingOptions | None = field(default_factory=SmoothingOptions)
    calibration: NeutralCalibration | None = None


class TrackingPipeline:
    """Runs the enabled trackers on each frame (blocking, VIDEO or IMAGE mode) and returns a
    Tracking. Use `with` or call close()."""

    def __init__(self, options: PipelineOptions = PipelineOptions()) -> None:
        self.options = options
        mode = RunningMode.IMAGE if options.still_images else RunningMode.VIDEO
        self._trackers: list[tuple[str, object, float]] = []
        try:
            if options.face:
                self._trackers.append(("face", FaceTracker(FaceTrackerOptions(
                    model=options.face_model, running_mode=mode,
                    num_faces=options.num_faces)), 0.0))
            if options.body:
                self._trackers.append(("body", PoseTracker(PoseTrackerOptions(
                    model=options.pose_model, running_mode=mode,
                    num_poses=options.num_poses)), options.body_interval_s))
            if options.hands:
                self._trackers.append(("hands", HandTracker(HandTrackerOptions(
                    model=options.hand_model, running_mode=mode,
                    input_is_mirrored=options.input_is_mirrored)), options.hands_interval_s))
            if options.mask:
                self._trackers.append(("mask", PersonSegmenter(SegmenterOptions(
                    running_mode=mode)), options.mask_interval_s))
        except BaseException:
            self.close()
            raise
        self._last_run: dict[str, float] = {}
        self._combiner = TrackingCombiner()
        use_smoothing = options.smoothing is not None and not options.still_images
        self._smoother = TrackingSmoother(options.smoothing) if use_smoothing else None

    def process(self, frame: Frame) -> Tracking:
        t = frame.timestamp_s
        for key, tracker, interval in self._trackers:
            last = self._last_run.get(key)
            # Photos are independent: every tracker runs on every one (no stale reuse).
            stale_ok = not self.options.still_images and interval > 0.0
            if last is not None and stale_ok and t - last < interval - 1e-9:
                continue
            if self.options.still_images:
                result = tracker.detect(frame)  # type: ignore[attr-defined]
            else:
                result = tracker.detect_for_video(frame)  # type: ignore[attr-defined]
            self._combiner.update(result)
            self._last_run[key] = t
        tracking = self._combiner.snapshot(t, frame.size)
        if self._smoother is not None:
            tracking = self._smoother(tracking)
        if self.options.calibration is not None and tracking.faces:
            cal = self.options.calibration
            tracking = Tracking(timestamp_s=tracking.timestamp_s,
                                faces=tuple(cal.apply_face(f) for f in tracking.faces),
                                bodies=tracking.bodies, hands=tracking.hands,
                                frame_size=tracking.frame_size, ages_s=tracking.ages_s,
                                mask=tracking.mask, external=tracking.external)
        return tracking

    def run(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, Tracking]]:
        for frame in frames:
            yield frame, self.process(frame)

    def close(self) -> None:
        for _key, tracker, _interval in self._trackers:
            tracker.close()  # type: ignore[attr-defined]

    def __enter__(self) -> "TrackingPipeline":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
