"""Move the warp mesh: expression fields, then the head rotation in 3D about a pivot behind
the face (landmark depth from MediaPipe), re-projected orthographically to the photo."""
from __future__ import annotations

import math

import numpy as np

from effects.photo import landmarks as L
from effects.photo.mesh import FaceRig, WarpMesh
from effects.photo.motion import MotionState

_FLIP = np.diag([1.0, -1.0, -1.0])  # camera (x right, y up, z to viewer) <-> image (y down, z away)


def head_rotation(state: MotionState) -> np.ndarray:
    """3x3 rotation in image coordinates for the state's pitch, yaw and roll."""
    p, y, r = (math.radians(a) for a in (state.pitch_deg, state.yaw_deg, -state.roll_deg))
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return _FLIP @ (ry @ rx @ rz) @ _FLIP


def face_points(rig: FaceRig, state: MotionState, blinks: bool = True) -> np.ndarray:
    """(468, 3) deformed landmark positions (pixels) of one face (without the lid motion when
    blinks is False: the eye itself, which the eyelid pass draws)."""
    pts = rig.rest.astype(np.float64).copy()
    fields = rig.fields
    weights = [(state.smile, fields.smile), (state.jaw, fields.jaw), (state.brows, fields.brows)]
    if blinks:
        weights += [(state.blink_left, fields.blink_left), (state.blink_right, fields.blink_right)]
    for weight, field in weights:
        if weight:
            pts[:, :2] += weight * field
    if state.pitch_deg or state.yaw_deg or state.roll_deg:
        rot = head_rotation(state)
        pts = (pts - rig.pivot) @ rot.T + rig.pivot
    return pts


def deform(mesh: WarpMesh, states: list[MotionState]) -> tuple[np.ndarray, list[np.ndarray]]:
    """All vertex positions (V, 3) float32 for one frame, and each face's (468, 3) points
    without the lid motion (for the eyelid pass)."""
    if len(states) != len(mesh.rigs):
        raise ValueError(f"{len(states)} motion states for {len(mesh.rigs)} animated faces")
    out = mesh.rest.astype(np.float64).copy()
    faces = []
    for rig, state in zip(mesh.rigs, states):
        pts = face_points(rig, state)
        out[rig.offset:rig.offset + L.NUM_MESH_POINTS] = pts
        blinking = state.blink_left > 0 or state.blink_right > 0
        faces.append(face_points(rig, state, blinks=False) if blinking else pts)
        if state.pitch_deg or state.yaw_deg or state.roll_deg:
            rot = head_rotation(state)
            moved = (rig.ring_rest - rig.pivot) @ rot.T + rig.pivot
            out[rig.ring_ids] = rig.ring_rest + rig.ring_follow[:, None] * (moved - rig.ring_rest)
    return out.astype(np.float32), faces
