"""Named face landmarks (MediaPipe face mesh indices) and per-face measurements used by anchors.

Indices are from MediaPipe's canonical face mesh (see the UV visualization shipped with
MediaPipe); LEFT/RIGHT are the person's own left and right (image right / left when not mirrored).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from capture.types import FaceTracking


class FaceLandmark(IntEnum):
    NOSE_TIP = 1
    NOSE_BRIDGE = 6
    FOREHEAD = 10  # top of the face oval, centre
    FOREHEAD_CENTER = 151
    CHIN = 152
    UPPER_LIP = 13
    LOWER_LIP = 14
    MOUTH_LEFT = 291
    MOUTH_RIGHT = 61
    LEFT_EYE_OUTER = 263
    LEFT_EYE_INNER = 362
    RIGHT_EYE_OUTER = 33
    RIGHT_EYE_INNER = 133
    LEFT_IRIS = 473
    RIGHT_IRIS = 468
    LEFT_CHEEK = 425
    RIGHT_CHEEK = 205
    LEFT_FACE_EDGE = 454
    RIGHT_FACE_EDGE = 234
    LEFT_BROW = 282
    RIGHT_BROW = 52


# Derived anchor points (means of landmarks) that designers ask for by name.
DERIVED_ANCHORS: dict[str, tuple[int, ...]] = {
    "mouth_center": (FaceLandmark.UPPER_LIP, FaceLandmark.LOWER_LIP),
    "left_eye": (FaceLandmark.LEFT_EYE_OUTER, FaceLandmark.LEFT_EYE_INNER),
    "right_eye": (FaceLandmark.RIGHT_EYE_OUTER, FaceLandmark.RIGHT_EYE_INNER),
    "eyes_center": (FaceLandmark.LEFT_EYE_OUTER, FaceLandmark.LEFT_EYE_INNER,
                    FaceLandmark.RIGHT_EYE_OUTER, FaceLandmark.RIGHT_EYE_INNER),
    "face_center": (FaceLandmark.NOSE_BRIDGE, FaceLandmark.NOSE_TIP),
}

FACE_ANCHOR_NAMES: tuple[str, ...] = tuple(sorted(
    [m.name.lower() for m in FaceLandmark] + list(DERIVED_ANCHORS)))

# Face oval (MediaPipe FACEMESH_FACE_OVAL, in order around the face).
FACE_OVAL: tuple[int, ...] = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
LEFT_EYE_RING: tuple[int, ...] = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_EYE_RING: tuple[int, ...] = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
INNER_LIPS: tuple[int, ...] = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)


def anchor_index_points(name: str) -> tuple[int, ...]:
    """Landmark indices whose mean is the anchor `name` (KeyError when unknown)."""
    if name in DERIVED_ANCHORS:
        return DERIVED_ANCHORS[name]
    return (int(FaceLandmark[name.upper()]),)


@dataclass(frozen=True)
class FaceFrame2D:
    """A face's 2D frame in pixels: `points` (478, 2) pixel landmarks, `width` the pixel
    distance between the face edges (234-454), `roll` the in-plane angle of the eye line
    (radians, image y down), `center` between the eyes."""

    points: np.ndarray
    width: float
    roll: float
    center: np.ndarray

    def anchor(self, name: str) -> np.ndarray:
        return self.points[list(anchor_index_points(name))].mean(axis=0)

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors of the face's right (+x in the image when upright) and down directions."""
        c, s = math.cos(self.roll), math.sin(self.roll)
        return np.array([c, s]), np.array([-s, c])


def face_frame(face: FaceTracking, size: tuple[int, int]) -> FaceFrame2D:
    w, h = size
    pts = face.landmarks[:, :2].astype(np.float64) * (w, h)
    width = float(np.linalg.norm(pts[FaceLandmark.LEFT_FACE_EDGE] - pts[FaceLandmark.RIGHT_FACE_EDGE]))
    eye_r = pts[[FaceLandmark.RIGHT_EYE_OUTER, FaceLandmark.RIGHT_EYE_INNER]].mean(axis=0)
    eye_l = pts[[FaceLandmark.LEFT_EYE_OUTER, FaceLandmark.LEFT_EYE_INNER]].mean(axis=0)
    d = eye_l - eye_r  # the person's right eye is on the image left
    roll = math.atan2(d[1], d[0])
    return FaceFrame2D(points=pts, width=max(width, 1.0), roll=roll, center=(eye_l + eye_r) / 2)


def head_angles_deg(head_matrix: np.ndarray) -> tuple[float, float, float]:
    """(pitch, yaw, roll) in degrees from the facial transformation matrix (XYZ extraction):
    pitch > 0 looks up, yaw > 0 turns to the person's left (image right when not mirrored)."""
    r = np.asarray(head_matrix, np.float64)[:3, :3]
    scale = np.linalg.norm(r[:, 0])
    r = r / max(scale, 1e-9)
    pitch = math.degrees(math.atan2(-r[1, 2], r[2, 2]))
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, r[0, 2]))))
    roll = math.degrees(math.atan2(-r[0, 1], r[0, 0]))
    return pitch, yaw, roll
