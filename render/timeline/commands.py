"""`vivid script render` and `vivid demo`."""
from __future__ import annotations

import argparse
from pathlib import Path

from assets.errors import AssetError
from assets.paths import DEMO_SCRIPT
from render.timeline.render_script import RenderOptions, RenderResult, render_script


# --quality: x264 preset and CRF. draft renders fastest (bigger files, for checking timing);
# best spends the most CPU for the smallest file at the highest quality.
QUALITY = {"draft": ("ultrafast", 23), "standard": ("veryfast", 20), "best": ("slow", 18)}


def _print_result(result: RenderResult) -> None:
    speed = result.duration_s / result.seconds_taken if result.seconds_taken else 0.0
    extra = f", subtitles in {result.srt}" if result.srt else ""
    print(f"wrote {result.output}: {result.duration_s:.1f} s, {result.frames} frames, rendered in "
          f"{result.seconds_taken:.1f} s ({speed:.2f}x real time){extra}")


def _output_for(script: Path, output: Path | None, many: bool, transparent: bool) -> Path:
    suffix = ".mov" if transparent else ".mp4"
    if not many:
        return output if output is not None else Path("out") / f"{script.stem}{suffix}"
    folder = output if output is not None else Path("out")
    if folder.suffix:
        raise AssetError(f"{folder}: with several scripts, -o must be a folder (each video is named after its script)")
    return folder / f"{script.stem}{suffix}"


def cmd_script_render(args: argparse.Namespace) -> int:
    preset, crf = QUALITY[args.quality]
    options = RenderOptions(transparent=args.transparent, srt=args.srt, progress=not args.quiet, preset=preset, crf=crf)
    many = len(args.scripts) > 1
    for name in args.scripts:
        script = Path(name)
        _print_result(render_script(script, _output_for(script, args.output, many, args.transparent), options))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The built-in demo script: voice, lip sync, gestures, a camera move, subtitles."""
    options = RenderOptions(srt=True, progress=not args.quiet)
    _print_result(render_script(DEMO_SCRIPT, args.output, options))
    return 0


def register_script_render(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("render", help="render scripts to videos",
                           description="Render one or more presenter scripts to MP4 (H.264 + AAC), one after another.")
    p.add_argument("scripts", nargs="+", help="script .yaml files")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="output file for one script, or a folder for several (default: out/<script>.mp4)")
    p.add_argument("--srt", action="store_true", help="also write subtitles as an .srt file next to the video")
    p.add_argument("--transparent", action="store_true",
                   help="transparent background: ProRes 4444 .mov (default) or VP9 .webm with alpha")
    p.add_argument("--quality", choices=sorted(QUALITY), default="standard",
                   help="H.264 encoding: draft (fastest, bigger file), standard (default), best (slowest, smallest)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_script_render)


def register_demo(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="render the demo presenter video with the built-in avatar")
    demo.add_argument("-o", "--output", type=Path, default=Path("out/demo.mp4"))
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=cmd_demo)
