"""CLI: `vivid build-avatar` regenerates, checks or previews the built-in avatar."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from assets.paths import BUILTIN_AVATAR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build-avatar",
        help="regenerate the built-in avatar (assets/avatar/vivid_presenter.glb)",
        description="Build the built-in presenter avatar from code. Deterministic: the same bytes every run.",
    )
    parser.add_argument("-o", "--output", type=Path, default=BUILTIN_AVATAR, help=f"where to write (default {BUILTIN_AVATAR})")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if OUTPUT differs from a fresh build (for CI)")
    parser.add_argument("--preview", type=Path, default=None, metavar="DIR",
                        help="also render 1280x720 PNG previews (front, face, expressions, poses) into DIR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .build import build_glb

    data = build_glb()
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != data:
            print(f"{args.output} is stale or missing: run `vivid build-avatar -o {args.output}` and commit it")
            return 1
        print(f"{args.output} is up to date ({len(data) / 1024:.0f} KiB)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data) / 1024:.0f} KiB)")
    if args.preview is not None:
        os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
        from .preview import main as preview_main

        return preview_main([str(args.output), "-o", str(args.preview)])
    return 0
