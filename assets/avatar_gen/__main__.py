"""python -m assets.avatar_gen -o assets/avatar/vivid_presenter.glb"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assets.paths import BUILTIN_AVATAR

from .build import build_glb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assets.avatar_gen", description=__doc__)
    parser.add_argument("-o", "--output", type=Path, default=BUILTIN_AVATAR, help="where to write the .glb")
    args = parser.parse_args(argv)
    data = build_glb()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
