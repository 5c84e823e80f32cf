"""Trigger sounds in offline output: each `sound` action's file is mixed into one mono track at
the time its trigger fired (the live app plays them instead)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from assets.errors import AssetError

SAMPLE_RATE = 48000


class SoundTrack:
    def __init__(self, root: Path, sample_rate: int = SAMPLE_RATE) -> None:
        self.root = root
        self.sample_rate = sample_rate
        self._cache: dict[str, np.ndarray] = {}
        self.events: list[tuple[float, str]] = []

    def _load(self, name: str) -> np.ndarray:
        clip = self._cache.get(name)
        if clip is None:
            path = self.root / name
            try:
                data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
            except (RuntimeError, OSError) as exc:  # soundfile raises LibsndfileError(RuntimeError)
                raise AssetError(f"{path}: cannot read sound ({exc}); use WAV, FLAC or OGG") from exc
            mono = data.mean(axis=1)
            if rate != self.sample_rate:
                mono = resample_poly(mono, self.sample_rate, rate).astype(np.float32)
            clip = self._cache[name] = mono
        return clip

    def add(self, time_s: float, name: str) -> None:
        self._load(name)
        self.events.append((time_s, name))

    def render(self, duration_s: float) -> np.ndarray:
        """The mixed track, `duration_s` long, clipped to [-1, 1]."""
        out = np.zeros(int(round(duration_s * self.sample_rate)), np.float32)
        for t, name in self.events:
            clip = self._load(name)
            start = int(round(t * self.sample_rate))
            if start >= len(out):
                continue
            end = min(len(out), start + len(clip))
            out[start:end] += clip[:end - start]
        return np.clip(out, -1.0, 1.0)
