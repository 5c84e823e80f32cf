"""MediaPipe world landmarks -> the avatar's model frame.

MediaPipe pose/hand world landmarks are metres with x toward the image's right, y down and z
away from the camera. The avatar faces the camera (+Z toward it, +Y up), so the camera's right
(+X) is the avatar's left, exactly where the person's left appears in an unmirrored image: the
conversion (x, -y, -z) makes the avatar copy the person's own left and right (no mirroring)."""
from __future__ import annotations

import numpy as np

_FLIP = np.array([1.0, -1.0, -1.0])


def to_model_frame(points: np.ndarray) -> np.ndarray:
    """(N, 3) MediaPipe world landmarks -> (N, 3) float64 in the avatar's model frame."""
    return np.asarray(points, np.float64) * _FLIP


def from_model_frame(points: np.ndarray) -> np.ndarray:
    """Inverse of `to_model_frame` (used to build synthetic tracking in tests)."""
    return np.asarray(points, np.float64) * _FLIP
