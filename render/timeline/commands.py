"""`vivid script render` and `vivid demo`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assets.errors import AssetError, VividError
from assets.paths import DEMO_SCRIPT
from render.script.loader import load_script
from render.timeline.render_script import RenderOptions, RenderResult, output_path_check, render_script


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


def _planned_outputs(scripts: list[Path], output: Path | None, transparent: bool) -> list[Path]:
    """The output of each script; two scripts that would write the same file are an error (the
    first video would be lost)."""
    many = len(scripts) > 1
    outputs = [_output_for(script, output, many, transparent) for script in scripts]
    seen: dict[Path, Path] = {}
    for script, out in zip(scripts, outputs):
        key = out.resolve()
        if key in seen:
            raise AssetError(f"{seen[key]} and {script} would both write {out}; rename one of the scripts "
                             f"or render them with separate -o")
        seen[key] = script
    return outputs


def cmd_script_render(args: argparse.Namespace) -> int:
    preset, crf = QUALITY[args.quality]
    options = RenderOptions(transparent=args.transparent, srt=args.srt, progress=not args.quiet, preset=preset, crf=crf)
    names = [Path(name) for name in args.scripts]
    outputs = _planned_outputs(names, args.output, args.transparent)
    # Every script is checked before the first render starts: a typo in the last of ten scripts
    # should not wait for the first nine to render.
    scripts = []
    problems = []
    for name, out in zip(names, outputs):
        try:
            scripts.append(load_script(name))
            output_path_check(out, options)
        except VividError as exc:
            problems.append(str(exc))
    if problems:
        raise AssetError("\n".join(problems) + f"\nnothing rendered: fix the problems above "
                                               f"({len(problems)} of {len(names)} scripts)")
    failed = []
    for name, script, out in zip(names, scripts, outputs):
        try:
            _print_result(render_script(script, out, options))
        except VividError as exc:  # one failed render does not stop the batch
            print(f"vivid: error: {exc}", file=sys.stderr)
            failed.append(str(name))
    if failed:
        print(f"{len(names) - len(failed)} of {len(names)} scripts rendered; failed: {', '.join(failed)}",
              file=sys.stderr)
        return 1
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
