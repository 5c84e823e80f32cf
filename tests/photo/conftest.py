"""Living-photo fixtures: models from the shared data, one GL context and one re-tracker per
session, the Obama portrait loaded once."""
from __future__ import annotations


import numpy as np
import pytest

from capture.trackers import FaceTracker, FaceTrackerOptions
from capture.types import Frame


@pytest.fixture(scope="session")
def retracker(model_dir):
    with FaceTracker.create_from_options(FaceTrackerOptions(num_faces=4)) as tracker:
        yield tracker


@pytest.fixture(scope="session")
def obama(test_data, model_dir):
    from effects.photo import load_photo
    return load_photo(test_data / "faces/obama.jpg")


def retrack(tracker: FaceTracker, frame: np.ndarray):
    """The largest face MediaPipe finds in a rendered RGBA frame (None when none)."""
    result = tracker.detect(Frame(np.ascontiguousarray(frame[:, :, :3]), 0.0, 0))
    return result.faces[0] if result.faces else None


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


@pytest.fixture(scope="session")
def biden_photo(test_data, model_dir):
    from effects.photo import load_photo
    return load_photo(test_data / "faces/biden.jpg")
