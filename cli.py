"""The `vivid` command. Each package registers its own subcommands; this file only composes."""
from __future__ import annotations

import argparse
import importlib
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


# (where the command lives: group or None for top level, module, register function, the names it
# adds, help shown before the module is imported: one text, or one per name). Modules are imported only for the command
# being run, so `vivid --help` and quick commands do not pay for MediaPipe, SciPy or Qt.
REGISTRARS: tuple[tuple[str | None, str, str, tuple[str, ...], str | tuple[str, ...]], ...] = (
    (None, "desktop_app", "register", ("studio",), "open the desktop studio (PyQt6)"),
    (None, "render.timeline.commands", "register_demo", ("demo",),
     "render the demo presenter video with the built-in avatar"),
    (None, "capture.commands", "register", ("track", "models"),
     ("track a video, photo(s) or webcam into a mocap clip", "list, download and verify the MediaPipe models")),
    (None, "tts_bridge.commands", "register", ("say",), "speak text into an audio file (.wav, .flac, .ogg, .mp3)"),
    (None, "assets.avatar_gen.commands", "register", ("build-avatar",), "regenerate the built-in avatar"),
    ("script", "render.script.commands", "register_script_check", ("check", "schema"), ""),
    ("script", "render.timeline.commands", "register_script_render", ("render",), ""),
    ("effect", "effects.commands", "register_effect_commands", ("preview", "check", "thumbnail"), ""),
    ("photo", "effects.photo.commands", "register_photo_commands", ("animate",), ""),
    ("avatar", "render.commands", "register_avatar_render", ("render",), ""),
    ("avatar", "avatar.commands", "register_avatar_commands", ("info",), ""),
    ("avatar", "avatar.driving.commands", "register_drive_command", ("drive",), ""),
)


def _registrar(module: str, function: str) -> Registrar:
    return getattr(importlib.import_module(module), function)


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


def _selected_command(argv: Sequence[str]) -> str | None:
    """The first non-option word of the command line (the command or group), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser, or, given the command line, one where only the chosen command's module is
    imported (the others appear in `--help` with their names and help only)."""
    selected = _selected_command(argv) if argv is not None else None
    parser = argparse.ArgumentParser(prog="vivid", description="Vivid Studio: virtual presenter and AR effects engine.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and timings")
    top = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, help_text in GROUPS.items():
        group_parser = top.add_parser(name, help=help_text, description=help_text)
        groups[name] = group_parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    for group, module, function, names, help_text in REGISTRARS:
        load = argv is None or (selected == group if group else selected in names)
        if load:
            _registrar(module, function)(groups[group] if group else top)
        elif group is None:  # listed for --help; parsing it would have loaded the module
            helps = help_text if isinstance(help_text, tuple) else (help_text,) * len(names)
            for name, text in zip(names, helps):
                top.add_parser(name, help=text)
    bench = top.add_parser("bench", help="run the benchmarks (from a source checkout)")
    bench.add_argument("names", nargs="*", help="benchmark names (default: all), e.g. render capture")
    bench.set_defaults(func=run_benchmarks)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return int(args.func(args) or 0)
    except VividError as exc:
        print(f"vivid: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder that cannot be read or written: the OS names it
        logging.getLogger(__name__).debug("details", exc_info=True)
        print(f"vivid: error: {exc.strerror or exc}"
              + (f": {exc.filename}" if exc.filename else "")
              + " (check the path exists and you may write there)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vivid: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
