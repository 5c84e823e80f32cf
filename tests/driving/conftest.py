"""Driving test fixtures: MediaPipe models from the shared data folder (as CI does)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from capture.models import MODEL_DIR_ENV


@pytest.fixture(scope="session")
def model_dir(test_data) -> Path:
    folder = test_data.path("models/face_landmarker.task").parent
    previous = os.environ.get(MODEL_DIR_ENV)
    os.environ[MODEL_DIR_ENV] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(MODEL_DIR_ENV, None)
    else:
        os.environ[MODEL_DIR_ENV] = previous


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
