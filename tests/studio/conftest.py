"""Studio test fixtures: Qt on the offscreen platform (set before any QApplication exists), the
shared MediaPipe models, a temporary settings folder, and screenshot output in tests/artifacts/."""
from __future__ import annotations

import os
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # must precede the QApplication pytest-qt creates

import pytest  # noqa: E402

from capture.models import MODEL_DIR_ENV  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIDEO = "video/talking_head_woman_d10.mp4"
AVATAR = "vrm/Godette_vrm_v4.vrm"


@pytest.fixture(scope="session", autouse=True)
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
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    return folder


@pytest.fixture
def open_window(qtbot, config_dir):
    """Open studio windows (software preview) once their engine is ready; closed after the test.
    `store`: a SettingsStore to start from (default: the test's empty config folder)."""
    import desktop_app
    from render.live.settings import SettingsStore

    windows = []

    def make(store=None, **launch):
        window = desktop_app.ui().MainWindow(store or SettingsStore(config_dir),
                                             desktop_app.StudioLaunch(software_preview=True, **launch))
        qtbot.addWidget(window)
        window.resize(*desktop_app.WINDOW_SIZE)
        window.show()
        qtbot.waitUntil(lambda: window.engine is not None, timeout=10_000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def switch_source(qtbot, window, text: str) -> bool:
    """Pick a source as the user does and wait for the outcome: True once the engine plays it,
    False when it was refused (at once, or when its first frame never came)."""
    if not window.choose_source(text):
        return False
    qtbot.waitUntil(lambda: window.engine.opening_source is None, timeout=10_000)
    return window.engine.source is not None and window.engine.source.text() == text
