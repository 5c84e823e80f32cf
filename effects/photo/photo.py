"""A photo ready to animate: pixels (any input format) and every face found in it."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from capture.trackers import FaceTracker, FaceTrackerOptions
from capture.types import Frame, readonly_f32
from effects.photo.errors import PhotoError
from effects.photo.landmarks import FACE_LEFT_EDGE, FACE_RIGHT_EDGE, FOREHEAD_TOP, CHIN
from effects.photo.restore import RestoreOptions, restore
from render.image_io import read_image

# Tracking runs on a copy whose longer side is at most this many pixels: MediaPipe works on
# 256-pixel crops anyway, and a 6000-pixel photo would cost seconds to convert for nothing.
TRACK_MAX_SIDE = 1600
# Faces narrower than this (cheek to cheek, pixels of the full photo) have too few pixels for
# the eyelid and mouth details; 64 px is about where the eye opening drops below 3 px.
MIN_FACE_PX = 64
MAX_FACES = 10


@dataclass(frozen=True)
class PhotoFace:
    """One face: landmarks in pixels of the full photo (x right, y down; z is MediaPipe's depth
    scaled like x, negative toward the camera), numbered 1.. from left to right."""

    number: int
    landmarks_px: np.ndarray  # (478, 3) float32
    blendshapes: np.ndarray  # (52,)
    head_matrix: np.ndarray  # (4, 4)

    @property
    def width_px(self) -> float:
        lm = self.landmarks_px
        return float(np.linalg.norm(lm[FACE_LEFT_EDGE, :2] - lm[FACE_RIGHT_EDGE, :2]))

    @property
    def height_px(self) -> float:
        lm = self.landmarks_px
        return float(np.linalg.norm(lm[FOREHEAD_TOP, :2] - lm[CHIN, :2]))


@dataclass(frozen=True)
class Photo:
    """image: (H, W, 4) uint8 RGBA, opaque (transparent input is flattened onto white)."""

    image: np.ndarray
    faces: tuple[PhotoFace, ...]
    source: str

    @property
    def size(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[0])


def load_rgb(source: str | Path | np.ndarray) -> np.ndarray:
    """Any image file or array (grey, RGBA, 16-bit, palette) -> (H, W, 3) uint8 RGB."""
    if isinstance(source, np.ndarray):
        arr = source
        if arr.dtype == np.uint16:
            arr = (arr.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
        if arr.dtype != np.uint8:
            raise PhotoError(f"photo array must be uint8 or uint16, got {arr.dtype}")
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], 3, axis=2)
        rgba = arr if arr.shape[2] == 4 else np.concatenate(
            [arr[:, :, :3], np.full(arr.shape[:2] + (1,), 255, np.uint8)], axis=2)
    else:
        rgba = read_image(source)
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    rgb = rgba[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    return np.ascontiguousarray(rgb + 0.5, dtype=np.float32).astype(np.uint8)


def track_faces(rgb: np.ndarray, model: str = "face_landmarker.task") -> list[PhotoFace]:
    """All faces in an RGB photo (IMAGE mode, downscaled for tracking), left to right."""
    height, width = rgb.shape[:2]
    scale = min(1.0, TRACK_MAX_SIDE / max(width, height))
    small = rgb if scale == 1.0 else cv2.resize(
        rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    options = FaceTrackerOptions(model=model, num_faces=MAX_FACES)
    with FaceTracker.create_from_options(options) as tracker:
        result = tracker.detect(Frame(np.ascontiguousarray(small), 0.0, 0))
    faces = []
    for face in result.faces:
        lm = face.landmarks.astype(np.float64) * np.array([width, height, width])
        faces.append((lm, face))
    faces.sort(key=lambda item: float(item[0][:468, 0].mean()))
    return [PhotoFace(i + 1, readonly_f32(lm), face.blendshapes, face.head_matrix)
            for i, (lm, face) in enumerate(faces)]


def load_photo(source: str | Path | np.ndarray, restore_options: RestoreOptions | None = None,
               model: str = "face_landmarker.task") -> Photo:
    """Read a photo, optionally restore it, find its faces. Raises PhotoError with no face."""
    name = "<array>" if isinstance(source, np.ndarray) else str(source)
    rgb = load_rgb(source)
    if restore_options is not None:
        rgb = restore(rgb, restore_options)
    faces = track_faces(rgb, model)
    if not faces:
        raise PhotoError(f"{name}: no face found in the photo ({rgb.shape[1]}x{rgb.shape[0]}). "
                         f"The living photo needs a clearly visible face, roughly frontal and at "
                         f"least {MIN_FACE_PX} px wide.")
    image = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)
    image.flags.writeable = False
    return Photo(image, tuple(faces), name)


def select_faces(photo: Photo, selection: str) -> tuple[PhotoFace, ...]:
    """'all' or a 1-based face number (faces are numbered left to right).

    Faces narrower than MIN_FACE_PX raise when chosen by number; with 'all' they are left still
    with a warning, and it is an error only when every face is that small."""
    count = len(photo.faces)
    if selection == "all":
        big = tuple(f for f in photo.faces if f.width_px >= MIN_FACE_PX)
        small = [f for f in photo.faces if f.width_px < MIN_FACE_PX]
        if not big:
            widest = max(f.width_px for f in photo.faces)
            raise PhotoError(f"{photo.source}: the face is too small to animate ({widest:.0f} px "
                             f"wide, the minimum is {MIN_FACE_PX} px); use a larger photo or a "
                             f"closer crop")
        for face in small:
            warnings.warn(f"{photo.source}: face {face.number} is {face.width_px:.0f} px wide "
                          f"(minimum {MIN_FACE_PX} px); it stays still", stacklevel=2)
        return big
    try:
        number = int(selection)
    except ValueError:
        raise PhotoError(f"--face must be 'all' or a face number 1..{count}, got {selection!r}") from None
    if not 1 <= number <= count:
        raise PhotoError(f"{photo.source}: --face {number} does not exist; the photo has {count} "
                         f"face(s), numbered 1..{count} from left to right")
    face = photo.faces[number - 1]
    if face.width_px < MIN_FACE_PX:
        raise PhotoError(f"{photo.source}: face {number} is too small to animate "
                         f"({face.width_px:.0f} px wide, the minimum is {MIN_FACE_PX} px); use a "
                         f"larger photo or a closer crop")
    return (face,)
