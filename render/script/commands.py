"""``vivid script check SCRIPT...``: validate scripts (and time them) without rendering."""
from __future__ import annotations

import argparse
import json
import sys

from assets.errors import VividError
from render.script.loader import load_script
from render.script.model import Say
from render.script.notes import script_notes
from render.script.schema import editor_schema
from render.script.timeline import plan_timeline


def register_script_check(actions: argparse._SubParsersAction) -> None:
    """Adds ``check`` to the ``vivid script`` group."""
    check = actions.add_parser(
        "check", help="validate scripts without rendering",
        description="Validate each script: schema, files it refers to, languages; with --plan also "
                    "synthesise the speech and print the timing plan.",
    )
    check.add_argument("scripts", nargs="+", help="script .yaml files")
    check.add_argument("--plan", action="store_true", help="also run TTS and print every beat's start/end")
    check.set_defaults(func=run_check)
    schema = actions.add_parser("schema", help="print the script JSON schema (for editors' YAML validation)")
    schema.set_defaults(func=run_schema)


def run_schema(args: argparse.Namespace) -> int:
    """Print the JSON schema for editors: the long forms and the short forms the loader expands."""
    print(json.dumps(editor_schema(), indent=2))
    return 0


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
                    if isinstance(tb.beat, Say) and tb.beat.untranscribed:
                        detail = f"({tb.beat.audio.name}, no transcript)"
                    print(f"  line {tb.beat.line:4d}  {tb.start_s:7.2f} - {tb.end_s:7.2f}  {what:10s} {detail}")
            else:
                print(f"ok: {name}: {len(script.beats)} beats, {script.output.width}x{script.output.height} "
                      f"@ {script.output.fps:g} fps")
            for note in script_notes(script):
                print(f"note: {note}")
        except (VividError, FileNotFoundError) as exc:
            failed += 1
            print(str(exc), file=sys.stderr)
    return 1 if failed else 0
