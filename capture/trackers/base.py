"""What every tracker shares: running modes, timestamp rules, frame -> mp.Image, model loading.

The API shape follows MediaPipe Tasks (STYLE.md point 1): an options dataclass,
``create_from_options``, and one method per running mode (``detect`` for IMAGE,
``detect_for_video`` for VIDEO, ``detect_async`` for LIVE_STREAM). Calling the wrong method for
the mode, or passing a timestamp that does not increase, raises TrackerModeError naming the mode.
"""
from __future__ import annotations

import enum
import threading
from typing import Callable, Generic, TypeVar

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions
from mediapipe.tasks.python.vision import RunningMode as MpRunningMode

from assets.errors import AssetError, VividError
from capture import models
from capture.trackers.native_logs import quiet_native_logs
from capture.types import Frame


class TrackerModeError(VividError, ValueError):
    """A tracker method was called in the wrong running mode, or timestamps went backwards."""


class RunningMode(enum.Enum):
    """IMAGE: independent photos (`detect`). VIDEO: decoded frames in order (`detect_for_video`,
    tracking across frames, blocking). LIVE_STREAM: camera frames (`detect_async`, results come to
    `result_callback` on MediaPipe's thread; frames may be dropped when it is busy)."""

    IMAGE = "image"
    VIDEO = "video"
    LIVE_STREAM = "live_stream"

    @property
    def mediapipe(self) -> MpRunningMode:
        return {RunningMode.IMAGE: MpRunningMode.IMAGE, RunningMode.VIDEO: MpRunningMode.VIDEO,
                RunningMode.LIVE_STREAM: MpRunningMode.LIVE_STREAM}[self]


_METHOD_FOR_MODE = {RunningMode.IMAGE: "detect", RunningMode.VIDEO: "detect_for_video",
                    RunningMode.LIVE_STREAM: "detect_async"}

R = TypeVar("R")
T = TypeVar("T")


def to_mp_image(frame: Frame | np.ndarray) -> mp.Image:
    """Wrap an RGB uint8 (H, W, 3) image for MediaPipe (no copy when already contiguous)."""
    image = frame.image if isinstance(frame, Frame) else frame
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise AssetError(f"tracker input must be an RGB uint8 (H, W, 3) image, got dtype "
                         f"{image.dtype} shape {image.shape}")
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))


def base_options(model: str) -> BaseOptions:
    """Resolve a model name through the model manager and check the file looks like a model."""
    path = models.resolve(model)
    models.check_model_file(path)
    return BaseOptions(model_asset_path=str(path))


def create_task(factory: Callable[[], R], model: str) -> R:
    """Run a MediaPipe create_from_options, turning its bare errors into ones naming the file."""
    try:
        with quiet_native_logs():  # graph start-up logs (absl, TFLite) are noise to users
            return factory()
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        # FileNotFoundError here means a member is missing from the bundle (e.g. a pose model
        # given to the hand tracker), not a missing file: resolve() already found the file.
        raise AssetError(f"MediaPipe could not load model {model!r}: {exc}. Is it the right "
                         f"model for this tracker? Check it with `vivid models verify`") from exc


class TrackerCore(Generic[R]):
    """Mode and timestamp bookkeeping shared by the trackers (not used on its own)."""

    def __init__(self, name: str, mode: RunningMode,
                 result_callback: Callable[[R], None] | None) -> None:
        if mode is RunningMode.LIVE_STREAM and result_callback is None:
            raise TrackerModeError(f"{name}: running_mode LIVE_STREAM needs a result_callback")
        if mode is not RunningMode.LIVE_STREAM and result_callback is not None:
            raise TrackerModeError(f"{name}: result_callback is only used in LIVE_STREAM mode, "
                                   f"not {mode.name}")
        self.name = name
        self.mode = mode
        self.result_callback = result_callback
        self._last_ms = -1
        self._last_s = float("-inf")
        self._pending: dict[int, tuple[float, tuple[int, int]]] = {}  # live: ms -> (t_s, size)
        self._lock = threading.Lock()
        self.closed = False

    def require(self, method: str, mode: RunningMode) -> None:
        if self.closed:
            raise TrackerModeError(f"{self.name}.{method}: the tracker is closed")
        if self.mode is not mode:
            raise TrackerModeError(
                f"{self.name}.{method} is for running_mode {mode.name}, but this tracker was "
                f"created with running_mode {self.mode.name}; call "
                f"{_METHOD_FOR_MODE[self.mode]}() instead"
            )

    def timestamp_ms(self, method: str, timestamp_s: float,
                     frame_size: tuple[int, int] = (0, 0)) -> int:
        """Check a VIDEO/LIVE timestamp increases and convert it to MediaPipe's integer ms."""
        ms = int(round(timestamp_s * 1000.0))
        if timestamp_s <= self._last_s or ms <= self._last_ms:
            raise TrackerModeError(
                f"{self.name}.{method} in running_mode {self.mode.name} needs strictly increasing "
                f"timestamps (at least 1 ms apart): got {timestamp_s:.4f} s after "
                f"{self._last_s:.4f} s"
            )
        self._last_ms, self._last_s = ms, timestamp_s
        if self.mode is RunningMode.LIVE_STREAM:
            with self._lock:
                self._pending[ms] = (timestamp_s, frame_size)
        return ms

    def take_live(self, ms: int) -> tuple[float, tuple[int, int]]:
        """(exact timestamp_s, frame size) of a live frame MediaPipe answered; entries of older
        frames are forgotten (MediaPipe dropped them)."""
        with self._lock:
            t = self._pending.pop(ms, (ms / 1000.0, (0, 0)))
            for stale in [k for k in self._pending if k < ms]:
                del self._pending[stale]
        return t


class MediaPipeTracker(Generic[R]):
    """The shared method set of our trackers; subclasses build the MediaPipe task and convert.

    Subclasses set `self._task` (a MediaPipe vision task) in __init__ after calling
    `_init_core`, and implement `_convert(mp_result, timestamp_s, frame_size) -> R`.
    """

    _task: object
    _core: TrackerCore[R]
    # The MediaPipe task's method names for IMAGE, VIDEO, LIVE_STREAM (segmenters say "segment").
    _mp_methods: tuple[str, str, str] = ("detect", "detect_for_video", "detect_async")
    _ran_once = False  # set after the first inference (see _quiet_first)

    def _init_core(self, name: str, mode: RunningMode,
                   result_callback: Callable[[R], None] | None) -> None:
        self._core = TrackerCore(name, mode, result_callback)

    def _live_callback(self) -> Callable[[object, object, int], None] | None:
        return self._on_live_result if self._core.result_callback is not None else None

    def _convert(self, mp_result: object, timestamp_s: float, frame_size: tuple[int, int]) -> R:
        raise NotImplementedError

    @property
    def running_mode(self) -> RunningMode:
        return self._core.mode

    def _call_task(self, method: str, *args: object) -> object:
        return self._quiet_first(getattr(self._task, method), *args)

    def _quiet_first(self, call: Callable[..., T], *args: object) -> T:
        """Run an inference; the first one logs start-up noise (XNNPACK, memory alignment), so
        it runs with native logs hidden."""
        if self._ran_once:
            return call(*args)
        with quiet_native_logs():
            result = call(*args)
        self._ran_once = True
        return result

    def detect(self, frame: Frame) -> R:
        """IMAGE mode: one independent photo."""
        self._core.require("detect", RunningMode.IMAGE)
        result = self._call_task(self._mp_methods[0], to_mp_image(frame))
        return self._convert(result, frame.timestamp_s, frame.size)

    def detect_for_video(self, frame: Frame) -> R:
        """VIDEO mode: frames in order, frame.timestamp_s strictly increasing."""
        self._core.require("detect_for_video", RunningMode.VIDEO)
        ms = self._core.timestamp_ms("detect_for_video", frame.timestamp_s)
        result = self._call_task(self._mp_methods[1], to_mp_image(frame), ms)
        return self._convert(result, frame.timestamp_s, frame.size)

    def detect_async(self, frame: Frame) -> None:
        """LIVE_STREAM mode: returns at once; the result goes to the options' result_callback
        (on MediaPipe's thread). MediaPipe may drop frames when busy."""
        self._core.require("detect_async", RunningMode.LIVE_STREAM)
        ms = self._core.timestamp_ms("detect_async", frame.timestamp_s, frame.size)
        self._call_task(self._mp_methods[2], to_mp_image(frame), ms)

    def _on_live_result(self, mp_result: object, _image: object, ms: int) -> None:
        timestamp_s, size = self._core.take_live(ms)
        callback = self._core.result_callback
        if callback is not None:
            callback(self._convert(mp_result, timestamp_s, size))

    def close(self) -> None:
        """Release the MediaPipe graph (idempotent)."""
        if not self._core.closed:
            self._core.closed = True
            with quiet_native_logs():  # LiteRT logs "DestroyAccelerator" at INFO
                self._task.close()  # type: ignore[attr-defined]

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
