"""The recorder thread: live frames arrive at an uneven rate; the file gets a constant frame rate
with the right duration (each output frame shows the newest frame captured by its time).
The GUI thread never waits on the encoder: a full queue drops the frame and counts it.

Frames are placed by the time their camera frame was captured, the clock the microphone's
blocks carry too: a picture reaches the recorder only after tracking and rendering (50-250 ms),
and placed by that later time it would lag the sound it goes with."""
from __future__ import annotations

import logging
import math
import queue
import threading
from pathlib import Path

import numpy as np

from assets.errors import VividError
from render.live.audio_input import AudioInput
from render.live.audio_track import AudioTrack
from render.video_writer import VideoOptions, VideoWriter

log = logging.getLogger(__name__)

QUEUE_FRAMES = 8  # ~0.27 s at 30 fps of slack for a slow encoder before frames are dropped
# A capture time older than this is a frozen source (a still photo, a closed camera): such frames
# are placed by the time they are shown instead.
MAX_CAPTURE_LAG_S = 1.0
_STOP = object()


class Recorder:
    """Record (H, W, 3|4) uint8 frames stamped with wall-clock seconds to MP4 (or .mov/.webm with
    alpha), with the sound of `audio` (a microphone or a voice-over file) when given.
    `stop()` finalizes the file and returns its path (or raises the encoding error).
    The recorder starts and closes `audio`."""

    def __init__(self, path: str | Path, size: tuple[int, int], fps: float = 30.0,
                 alpha: bool = False, started_at: float | None = None, audio: AudioInput | None = None) -> None:
        self.path = Path(path)
        self.fps = fps
        self.alpha = alpha
        self.audio = audio
        self._track = AudioTrack(audio.sample_rate) if audio is not None else None
        # This is already the encoder thread: the writer encodes inline (no second queue).
        self._writer = VideoWriter(self.path, size[0], size[1], VideoOptions(fps=fps, alpha=alpha, background=False),
                                   audio_sample_rate=audio.sample_rate if audio is not None else None)
        self._count = 0  # frames handed to the writer (its own counter may lag behind)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self.dropped = 0
        self.error: str | None = None
        # The file covers wall-clock time from start to stop, however often frames arrive.
        self._t0: float | None = started_at
        self._last_submitted: float | None = None  # placement time of the last frame, dropped ones too
        self._lag = 0.0  # shown time - placement time of the last frame submitted
        if self._track is not None and started_at is not None:
            self._track.start_clock(started_at)
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        if audio is not None:
            try:
                audio.start()
            except BaseException:
                self._writer.abort()
                raise
        self._thread.start()

    @property
    def frames_written(self) -> int:
        return self._count

    def _write(self, image: np.ndarray) -> None:
        self._writer.write(image)
        self._count += 1
        if self.audio is not None:
            assert self._track is not None
            self._track.add(self.audio.take())
            heard = self._track.release(self._samples_for(self._count))
            if len(heard):
                self._writer.add_audio(heard)

    def _samples_for(self, frames: int) -> int:
        assert self._track is not None
        return int(round(frames * self._track.sample_rate / self.fps))

    def _finish_audio(self) -> None:
        """The rest of the audio, cut or padded to end with the last frame."""
        if self.audio is not None:
            assert self._track is not None
            self._track.add(self.audio.take())
            rest = self._track.finish(self._samples_for(self._count))
            if len(rest):
                self._writer.add_audio(rest)

    def submit(self, image: np.ndarray, now: float, captured_at: float | None = None) -> None:
        """Queue a frame shown at `now` whose picture comes from the camera frame captured at
        `captured_at` (both time.monotonic seconds; None: no camera behind it, e.g. an idle
        avatar). Never blocks."""
        placed = now
        if captured_at is not None and 0.0 <= now - captured_at <= MAX_CAPTURE_LAG_S:
            placed = captured_at
        self._last_submitted = placed
        self._lag = now - placed
        try:
            self._queue.put_nowait((image, placed))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        last: np.ndarray | None = None
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    # Frames dropped at the end still count as time: hold the last one until then.
                    if last is not None and self._last_submitted is not None and self._t0 is not None:
                        # Slots k cover [k, k+1) / fps: the file ends exactly at the stop time.
                        due = max(self._count,
                                  math.ceil((self._last_submitted - self._t0) * self.fps - 1e-6))
                        while self._count < due:
                            self._write(last)
                    self._finish_audio()
                    break
                image, placed = item
                if self._t0 is None:
                    self._t0 = placed
                    if self._track is not None:
                        self._track.start_clock(placed)
                if last is None:
                    last = image  # slots before the first frame show the first frame
                # Fill every output slot whose time has come with the newest frame before it.
                due = int((placed - self._t0) * self.fps) + 1
                if last is not None:
                    while self._count < due - 1:
                        self._write(last)
                if self._count < due:
                    self._write(image)
                last = image
        except VividError as exc:
            self.error = str(exc)
        except Exception as exc:  # thread boundary: report to the UI instead of dying silently
            log.exception("recorder failed")
            self.error = f"recording failed: {type(exc).__name__}: {exc}"

    def stop(self, now: float | None = None) -> Path:
        """Finish at `now` (time.monotonic seconds, shown time; default: the last frame submitted): wait for
        the queue to drain, hold the last frame until `now`, close the file (renamed into place)."""
        if now is not None:
            end = now - self._lag  # on the capture clock, like the frames
            self._last_submitted = max(end, self._last_submitted or end)
        self._queue.put(_STOP)
        self._thread.join(timeout=30.0)
        self._close_audio()
        if self.error is not None:
            self._writer.abort()
            raise VividError(f"{self.path}: {self.error}")
        return self._writer.close()

    def abort(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30.0)
        self._close_audio()
        self._writer.abort()

    def _close_audio(self) -> None:
        if self.audio is not None:
            self.audio.close()
