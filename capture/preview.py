"""Preview video: landmarks, head axes and a blendshape bar chart drawn over the frames, encoded
as H.264 MP4 with PyAV (timestamps kept from the source)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from assets.errors import SourceError
from capture.geometry import head_axes_pixels
from capture.types import (BLENDSHAPE_NAMES, FACE_LEFT_EYE, FACE_LIPS, FACE_OVAL, FACE_RIGHT_EYE,
                           HAND_CONNECTIONS, POSE_CONNECTIONS, Tracking)

PANEL_WIDTH = 260  # px, blendshape chart to the right of the video
_MIN_ROW_PX = 9  # below this a bar's label is unreadable: show the strongest channels only
_CONTOUR = np.array(FACE_OVAL + FACE_LIPS + FACE_LEFT_EYE + FACE_RIGHT_EYE)
_COLORS = {"mesh": (200, 200, 200), "contour": (0, 255, 255), "body": (0, 200, 255),
           "Left": (255, 120, 0), "Right": (0, 120, 255)}  # RGB
_AXIS_COLORS = ((255, 0, 0), (0, 255, 0), (0, 0, 255))  # X red, Y green, Z blue


def _px(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.round(points[:, :2] * np.array(size, np.float32)).astype(np.int32)


def draw_tracking(image: np.ndarray, tracking: Tracking) -> np.ndarray:
    """A copy of the RGB frame with landmarks, skeletons and head axes, plus the chart panel."""
    h, w = image.shape[:2]
    size = (w, h)
    canvas = np.ascontiguousarray(image.copy())
    for body in tracking.bodies:
        pts = _px(body.landmarks, size)
        for a, b in POSE_CONNECTIONS:
            if body.visibility[a] > 0.5 and body.visibility[b] > 0.5:
                cv2.line(canvas, tuple(pts[a]), tuple(pts[b]), _COLORS["body"], 2, cv2.LINE_AA)
    for face in tracking.faces:
        if len(face.landmarks) == 0:
            continue
        pts = _px(face.landmarks, size)
        for x, y in pts[::3]:
            canvas[max(0, min(h - 1, y)), max(0, min(w - 1, x))] = _COLORS["mesh"]
        for x, y in pts[_CONTOUR]:
            cv2.circle(canvas, (int(x), int(y)), 1, _COLORS["contour"], -1, cv2.LINE_AA)
        if np.isfinite(face.head_matrix).all():
            axes = head_axes_pixels(face.head_matrix, size)
            if np.isfinite(axes).all() and np.abs(axes).max() < 1e5:
                o = tuple(int(v) for v in axes[0])
                for end, color in zip(axes[1:], _AXIS_COLORS):
                    cv2.line(canvas, o, tuple(int(v) for v in end), color, 2, cv2.LINE_AA)
    for hand in tracking.hands:
        pts = _px(hand.landmarks, size)
        color = _COLORS.get(hand.handedness, (255, 255, 255))
        for a, b in HAND_CONNECTIONS:
            cv2.line(canvas, tuple(pts[a]), tuple(pts[b]), color, 2, cv2.LINE_AA)
    panel = blendshape_panel(tracking, h)
    return np.ascontiguousarray(np.concatenate([canvas, panel], axis=1))


def blendshape_panel(tracking: Tracking, height: int) -> np.ndarray:
    """PANEL_WIDTH x height chart of the primary face's blendshapes (all 52 when they fit,
    otherwise the strongest ones)."""
    panel = np.full((height, PANEL_WIDTH, 3), 24, np.uint8)
    face = tracking.face
    if face is None or not np.isfinite(face.blendshapes).all():
        cv2.putText(panel, "no face", (10, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (200, 200, 200), 1)
        return panel
    values = face.blendshapes
    indices = list(range(1, len(values)))  # skip _neutral
    rows = max(1, height // _MIN_ROW_PX)
    if len(indices) > rows:
        indices = sorted(sorted(indices, key=lambda i: -values[i])[:rows])
    row_h = height / len(indices)
    label_w = 128
    for r, i in enumerate(indices):
        y0 = int(r * row_h)
        y1 = max(y0 + 1, int((r + 1) * row_h) - 1)
        bar = int(float(values[i]) * (PANEL_WIDTH - label_w - 6))
        cv2.rectangle(panel, (label_w, y0), (label_w + bar, y1), (80, 200, 120), -1)
        scale = min(0.4, row_h / 24)
        cv2.putText(panel, BLENDSHAPE_NAMES[i], (2, y1), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (220, 220, 220), 1, cv2.LINE_AA)
    return panel


def _fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The image in a width x height canvas: cropped by at most one pixel when it already has
    (about) that size, else scaled to fit and letterboxed (photo folders mix sizes; a video
    stream has one)."""
    h, w = image.shape[:2]
    if w - width in (0, 1) and h - height in (0, 1):
        return np.ascontiguousarray(image[:height, :width])
    scale = min(width / w, height / h)
    new_w, new_h = max(1, int(w * scale)), max(1, int(h * scale))
    canvas = np.zeros((height, width, 3), np.uint8)
    y0, x0 = (height - new_h) // 2, (width - new_w) // 2
    canvas[y0:y0 + new_h, x0:x0 + new_w] = cv2.resize(image, (new_w, new_h),
                                                       interpolation=cv2.INTER_AREA)
    return canvas


class Mp4Writer:
    """H.264 (libx264, yuv420p) MP4 writer; frame pts come from timestamps (ms time base)."""

    def __init__(self, path: str | Path, fps: float = 30.0) -> None:
        self.path = Path(path)
        try:
            self._container = av.open(str(self.path), mode="w")
        except av.error.FFmpegError as exc:
            raise SourceError(f"cannot write video {self.path}: {exc}") from exc
        self._stream = self._container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001)
                                                  if fps > 0 else 30)
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = Fraction(1, 1000)
        self._started = False
        self._last_pts = -1

    def write(self, image: np.ndarray, timestamp_s: float) -> None:
        h, w = image.shape[:2]
        if not self._started:  # x264 needs even dimensions
            self._stream.width, self._stream.height = w - w % 2, h - h % 2
            self._started = True
        image = _fit(image, self._stream.width, self._stream.height)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        pts = max(int(round(timestamp_s * 1000)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 1000)
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if self._container is not None:
            for packet in self._stream.encode():
                self._container.mux(packet)
            self._container.close()
            self._container = None

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
