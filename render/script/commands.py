"""``vivid script check SCRIPT...``: validate scripts (and time them) without rendering.

``register`` adds the ``script`` command and returns its sub-command action, so the renderer can
add ``render`` next to ``check``: ``actions = register(subparsers); actions.add_parser("render", ...)``.
"""
from __future__ import annotations

import argparse
import sys

from assets.errors import VividError
from render.script.loader import load_script
from render.script.timeline import plan_timeline


def register(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:
    script = subparsers.add_parser("script", help="presenter scripts (YAML): check, render")
    actions = script.add_subparsers(dest="script_command", required=True)
    check = actions.add_parser(
        "check", help="validate scripts without rendering",
        description="Validate each script: schema, files it refers to, languages; with --plan also "
                    "synthesise the speech and print the timing plan.",
    )
    check.add_argument("scripts", nargs="+", help="script .yaml files")
    check.add_argument("--plan", action="store_true", help="also run TTS and print every beat's start/end")
    check.set_defaults(func=run_check)
    return actions


def run_check(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.scripts:
        try:
            script = load_script(name)
            if args.plan:
                timeline = plan_timeline(script)
                print(f"ok: {name}: {len(script.beats)} beats, {timeline.duration_s:.2f} s, "
                      f"{script.output.width}x{script.output.height} @ {script.output.fps:g} fps")
                for tb in timeline.beats:
                    what = type(tb.beat).__name__.lower()
                    detail = getattr(tb.beat, "text", None) or getattr(tb.beat, "name", None) or ""
                    print(f"  line {tb.beat.line:4d}  {tb.start_s:7.2f} - {tb.end_s:7.2f}  {what:10s} {detail}")
            else:
                print(f"ok: {name}: {len(script.beats)} beats, {script.output.width}x{script.output.height} "
                      f"@ {script.output.fps:g} fps")
        except (VividError, FileNotFoundError) as exc:
            failed += 1
            print(str(exc), file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry until cli.py wires it: python -m render.script.commands script check X.yaml"""
    parser = argparse.ArgumentParser(prog="vivid")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
