"""Where the built-in data lives inside the installed `assets` package."""
from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
BUILTIN_AVATAR = ASSETS_DIR / "avatar" / "vivid_presenter.glb"
EFFECTS_DIR = ASSETS_DIR / "effects"
SCRIPTS_DIR = ASSETS_DIR / "scripts"
DEMO_SCRIPT = ASSETS_DIR.parent / "render" / "script" / "examples" / "demo.yaml"
