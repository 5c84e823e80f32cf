"""TTS and lip-sync speed.

* espeak-ng through our backend (fork server + ctypes, phoneme events, timings; cache bypassed) vs the
  ``espeak-ng`` command line writing a WAV for the same text, measured in the same run.
* The audio analyser (streaming code, whole file) vs real time on real recordings.
* VisemeTrack build + per-frame export.

``ms_per_frame`` is compute per 1/30 s of produced/analysed audio (one video frame at 30 fps).
Run: python benchmarks/tts.py   (the machine may be shared: numbers are medians of several runs)
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from tts_bridge.analyser import analyse  # noqa: E402
from tts_bridge.audio_io import load_audio  # noqa: E402
from tts_bridge.espeak import EspeakBackend  # noqa: E402
from tts_bridge.types import VoiceOptions  # noqa: E402
from tts_bridge.viseme_track import VisemeTrack  # noqa: E402

FRAME_S = 1.0 / 30.0
TEXTS = {
    "sentence_en": ("en", "Welcome to Vivid Studio, the local presenter that never needs the cloud."),
    "paragraph_en": ("en", " ".join([
        "Agencies write a script and get a finished presenter video.",
        "No cloud, no credits, frame accurate and batchable.",
        "We know the phonemes because we made the speech, so lip sync can be exact.",
        "Every beat of the script is timed before a single frame is drawn.",
    ])),
    "sentence_cmn": ("cmn", "大家好，欢迎使用我们的虚拟主持人。"),
}
AUDIO = ["audio/wsj_n800_440c0202.wav", "audio/sadtalker_RD_Radio31_000.wav", "audio/rhubarb_welcome.ogg"]
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> int:
    rows = []
    backend = EspeakBackend()
    cli = shutil.which("espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        for case, (lang, text) in TEXTS.items():
            options = VoiceOptions(language=lang)
            speech = backend.synthesize(text, options)
            ours = _median_s(lambda: backend._synthesize(text, options), 7)  # uncached: real synthesis
            voice = backend.voice_for(options)
            base = None
            if cli:
                out = str(Path(tmp) / "cli.wav")
                base = _median_s(lambda: subprocess.run([cli, "-v", voice, "-w", out, text], check=True), 7)
            frames = speech.duration_s / FRAME_S
            rows.append({
                "bench": "tts", "case": f"espeak_{case}", "ms_per_frame": round(ours * 1000 / frames, 4),
                "baseline_ms": round(base * 1000 / frames, 4) if base else None,
                "audio_s": round(speech.duration_s, 3), "ms_total": round(ours * 1000, 2),
                "baseline_ms_total": round(base * 1000, 2) if base else None,
                "x_realtime": round(speech.duration_s / ours, 1),
                "baseline": "espeak-ng command line writing a WAV (process start included)",
            })
    for name in AUDIO:
        path = DATA / name
        if not path.exists():
            print(f"skip {name}: not found under {DATA}", file=sys.stderr)
            continue
        audio, rate = load_audio(path)
        duration = len(audio) / rate
        t = _median_s(lambda: analyse(audio, rate), 5)
        rows.append({
            "bench": "tts", "case": f"analyser_{Path(name).stem}", "ms_per_frame": round(t * 1000 / (duration / FRAME_S), 4),
            "baseline_ms": round(FRAME_S * 1000 / 50, 4), "audio_s": round(duration, 2), "x_realtime": round(duration / t, 1),
            "baseline": "budget for 50x real time",
        })
    speech = backend.synthesize(TEXTS["paragraph_en"][1])
    t = _median_s(lambda: VisemeTrack.from_speech(speech).frames(30), 5)
    rows.append({
        "bench": "tts", "case": "viseme_track_paragraph", "ms_per_frame": round(t * 1000 / (speech.duration_s / FRAME_S), 4),
        "baseline_ms": None, "audio_s": round(speech.duration_s, 2), "x_realtime": round(speech.duration_s / t, 1),
    })
    print(f"{'case':34s} {'ms/frame':>10s} {'baseline':>10s} {'x realtime':>11s}")
    for r in rows:
        base = "-" if r["baseline_ms"] is None else f"{r['baseline_ms']:.4f}"
        print(f"{r['case']:34s} {r['ms_per_frame']:10.4f} {base:>10s} {r['x_realtime']:11.1f}")
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
