"""Shared fixtures: the real test data in ../shared/data and golden-image comparison."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regenerate-golden",
        action="store_true",
        default=False,
        help="overwrite tests/golden/*.png with the images rendered now",
    )


class TestData:
    """Finds files in the shared test-data folder (env VIVID_TEST_DATA, default ../shared/data).

    Under CI=true a missing file fails the test; elsewhere it skips with the path it looked for.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, relative: str) -> Path:
        p = self.root / relative
        if not p.exists():
            message = f"test data file missing: {p} (set VIVID_TEST_DATA to the shared data folder)"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        return p

    def __truediv__(self, relative: str) -> Path:
        return self.path(relative)


@pytest.fixture(scope="session")
def test_data() -> TestData:
    root = Path(os.environ.get("VIVID_TEST_DATA", REPO_ROOT.parent / "shared" / "data")).resolve()
    return TestData(root)


@pytest.fixture(scope="session", autouse=True)
def model_dir(test_data: TestData):
    """Point the model manager at the shared data's MediaPipe models (as CI does); offline tests
    never download."""
    folder = test_data.path("models/face_landmarker.task").parent
    previous = os.environ.get("VIVID_MODEL_DIR")
    os.environ["VIVID_MODEL_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("VIVID_MODEL_DIR", None)
    else:
        os.environ["VIVID_MODEL_DIR"] = previous


@pytest.fixture(scope="session")
def rc():
    """One headless OpenGL context per test worker."""
    from render.context import RenderContext

    context = RenderContext.headless()
    yield context
    context.release()


@pytest.fixture(scope="session")
def regenerate_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regenerate-golden"))
