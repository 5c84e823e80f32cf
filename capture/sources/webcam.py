"""Webcam source (OpenCV): a reader thread keeps only the newest frame for a slow consumer."""
from __future__ import annotations

import contextlib
import glob
import re
import threading
import time
from dataclasses import dataclass
from typing import Iterator

import cv2

from assets.errors import SourceError
from capture.sources.base import LatestFrameSlot, mirrored
from capture.types import Frame

_PROBE_MAX_INDEX = 10  # indices probed when /dev/video* cannot be listed (non-Linux)
_READ_TIMEOUT_S = 5.0  # a camera that delivers nothing for this long is reported as stalled


@dataclass(frozen=True)
class CameraInfo:
    index: int
    width: int
    height: int
    fps: float


def _candidate_indices() -> list[int]:
    nodes = glob.glob("/dev/video*")
    if nodes:
        return sorted(int(m.group(1)) for n in nodes if (m := re.search(r"video(\d+)$", n)))
    return list(range(_PROBE_MAX_INDEX))


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV logs a multi-line warning for every index that is not a camera; probing is
    expected to miss, so silence it while probing."""
    logging = cv2.utils.logging
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        logging.setLogLevel(previous)


def list_cameras() -> list[CameraInfo]:
    """Cameras that open and deliver a frame (opening each briefly)."""
    with _quiet_opencv():
        return [c for i in _candidate_indices() if (c := _probe(i)) is not None]


def _probe(index: int) -> CameraInfo | None:
    cap = cv2.VideoCapture(index)
    try:
        if not (cap.isOpened() and cap.read()[0]):
            return None
        return CameraInfo(index, int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                          int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                          float(cap.get(cv2.CAP_PROP_FPS)))
    finally:
        cap.release()


class WebcamSource:
    """Frames from a camera by index (or any OpenCV capture target, e.g. a stream URL or a file,
    which is how the tests drive the reader thread without a camera).

    width/height/fps are requests; the camera may pick something else (see .size, .fps).
    timestamp_s is seconds since the source opened, taken when the frame was grabbed.
    Iterating yields only the newest frame: when the consumer is slower than the camera, older
    frames are dropped (counted in .dropped).
    """

    is_live = True
    frame_count = None

    def __init__(self, device: int | str = 0, width: int | None = None,
                 height: int | None = None, fps: float | None = None,
                 mirror: bool = False) -> None:
        self.device = device
        self.mirror = mirror
        with _quiet_opencv():
            self._cap = cv2.VideoCapture(device)
        if not self._cap.isOpened():
            self._cap.release()
            available = [c.index for c in list_cameras()] if isinstance(device, int) else []
            raise SourceError(
                f"camera {device!r} could not be opened; cameras available: "
                f"{available or 'none found'}. Track one with `vivid track webcam:INDEX` "
                f"(`vivid track --list-cameras` lists them)")
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if fps:
            self._cap.set(cv2.CAP_PROP_FPS, fps)
        self.size = (int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                     int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS)) or 0.0
        self._slot = LatestFrameSlot()
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._read_loop, name=f"camera-{device}",
                                        daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        return self._slot.dropped

    def _read_loop(self) -> None:
        index = 0
        try:
            while not self._stop.is_set():
                ok, bgr = self._cap.read()
                if not ok:
                    break
                t = time.monotonic() - self._t0
                image = mirrored(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self.mirror)
                self._slot.put(Frame(image=image, timestamp_s=t, index=index))
                index += 1
        finally:
            self._slot.close()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            frame = self._slot.get(timeout_s=_READ_TIMEOUT_S)
            if frame is None:
                return
            yield frame

    def close(self) -> None:
        """Stop the reader thread and release the camera (idempotent)."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._slot.close()
        self._cap.release()

    def __enter__(self) -> "WebcamSource":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
