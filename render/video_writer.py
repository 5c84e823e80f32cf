"""Encoded video out through PyAV: H.264 + AAC in MP4, or alpha-capable ProRes 4444 (.mov) and
VP9 (.webm). Frames go to a temporary file that is renamed on `close()`, so a failed or
cancelled render never leaves a half-written file under the requested name."""
from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from scipy.signal import resample_poly

from assets.errors import VividError

AAC_SAMPLE_RATES = (48000, 44100, 32000, 24000, 22050, 16000)
_AUDIO_CHUNK = 1024  # samples per AAC frame


class VideoWriteError(VividError, OSError):
    """The output file could not be written."""


@dataclass(frozen=True)
class VideoOptions:
    """fps: frames per second. crf: H.264 quality (lower = better, 18-23 is visually clean).
    preset: x264 speed/size trade-off. alpha: keep transparency (needs .mov or .webm).
    background: encode on a worker thread (frames must not be modified after `write`)."""

    fps: float = 30.0
    crf: int = 20
    preset: str = "veryfast"
    alpha: bool = False
    audio_bitrate: int = 128_000
    background: bool = True  # encode on a worker thread, overlapping with rendering of the next frame


_ALPHA_FORMATS = {".mov": ("prores_ks", "yuva444p10le"), ".webm": ("libvpx-vp9", "yuva420p")}


class VideoWriter:
    """Write RGB or RGBA uint8 frames (H, W, 3|4), optionally with mono float32 audio."""

    def __init__(self, path: str | Path, width: int, height: int, options: VideoOptions = VideoOptions(),
                 audio_sample_rate: int | None = None) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if options.alpha and suffix not in _ALPHA_FORMATS:
            raise VideoWriteError(f"{self.path}: a transparent video needs a .mov (ProRes 4444) or .webm (VP9) "
                                  f"file name, not '{suffix or 'no extension'}'")
        if not options.alpha and suffix not in (".mp4", ".mov", ".mkv", ".webm"):
            raise VideoWriteError(f"{self.path}: unsupported video extension '{suffix}'; use .mp4, .mov, .mkv or .webm")
        if width % 2 or height % 2:
            raise VideoWriteError(f"{self.path}: video size {width}x{height} must be even in both dimensions")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = self.path.with_name(f".{self.path.stem}.partial{suffix}")
        self.options = options
        self.size = (width, height)
        self.frames_written = 0
        try:
            self._container = av.open(str(self._partial), mode="w")
        except (av.FFmpegError, OSError) as exc:
            raise VideoWriteError(f"{self.path}: cannot create the file: {exc}") from exc
        rate = Fraction(options.fps).limit_denominator(1001)
        if options.alpha:
            codec, pix_fmt = _ALPHA_FORMATS[suffix]
            self._video = self._container.add_stream(codec, rate=rate)
            if codec == "prores_ks":
                self._video.options = {"profile": "4444"}
        elif suffix == ".webm":
            codec, pix_fmt = "libvpx-vp9", "yuv420p"
            self._video = self._container.add_stream(codec, rate=rate)
        else:
            codec, pix_fmt = "libx264", "yuv420p"
            self._video = self._container.add_stream(codec, rate=rate)
            self._video.options = {"crf": str(options.crf), "preset": options.preset}
        self._video.width, self._video.height = width, height
        self._video.pix_fmt = pix_fmt
        self._video.time_base = Fraction(1, 1) / rate
        self._input_format = "rgba" if options.alpha else "rgb24"

        self._audio = None
        self._audio_input_rate = audio_sample_rate or 0
        self._audio_rate = 0
        self._audio_pending = np.zeros(0, np.float32)
        self._audio_samples_written = 0
        self._audio_lock = threading.Lock()
        if audio_sample_rate:
            if suffix == ".webm":  # Opus runs at 48 kHz
                audio_codec, self._audio_rate = "libopus", 48000
            else:
                audio_codec = "aac"
                self._audio_rate = audio_sample_rate if audio_sample_rate in AAC_SAMPLE_RATES else 48000
            self._audio = self._container.add_stream(audio_codec, rate=self._audio_rate)
            self._audio.layout = "mono"
            self._audio.bit_rate = options.audio_bitrate
        self._closed = False
        self._queue: queue.Queue[np.ndarray | None] | None = None
        self._worker: threading.Thread | None = None
        self._worker_error: BaseException | None = None
        if options.background:
            self._queue = queue.Queue(maxsize=3)
            self._worker = threading.Thread(target=self._encode_loop, name="vivid-video-encoder", daemon=True)
            self._worker.start()

    # ------------------------------------------------------------------ video
    def write(self, image: np.ndarray) -> None:
        """Queue one frame (RGB or RGBA uint8 of the video's size)."""
        self._check(image)
        if self._queue is None:
            self._encode(image)
            return
        self._raise_worker_error()
        self._queue.put(image)

    def _encode_loop(self) -> None:
        assert self._queue is not None
        while True:
            image = self._queue.get()
            if image is None:
                return
            if self._worker_error is not None:
                continue  # drain after a failure; the error is raised in the caller's thread
            try:
                self._encode(image)
            except (av.FFmpegError, OSError, ValueError) as exc:
                self._worker_error = exc

    def _raise_worker_error(self) -> None:
        if self._worker_error is not None:
            raise VideoWriteError(f"{self.path}: encoding failed: {self._worker_error}") from self._worker_error

    def _stop_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            assert self._queue is not None
            self._queue.put(None)
            self._worker.join()

    def _check(self, image: np.ndarray) -> None:
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (3, 4):
            raise VideoWriteError(f"frames must be (H, W, 3|4) uint8, got {image.shape} {image.dtype}")
        if (image.shape[1], image.shape[0]) != self.size:
            raise VideoWriteError(f"frame is {image.shape[1]}x{image.shape[0]}, the video is {self.size[0]}x{self.size[1]}")

    def _encode(self, image: np.ndarray) -> None:
        if self._input_format == "rgb24" and image.shape[2] == 4:
            image = image[..., :3]
        elif self._input_format == "rgba" and image.shape[2] == 3:
            image = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=self._input_format)
        frame.pts = self.frames_written
        for packet in self._video.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1
        if self._audio is not None:
            self._flush_audio(until_s=self.frames_written / self.options.fps)

    # ------------------------------------------------------------------ audio
    def add_audio(self, samples: np.ndarray) -> None:
        """Queue mono float32 samples in [-1, 1] at the writer's audio_sample_rate (resampled to the
        codec's rate here); they are muxed alongside the video frames."""
        if self._audio is None:
            raise VideoWriteError("this writer was created without audio_sample_rate")
        samples = np.asarray(samples, np.float32).ravel()
        if self._audio_input_rate != self._audio_rate:
            ratio = Fraction(self._audio_rate, self._audio_input_rate)
            samples = resample_poly(samples, ratio.numerator, ratio.denominator).astype(np.float32)
        with self._audio_lock:  # the encoder thread takes from the same buffer
            self._audio_pending = np.concatenate([self._audio_pending, samples])

    def _flush_audio(self, until_s: float | None) -> None:
        assert self._audio is not None
        with self._audio_lock:
            self._flush_audio_locked(until_s)

    def _flush_audio_locked(self, until_s: float | None) -> None:
        assert self._audio is not None
        target = len(self._audio_pending) if until_s is None else int(until_s * self._audio_rate) - self._audio_samples_written
        target = min(target, len(self._audio_pending))
        if until_s is not None:
            target -= target % _AUDIO_CHUNK
        if target <= 0:
            return
        chunk, self._audio_pending = self._audio_pending[:target], self._audio_pending[target:]
        for start in range(0, len(chunk), _AUDIO_CHUNK):
            piece = np.clip(chunk[start:start + _AUDIO_CHUNK], -1.0, 1.0).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(piece, format="flt", layout="mono")
            frame.sample_rate = self._audio_rate
            frame.pts = self._audio_samples_written
            frame.time_base = Fraction(1, self._audio_rate)
            self._audio_samples_written += piece.shape[1]
            for packet in self._audio.encode(frame):
                self._container.mux(packet)

    # ------------------------------------------------------------------ finish
    def close(self) -> Path:
        """Flush encoders, finalize the container and move it to its final name."""
        if self._closed:
            return self.path
        self._closed = True
        self._stop_worker()
        if self._worker_error is not None:
            self._discard_after_close()
            self._raise_worker_error()
        if self.frames_written == 0:  # FFmpeg writes nothing to disk before the first packet
            self._discard_after_close()
            raise VideoWriteError(f"{self.path}: no frames were written (stopped before the first "
                                  f"frame), so no file was made")
        try:
            for packet in self._video.encode():
                self._container.mux(packet)
            if self._audio is not None:
                self._flush_audio(until_s=None)
                for packet in self._audio.encode():
                    self._container.mux(packet)
            self._container.close()
        except (av.FFmpegError, OSError) as exc:
            self._discard()
            raise VideoWriteError(f"{self.path}: encoding failed: {exc}") from exc
        os.replace(self._partial, self.path)
        return self.path

    def abort(self) -> None:
        """Stop and delete the partial file (used on errors and cancel)."""
        if self._closed:
            return
        self._closed = True
        self._stop_worker()
        self._discard_after_close()

    def _discard_after_close(self) -> None:
        try:
            self._container.close()
        except (av.FFmpegError, OSError):
            pass  # the file is being thrown away anyway
        self._discard()

    def _discard(self) -> None:
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
