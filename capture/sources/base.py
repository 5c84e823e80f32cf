"""The frame-source protocol and the helpers every source shares (mirroring, the newest-frame slot)."""
from __future__ import annotations

import threading
from typing import Iterator, Protocol

import numpy as np

from capture.types import Frame


class FrameSource(Protocol):
    """Yields Frame(image RGB uint8 (H, W, 3), timestamp_s from the source's start, index).

    is_live: True for cameras (frames are dropped when the consumer is slow; only the newest is
    kept). fps: nominal rate (0.0 when unknown). frame_count: None when unknown/unbounded.
    """

    is_live: bool
    fps: float
    frame_count: int | None

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


def mirrored(image: np.ndarray, mirror: bool) -> np.ndarray:
    """Horizontally flip when asked (selfie view); always returns a C-contiguous array."""
    if mirror:
        return np.ascontiguousarray(image[:, ::-1])
    return np.ascontiguousarray(image)


class LatestFrameSlot:
    """A one-frame mailbox between a producer thread and a consumer: put() overwrites (a slow
    consumer only ever sees the newest frame), get() waits for a frame newer than the last one
    it returned. `dropped` counts frames overwritten before anyone took them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._taken = True
        self._closed = False
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        with self._cond:
            if not self._taken:
                self.dropped += 1
            self._frame, self._taken = frame, False
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def get(self, timeout_s: float | None = None) -> Frame | None:
        """The newest untaken frame; None when closed (and drained) or on timeout."""
        with self._cond:
            ok = self._cond.wait_for(lambda: not self._taken or self._closed, timeout=timeout_s)
            if not ok or self._taken:
                return None
            self._taken = True
            return self._frame
