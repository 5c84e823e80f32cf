"""A fork server for espeak-ng: every utterance is synthesised by a fresh copy of a pristine engine.

Why: espeak-ng 1.51 keeps state between utterances (measured: "one two three" in English lasts
16408 or 16760 samples depending on whether German was spoken before), so in-process synthesis
depends on history. This helper process initialises espeak-ng once, synthesises nothing itself,
and ``fork()``s a child per request; the child speaks from the untouched state, writes the result
and exits. Same text + options -> same bytes, whatever was said before. Cost: one fork (~1-3 ms).

Protocol on the helper's stdin/stdout (one request at a time, the client holds a lock):
  helper -> client  hello line: {"ok": true, "sample_rate": R, "voices": {...}} or {"ok": false, ...}
  client -> helper  request line: {"text", "voice", "rate", "pitch", "volume"}
  helper -> client  reply line {"ok": true, "samples": N, "events": [...]} then N int16 samples,
                    or {"ok": false, "error": "...", "unsupported": bool}
"""
from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading

import numpy as np

from tts_bridge.espeak_engine import LIBRARY_NAME, _Engine, _RawEvent
from tts_bridge.types import TTSError, UnsupportedLanguageError

# How long the client waits for the helper to start (seconds): importing numpy and loading
# espeak-ng data takes ~0.2 s on the 2-core development machine.
START_TIMEOUT_S = 30.0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _serve(library: str) -> int:
    out = sys.stdout.fileno()
    try:
        engine = _Engine(library)
    except TTSError as exc:
        _write_all(out, (json.dumps({"ok": False, "error": str(exc)}) + "\n").encode())
        return 1
    hello = {"ok": True, "sample_rate": engine.sample_rate, "voices": engine.voices}
    _write_all(out, (json.dumps(hello) + "\n").encode())
    for line in sys.stdin.buffer:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # child: speak from the pristine engine, reply, exit without cleanup
            code = 0
            try:
                audio, events = engine.run(request["text"], request["voice"], request["rate"],
                                           request["pitch"], request["volume"])
                pcm = np.clip(np.round(audio * 32768.0), -32768, 32767).astype("<i2").tobytes()
                head = {"ok": True, "samples": len(audio),
                        "events": [[e.kind, e.ms, e.text_position, e.length, e.symbol] for e in events]}
                _write_all(out, (json.dumps(head) + "\n").encode() + pcm)
            except (TTSError, UnsupportedLanguageError) as exc:
                reply = {"ok": False, "error": str(exc), "unsupported": isinstance(exc, UnsupportedLanguageError)}
                _write_all(out, (json.dumps(reply) + "\n").encode())
                code = 1
            os._exit(code)
        os.waitpid(pid, 0)
    return 0


class ServerClient:
    """Client side: same ``sample_rate`` / ``voices`` / ``run`` as ``_Engine``."""

    def __init__(self, library: str = LIBRARY_NAME) -> None:
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tts_bridge.espeak_server", library],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )
        self._lock = threading.Lock()
        hello = self._read_line()
        if not hello.get("ok"):
            self.close()
            raise TTSError(hello.get("error", "espeak-ng helper failed to start"))
        self.sample_rate = int(hello["sample_rate"])
        self.voices = dict(hello["voices"])
        atexit.register(self.close)

    def _read_line(self) -> dict:
        line = self._proc.stdout.readline()
        if not line:
            raise TTSError(f"the espeak-ng helper process exited (code {self._proc.poll()})")
        return json.loads(line)

    def run(self, text: str, voice: str, rate_wpm: int, pitch: int, volume: int) -> tuple[np.ndarray, list[_RawEvent]]:
        request = {"text": text, "voice": voice, "rate": int(rate_wpm), "pitch": int(pitch), "volume": int(volume)}
        with self._lock:
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
            head = self._read_line()
            if not head["ok"]:
                raise (UnsupportedLanguageError if head.get("unsupported") else TTSError)(head["error"])
            pcm = self._proc.stdout.read(2 * head["samples"])
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        return audio, [_RawEvent(*e) for e in head["events"]]

    def close(self) -> None:
        """Stop the helper (idempotent): closing its stdin ends its loop."""
        proc = getattr(self, "_proc", None)
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    raise SystemExit(_serve(sys.argv[1] if len(sys.argv) > 1 else LIBRARY_NAME))
