"""``vivid say``: speak text to an audio file (WAV, FLAC, Ogg, MP3), with phoneme/word timings and visemes as JSON."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from assets.cli_types import MAX_FPS, MIN_FPS, frames_per_second
from assets.errors import VividError
from assets.outputs import check_output_path
from tts_bridge.backends import make_backend
from tts_bridge.types import Speech, VoiceOptions
from tts_bridge.viseme_table import Viseme
from tts_bridge.viseme_track import track_for_speech


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "say",
        help="speak text with espeak-ng (or a Piper voice) into an audio file (.wav, .flac, .ogg, .mp3)",
        description='Speak TEXT into an audio file (.wav, .flac, .ogg or .mp3). Pauses: <break time="500ms"/> or [pause 0.5].',
    )
    p.add_argument("text", help="what to say (use quotes)")
    p.add_argument("-o", "--output", required=True, type=Path,
                   help=f"output audio file: {', '.join(AUDIO_SUBTYPES)} (16-bit WAV/FLAC, Ogg Vorbis, MP3)")
    p.add_argument("--lang", default="en", help="language code: en, en-us, de, fr, cmn ... (default en)")
    p.add_argument("--voice", default=None, help="espeak-ng voice name overriding --lang, e.g. en-us+f3")
    p.add_argument("--rate", type=int, default=175, help="words per minute, 80-450 (default 175)")
    p.add_argument("--pitch", type=int, default=50, help="0-100 (default 50)")
    p.add_argument("--volume", type=int, default=100, help="0-200 (default 100)")
    p.add_argument("--model", default=None, help="Piper .onnx voice model (needs pip install piper-tts)")
    p.add_argument("--phonemes", default=None, type=Path,
                   help="write phoneme/word timings and per-frame visemes to this JSON")
    p.add_argument("--fps", type=frames_per_second, default=30.0,
                   help=f"frame rate of the viseme frames in --phonemes, {MIN_FPS:g}-{MAX_FPS:g} (default 30)")
    p.set_defaults(func=run_say)


# What soundfile (libsndfile) writes for each extension, all tested: 16-bit PCM where the format
# allows it, the format's own codec otherwise.
AUDIO_SUBTYPES = {".wav": "PCM_16", ".flac": "PCM_16", ".ogg": "VORBIS", ".mp3": "MPEG_LAYER_III"}


def write_audio(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write mono float32 audio in the format the extension names (see AUDIO_SUBTYPES)."""
    samples = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    sf.write(str(path), samples, int(sample_rate), subtype=AUDIO_SUBTYPES[path.suffix.lower()])


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
    out = check_output_path(args.output, tuple(AUDIO_SUBTYPES), "speech audio (-o)")
    if args.phonemes:
        check_output_path(args.phonemes, (".json",), "the --phonemes timings")
    options = VoiceOptions(
        language=args.lang, voice=args.voice, rate_wpm=args.rate, pitch=args.pitch,
        volume=args.volume, model_path=args.model,
    )
    try:
        speech = make_backend(options).synthesize(args.text, options)
    except (VividError, NotImplementedError) as exc:
        print(f"vivid say: {exc}", file=sys.stderr)
        return 2
    write_audio(out, speech.audio, speech.sample_rate)
    if args.phonemes:
        args.phonemes.write_text(json.dumps(speech_json(speech, args.fps), ensure_ascii=False, indent=1))
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
