"""Per-frame timing: fps, per-stage milliseconds and capture -> presented latency, over a
sliding window so the HUD shows the last few seconds, not the whole evening."""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

WINDOW_S = 2.0  # HUD averages over the last 2 s: long enough to be steady, short enough to react
LATENCY_SAMPLES = 600  # latency percentiles over the last 600 new frames (20 s at 30 fps)


@dataclass(frozen=True)
class HudStats:
    """What the HUD shows. fps: frames presented per second; source_fps: new source frames
    presented per second; stage_ms: mean ms per stage (decode, track, render, present, ...);
    latency_ms_p50/p95: capture -> presented, over new frames; dropped: frames skipped as stale."""

    fps: float = 0.0
    source_fps: float = 0.0
    stage_ms: dict[str, float] = field(default_factory=dict)
    latency_ms_p50: float = float("nan")
    latency_ms_p95: float = float("nan")
    dropped: int = 0

    def text(self) -> str:
        stages = "  ".join(f"{k} {v:.1f}" for k, v in self.stage_ms.items())
        return (f"{self.fps:.0f} fps (source {self.source_fps:.0f})  latency p50 "
                f"{self.latency_ms_p50:.0f} ms p95 {self.latency_ms_p95:.0f} ms  dropped "
                f"{self.dropped}\nms: {stages}")


class FrameStats:
    """Collects one record per presented frame. Thread-safe (threads add their own stages)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._lock = threading.Lock()
        self._presented: deque[float] = deque()
        self._new: deque[float] = deque()
        self._stages: dict[str, deque[tuple[float, float]]] = {}
        self._latency: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.all_latencies_ms: list[float] = []  # kept only when keep_all is set (benchmarks)
        self.keep_all = False
        self.dropped = 0
        self.total_presented = 0
        self.total_new = 0

    def _trim(self, q: deque, now: float, key=lambda x: x) -> None:
        while q and key(q[0]) < now - self.window_s:
            q.popleft()

    def add_stage(self, name: str, ms: float, now: float) -> None:
        with self._lock:
            q = self._stages.setdefault(name, deque())
            q.append((now, ms))
            self._trim(q, now, key=lambda x: x[0])

    def presented(self, now: float, captured_at: float | None) -> None:
        """One frame presented at `now` (monotonic s); `captured_at` when it shows a new source
        frame (None when the same source frame is shown again, e.g. an idle animation tick)."""
        with self._lock:
            self.total_presented += 1
            self.total_new += captured_at is not None
            self._presented.append(now)
            self._trim(self._presented, now)
            if captured_at is not None:
                self._new.append(now)
                self._trim(self._new, now)
                latency = (now - captured_at) * 1000.0
                self._latency.append(latency)
                if self.keep_all:
                    self.all_latencies_ms.append(latency)

    def snapshot(self, now: float) -> HudStats:
        with self._lock:
            self._trim(self._presented, now)
            self._trim(self._new, now)
            span = self.window_s
            stages = {}
            for name, q in self._stages.items():
                self._trim(q, now, key=lambda x: x[0])
                if q:
                    stages[name] = float(np.mean([ms for _, ms in q]))
            lat = np.asarray(self._latency, np.float64)
            return HudStats(
                fps=len(self._presented) / span,
                source_fps=len(self._new) / span,
                stage_ms=stages,
                latency_ms_p50=float(np.percentile(lat, 50)) if len(lat) else float("nan"),
                latency_ms_p95=float(np.percentile(lat, 95)) if len(lat) else float("nan"),
                dropped=self.dropped,
            )
