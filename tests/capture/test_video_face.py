"""Talking-face video: face in every frame, blinks counted, jawOpen follows speech."""
from __future__ import annotations

import av
import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d

from capture.analysis import detect_blinks
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources import VideoSource
from capture.types import Blendshape

# Verified by looking at eye crops of every frame of talking_head_man_d12.mp4: the eyes are
# closed at frames 48-51, 93-94 and 136-137 (25 fps) and open everywhere else.
D12_BLINK_FRAMES = ((48, 51), (93, 94), (136, 137))


def track_video(path, smoothing: bool) -> tuple[np.ndarray, np.ndarray, int]:
    options = PipelineOptions(smoothing=PipelineOptions().smoothing if smoothing else None)
    times, blend, faces = [], [], 0
    with VideoSource(path) as source, TrackingPipeline(options) as pipeline:
        for frame, tracking in pipeline.run(source):
            times.append(frame.timestamp_s)
            if tracking.face is not None:
                faces += 1
                blend.append(tracking.face.blendshapes)
            else:
                blend.append(np.full(52, np.nan, np.float32))
    return np.array(times), np.array(blend), faces


@pytest.fixture(scope="module")
def d12(test_data):
    path = test_data / "video/talking_head_man_d12.mp4"
    return {"raw": track_video(path, False), "smooth": track_video(path, True)}


@pytest.mark.parametrize("variant", ["raw", "smooth"])
def test_face_found_in_every_frame_and_blinks_counted(d12, variant):
    times, blend, faces = d12[variant]
    assert len(times) == 183 and faces == 183
    score = (blend[:, Blendshape.EYE_BLINK_LEFT] + blend[:, Blendshape.EYE_BLINK_RIGHT]) / 2
    blinks = detect_blinks(times, score)
    assert len(blinks) == len(D12_BLINK_FRAMES)
    for (start, end), (first, last) in zip(blinks, D12_BLINK_FRAMES):
        # each detected blink overlaps the frames where the eyes are really closed (25 fps),
        # allowing one frame of smoothing lag
        assert start <= (last + 1) / 25.0 + 1e-6 and end >= first / 25.0


def audio_envelope(path, times: np.ndarray) -> np.ndarray:
    """RMS of the soundtrack over each frame's interval."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        samples = np.concatenate([f.to_ndarray().astype(np.float64).reshape(
            len(stream.layout.channels), -1).mean(axis=0) for f in container.decode(stream)])
    edges = np.append(times, times[-1] + np.median(np.diff(times)))
    idx = (edges * rate).astype(int)
    return np.array([np.sqrt(np.mean(samples[a:b] ** 2)) if b > a else 0.0
                     for a, b in zip(idx[:-1], idx[1:])])


def test_jaw_open_follows_speech(test_data):
    """On the HDTF speech clip, jawOpen correlates with the speech envelope (both smoothed over
    200 ms; audio allowed to trail the jaw by up to 160 ms, as speech sound follows the jaw
    opening). Observed r = 0.35 and a 1.7x louder/quieter jawOpen ratio."""
    path = test_data / "video/talking_head_hdtf_aoc.mp4"
    times, blend, faces = track_video(path, smoothing=False)
    assert faces == len(times) == 200
    jaw = uniform_filter1d(blend[:, Blendshape.JAW_OPEN].astype(np.float64), 5)
    env = uniform_filter1d(audio_envelope(path, times), 5)
    best = max(np.corrcoef(jaw[: len(jaw) - lag], env[lag:])[0, 1] for lag in range(5))
    assert best > 0.25
    quiet, loud = env < np.percentile(env, 25), env > np.percentile(env, 75)
    assert jaw[loud].mean() > 1.3 * jaw[quiet].mean()
