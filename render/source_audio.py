"""The soundtrack of an input video, for commands that turn one video into another (an effect
preview, a driven avatar, a driven photo): their output keeps the sound of the input."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from assets.errors import VividError


@dataclass(frozen=True)
class SourceAudio:
    """Mono float32 samples in [-1, 1] at `sample_rate`, from the start of the file."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    def clip(self, start_s: float, duration_s: float) -> np.ndarray:
        """The samples from `start_s` lasting `duration_s`, padded with silence past the end."""
        start = max(0, int(round(start_s * self.sample_rate)))
        count = max(0, int(round(duration_s * self.sample_rate)))
        out = self.samples[start:start + count]
        if len(out) < count:
            out = np.concatenate([out, np.zeros(count - len(out), np.float32)])
        return out


def read_source_audio(path: str | Path) -> SourceAudio | None:
    """The first audio stream of a video (or audio) file mixed to mono, or None when it has none.
    A file whose audio cannot be decoded raises VividError naming it."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            rate = int(stream.codec_context.sample_rate or stream.rate or 0)
            if rate <= 0:
                return None
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks: list[np.ndarray] = []
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray().reshape(-1))
            for converted in resampler.resample(None):  # what the resampler still holds
                chunks.append(converted.to_ndarray().reshape(-1))
    except (av.FFmpegError, OSError) as exc:
        raise VividError(f"{path}: cannot read its soundtrack ({exc})") from exc
    if not chunks:
        return None
    return SourceAudio(np.concatenate(chunks).astype(np.float32, copy=False), rate)
