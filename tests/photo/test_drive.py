"""--drive: the photo follows another person's talking-head video (relative motion transfer)."""
from __future__ import annotations

import numpy as np
import pytest

from capture.trackers import FaceTracker, FaceTrackerOptions, RunningMode
from capture.types import Blendshape, Frame
from effects.photo import PhotoAnimator, PhotoError
from effects.photo.drive import DrivenMotion, head_angles, track_driver
from tests.photo.conftest import psnr

MIN_CORRELATION = 0.8  # issue 7: re-tracked jawOpen and head yaw follow the driver's


@pytest.fixture(scope="module")
def driver(test_data, model_dir):
    return track_driver(test_data / "video/talking_head_man_d12.mp4")


def test_driver_curves_are_relative_to_the_first_frame(driver):
    assert len(driver.times) == 183 and driver.times[0] == 0.0
    motion = DrivenMotion(driver)
    assert motion.at(0.0).is_neutral or max(abs(motion.at(0.0).pitch_deg), abs(motion.at(0.0).yaw_deg)) < 1e-6
    assert np.ptp(driver.yaw) > 10.0  # the driver turns his head
    assert driver.jaw.max() > 0.5  # and talks


def test_photo_follows_the_driver(obama, rc, driver):
    motion = DrivenMotion(driver)
    jaw, yaw = [], []
    options = FaceTrackerOptions(running_mode=RunningMode.VIDEO)
    with PhotoAnimator(obama, rc=rc) as animator, FaceTracker.create_from_options(options) as tracker:
        first = None
        for t in driver.times:
            frame = animator.render(motion.at(float(t)))
            if first is None:
                first = frame
                assert psnr(frame, obama.image) >= 40.0
            face = tracker.detect_for_video(Frame(np.ascontiguousarray(frame[:, :, :3]), float(t) + 1e-3, 0)).faces[0]
            jaw.append(face.blendshapes[Blendshape.JAW_OPEN])
            if not yaw:
                reference = face.head_matrix
            yaw.append(head_angles(face.head_matrix, reference)[1])
    assert np.corrcoef(jaw, driver.jaw_open)[0, 1] >= MIN_CORRELATION
    assert np.corrcoef(yaw, driver.head_yaw)[0, 1] >= MIN_CORRELATION


def test_driver_without_face_is_rejected(test_data, model_dir):
    with pytest.raises(PhotoError, match="driving video needs a face"):
        track_driver(test_data / "video/full_body_woman_arms_s13.mp4")
