"""``vivid say``: speak text to a WAV file, with phoneme/word timings and visemes as JSON."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assets.errors import VividError
from tts_bridge.audio_io import save_wav
from tts_bridge.backends import make_backend
from tts_bridge.types import Speech, VoiceOptions
from tts_bridge.viseme_table import Viseme
from tts_bridge.viseme_track import track_for_speech


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "say",
        help="speak text with espeak-ng (or a Piper voice) into a WAV file",
        description='Speak TEXT into a WAV file. Pauses: <break time="500ms"/> or [pause 0.5].',
    )
    p.add_argument("text", help="what to say (use quotes)")
    p.add_argument("-o", "--output", required=True, help="output .wav file")
    p.add_argument("--lang", default="en", help="language code: en, en-us, de, fr, cmn ... (default en)")
    p.add_argument("--voice", default=None, help="espeak-ng voice name overriding --lang, e.g. en-us+f3")
    p.add_argument("--rate", type=int, default=175, help="words per minute, 80-450 (default 175)")
    p.add_argument("--pitch", type=int, default=50, help="0-100 (default 50)")
    p.add_argument("--volume", type=int, default=100, help="0-200 (default 100)")
    p.add_argument("--model", default=None, help="Piper .onnx voice model (needs pip install piper-tts)")
    p.add_argument("--phonemes", default=None, help="write phoneme/word timings and per-frame visemes to this JSON")
    p.add_argument("--fps", type=float, default=30.0, help="frame rate of the viseme frames in --phonemes (default 30)")
    p.set_defaults(func=run_say)


def speech_json(speech: Speech, fps: float) -> dict:
    track = track_for_speech(speech)
    frames = track.frames(fps)
    return {
        "sample_rate": speech.sample_rate,
        "duration_s": round(speech.duration_s, 6),
        "language": speech.language,
        "phonemes": [{"start": round(p.start_s, 4), "end": round(p.end_s, 4), "symbol": p.symbol} for p in speech.phonemes],
        "words": [{"start": round(w.start_s, 4), "end": round(w.end_s, 4), "text": w.text} for w in speech.words],
        "visemes": {
            "fps": fps,
            "names": [v.name for v in Viseme],
            "frames": [[round(float(x), 4) for x in row] for row in frames],
        },
    }


def run_say(args: argparse.Namespace) -> int:
    options = VoiceOptions(
        language=args.lang, voice=args.voice, rate_wpm=args.rate, pitch=args.pitch,
        volume=args.volume, model_path=args.model,
    )
    try:
        speech = make_backend(options).synthesize(args.text, options)
    except (VividError, NotImplementedError) as exc:
        print(f"vivid say: {exc}", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_wav(out, speech.audio, speech.sample_rate)
    if args.phonemes:
        Path(args.phonemes).write_text(json.dumps(speech_json(speech, args.fps), ensure_ascii=False, indent=1))
    print(f"wrote {out} ({speech.duration_s:.2f} s, {len(speech.phonemes)} phonemes, {len(speech.words)} words)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry for testing without cli.py: python -m tts_bridge.commands say ..."""
    parser = argparse.ArgumentParser(prog="vivid")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
