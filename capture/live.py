"""The live app's tracker thread: pulls the newest frame from a source, tracks it, and offers
the newest (Frame, Tracking) to the GUI thread. Nothing queues up: a slow consumer always gets
the latest result, and per-frame latency (capture timestamp -> tracked) is measured."""
from __future__ import annotations

import threading
import time

from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources.base import FrameSource
from capture.types import Frame, Tracking


class TrackingThread:
    """Runs a TrackingPipeline over `source` on a background thread.

    latest() returns the newest (Frame, Tracking) or None; `error` holds an exception that
    stopped the thread (re-raised by close()). The pipeline is created on the thread that uses
    it, and closed there.
    """

    def __init__(self, source: FrameSource, options: PipelineOptions = PipelineOptions()) -> None:
        self.source = source
        self.options = options
        self.frames_tracked = 0
        self.last_latency_s = 0.0  # wall time from receiving a frame to its Tracking
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._latest: tuple[Frame, Tracking] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tracker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with TrackingPipeline(self.options) as pipeline:
                for frame in self.source:
                    if self._stop.is_set():
                        break
                    start = time.monotonic()
                    tracking = pipeline.process(frame)
                    with self._lock:
                        self._latest = (frame, tracking)
                        self.frames_tracked += 1
                        self.last_latency_s = time.monotonic() - start
        except Exception as exc:  # handed to the owner in close(); never swallowed
            self.error = exc

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def latest(self) -> tuple[Frame, Tracking] | None:
        with self._lock:
            return self._latest

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop tracking, close the source, and re-raise an error the thread hit."""
        self._stop.set()
        self.source.close()
        self._thread.join(timeout=timeout_s)
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def __enter__(self) -> "TrackingThread":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
