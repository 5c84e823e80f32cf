"""Shared output format of every benchmark: a table for people, one JSON line per case for tools."""
from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    bench: str
    case: str
    ms_per_frame: float
    baseline: str = ""
    baseline_ms: float | None = None
    target_ms: float | None = None
    extra: dict | None = None

    @property
    def fps(self) -> float:
        return 1000.0 / self.ms_per_frame if self.ms_per_frame > 0 else float("inf")


def time_per_call(fn: Callable[[], object], warmup: int = 3, repeat: int = 30, min_seconds: float = 0.0) -> float:
    """Median milliseconds per call after `warmup` calls (GPU pipelines need a warm-up). The
    median, not the mean: on a shared 2-core machine a neighbour's burst would otherwise move
    the result by half."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < repeat or time.perf_counter() - started < min_seconds:
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(samples)


def report(cases: list[Case], title: str) -> None:
    print(f"\n{title}  ({platform.node()}, {platform.processor() or platform.machine()})")
    header = f"{'case':44s} {'ms':>8s} {'fps':>8s} {'baseline':>28s} {'base ms':>8s} {'target':>8s}"
    print(header)
    print("-" * len(header))
    for c in cases:
        base = f"{c.baseline_ms:8.2f}" if c.baseline_ms is not None else f"{'':8s}"
        target = f"{c.target_ms:8.1f}" if c.target_ms is not None else f"{'':8s}"
        print(f"{c.case:44s} {c.ms_per_frame:8.2f} {c.fps:8.1f} {c.baseline:>28s} {base} {target}")
    for c in cases:
        line = {"bench": c.bench, "case": c.case, "ms_per_frame": round(c.ms_per_frame, 3),
                "fps": round(c.fps, 2), "baseline": c.baseline,
                "baseline_ms": None if c.baseline_ms is None else round(c.baseline_ms, 3),
                "target_ms": c.target_ms}
        if c.extra:
            line.update(c.extra)
        print(json.dumps(line))
