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
    # Added by the capture issue (defaults keep older constructors valid):
    mask: SegmentationMask | None = None  # person mask when the segmenter ran ("mask" age)
    external: ExternalTracking | None = None  # VMC bones / named blendshapes when received

    @property
    def face(self) -> FaceTracking | None:
        """The first (largest / primary) face, or None."""
        return self.faces[0] if self.faces else None


# ---------------------------------------------------------------------------------------------
# Additions by the capture issue (append-only: nothing above is renamed or removed).
# ---------------------------------------------------------------------------------------------


class PoseLandmark(IntEnum):
    """BlazePose's 33 landmarks (MediaPipe PoseLandmarker output order). LEFT/RIGHT are the
    person's own left and right."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


class HandLandmark(IntEnum):
    """MediaPipe HandLandmarker's 21 landmarks, in output order."""

    WRIST = 0
    THUMB_CMC = 1
    THUMB_MCP = 2
    THUMB_IP = 3
    THUMB_TIP = 4
    INDEX_FINGER_MCP = 5
    INDEX_FINGER_PIP = 6
    INDEX_FINGER_DIP = 7
    INDEX_FINGER_TIP = 8
    MIDDLE_FINGER_MCP = 9
    MIDDLE_FINGER_PIP = 10
    MIDDLE_FINGER_DIP = 11
    MIDDLE_FINGER_TIP = 12
    RING_FINGER_MCP = 13
    RING_FINGER_PIP = 14
    RING_FINGER_DIP = 15
    RING_FINGER_TIP = 16
    PINKY_MCP = 17
    PINKY_PIP = 18
    PINKY_DIP = 19
    PINKY_TIP = 20


# Face landmark groups (indices into FaceTracking.landmarks), in contour order as listed by
# MediaPipe's FaceLandmarksConnections (mediapipe 1.2.2 face_landmarker.py). LEFT/RIGHT are the
# person's own sides (LEFT appears on the image's right in an unmirrored photo).
FACE_LIPS: tuple[int, ...] = (
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
    78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
)
FACE_LEFT_EYE: tuple[int, ...] = (
    263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398,
)
FACE_RIGHT_EYE: tuple[int, ...] = (
    33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
)
FACE_LEFT_EYEBROW: tuple[int, ...] = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
FACE_RIGHT_EYEBROW: tuple[int, ...] = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
FACE_LEFT_IRIS: tuple[int, ...] = (473, 474, 475, 476, 477)  # centre first
FACE_RIGHT_IRIS: tuple[int, ...] = (468, 469, 470, 471, 472)  # centre first
FACE_OVAL: tuple[int, ...] = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)
FACE_NOSE: tuple[int, ...] = (
    168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 97, 326, 327, 294, 278, 344, 440, 275, 45, 220,
    115, 48, 64,
)
# Single named points used for anchors and measurements.
FACE_NOSE_TIP = 1
FACE_FOREHEAD = 10
FACE_CHIN = 152
FACE_MOUTH_UPPER_INNER = 13
FACE_MOUTH_LOWER_INNER = 14
FACE_MOUTH_CORNER_LEFT = 291
FACE_MOUTH_CORNER_RIGHT = 61
FACE_LEFT_EYE_UPPER_LID = 386
FACE_LEFT_EYE_LOWER_LID = 374
FACE_RIGHT_EYE_UPPER_LID = 159
FACE_RIGHT_EYE_LOWER_LID = 145

# Skeleton edges for drawing (pairs of landmark indices), from MediaPipe's connection lists.
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12),
    (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18),
    (16, 20), (16, 22), (18, 20), (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27),
    (26, 28), (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)
HAND_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
    (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19),
    (19, 20),
)


@dataclass(frozen=True)
class SegmentationMask:
    """Person mask from the image segmenter: `mask` is (H, W) float32 in [0, 1] (1 = person),
    the size of the tracked frame."""

    mask: np.ndarray
    timestamp_s: float


@dataclass(frozen=True)
class BonePose:
    """A bone transform received over VMC (or any external mocap), converted to glTF
    conventions: `position` (3,) metres, right-handed, +Y up; `rotation` (4,) quaternion xyzw.
    Local to the parent bone as the sender defines it (VMC: Unity humanoid local pose)."""

    position: np.ndarray
    rotation: np.ndarray


@dataclass(frozen=True)
class ExternalTracking:
    """What an external sender (VMC) told us beyond MediaPipe's arrays.

    bones: Unity HumanBodyBones name (e.g. "Head", "LeftUpperArm") -> BonePose.
    root: the avatar root transform (VMC /VMC/Ext/Root/Pos), or None.
    blendshapes: every blendshape value received by name (VRM names like "Blink_L", "A", or
    ARKit names), as sent. ARKit-named values are also mapped into FaceTracking.blendshapes.
    """

    bones: dict[str, BonePose] = field(default_factory=dict)
    root: BonePose | None = None
    blendshapes: dict[str, float] = field(default_factory=dict)
