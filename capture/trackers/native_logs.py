"""Keep MediaPipe's native log lines off the user's terminal.

MediaPipe 1.x writes through absl logging and TFLite/LiteRT's own logger straight to file
descriptor 2 ("WARNING: Logging before InitGoogle() ...", "W0000 ... inference_feedback_manager.cc",
"INFO: Created TensorFlow Lite XNNPACK delegate", "Sparsity tensors ..."), and neither reads
GLOG_minloglevel nor TF_CPP_MIN_LOG_LEVEL (checked with mediapipe 1.2.3). They come only while a
task is created and on its first inference, so fd 2 points at /dev/null during those calls.
MediaPipe's real failures still reach the user: they come back as Python exceptions, raised after
stderr is restored. With `vivid -v` (root logger at INFO) nothing is hidden.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator

log = logging.getLogger(__name__)

_STDERR_FD = 2
_lock = threading.Lock()
_depth = 0  # nested / concurrent users share one redirection
_saved_fd: int | None = None


def native_logs_wanted() -> bool:
    """True when the user asked for details (`vivid -v` sets the root logger to INFO)."""
    return log.isEnabledFor(logging.INFO)


def _redirect() -> None:
    global _saved_fd
    sys.stderr.flush()
    saved = os.dup(_STDERR_FD)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, _STDERR_FD)
    finally:
        os.close(null)
    _saved_fd = saved


def _restore() -> None:
    global _saved_fd
    if _saved_fd is None:
        return
    os.dup2(_saved_fd, _STDERR_FD)
    os.close(_saved_fd)
    _saved_fd = None


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Send what native code writes to stderr to /dev/null for the duration of the block
    (process-wide: Python's own stderr output in the block is hidden too, so keep blocks short)."""
    global _depth
    if native_logs_wanted():
        yield
        return
    with _lock:
        if _depth == 0:
            try:
                _redirect()
            except OSError:  # no usable fd 2 (a detached process): nothing to hide
                pass
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _restore()
