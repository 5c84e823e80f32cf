"""A looping video as a GPU texture, frame chosen by effect time (background replacement)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import moderngl
import numpy as np

from capture.sources.video import VideoSource
from capture.types import Frame


class VideoTexture:
    """Decodes forward as time advances; loops at the end; reopens when time goes backwards."""

    def __init__(self, ctx: moderngl.Context, path: Path) -> None:
        self.path = path
        self._source = VideoSource(path)
        self._frames: Iterator[Frame] = iter(self._source)
        first = next(self._frames)
        self.size = first.size
        self.duration_s = self._source.duration_s or 0.0
        self.texture = ctx.texture(self.size, 4)
        self.texture.repeat_x = self.texture.repeat_y = False
        self._current, self._next = first, next(self._frames, None)
        self._shown = -1.0
        self._upload(first)

    def _upload(self, frame: Frame) -> None:
        rgba = np.concatenate([frame.image, np.full(frame.image.shape[:2] + (1,), 255, np.uint8)], axis=-1)
        self.texture.write(np.ascontiguousarray(rgba), alignment=1)
        self._shown = frame.timestamp_s

    def _restart(self) -> None:
        self._frames = iter(self._source)  # a second iteration starts from the beginning
        self._current, self._next = next(self._frames), next(self._frames, None)

    def at(self, time_s: float) -> moderngl.Texture:
        """The texture showing the frame at `time_s` (looped over the clip's length)."""
        t = time_s % self.duration_s if self.duration_s > 0 else 0.0
        if t < self._current.timestamp_s:
            self._restart()
        while self._next is not None and self._next.timestamp_s <= t:
            self._current, self._next = self._next, next(self._frames, None)
        if self._current.timestamp_s != self._shown:
            self._upload(self._current)
        return self.texture

    def release(self) -> None:
        self._source.close()
        self.texture.release()
