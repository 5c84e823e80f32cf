"""Living-photo mode for the studio: a still portrait animated by effects/photo, either by a
looping sequence of preset motions (blink, nod, smile, ...) or driven live by the tracked face."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from capture.types import Blendshape, Tracking
from render.context import RenderContext




def motion_from_face(face, reference: np.ndarray):
    """One tracked face -> effects.photo MotionState (head angles relative to `reference`)."""
    from effects.photo.drive import head_angles
    from effects.photo.motion import MotionState

    pitch, yaw, roll = head_angles(face.head_matrix, reference)
    b = np.asarray(face.blendshapes, np.float32)
    smile = (b[Blendshape.MOUTH_SMILE_LEFT] + b[Blendshape.MOUTH_SMILE_RIGHT]) / 2
    return MotionState(pitch_deg=pitch, yaw_deg=yaw, roll_deg=roll,
                       blink_left=float(b[Blendshape.EYE_BLINK_LEFT]),
                       blink_right=float(b[Blendshape.EYE_BLINK_RIGHT]), smile=float(smile),
                       jaw=float(b[Blendshape.JAW_OPEN]), brows=float(b[Blendshape.BROW_INNER_UP])).clamped()


class PhotoLayer:
    """A loaded photo (PhotoError when it has no usable face) and how it moves."""

    def __init__(self, rc: RenderContext, path: str | Path) -> None:
        from effects.photo import PhotoAnimator, load_photo

        self.path = Path(path)
        self.photo = load_photo(path)
        self.animator = PhotoAnimator(self.photo, rc=rc)
        self.motions: tuple[str, ...] = ()
        self.track = None
        self.drive = False
        self._reference: np.ndarray | None = None  # the first tracked head pose = "looking straight"

    def set_motions(self, names: tuple[str, ...] | list[str]) -> None:
        from effects.photo.motion import PresetSequence

        self.motions = tuple(names)
        self.track = PresetSequence(list(names)) if names else None

    def set_drive(self, drive: bool) -> None:
        self.drive = drive
        self._reference = None

    def render(self, tracking: Tracking | None, t: float) -> np.ndarray:
        """RGBA uint8 frame of the photo at time t."""
        from effects.photo.motion import MotionState

        face = tracking.face if tracking is not None else None
        if self.drive and face is not None:
            if self._reference is None:
                self._reference = np.asarray(face.head_matrix, np.float64)
            state = motion_from_face(face, self._reference)
        elif self.track is not None and self.track.duration_s > 0:
            state = self.track.at(t % self.track.duration_s)
        else:
            state = MotionState()
        return self.animator.render(state)

    def release(self) -> None:
        self.animator.release()
