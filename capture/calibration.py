"""Neutral-face calibration: learn the user's resting blendshapes (and head pose), then report
blendshapes relative to it with a per-channel gain. Saved to / loaded from a small JSON file.

    calibrated = clip((raw - neutral) / (1 - neutral) * gain, 0, 1)

Dividing by (1 - neutral) keeps the full [0, 1] range reachable: a user whose resting face reads
mouthSmileLeft = 0.3 still reaches 1.0 at a full smile.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assets.errors import AssetError
from capture.smoothing import matrix_to_quat_translation
from capture.types import BLENDSHAPE_NAMES, NUM_BLENDSHAPES, FaceTracking, readonly_f32

CALIBRATION_FORMAT = "vivid-neutral-calibration"
CALIBRATION_VERSION = 1
DEFAULT_CAPTURE_S = 3.0  # "capture a few seconds": 3 s = ~90 frames at 30 fps
_MAX_NEUTRAL = 0.95  # a channel stuck above this at rest is not usable as a baseline


@dataclass(frozen=True)
class NeutralCalibration:
    """neutral: (52,) resting blendshapes; gain: (52,) per-channel multipliers (default 1);
    head_rotation: (4,) xyzw resting head rotation (camera space), or None if not captured."""

    neutral: np.ndarray
    gain: np.ndarray
    head_rotation: np.ndarray | None = None

    def apply(self, blendshapes: np.ndarray) -> np.ndarray:
        """Blendshapes relative to the neutral face, float32 read-only, in [0, 1]."""
        raw = np.asarray(blendshapes, np.float32)
        out = (raw - self.neutral) / (1.0 - self.neutral) * self.gain
        return readonly_f32(np.clip(out, 0.0, 1.0))

    def apply_face(self, face: FaceTracking) -> FaceTracking:
        return FaceTracking(landmarks=face.landmarks, blendshapes=self.apply(face.blendshapes),
                            head_matrix=face.head_matrix, timestamp_s=face.timestamp_s)

    def with_gain(self, gains: dict[str, float]) -> "NeutralCalibration":
        """A copy with some channel gains changed, by ARKit name (e.g. {"jawOpen": 1.5})."""
        gain = np.array(self.gain, np.float32)
        for name, value in gains.items():
            if name not in BLENDSHAPE_NAMES:
                raise AssetError(f"unknown blendshape {name!r} in gains; valid names: "
                                 f"{', '.join(BLENDSHAPE_NAMES)}")
            gain[BLENDSHAPE_NAMES.index(name)] = value
        return NeutralCalibration(self.neutral, readonly_f32(gain), self.head_rotation)

    def save(self, path: str | Path) -> None:
        data = {
            "format": CALIBRATION_FORMAT,
            "version": CALIBRATION_VERSION,
            "neutral": {n: float(v) for n, v in zip(BLENDSHAPE_NAMES, self.neutral)},
            "gain": {n: float(v) for n, v in zip(BLENDSHAPE_NAMES, self.gain)},
            "head_rotation_xyzw": (None if self.head_rotation is None
                                   else [float(v) for v in self.head_rotation]),
        }
        Path(path).write_text(json.dumps(data, indent=1))

    @classmethod
    def load(cls, path: str | Path) -> "NeutralCalibration":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AssetError(f"cannot read calibration file {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != CALIBRATION_FORMAT:
            raise AssetError(f"{path} is not a Vivid calibration file (field 'format' must be "
                             f"{CALIBRATION_FORMAT!r})")
        if data.get("version") != CALIBRATION_VERSION:
            raise AssetError(f"{path}: calibration version {data.get('version')!r} is not "
                             f"supported (this build reads version {CALIBRATION_VERSION})")
        arrays = []
        for key in ("neutral", "gain"):
            table = data.get(key)
            if not isinstance(table, dict) or set(table) != set(BLENDSHAPE_NAMES):
                raise AssetError(f"{path}: field {key!r} must map all {NUM_BLENDSHAPES} "
                                 f"blendshape names to numbers")
            arrays.append(readonly_f32([float(table[n]) for n in BLENDSHAPE_NAMES]))
        rot = data.get("head_rotation_xyzw")
        head = readonly_f32(rot, (4,)) if rot is not None else None
        return cls(arrays[0], arrays[1], head)


class NeutralCalibrator:
    """Collects faces for `duration_s` of timestamps, then builds a NeutralCalibration from the
    per-channel median (robust to a blink during capture)."""

    def __init__(self, duration_s: float = DEFAULT_CAPTURE_S) -> None:
        self.duration_s = duration_s
        self._blend: list[np.ndarray] = []
        self._quats: list[np.ndarray] = []
        self._t0: float | None = None
        self._t_last = 0.0

    @property
    def done(self) -> bool:
        return self._t0 is not None and self._t_last - self._t0 >= self.duration_s

    def add(self, face: FaceTracking) -> bool:
        """Add one face; returns True once enough time has been captured."""
        if self._t0 is None:
            self._t0 = face.timestamp_s
        self._t_last = face.timestamp_s
        if np.isfinite(face.blendshapes).all():
            self._blend.append(np.asarray(face.blendshapes, np.float32))
        if np.isfinite(face.head_matrix).all():
            q, _ = matrix_to_quat_translation(face.head_matrix)
            if self._quats and np.dot(q, self._quats[0]) < 0:
                q = -q
            self._quats.append(q)
        return self.done

    def result(self) -> NeutralCalibration:
        if not self._blend:
            raise AssetError("neutral calibration captured no face with blendshapes; keep your "
                             "face in view with a relaxed expression and try again")
        neutral = np.minimum(np.median(np.stack(self._blend), axis=0), _MAX_NEUTRAL)
        head = None
        if self._quats:
            mean = np.mean(self._quats, axis=0)
            head = readonly_f32(mean / np.linalg.norm(mean))
        return NeutralCalibration(readonly_f32(neutral), readonly_f32(np.ones(NUM_BLENDSHAPES)),
                                  head)
