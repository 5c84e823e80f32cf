"""`vivid photo animate` (the lead creates the `vivid photo` group and calls
register_photo_commands with its subparsers)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from assets.cli_types import frames_per_second
from effects.photo.animator import AnimatorOptions, PhotoAnimator, frame_times
from effects.photo.errors import PhotoError
from effects.photo.motion import PRESETS, MotionTrack, parse_motion
from effects.photo.output import OUTPUT_SUFFIXES, check_output_path, write_animation
from effects.photo.photo import load_photo
from effects.photo.restore import RestoreOptions
from render.source_audio import read_source_audio


def register_photo_commands(photo_subparsers: argparse._SubParsersAction) -> None:
    animate = photo_subparsers.add_parser(
        "animate", help="bring a portrait to life: blink, nod, smile, talk",
        description="Animate the face(s) of a still photo with motion presets, a driving video "
                    "or speech, and write a video or GIF. Presets: "
                    + "; ".join(f"{p.name}: {p.description}" for p in PRESETS.values()))
    animate.add_argument("photo", type=Path, help="portrait photo (JPEG, PNG, WebP, TIFF; any bit depth)")
    animate.add_argument("-o", "--output", type=Path, required=True,
                         help=f"output file ({', '.join(OUTPUT_SUFFIXES)})")
    animate.add_argument("--motion", default=None,
                         help="comma-separated presets played in order (default: idle), e.g. blink,nod,smile")
    source = animate.add_mutually_exclusive_group()
    source.add_argument("--drive", type=Path, help="driving video: copy its head motion and expressions")
    source.add_argument("--say", metavar="TEXT", help="make the photo speak TEXT (text to speech)")
    source.add_argument("--audio", type=Path, help="make the photo speak this recording (WAV, FLAC or OGG)")
    animate.add_argument("--face", default="all",
                         help="'all' (default) or the number of one face, counted from the left")
    animate.add_argument("--loop", action="store_true",
                         help="seamless loop: the last frame leads straight back into the first")
    animate.add_argument("--fps", type=frames_per_second, default=25.0, help="frames per second (default 25)")
    animate.add_argument("--restore", action="store_true",
                         help="restore an old photo first: denoise, sharpen, auto contrast, white balance")
    animate.set_defaults(func=run_animate)


def build_track(args: argparse.Namespace) -> tuple[MotionTrack, object | None]:
    """The motion track and (audio samples, rate) or None."""
    if args.drive is not None:
        if args.motion:
            raise PhotoError("--motion and --drive cannot be combined: the driving video gives "
                             "all the motion")
        from effects.photo.drive import DrivenMotion, track_driver
        return DrivenMotion(track_driver(args.drive)), None
    if args.say is not None or args.audio is not None:
        from effects.photo.speech import speech_track
        return speech_track(text=args.say, audio=args.audio, motion=args.motion)
    return parse_motion(args.motion or "idle"), None


def driver_sound(args: argparse.Namespace, track: MotionTrack, frame_count: int) -> tuple[np.ndarray, int] | None:
    """The --drive video's sound under the animation: from the driver's first frame with a face
    (where the motion starts), as long as the animation. None for a GIF (no sound track) or a
    silent video."""
    if args.drive is None or args.output.suffix.lower() == ".gif":
        return None
    sound = read_source_audio(args.drive)
    if sound is None:
        return None
    from effects.photo.drive import DrivenMotion

    start_s = track.curves.start_s if isinstance(track, DrivenMotion) else 0.0
    return sound.clip(start_s, frame_count / args.fps), sound.sample_rate


def run_animate(args: argparse.Namespace) -> int:
    check_output_path(args.output)
    started = time.perf_counter()
    restore = RestoreOptions() if args.restore else None
    photo = load_photo(args.photo, restore)
    track, audio = build_track(args)
    with PhotoAnimator(photo, AnimatorOptions(face=args.face)) as animator:
        times = frame_times(track.duration_s, args.fps, args.loop)
        frames = (animator.render(track.at(float(t))) for t in times)
        if audio is None:
            audio = driver_sound(args, track, len(times))
        samples, rate = audio if audio is not None else (None, None)
        count = write_animation(args.output, frames, photo.size, args.fps, samples, rate)
    print(f"{args.output}: {count} frames, {count / args.fps:.2f} s, {len(animator.faces)} of "
          f"{len(photo.faces)} face(s) animated, {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return 0
