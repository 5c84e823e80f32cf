"""Render every built-in effect's thumbnail.png with project code on a public-domain portrait.

  python assets/effects/generate_thumbnails.py PORTRAIT

PORTRAIT must be an image you may publish: the committed thumbnails use Vermeer's "Girl with a
Pearl Earring" (public domain; faces/painting_girl_with_a_pearl_earring.jpg in the test data).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parents[1]))

from effects.preview import thumbnail  # noqa: E402
from render.context import RenderContext  # noqa: E402


def main(portrait: str) -> None:
    rc = RenderContext.headless()
    try:
        for package in sorted(p.parent for p in ROOT.glob("*/effect.json")):
            thumbnail(package, portrait, rc=rc)
            print("thumbnail:", package.name)
    finally:
        rc.release()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
