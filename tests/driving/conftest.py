"""Driving test fixtures (MediaPipe models come from tests/conftest.py's model_dir)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def builtin_avatar(tmp_path_factory) -> Path:
    """The built-in avatar: the generated file when present, else generated now (~10 s)."""
    from assets.paths import BUILTIN_AVATAR

    if BUILTIN_AVATAR.exists():
        return BUILTIN_AVATAR
    from assets.avatar_gen.build import build_glb

    path = tmp_path_factory.mktemp("builtin") / "vivid_presenter.glb"
    path.write_bytes(build_glb())
    return path
