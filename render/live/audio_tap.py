"""One live audio input shared by several listeners on one thread of its own: the mouth-from-audio
analyser and a recording's sound get the very same blocks (a microphone is opened once, a voice-over
is heard once). Listeners run on the tap's thread: never on PortAudio's callback, never on the GL
thread. The input is closed when the last listener lets go."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from render.live.audio_input import AudioBlock, AudioInput, BlockQueue

log = logging.getLogger(__name__)

Listener = Callable[[AudioBlock], None]
_WAIT_S = 0.1  # how long the thread waits for a block before it re-checks the stop flag
_BRANCH_SECONDS = 10.0  # what a branch holds when its reader stalls (the recorder's input queue holds as much)


class AudioTap:
    """`spec`: what was opened (the Recording audio choice), to tell whether a recording can share it."""

    def __init__(self, source: AudioInput, spec: str) -> None:
        self.source = source
        self.spec = spec
        self.sample_rate = source.sample_rate
        self.description = source.description
        self.error: str | None = None
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="audio-tap", daemon=True)

    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def start(self) -> None:
        """Start the input (AudioInputError when it cannot open) and the thread."""
        self.source.start()
        self._thread.start()

    def branch(self) -> "AudioBranch":
        """An AudioInput that receives this tap's blocks from now on (for the recorder)."""
        branch = AudioBranch(self)
        self.listen(branch.put)
        return branch

    def release(self, listener: Listener) -> None:
        """Stop calling `listener`; the last one to go closes the input."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)
            last = not self._listeners
        if last:
            self.close()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                for block in self.source.take(timeout_s=_WAIT_S):
                    with self._lock:
                        listeners = list(self._listeners)
                    for listener in listeners:
                        listener(block)
        except Exception as exc:  # the thread boundary: report to the UI instead of dying silently
            log.exception("audio tap failed")
            self.error = f"{self.description} stopped: {type(exc).__name__}: {exc}"

    def close(self) -> None:
        """Stop the thread and close the input (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self.source.close()


class AudioBranch:
    """The tap's blocks as an AudioInput of its own: `start` is a no-op (the tap runs already) and
    `close` lets go of the tap."""

    def __init__(self, tap: AudioTap) -> None:
        self._tap = tap
        self.sample_rate = tap.sample_rate
        self.description = tap.description
        self._queue = BlockQueue(_BRANCH_SECONDS, tap.sample_rate)

    def put(self, block: AudioBlock) -> None:
        self._queue.put(block)

    def start(self) -> None:
        pass

    def take(self, timeout_s: float = 0.0) -> list[AudioBlock]:
        return self._queue.take(timeout_s)

    def close(self) -> None:
        self._tap.release(self.put)
