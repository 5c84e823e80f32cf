"""Live audio for recordings: a microphone (PortAudio through sounddevice) or an audio file played
in real time (a voice-over). Each delivers time-stamped blocks of mono float32 samples from its
own thread; the recorder places them on the video's clock, the lip-sync tap (audio_tap.py) hands
them to the mouth-from-audio analyser."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assets.errors import VividError

# Samples per delivered block, in seconds: a usual sound-card buffer. Lip sync asks for shorter blocks
# (a block is only delivered once all of it was heard, so its length adds to the mouth's latency).
BLOCK_S = 0.02
MIN_BLOCK_FRAMES = 32

PORTAUDIO_HINT = ("microphone capture needs the PortAudio library: on Debian/Ubuntu "
                  "`sudo apt-get install libportaudio2`, on macOS `brew install portaudio`; "
                  "or record with an audio file instead of the microphone")


class AudioInputError(VividError):
    """An audio input cannot start (no PortAudio, no microphone, unreadable file)."""


@dataclass(frozen=True)
class AudioBlock:
    """`samples` (mono float32 in [-1, 1]) whose first sample was heard at `started_at`
    (time.monotonic seconds)."""

    started_at: float
    samples: np.ndarray


class AudioInput(Protocol):
    sample_rate: int
    description: str

    def start(self) -> None: ...

    def take(self, timeout_s: float = 0.0) -> list[AudioBlock]:
        """Every block captured since the last call, oldest first; waits up to `timeout_s` for one."""
        ...

    def close(self) -> None: ...


def block_frames(sample_rate: int, block_s: float) -> int:
    return max(MIN_BLOCK_FRAMES, int(round(sample_rate * block_s)))


class BlockQueue:
    """Blocks handed from a capture thread to a consumer thread (the recorder, the lip-sync tap)."""

    def __init__(self, max_seconds: float, sample_rate: int) -> None:
        self._blocks: deque[AudioBlock] = deque()
        self._cond = threading.Condition()
        self._max_samples = int(max_seconds * sample_rate)
        self._samples = 0

    def put(self, block: AudioBlock) -> None:
        with self._cond:
            self._blocks.append(block)
            self._samples += len(block.samples)
            while self._samples > self._max_samples and len(self._blocks) > 1:  # nobody takes: keep the newest
                self._samples -= len(self._blocks.popleft().samples)
            self._cond.notify_all()

    def take(self, timeout_s: float = 0.0) -> list[AudioBlock]:
        with self._cond:
            if not self._blocks and timeout_s > 0:
                self._cond.wait(timeout_s)
            blocks = list(self._blocks)
            self._blocks.clear()
            self._samples = 0
        return blocks


class MicrophoneInput:
    """The system's default microphone (or `device`, a PortAudio name or index), at `sample_rate`
    or else the device's own default rate (not every microphone offers 48 kHz); blocks of `block_s`."""

    def __init__(self, device: int | str | None = None, sample_rate: int | None = None,
                 block_s: float = BLOCK_S) -> None:
        try:
            import sounddevice  # PortAudio is loaded on import: missing -> OSError
        except (ImportError, OSError) as exc:
            raise AudioInputError(f"{PORTAUDIO_HINT} ({exc})") from exc
        self._sd = sounddevice
        try:
            info = sounddevice.query_devices(device, "input")
        except (ValueError, sounddevice.PortAudioError) as exc:
            raise AudioInputError(f"no microphone found ({exc}); plug one in or pick another input device") from exc
        self.description = f"microphone: {info['name']}"
        self.sample_rate = int(sample_rate or info["default_samplerate"])
        self._device = device
        self._block_frames = block_frames(self.sample_rate, block_s)
        self._queue = BlockQueue(10.0, self.sample_rate)
        self._stream = None

    def _callback(self, data: np.ndarray, frames: int, time_info: object, status: object) -> None:
        # The last sample was captured about now; the block started frames / rate earlier.
        started = time.monotonic() - frames / self.sample_rate
        self._queue.put(AudioBlock(started, data[:, 0].astype(np.float32, copy=True)))

    def start(self) -> None:
        try:
            self._stream = self._sd.InputStream(device=self._device, channels=1, samplerate=self.sample_rate,
                                                blocksize=self._block_frames, dtype="float32",
                                                callback=self._callback)
            self._stream.start()
        except self._sd.PortAudioError as exc:
            raise AudioInputError(f"{self.description}: cannot open it ({exc})") from exc

    def take(self, timeout_s: float = 0.0) -> list[AudioBlock]:
        return self._queue.take(timeout_s)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class AudioFileInput:
    """An audio file (WAV/FLAC/OGG/MP3 that libsndfile reads) played in real time from `start()`,
    mixed to mono, in blocks of `block_s`; silence after its end."""

    def __init__(self, path: str | Path, block_s: float = BLOCK_S) -> None:
        import soundfile

        self.path = Path(path)
        try:
            data, rate = soundfile.read(str(self.path), dtype="float32", always_2d=True)
        except (RuntimeError, OSError) as exc:  # soundfile.LibsndfileError is a RuntimeError
            raise AudioInputError(f"{self.path}: cannot read this audio file ({exc})") from exc
        if not len(data):
            raise AudioInputError(f"{self.path}: the audio file holds no samples")
        self.samples = data.mean(axis=1).astype(np.float32)
        self.sample_rate = int(rate)
        self.description = f"audio file: {self.path.name}"
        self._block_frames = block_frames(self.sample_rate, block_s)
        self._queue = BlockQueue(10.0, self.sample_rate)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._play, name="audio-file-input", daemon=True)
        self._thread.start()

    def _play(self) -> None:
        started = time.monotonic()
        position = 0
        while not self._stop.is_set() and position < len(self.samples):
            # Deliver each block once it has "been heard", as a sound card would.
            due = started + (position + self._block_frames) / self.sample_rate
            self._stop.wait(max(0.0, due - time.monotonic()))
            if self._stop.is_set():
                break
            block = self.samples[position:position + self._block_frames]
            self._queue.put(AudioBlock(started + position / self.sample_rate, block))
            position += len(block)

    def take(self, timeout_s: float = 0.0) -> list[AudioBlock]:
        return self._queue.take(timeout_s)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)


def is_microphone(spec: str) -> bool:
    return spec in ("mic", "microphone") or spec.startswith("mic:")


def open_audio_input(spec: str, block_s: float = BLOCK_S) -> AudioInput:
    """`mic` / `microphone` (default input), `mic:DEVICE` (PortAudio name or index) or a file path."""
    if spec in ("mic", "microphone"):
        return MicrophoneInput(block_s=block_s)
    if spec.startswith("mic:"):
        device = spec[4:]
        return MicrophoneInput(int(device) if device.isdigit() else device, block_s=block_s)
    path = Path(spec)
    if not path.exists():
        raise AudioInputError(f"{path}: audio file not found; pick another file or the microphone "
                              f"(in the studio: the Recording audio box; in code: audio='mic')")
    return AudioFileInput(path, block_s)
