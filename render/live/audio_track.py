"""Places live audio blocks on a recording's clock: sample k of the file's audio is what was heard
at t0 + k / rate. Blocks are laid end to end (their time stamps jitter by milliseconds, and
re-aligning each one would click); the track re-aligns only when it drifts by more than
RESYNC_S, e.g. after the input dropped blocks. Audio is released no further than the video
written so far, so that the file never ends with audio beyond its last frame."""
from __future__ import annotations

import numpy as np

from render.live.audio_input import AudioBlock

RESYNC_S = 0.05


class AudioTrack:
    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._t0: float | None = None
        self._held: list[np.ndarray] = []  # placed but not yet released, in order
        self._held_samples = 0
        self._placed = 0  # samples placed on the track (released + held)
        self._released = 0
        self._waiting: list[AudioBlock] = []  # arrived before the recording's clock started

    @property
    def released(self) -> int:
        return self._released

    def start_clock(self, t0: float) -> None:
        self._t0 = t0
        waiting, self._waiting = self._waiting, []
        self.add(waiting)

    def add(self, blocks: list[AudioBlock]) -> None:
        if self._t0 is None:
            self._waiting.extend(blocks)
            return
        for block in blocks:
            self._place(block)

    def _place(self, block: AudioBlock) -> None:
        assert self._t0 is not None
        samples = np.asarray(block.samples, np.float32).ravel()
        due = int(round((block.started_at - self._t0) * self.sample_rate))
        drift = due - self._placed
        if self._placed == 0 or abs(drift) > RESYNC_S * self.sample_rate:
            if drift > 0:
                self._hold(np.zeros(drift, np.float32))  # a gap: silence until the block
            elif drift < 0:
                samples = samples[min(-drift, len(samples)):]  # heard before where we are: cut
        self._hold(samples)

    def _hold(self, samples: np.ndarray) -> None:
        if len(samples):
            self._held.append(samples)
            self._held_samples += len(samples)
            self._placed += len(samples)

    def release(self, until_sample: int) -> np.ndarray:
        """The held samples up to file position `until_sample` (fewer if not yet heard)."""
        count = min(max(0, until_sample - self._released), self._held_samples)
        if count == 0:
            return np.zeros(0, np.float32)
        held = np.concatenate(self._held)
        out, rest = held[:count], held[count:]
        self._held = [rest] if len(rest) else []
        self._held_samples = len(rest)
        self._released += count
        return out

    def finish(self, total_samples: int) -> np.ndarray:
        """Everything left up to exactly `total_samples`, padded with silence when short."""
        out = self.release(total_samples)
        missing = total_samples - self._released
        if missing > 0:
            out = np.concatenate([out, np.zeros(missing, np.float32)])
            self._released += missing
        return out
