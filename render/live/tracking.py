"""The tracker thread: newest source frame -> Tracking (face at full rate), with live-adjustable
smoothing strength and neutral-face calibration. A tracker that cannot start (missing model)
is reported and frames flow on untracked, so the preview never stops."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from assets.errors import VividError
from capture.calibration import NeutralCalibration, NeutralCalibrator
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.smoothing import SmoothingOptions, TrackingSmoother
from capture.sources.base import LatestFrameSlot
from capture.types import Frame, Tracking
from render.live.sources import LiveFrame, SourceReader

log = logging.getLogger(__name__)

# Smoothing strength s in [0, 1] scales the One Euro minimum cutoffs by STRENGTH_BASE ** (1 - 2 s):
# s = 0.5 keeps capture's tuned defaults, 1.0 divides the cutoffs by 4 (heavier, laggier),
# 0.0 multiplies them by 4 (nearly raw). s == 0 exactly turns smoothing off.
STRENGTH_BASE = 4.0
DEFAULT_STRENGTH = 0.5
CALIBRATION_NO_FACE_S = 4.0  # calibrating stops with a message after this long without a face
_MIN_STEP_S = 0.001  # MediaPipe VIDEO mode needs strictly increasing millisecond timestamps


def smoothing_for_strength(strength: float) -> SmoothingOptions | None:
    """One Euro options for a UI strength in [0, 1] (None = no smoothing)."""
    s = min(max(float(strength), 0.0), 1.0)
    if s == 0.0:
        return None
    k = STRENGTH_BASE ** (1.0 - 2.0 * s)
    d = SmoothingOptions()
    return replace(d, landmark_min_cutoff_hz=d.landmark_min_cutoff_hz * k,
                   blendshape_min_cutoff_hz=d.blendshape_min_cutoff_hz * k,
                   rotation_min_cutoff_hz=d.rotation_min_cutoff_hz * k,
                   translation_min_cutoff_hz=d.translation_min_cutoff_hz * k)


@dataclass(frozen=True)
class TrackedFrame:
    """A source frame with its tracking (None when tracking is off or failed) and timings."""

    frame: LiveFrame
    tracking: Tracking | None
    track_ms: float


class TrackerWorker:
    """Takes the newest LiveFrame from the reader's slot, tracks it, puts a TrackedFrame in `slot`."""

    def __init__(self, reader: SourceReader, face: bool = True,
                 smoothing_strength: float = DEFAULT_STRENGTH, t0: float | None = None) -> None:
        self.reader = reader
        self.slot = LatestFrameSlot()
        self.produced = 0  # tracked frames put in `slot` so far (lets the GL thread poll cheaply)
        self.error: str | None = None
        self.calibration: NeutralCalibration | None = None
        self._calibrator: NeutralCalibrator | None = None
        self._last_face_at = 0.0  # time.monotonic() of the last face seen while calibrating
        self._lock = threading.Lock()
        self._strength = smoothing_strength
        self._smoother = self._make_smoother(smoothing_strength)
        self._face = face
        self._t0 = t0 if t0 is not None else time.monotonic()
        self._last_ts = -_MIN_STEP_S  # the first timestamp is >= 0 even for a frame read before t0
        self._stop = threading.Event()
        self._pipeline: TrackingPipeline | None = None
        self._needs: tuple[bool, bool, bool] = (False, False, False)  # mask, body, hands
        self._rebuild = False
        self._thread = threading.Thread(target=self._run, name="tracker", daemon=True)
        self._thread.start()

    @staticmethod
    def _make_smoother(strength: float) -> TrackingSmoother | None:
        options = smoothing_for_strength(strength)
        return TrackingSmoother(options) if options is not None else None

    # ------------------------------------------------------------------ controls (any thread)
    @property
    def smoothing_strength(self) -> float:
        return self._strength

    def set_smoothing(self, strength: float) -> None:
        with self._lock:
            self._strength = strength
            self._smoother = self._make_smoother(strength)

    def start_calibration(self, duration_s: float = 3.0) -> None:
        """Capture the neutral face over the next `duration_s` seconds of tracked frames."""
        with self._lock:
            self._calibrator = NeutralCalibrator(duration_s)
            self._last_face_at = time.monotonic()

    def expire_calibration(self, now: float | None = None,
                           timeout_s: float = CALIBRATION_NO_FACE_S) -> str | None:
        """Stop a calibration that has seen no face for `timeout_s`; returns the message to show."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._calibrator is None or now - self._last_face_at < timeout_s:
                return None
            self._calibrator = None
        return (f"calibration stopped: no face seen for {timeout_s:g} s; face the camera with a "
                f"relaxed, neutral face and calibrate again")

    @property
    def calibrating(self) -> bool:
        return self._calibrator is not None

    def set_needs(self, mask: bool, body: bool, hands: bool) -> None:
        """Extra trackers some effects need (person mask, body, hands); applied on the next frame."""
        with self._lock:
            if (mask, body, hands) != self._needs:
                self._needs = (mask, body, hands)
                self._rebuild = True

    def clear_calibration(self) -> None:
        with self._lock:
            self.calibration = None
            self._calibrator = None

    # ------------------------------------------------------------------ thread
    def _start_pipeline(self) -> None:
        if self._pipeline is not None:
            self._pipeline.close()
            self._pipeline = None
        self._last_ts = -_MIN_STEP_S  # the first timestamp is >= 0 even for a frame read before t0
        mask, body, hands = self._needs
        try:
            self._pipeline = TrackingPipeline(PipelineOptions(face=True, mask=mask, body=body, hands=hands,
                                                              smoothing=None))
        except VividError as exc:
            self.error = f"face tracking is off: {exc}"
        except Exception as exc:  # MediaPipe raises RuntimeError for unusable models; show it, keep the preview
            log.exception("face tracker failed to start")
            self.error = f"face tracking is off: {type(exc).__name__}: {exc}"

    def _run(self) -> None:
        if self._face:
            self._start_pipeline()
        try:
            while not self._stop.is_set():
                if self._rebuild and self._face:
                    self._rebuild = False
                    self._start_pipeline()
                live = self.reader.slot.get(timeout_s=0.25)
                if live is None:
                    if self.reader.finished:  # source ended; nothing more will come
                        break
                    continue
                self.slot.put(self._track(live))
                self.produced += 1
        finally:
            if self._pipeline is not None:
                self._pipeline.close()
            self.slot.close()

    def _track(self, live: LiveFrame) -> TrackedFrame:
        start = time.monotonic()
        tracking = live.tracking
        if tracking is None and live.image is not None and self._pipeline is not None:
            # Wall-clock timestamps: looping videos restart their own clock, MediaPipe must not.
            ts = max(live.captured_at - self._t0, self._last_ts + _MIN_STEP_S)
            self._last_ts = ts
            try:
                tracking = self._pipeline.process(Frame(live.image, ts, live.seq))
            except VividError as exc:
                self.error = f"tracking failed: {exc}"
                tracking = None
        if tracking is not None:
            with self._lock:
                smoother, calibrator = self._smoother, self._calibrator
            if smoother is not None:
                tracking = smoother(tracking)
            if calibrator is not None and tracking.face is not None:
                self._last_face_at = time.monotonic()
                if calibrator.add(tracking.face):
                    try:
                        self.calibration = calibrator.result()
                    except VividError as exc:
                        self.error = str(exc)
                    self._calibrator = None
            if self.calibration is not None and tracking.faces:
                cal = self.calibration
                tracking = replace(tracking, faces=tuple(cal.apply_face(f) for f in tracking.faces))
        return TrackedFrame(live, tracking, (time.monotonic() - start) * 1000.0)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=3.0)
        self.slot.close()
