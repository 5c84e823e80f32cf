"""Result types every other package consumes. Frozen, arrays are float32 and read-only.

Coordinates: image landmarks are normalized (x right, y down, both in [0, 1] of the frame;
z is MediaPipe's relative depth, same scale as x). World landmarks are metres, MediaPipe's
frame. Head pose is MediaPipe's facial transformation matrix (canonical face model space
to camera space, centimetres, camera looking down -Z, +Y up).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class Blendshape(IntEnum):
    """MediaPipe FaceLandmarker's 52 blendshape categories, in its output order."""

    NEUTRAL = 0
    BROW_DOWN_LEFT = 1
    BROW_DOWN_RIGHT = 2
    BROW_INNER_UP = 3
    BROW_OUTER_UP_LEFT = 4
    BROW_OUTER_UP_RIGHT = 5
    CHEEK_PUFF = 6
    CHEEK_SQUINT_LEFT = 7
    CHEEK_SQUINT_RIGHT = 8
    EYE_BLINK_LEFT = 9
    EYE_BLINK_RIGHT = 10
    EYE_LOOK_DOWN_LEFT = 11
    EYE_LOOK_DOWN_RIGHT = 12
    EYE_LOOK_IN_LEFT = 13
    EYE_LOOK_IN_RIGHT = 14
    EYE_LOOK_OUT_LEFT = 15
    EYE_LOOK_OUT_RIGHT = 16
    EYE_LOOK_UP_LEFT = 17
    EYE_LOOK_UP_RIGHT = 18
    EYE_SQUINT_LEFT = 19
    EYE_SQUINT_RIGHT = 20
    EYE_WIDE_LEFT = 21
    EYE_WIDE_RIGHT = 22
    JAW_FORWARD = 23
    JAW_LEFT = 24
    JAW_OPEN = 25
    JAW_RIGHT = 26
    MOUTH_CLOSE = 27
    MOUTH_DIMPLE_LEFT = 28
    MOUTH_DIMPLE_RIGHT = 29
    MOUTH_FROWN_LEFT = 30
    MOUTH_FROWN_RIGHT = 31
    MOUTH_FUNNEL = 32
    MOUTH_LEFT = 33
    MOUTH_LOWER_DOWN_LEFT = 34
    MOUTH_LOWER_DOWN_RIGHT = 35
    MOUTH_PRESS_LEFT = 36
    MOUTH_PRESS_RIGHT = 37
    MOUTH_PUCKER = 38
    MOUTH_RIGHT = 39
    MOUTH_ROLL_LOWER = 40
    MOUTH_ROLL_UPPER = 41
    MOUTH_SHRUG_LOWER = 42
    MOUTH_SHRUG_UPPER = 43
    MOUTH_SMILE_LEFT = 44
    MOUTH_SMILE_RIGHT = 45
    MOUTH_STRETCH_LEFT = 46
    MOUTH_STRETCH_RIGHT = 47
    MOUTH_UPPER_UP_LEFT = 48
    MOUTH_UPPER_UP_RIGHT = 49
    NOSE_SNEER_LEFT = 50
    NOSE_SNEER_RIGHT = 51

    @property
    def arkit_name(self) -> str:
        """The ARKit / MediaPipe category name, e.g. ``eyeBlinkLeft`` (``_neutral`` for 0)."""
        return BLENDSHAPE_NAMES[self.value]


BLENDSHAPE_NAMES: tuple[str, ...] = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft",
    "browOuterUpRight", "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft",
    "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft",
    "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen",
    "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower",
    "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)
NUM_BLENDSHAPES = len(BLENDSHAPE_NAMES)  # 52
NUM_FACE_LANDMARKS = 478  # 468 mesh points + 10 iris points
NUM_POSE_LANDMARKS = 33
NUM_HAND_LANDMARKS = 21


def readonly_f32(array: np.ndarray | list, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A float32 copy of `array` that cannot be written to (results are shared between threads)."""
    out = np.array(array, dtype=np.float32, copy=True)
    if shape is not None and out.shape != shape:
        raise ValueError(f"expected an array of shape {shape}, got {out.shape}")
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class Frame:
    """One RGB image from a source. `image` is (H, W, 3) uint8, C-contiguous."""

    image: np.ndarray
    timestamp_s: float
    index: int

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True)
class FaceTracking:
    """One tracked face.

    landmarks: (478, 3) normalized image coordinates (see module doc).
    blendshapes: (52,) in `Blendshape` order, each in [0, 1].
    head_matrix: (4, 4) facial transformation matrix (canonical face -> camera, cm).
    """

    landmarks: np.ndarray
    blendshapes: np.ndarray
    head_matrix: np.ndarray
    timestamp_s: float


@dataclass(frozen=True)
class BodyTracking:
    """One tracked body: 33 BlazePose landmarks.

    landmarks: (33, 3) normalized image coordinates; world_landmarks: (33, 3) metres, hip-centred;
    visibility: (33,) in [0, 1].
    """

    landmarks: np.ndarray
    world_landmarks: np.ndarray
    visibility: np.ndarray
    timestamp_s: float


@dataclass(frozen=True)
class HandTracking:
    """One tracked hand: 21 landmarks. `handedness` is "Left" or "Right" as seen by the person
    (MediaPipe's label, corrected for mirroring by the tracker)."""

    landmarks: np.ndarray
    world_landmarks: np.ndarray
    handedness: str
    score: float
    timestamp_s: float


@dataclass(frozen=True)
class Tracking:
    """Everything known about the person(s) at `timestamp_s`: the latest result of each tracker
    and how old it is (trackers may run at different rates)."""

    timestamp_s: float
    faces: tuple[FaceTracking, ...] = ()
    bodies: tuple[BodyTracking, ...] = ()
    hands: tuple[HandTracking, ...] = ()
    frame_size: tuple[int, int] = (0, 0)  # (width, height) of the image tracked
    ages_s: dict[str, float] = field(default_factory=dict)  # "face"/"body"/"hands" -> seconds

    @property
    def face(self) -> FaceTracking | None:
        """The first (largest / primary) face, or None."""
        return self.faces[0] if self.faces else None
