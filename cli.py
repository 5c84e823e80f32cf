"""The `vivid` command. Each package registers its own subcommands; this file only composes."""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assets.errors import VividError

Registrar = Callable[[argparse._SubParsersAction], None]

# Command groups ("vivid avatar render", "vivid script check", ...) and what fills them.
GROUPS = {
    "avatar": "glTF / VRM avatars: inspect, render, drive",
    "script": "presenter scripts (YAML): check, render",
    "effect": "AR effect packages: preview, check, thumbnail",
    "photo": "living photo: bring a portrait to life",
}


def _registrars() -> list[tuple[str | None, Registrar]]:
    """(group or None for top level, register function) for every package that has commands.
    Imported here, not at module top, so `vivid --help` stays fast."""
    from assets.avatar_gen.commands import register as register_avatar_builder
    from avatar.commands import register_avatar_commands
    from avatar.driving.commands import register_drive_command
    import desktop_app
    from capture.commands import register as register_capture
    from effects.commands import register_effect_commands
    from effects.photo.commands import register_photo_commands
    from render.commands import register_avatar_render
    from render.script.commands import register_script_check
    from render.timeline.commands import register_demo, register_script_render
    from tts_bridge.commands import register as register_tts

    return [
        (None, desktop_app.register),
        (None, register_demo),
        (None, register_capture),
        (None, register_tts),
        (None, register_avatar_builder),
        ("script", register_script_check),
        ("script", register_script_render),
        ("effect", register_effect_commands),
        ("photo", register_photo_commands),
        ("avatar", register_avatar_render),
        ("avatar", register_avatar_commands),
        ("avatar", register_drive_command),
    ]


BENCHMARKS_DIR = Path(__file__).resolve().parent / "benchmarks"


def run_benchmarks(args: argparse.Namespace) -> int:
    """Run each benchmark script in its own process (each builds its own GL context)."""
    scripts = sorted(p for p in BENCHMARKS_DIR.glob("*.py") if not p.name.startswith("_")
                     and p.stem != "pyrender_baseline")
    if args.names:
        unknown = set(args.names) - {p.stem for p in scripts}
        if unknown:
            raise VividError(f"unknown benchmark {', '.join(sorted(unknown))}; "
                             f"choose from {', '.join(p.stem for p in scripts)}")
        scripts = [p for p in scripts if p.stem in args.names]
    failed = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        failed += subprocess.call([sys.executable, str(script)], cwd=BENCHMARKS_DIR.parent) != 0
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vivid", description="Vivid Studio: virtual presenter and AR effects engine.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and timings")
    top = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, help_text in GROUPS.items():
        group_parser = top.add_parser(name, help=help_text, description=help_text)
        groups[name] = group_parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    for group, register in _registrars():
        register(groups[group] if group else top)
    bench = top.add_parser("bench", help="run the benchmarks (from a source checkout)")
    bench.add_argument("names", nargs="*", help="benchmark names (default: all), e.g. render capture")
    bench.set_defaults(func=run_benchmarks)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return int(args.func(args) or 0)
    except VividError as exc:
        print(f"vivid: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vivid: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
