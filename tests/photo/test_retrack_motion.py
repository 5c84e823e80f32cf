"""Motion really happens: MediaPipe re-tracks the rendered frames (an independent oracle)."""
from __future__ import annotations

import numpy as np
import pytest

from capture.types import Blendshape
from effects.photo import PhotoAnimator, parse_motion
from effects.photo.animator import frame_times
from effects.photo.drive import head_angles
from tests.photo.conftest import retrack

# Thresholds from issue 7.
BLINK_CLOSED = 0.5  # both eyeBlink blendshapes above this at the closed frames
NOD_PITCH_DEG = 8.0  # re-tracked head pitch changes at least this much
RETURN_TOL = 0.08  # blendshapes back within this of the first frame's values
RETURN_PITCH_DEG = 1.0


def retrack_track(animator, tracker, motion: str, fps: float = 25.0):
    track = parse_motion(motion)
    rows = []
    for t in frame_times(track.duration_s, fps, loop=False):
        face = retrack(tracker, animator.render(track.at(float(t))))
        assert face is not None, f"{motion}: no face re-tracked at t={t:.2f}s"
        rows.append(face)
    return rows


@pytest.fixture(scope="module")
def biden(biden_photo):
    return biden_photo


@pytest.mark.parametrize("photo_name", ["obama", "biden"])
def test_blink_closes_both_eyes_and_reopens(request, rc, retracker, photo_name):
    photo = request.getfixturevalue(photo_name)
    with PhotoAnimator(photo, rc=rc) as animator:
        faces = retrack_track(animator, retracker, "blink")
    left = np.array([f.blendshapes[Blendshape.EYE_BLINK_LEFT] for f in faces])
    right = np.array([f.blendshapes[Blendshape.EYE_BLINK_RIGHT] for f in faces])
    closed = np.argmax(np.minimum(left, right))
    assert left[closed] > BLINK_CLOSED and right[closed] > BLINK_CLOSED
    assert left[0] < BLINK_CLOSED and right[0] < BLINK_CLOSED
    assert abs(left[-1] - left[0]) < RETURN_TOL and abs(right[-1] - right[0]) < RETURN_TOL


def test_nod_changes_pitch_and_returns(obama, rc, retracker):
    with PhotoAnimator(obama, rc=rc) as animator:
        faces = retrack_track(animator, retracker, "nod", fps=12.5)
    pitch = np.array([head_angles(f.head_matrix, faces[0].head_matrix)[0] for f in faces])
    assert pitch.max() - pitch.min() >= NOD_PITCH_DEG
    assert abs(pitch[-1]) < RETURN_PITCH_DEG


def test_smile_raises_mouth_smile(biden, rc, retracker):
    with PhotoAnimator(biden, rc=rc) as animator:
        faces = retrack_track(animator, retracker, "smile", fps=10.0)
    smile = np.array([(f.blendshapes[Blendshape.MOUTH_SMILE_LEFT] + f.blendshapes[Blendshape.MOUTH_SMILE_RIGHT]) / 2
                      for f in faces])
    assert smile.max() - smile[0] > 0.3
    assert abs(smile[-1] - smile[0]) < RETURN_TOL


@pytest.mark.parametrize("photo_name", ["obama", "biden"])
def test_talk_moves_the_jaw(request, rc, retracker, photo_name):
    photo = request.getfixturevalue(photo_name)
    with PhotoAnimator(photo, rc=rc) as animator:
        faces = retrack_track(animator, retracker, "talk", fps=12.5)
    jaw = np.array([f.blendshapes[Blendshape.JAW_OPEN] for f in faces])
    assert jaw.max() - jaw.min() > 0.2
    assert jaw.std() > 0.05
    # speech-like: the mouth opens and closes several times
    rising = np.sum(np.diff(np.sign(np.diff(jaw))) < 0)
    assert rising >= 4


def test_shake_and_tilt_turn_the_head(obama, rc, retracker):
    with PhotoAnimator(obama, rc=rc) as animator:
        shake = retrack_track(animator, retracker, "shake", fps=8.0)
        tilt = retrack_track(animator, retracker, "tilt", fps=8.0)
    yaw = np.array([head_angles(f.head_matrix, shake[0].head_matrix)[1] for f in shake])
    roll = np.array([head_angles(f.head_matrix, tilt[0].head_matrix)[2] for f in tilt])
    assert yaw.max() > 5.0 and yaw.min() < -5.0
    assert np.abs(roll).max() > 6.0


def test_gaze_moves_the_irises(biden, rc, retracker):
    """gaze_x +1 looks toward the image's right: MediaPipe sees the person's left eye look out
    and the right eye look in (and the opposite for -1)."""
    from capture.types import Blendshape as B
    from effects.photo import MotionState
    with PhotoAnimator(biden, rc=rc) as animator:
        looks = {g: retrack(retracker, animator.render(MotionState(gaze_x=g))).blendshapes for g in (-1.0, 1.0)}
    toward_right = lambda b: b[B.EYE_LOOK_OUT_LEFT] + b[B.EYE_LOOK_IN_RIGHT] - b[B.EYE_LOOK_IN_LEFT] - b[B.EYE_LOOK_OUT_RIGHT]  # noqa: E731
    assert toward_right(looks[1.0]) > 0.25
    assert toward_right(looks[-1.0]) < -0.25
