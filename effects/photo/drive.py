"""Driving a photo with another person's video: relative motion transfer.

The driver's face is tracked in VIDEO mode. Head pose is taken relative to the driver's first
frame (R_t R_0^T as yaw/pitch/roll), expressions as blendshape increases over the first frame,
mapped to the photo's own expression fields (which are sized from the photo's face), so the
identity stays the photo's. Curves are smoothed with a zero-phase Gaussian (no jitter, no lag).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.spatial.transform import Rotation

from capture.sources import VideoSource
from capture.trackers import FaceTracker, FaceTrackerOptions, RunningMode
from capture.types import Blendshape
from effects.photo.errors import PhotoError
from effects.photo.motion import MotionState, MotionTrack

# Smoothing of the driver's curves (seconds, Gaussian sigma): removes MediaPipe's frame-to-frame
# jitter (~1 blendshape percent, ~0.5 deg) without visibly softening blinks.
SMOOTH_SIGMA_S = 0.03
# MediaPipe's eyeBlink reads ~0.05-0.35 for open eyes and > 0.6 for shut ones on the shared
# talking-head videos: a rise of this much over the first frame closes the lid fully.
BLINK_FULL_RISE = 0.45
JAW_GAIN = 1.0  # driver jawOpen rise -> our jaw weight (weight 1 re-tracks to ~0.3-0.55 jawOpen)
SMILE_GAIN = 1.4
BROW_GAIN = 1.5
# Eye-look blendshapes -> gaze: MediaPipe reads ~0.25-0.4 for our gaze +-1 (checked by
# re-tracking rendered frames), so a driver's change of 0.4 maps to the full range.
GAZE_GAIN = 2.5
MAX_ANGLE_DEG = 25.0  # larger turns would show what the photo cannot (the far side of the head)


@dataclass(frozen=True)
class DriverCurves:
    """Per driver frame: times and the transferred motion (arrays of equal length). `times` start
    at 0 on the first frame with a face, `start_s` into the driving video (its sound starts there)."""

    times: np.ndarray
    pitch: np.ndarray
    yaw: np.ndarray
    roll: np.ndarray
    blink_left: np.ndarray
    blink_right: np.ndarray
    smile: np.ndarray
    jaw: np.ndarray
    brows: np.ndarray
    gaze_x: np.ndarray
    gaze_y: np.ndarray
    # raw driver signals, for checking the transfer
    jaw_open: np.ndarray
    head_yaw: np.ndarray
    start_s: float = 0.0


def head_angles(matrix: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """(pitch, yaw, roll) degrees of `matrix` relative to `reference` (MediaPipe face matrices,
    camera coordinates), in MotionState's sign conventions."""
    r = _rotation(matrix) @ _rotation(reference).T
    yaw, pitch, roll = Rotation.from_matrix(r).as_euler("YXZ", degrees=True)
    # MotionState: pitch + = chin down (camera: rotation about +X), roll + = clockwise in image
    return float(pitch), float(yaw), float(-roll)


def _rotation(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, np.float64)[:3, :3]
    u, _, vt = np.linalg.svd(m)  # nearest rotation (the matrix may carry a little scale)
    return u @ vt


def track_driver(path: str | Path, model: str = "face_landmarker.task") -> DriverCurves:
    times, blends, mats = [], [], []
    options = FaceTrackerOptions(model=model, running_mode=RunningMode.VIDEO)
    with VideoSource(path) as source, FaceTracker.create_from_options(options) as tracker:
        for frame in source:
            result = tracker.detect_for_video(frame)
            if result.faces:
                times.append(frame.timestamp_s)
                blends.append(result.faces[0].blendshapes)
                mats.append(result.faces[0].head_matrix)
    if len(times) < 2:
        raise PhotoError(f"{path}: the driving video needs a face in its frames; found one in "
                         f"{len(times)} frame(s). Use a frontal talking-head video.")
    times_a = np.asarray(times) - times[0]
    blend = np.asarray(blends, np.float64)
    angles = np.array([head_angles(m, mats[0]) for m in mats])
    step = float(np.median(np.diff(times_a)))
    sigma = SMOOTH_SIGMA_S / max(step, 1e-3)

    def smooth(x: np.ndarray) -> np.ndarray:
        return gaussian_filter1d(x, sigma, mode="nearest") if sigma > 0.3 else x

    def rise(index: int, full: float = 1.0) -> np.ndarray:
        base = blend[0, index]
        return np.clip((smooth(blend[:, index]) - base) / full, 0.0, None)

    angles = np.clip(np.stack([smooth(angles[:, i]) - smooth(angles[:, i])[0] for i in range(3)], 1),
                     -MAX_ANGLE_DEG, MAX_ANGLE_DEG)
    smile = (rise(Blendshape.MOUTH_SMILE_LEFT) + rise(Blendshape.MOUTH_SMILE_RIGHT)) / 2
    brows = np.maximum(rise(Blendshape.BROW_INNER_UP),
                       (rise(Blendshape.BROW_OUTER_UP_LEFT) + rise(Blendshape.BROW_OUTER_UP_RIGHT)) / 2)
    def signed(plus: list[Blendshape], minus: list[Blendshape]) -> np.ndarray:
        value = sum(smooth(blend[:, i]) for i in plus) / len(plus) - sum(smooth(blend[:, i]) for i in minus) / len(minus)
        return np.clip(GAZE_GAIN * (value - value[0]), -1.0, 1.0)

    # looking toward the image's right: the person's left eye looks out, the right eye in
    gaze_x = signed([Blendshape.EYE_LOOK_OUT_LEFT, Blendshape.EYE_LOOK_IN_RIGHT],
                    [Blendshape.EYE_LOOK_IN_LEFT, Blendshape.EYE_LOOK_OUT_RIGHT])
    gaze_y = signed([Blendshape.EYE_LOOK_DOWN_LEFT, Blendshape.EYE_LOOK_DOWN_RIGHT],
                    [Blendshape.EYE_LOOK_UP_LEFT, Blendshape.EYE_LOOK_UP_RIGHT])
    return DriverCurves(
        times=times_a, pitch=angles[:, 0], yaw=angles[:, 1], roll=angles[:, 2],
        blink_left=np.clip(rise(Blendshape.EYE_BLINK_LEFT, BLINK_FULL_RISE), 0, 1),
        blink_right=np.clip(rise(Blendshape.EYE_BLINK_RIGHT, BLINK_FULL_RISE), 0, 1),
        smile=np.clip(SMILE_GAIN * smile, 0, 1), jaw=np.clip(JAW_GAIN * rise(Blendshape.JAW_OPEN), 0, 1.2),
        brows=np.clip(BROW_GAIN * brows, 0, 1), gaze_x=gaze_x, gaze_y=gaze_y,
        jaw_open=blend[:, Blendshape.JAW_OPEN].astype(np.float32),
        head_yaw=np.array([head_angles(m, mats[0])[1] for m in mats], np.float32), start_s=float(times[0]))


class DrivenMotion(MotionTrack):
    """MotionState at any time, interpolated linearly between the driver's frames."""

    def __init__(self, curves: DriverCurves) -> None:
        self.curves = curves
        self.duration_s = float(curves.times[-1])

    def at(self, t: float) -> MotionState:
        c = self.curves
        values = [float(np.interp(t, c.times, a)) for a in
                  (c.pitch, c.yaw, c.roll, c.blink_left, c.blink_right, c.smile, c.jaw, c.brows,
                   c.gaze_x, c.gaze_y)]
        return MotionState(*values)
