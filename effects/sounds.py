"""Audio of offline effect output: each `sound` action's file is mixed into one mono track at
the time its trigger fired (the live app plays them instead), on top of the input video's own
soundtrack when it has one."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from assets.errors import AssetError
from render.source_audio import SourceAudio

SAMPLE_RATE = 48000


class SoundTrack:
    """Trigger sounds placed in time. `root` is the package folder the sound names are relative to
    (`add` takes another one after a hot reload)."""

    def __init__(self, root: Path, sample_rate: int = SAMPLE_RATE) -> None:
        self.root = root
        self.sample_rate = sample_rate
        self._cache: dict[Path, np.ndarray] = {}
        self.events: list[tuple[float, Path]] = []

    def _load(self, path: Path) -> np.ndarray:
        clip = self._cache.get(path)
        if clip is None:
            try:
                data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
            except (RuntimeError, OSError) as exc:  # soundfile raises LibsndfileError(RuntimeError)
                raise AssetError(f"{path}: cannot read sound ({exc}); use WAV, FLAC or OGG") from exc
            mono = data.mean(axis=1)
            if rate != self.sample_rate:
                mono = resample_poly(mono, self.sample_rate, rate).astype(np.float32)
            clip = self._cache[path] = mono
        return clip

    def add(self, time_s: float, name: str, root: Path | None = None) -> None:
        """Play the package file `name` at `time_s` (read now: a package reloaded or removed later
        does not change it)."""
        path = (root or self.root) / name
        self._load(path)
        self.events.append((time_s, path))

    def window(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start + count) of the mix (not clipped)."""
        out = np.zeros(count, np.float32)
        for t, path in self.events:
            clip = self._load(path)
            first = int(round(t * self.sample_rate)) - start  # clip start, relative to the window
            lo, hi = max(first, 0), min(count, first + len(clip))
            if lo < hi:
                out[lo:hi] += clip[lo - first:hi - first]
        return out

    def render(self, duration_s: float) -> np.ndarray:
        """The mixed track from time 0, `duration_s` long, clipped to [-1, 1]."""
        return np.clip(self.window(0, int(round(duration_s * self.sample_rate))), -1.0, 1.0)


class OutputAudio:
    """The soundtrack of an effect video, produced one frame at a time so it stays in step with
    the frames written: the input's sound (if any) from its start, trigger sounds mixed on top.
    Times are output times (frame index / fps)."""

    def __init__(self, root: Path, source: SourceAudio | None = None) -> None:
        self.source = source
        self.sample_rate = source.sample_rate if source is not None else SAMPLE_RATE
        self.sounds = SoundTrack(root, self.sample_rate)
        self._done = 0  # samples handed out so far

    def add_sound(self, time_s: float, name: str, root: Path | None = None) -> None:
        self.sounds.add(time_s, name, root)

    def until(self, end_s: float) -> np.ndarray:
        """The samples from where the previous call stopped up to `end_s`, in [-1, 1]."""
        end = int(round(end_s * self.sample_rate))  # whole-sample positions: no drift over long videos
        count = max(0, end - self._done)
        mix = self.sounds.window(self._done, count)
        if self.source is not None:
            mix += self.source.clip(self._done / self.sample_rate, count / self.sample_rate)[:count]
        self._done += count
        return np.clip(mix, -1.0, 1.0)
