"""Camera geometry of MediaPipe's face transformation matrix: projecting camera-space points
(centimetres, camera looking down -Z, +Y up) to pixels.

MediaPipe's face geometry pipeline uses a perspective camera with a 63 degree vertical field of
view (its default environment in face_landmarker_graph.cc). Checked on the shared photos: the
canonical face mesh transformed by head_matrix and projected this way lands within ~5 px of the
478 image landmarks on 150-320 px wide faces (tests/capture/test_face_tracker.py).
"""
from __future__ import annotations

import math

import numpy as np

MEDIAPIPE_VERTICAL_FOV_DEG = 63.0


def project_camera_points(points_cm: np.ndarray, frame_size: tuple[int, int],
                          vertical_fov_deg: float = MEDIAPIPE_VERTICAL_FOV_DEG) -> np.ndarray:
    """(N, 3) camera-space points -> (N, 2) pixel coordinates (x right, y down)."""
    width, height = frame_size
    p = np.asarray(points_cm, np.float64).reshape(-1, 3)
    fy = 1.0 / math.tan(math.radians(vertical_fov_deg) / 2.0)
    fx = fy * height / width
    depth = -p[:, 2]
    x = (fx * p[:, 0] / depth + 1.0) * 0.5 * width
    y = (1.0 - fy * p[:, 1] / depth) * 0.5 * height
    return np.stack([x, y], axis=1)


def head_axes_pixels(head_matrix: np.ndarray, frame_size: tuple[int, int],
                     length_cm: float = 8.0) -> np.ndarray:
    """(4, 2) pixels: the head origin and the ends of its +X, +Y, +Z axes."""
    local = np.array([[0, 0, 0, 1], [length_cm, 0, 0, 1], [0, length_cm, 0, 1],
                      [0, 0, length_cm, 1]], np.float64)
    cam = (np.asarray(head_matrix, np.float64) @ local.T).T[:, :3]
    return project_camera_points(cam, frame_size)
