"""Talking photo: the re-tracked jaw follows the visemes of the synthesized speech."""
from __future__ import annotations

import numpy as np
import pytest

from capture.trackers import FaceTracker, FaceTrackerOptions, RunningMode
from capture.types import Blendshape, Frame
from effects.photo import PhotoAnimator, PhotoError
from effects.photo.speech import LEAD_S, speech_track
from tests.photo.conftest import psnr

MIN_LIPSYNC_CORRELATION = 0.8  # re-tracked jawOpen vs the viseme-driven jaw (0.96 measured)


def test_jaw_follows_the_speech(obama, rc):
    track, (audio, rate) = speech_track(text="Hello there. I am very happy to see you all today.")
    assert len(audio) / rate == pytest.approx(track.duration_s - 0.4, abs=0.01)
    assert np.abs(audio[:int(LEAD_S * rate)]).max() == 0.0  # the voice starts after the lead-in
    commanded, jaw = [], []
    options = FaceTrackerOptions(running_mode=RunningMode.VIDEO)
    with PhotoAnimator(obama, rc=rc) as animator, FaceTracker.create_from_options(options) as tracker:
        for t in np.arange(0.0, track.duration_s, 1 / 25.0):
            state = track.at(float(t))
            frame = animator.render(state)
            if t == 0.0:
                assert psnr(frame, obama.image) >= 40.0
            commanded.append(state.jaw)
            face = tracker.detect_for_video(Frame(np.ascontiguousarray(frame[:, :, :3]), float(t) + 1e-3, 0)).faces[0]
            jaw.append(face.blendshapes[Blendshape.JAW_OPEN])
    assert max(commanded) > 0.3
    assert np.corrcoef(jaw, commanded)[0, 1] >= MIN_LIPSYNC_CORRELATION


def test_say_needs_text():
    with pytest.raises(PhotoError, match="--say needs some text"):
        speech_track(text="   ")


def test_speech_clip_ends_at_rest():
    track, _ = speech_track(text="Goodbye.")
    assert track.at(0.0).is_neutral
    assert track.at(track.duration_s).is_neutral
