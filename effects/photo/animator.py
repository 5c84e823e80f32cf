"""PhotoAnimator: a photo, its warp mesh and a renderer; frames as a function of motion."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from effects.photo.deform import deform
from effects.photo.mesh import WarpMesh, build_mesh
from effects.photo.motion import MotionState, MotionTrack
from effects.photo.photo import Photo, PhotoFace, select_faces
from effects.photo.renderer import PhotoRenderer
from render.context import RenderContext


@dataclass(frozen=True)
class AnimatorOptions:
    """face: 'all' or a 1-based face number (left to right); the other faces stay still."""

    face: str = "all"


class PhotoAnimator:
    """Animate the chosen faces of a Photo. Use as a context manager or call release().

    rc: an existing RenderContext to draw with (a headless one is created and owned otherwise).
    """

    def __init__(self, photo: Photo, options: AnimatorOptions = AnimatorOptions(),
                 rc: RenderContext | None = None) -> None:
        self.photo = photo
        self.options = options
        self.faces: tuple[PhotoFace, ...] = select_faces(photo, options.face)
        still = tuple(f for f in photo.faces if f not in self.faces)
        self.mesh: WarpMesh = build_mesh(photo.size, self.faces, still)
        self._own_rc = rc is None
        self.rc = rc if rc is not None else RenderContext.headless()
        self.renderer = PhotoRenderer(self.rc, photo.image, self.mesh)
        self._released = False

    @property
    def size(self) -> tuple[int, int]:
        return self.photo.size

    def render(self, states: MotionState | list[MotionState]) -> np.ndarray:
        """One frame (H, W, 4) uint8 RGBA; one state for every animated face, or one list entry
        per face (in self.faces order)."""
        if isinstance(states, MotionState):
            states = [states] * len(self.faces)
        positions, face_points = deform(self.mesh, list(states))
        return self.renderer.render(positions, face_points, list(states))

    def frames(self, track: MotionTrack, fps: float, loop: bool = False) -> Iterator[tuple[float, np.ndarray]]:
        """(timestamp_s, frame) at `fps` over the track. Without loop the last frame is the
        track's end (back at rest); with loop it stops one frame short, so repeating the clip
        is seamless."""
        for t in frame_times(track.duration_s, fps, loop):
            yield t, self.render(track.at(t))

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        self.renderer.release()
        if self._own_rc:
            self.rc.release()

    def __enter__(self) -> "PhotoAnimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def frame_times(duration_s: float, fps: float, loop: bool) -> np.ndarray:
    count = int(round(duration_s * fps))
    if not loop:
        count += 1
    return np.arange(max(count, 1)) / fps
