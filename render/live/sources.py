"""Live sources for the studio: camera, video file (paced to the wall clock, looping), photo
(repeated), or mocap clip (replayed Tracking, no image). A reader thread keeps only the newest
frame; every frame carries `captured_at` (time.monotonic) for latency measurement."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from assets.errors import SourceError, VividError
from capture.mocap import CLIP_SUFFIX, load_clip
from capture.sources import IMAGE_EXTENSIONS, ImageSource, VideoSource, WebcamSource
from capture.sources.base import LatestFrameSlot
from capture.types import Tracking

log = logging.getLogger(__name__)

PHOTO_FPS = 30.0  # a still photo is re-emitted at this rate so trackers and effects stay live
_IDLE_WAIT_S = 0.25  # how often a blocked reader re-checks the stop flag
PROBE_TIMEOUT_S = 5.0  # a new source must deliver its first frame within this before it replaces the old one


class SourceKind(Enum):
    CAMERA = "camera"
    VIDEO = "video"
    PHOTO = "photo"
    MOCAP = "mocap"


@dataclass(frozen=True)
class SourceSpec:
    """kind + target (camera index as a string, or a file path). loop: restart files at the end."""

    kind: SourceKind
    target: str
    loop: bool = True

    @classmethod
    def parse(cls, text: str) -> "SourceSpec":
        """'webcam:0' / '0' -> camera; *.vmcap -> mocap; image extension -> photo; else video."""
        if text.startswith("webcam:") or text.isdigit():
            index = text.split(":", 1)[-1]
            if not index.isdigit():
                raise SourceError(f"camera spec {text!r} must be webcam:INDEX, e.g. webcam:0")
            return cls(SourceKind.CAMERA, index)
        suffix = Path(text).suffix.lower()
        if suffix == CLIP_SUFFIX:
            return cls(SourceKind.MOCAP, text)
        if suffix in IMAGE_EXTENSIONS:
            return cls(SourceKind.PHOTO, text)
        return cls(SourceKind.VIDEO, text)

    def text(self) -> str:
        return f"webcam:{self.target}" if self.kind is SourceKind.CAMERA else self.target


@dataclass(frozen=True)
class LiveFrame:
    """image: RGB uint8 (H, W, 3) read-only, or None for mocap clips. tracking: set when the
    source itself carries tracking (mocap). captured_at: time.monotonic() when the frame became
    available. source_time_s: the frame's time in its source. decode_ms: time to read it."""

    image: np.ndarray | None
    tracking: Tracking | None
    captured_at: float
    source_time_s: float
    seq: int
    decode_ms: float


class SourceReader:
    """Runs one source on a thread. `slot` holds the newest LiveFrame (older ones are dropped and
    counted in slot.dropped). `error` is set (and the thread ends) when the source fails."""

    def __init__(self, spec: SourceSpec, mirror: bool = False) -> None:
        self.spec = spec
        self.mirror = mirror  # read each frame: toggling takes effect on the next frame
        self.slot = LatestFrameSlot()
        self.error: str | None = None
        self.finished = False
        self._stop = threading.Event()
        self._settled = threading.Event()  # set by the first frame or by the thread's end
        self._seq = 0
        self._check(spec)
        self._thread = threading.Thread(target=self._run, name=f"source-{spec.kind.value}", daemon=True)
        self._thread.start()

    @staticmethod
    def _check(spec: SourceSpec) -> None:
        """Fail fast (in the caller's thread) on a missing file, so the UI can show it at once."""
        if spec.kind is not SourceKind.CAMERA and not Path(spec.target).is_file():
            raise SourceError(f"{spec.kind.value} file {spec.target} does not exist; pick another "
                              f"file or a camera in the source menu")

    # ------------------------------------------------------------------ thread
    def _run(self) -> None:
        try:
            if self.spec.kind is SourceKind.CAMERA:
                self._run_camera()
            elif self.spec.kind is SourceKind.VIDEO:
                self._run_video()
            elif self.spec.kind is SourceKind.PHOTO:
                self._run_photo()
            else:
                self._run_mocap()
        except VividError as exc:
            self.error = str(exc)
        except Exception as exc:  # the thread boundary: report any failure to the UI, never die silently
            log.exception("source %s failed", self.spec.text())
            self.error = f"source {self.spec.text()} failed: {type(exc).__name__}: {exc}"
        finally:
            self.finished = True
            self.slot.close()
            self._settled.set()

    def _emit(self, image: np.ndarray | None, tracking: Tracking | None, source_time_s: float,
              decode_ms: float) -> None:
        if image is not None:
            if self.mirror:
                image = np.ascontiguousarray(image[:, ::-1])
            image.flags.writeable = False
        self.slot.put(LiveFrame(image, tracking, time.monotonic(), source_time_s, self._seq, decode_ms))
        self._seq += 1
        self._settled.set()

    def _sleep_until(self, deadline: float) -> bool:
        """Wait for a wall-clock deadline; False when asked to stop."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return not self._stop.is_set()
            if self._stop.wait(min(remaining, _IDLE_WAIT_S)):
                return False

    def _run_camera(self) -> None:
        with WebcamSource(int(self.spec.target)) as cam:
            last = time.monotonic()
            for frame in cam:
                if self._stop.is_set():
                    return
                now = time.monotonic()
                self._emit(frame.image, None, frame.timestamp_s, (now - last) * 1000.0)
                last = now
            if not self._stop.is_set():
                raise SourceError(f"camera {self.spec.target} stopped delivering frames (unplugged "
                                  f"or used by another program?)")

    def _run_video(self) -> None:
        with VideoSource(self.spec.target) as video:
            wall0 = time.monotonic()
            offset = 0.0  # source seconds already played in earlier loops
            while not self._stop.is_set():
                last_t = 0.0
                count = 0
                t_read = time.monotonic()
                for frame in video:
                    decode_ms = (time.monotonic() - t_read) * 1000.0
                    last_t = frame.timestamp_s
                    # Live pacing: a frame is "captured" when its time comes on the wall clock.
                    if not self._sleep_until(wall0 + offset + frame.timestamp_s):
                        return
                    self._emit(frame.image, None, frame.timestamp_s, decode_ms)
                    count += 1
                    t_read = time.monotonic()
                if count == 0:
                    raise SourceError(f"video {self.spec.target} has no decodable frames")
                if not self.spec.loop:
                    return
                step = 1.0 / video.fps if video.fps else 0.04
                offset += last_t + step

    def _run_photo(self) -> None:
        with ImageSource(self.spec.target) as photo:
            frames = list(photo)
        if not frames:
            raise SourceError(f"photo {self.spec.target} could not be read")
        image = frames[0].image
        wall0 = time.monotonic()
        k = 0
        while self._sleep_until(wall0 + k / PHOTO_FPS):
            self._emit(image, None, k / PHOTO_FPS, 0.0)
            k += 1

    def _run_mocap(self) -> None:
        clip = load_clip(self.spec.target)
        if len(clip) == 0:
            raise SourceError(f"mocap clip {self.spec.target} has no frames")
        wall0 = time.monotonic()
        offset = 0.0
        while not self._stop.is_set():
            for tracking in clip.frames:
                if not self._sleep_until(wall0 + offset + tracking.timestamp_s):
                    return
                self._emit(None, tracking, tracking.timestamp_s, 0.0)
            if not self.spec.loop:
                return
            offset += clip.duration_s + 1.0 / 30.0

    # ------------------------------------------------------------------ control
    def probe(self, timeout_s: float = PROBE_TIMEOUT_S) -> None:
        """Wait until the source delivered its first frame (left in `slot` for the tracker). A
        source that fails first (a corrupt video, a camera that is not there) or stays silent
        for `timeout_s` is stopped and SourceError raised with the reason."""
        self._settled.wait(timeout_s)
        failure = self.start_failure(timed_out=True, timeout_s=timeout_s)
        if failure is not None:
            raise SourceError(failure)

    @property
    def settled(self) -> bool:
        """True once the first frame arrived or the source ended; never blocks."""
        return self._settled.is_set()

    def start_failure(self, timed_out: bool, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
        """None when the first frame arrived. Otherwise the source is stopped and the reason
        returned: its error, its end without a frame, or (`timed_out`) `timeout_s` of silence."""
        if self._seq > 0:
            return None
        if not self.settled and not timed_out:
            raise ValueError("start_failure(timed_out=False) needs a settled source")
        error = self.error or (f"{self.spec.kind.value} {self.spec.text()} delivered no frame within "
                               f"{timeout_s:g} s" if not self.finished else
                               f"{self.spec.kind.value} {self.spec.text()} ended without a frame")
        self.stop()
        return f"{error}; the source was not changed"

    def stop(self) -> None:
        """Stop the thread and release the camera/file (idempotent, waits up to 2 s)."""
        self._stop.set()
        self.slot.close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
