"""Effects test fixtures: models from the shared data, one GL context, tracked portraits."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources.image import read_image
from capture.types import Frame, Tracking

# Single-person portraits (and the two-face photo) from ../shared/data/faces.
PORTRAITS = ("obama.jpg", "biden.jpg", "painting_girl_with_a_pearl_earring.jpg", "sergey.png",
             "obama-240p.jpg", "dlib_2008_001322.jpg")
MAX_SIDE = 720  # portraits are scaled down to this (keeps the suite fast on llvmpipe)
LIBRARY = Path(__file__).resolve().parents[2] / "assets" / "effects"


def load_scaled(path: Path) -> np.ndarray:
    image = np.ascontiguousarray(read_image(path)[..., :3])
    h, w = image.shape[:2]
    s = min(1.0, MAX_SIDE / max(h, w))
    if s < 1.0:
        size = (int(w * s) // 2 * 2, int(h * s) // 2 * 2)
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image)


@pytest.fixture(scope="session")
def tracked_portraits(test_data, model_dir) -> dict[str, tuple[np.ndarray, Tracking]]:
    """name -> (RGB image, Tracking with faces and the person mask), IMAGE mode."""
    out = {}
    options = PipelineOptions(face=True, mask=True, num_faces=4, still_images=True)
    with TrackingPipeline(options) as pipeline:
        for name in PORTRAITS + ("two_people.jpg",):
            image = load_scaled(test_data / f"faces/{name}")
            out[name] = (image, pipeline.process(Frame(image, 0.0, 0)))
    for name in PORTRAITS:
        assert out[name][1].faces, f"no face tracked on {name}"
    return out
