"""Video file source (PyAV): any container/codec FFmpeg reads, real pts timestamps, seeking."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av

from assets.errors import SourceError
from capture.sources.base import mirrored
from capture.types import Frame


class VideoSource:
    """Decodes a video file to RGB frames.

    timestamp_s is the frame's presentation time (pts * time_base) minus the stream's start
    time, so variable-frame-rate files keep their real timing. index counts frames from the
    start; after seek() it is estimated as round(timestamp_s * fps).
    """

    is_live = False

    def __init__(self, path: str | Path, mirror: bool = False) -> None:
        self.path = Path(path)
        self.mirror = mirror
        if not self.path.is_file():
            raise SourceError(f"video file {self.path} does not exist")
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, UnicodeDecodeError) as exc:
            raise SourceError(f"cannot read video {self.path}: {exc}. Is it a video file FFmpeg "
                              f"can decode?") from exc
        if not self._container.streams.video:
            self._container.close()
            raise SourceError(f"{self.path} has no video stream (audio-only or not a video)")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 0.0
        self.frame_count = int(self._stream.frames) or None
        self.size = (self._stream.codec_context.width, self._stream.codec_context.height)
        self._time_base: Fraction = self._stream.time_base or Fraction(1, 1000)
        start = self._stream.start_time
        self._start_s = float(start * self._time_base) if start is not None else 0.0
        self._seek_to: float | None = None
        self._started = False
        self._closed = False

    @property
    def duration_s(self) -> float | None:
        if self._stream.duration is not None:
            return float(self._stream.duration * self._time_base)
        if self._container.duration is not None:
            return self._container.duration / av.time_base
        return None

    def seek(self, timestamp_s: float) -> None:
        """The next iteration starts at the first frame with timestamp_s >= this time."""
        self._seek_to = max(0.0, float(timestamp_s))

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise SourceError(f"video {self.path} is closed")
        target = self._seek_to
        self._seek_to = None
        if target is not None:
            pts = int((target + self._start_s) / self._time_base)
            self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        elif self._started:  # a second pass over the file starts again from the beginning
            self._container.seek(0, stream=self._stream)
        self._started = True
        index = 0
        try:
            for frame in self._container.decode(self._stream):
                if frame.pts is None:
                    t = index / self.fps if self.fps else float(index)
                else:
                    t = float(frame.pts * self._time_base) - self._start_s
                if target is not None:
                    if t < target - 1e-6:
                        continue
                    index = int(round(t * self.fps)) if self.fps else 0
                    target = None
                image = frame.to_ndarray(format="rgb24")
                yield Frame(image=mirrored(image, self.mirror), timestamp_s=t, index=index)
                index += 1
        except av.error.FFmpegError as exc:
            raise SourceError(f"error decoding {self.path} after frame {index}: {exc}") from exc

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._container.close()

    def __enter__(self) -> "VideoSource":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
