"""Neutral-face calibration from a real clip: capture, relative blendshapes, gain, file round trip."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assets.errors import AssetError
from capture.calibration import NeutralCalibration, NeutralCalibrator
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.sources import VideoSource
from capture.types import BLENDSHAPE_NAMES, Blendshape


@pytest.fixture(scope="module")
def faces(test_data):
    out = []
    with VideoSource(test_data / "video/talking_head_woman_d10.mp4") as video, \
            TrackingPipeline(PipelineOptions()) as pipeline:
        for _, (frame, tracking) in zip(range(120), pipeline.run(video)):
            out.append(tracking.face)
    return out


def test_calibration_captures_a_few_seconds_and_reports_relative_values(faces):
    calibrator = NeutralCalibrator(duration_s=2.0)
    used = 0
    for face in faces:
        used += 1
        if calibrator.add(face):
            break
    assert calibrator.done and used == 61  # 2 s at 30 fps, inclusive of both ends
    cal = calibrator.result()
    stack = np.array([f.blendshapes for f in faces[:used]])
    # per-channel median; a channel stuck near 1 at rest (MediaPipe's "_neutral") is capped
    np.testing.assert_allclose(cal.neutral, np.minimum(np.median(stack, axis=0), 0.95), atol=1e-6)
    assert cal.head_rotation is not None and abs(np.linalg.norm(cal.head_rotation) - 1) < 1e-5
    # the resting face reads (about) zero after calibration; a value above rest keeps its range
    rest = cal.apply(cal.neutral)
    assert np.abs(rest).max() < 1e-6 and rest.dtype == np.float32 and not rest.flags.writeable
    full = cal.apply(np.ones(52, np.float32))
    np.testing.assert_allclose(full, 1.0, atol=1e-6)
    raw = faces[100].blendshapes
    rel = cal.apply(raw)
    assert (rel <= np.maximum(raw, 0) + 1e-6).all() and rel.min() >= 0.0


def test_gain_and_file_round_trip(faces, tmp_path):
    calibrator = NeutralCalibrator(duration_s=1.0)
    for face in faces:
        if calibrator.add(face):
            break
    cal = calibrator.result().with_gain({"jawOpen": 2.0})
    assert cal.gain[Blendshape.JAW_OPEN] == 2.0 and cal.gain[Blendshape.EYE_BLINK_LEFT] == 1.0
    path = tmp_path / "me.json"
    cal.save(path)
    loaded = NeutralCalibration.load(path)
    np.testing.assert_array_equal(loaded.neutral, cal.neutral)
    np.testing.assert_array_equal(loaded.gain, cal.gain)
    np.testing.assert_array_equal(loaded.head_rotation, cal.head_rotation)
    x = faces[50].blendshapes
    np.testing.assert_array_equal(loaded.apply(x), cal.apply(x))
    with pytest.raises(AssetError, match="unknown blendshape 'jaw'"):
        cal.with_gain({"jaw": 1.0})


def test_bad_calibration_files_are_clear_errors(tmp_path):
    path = tmp_path / "cal.json"
    path.write_text("{not json")
    with pytest.raises(AssetError, match="cannot read calibration file"):
        NeutralCalibration.load(path)
    path.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(AssetError, match="field 'format'"):
        NeutralCalibration.load(path)
    good = {"format": "vivid-neutral-calibration", "version": 1,
            "neutral": {n: 0.0 for n in BLENDSHAPE_NAMES[:10]},
            "gain": {n: 1.0 for n in BLENDSHAPE_NAMES}, "head_rotation_xyzw": None}
    path.write_text(json.dumps(good))
    with pytest.raises(AssetError, match="field 'neutral' must map all 52"):
        NeutralCalibration.load(path)
    with pytest.raises(AssetError, match="captured no face"):
        NeutralCalibrator().result()
