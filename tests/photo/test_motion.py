"""Motion curves: neutral at both ends, smooth (no jitter), deterministic; restoration."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from effects.photo import PRESETS, PhotoError, RestoreOptions, parse_motion
from effects.photo.motion import IDLE_PERIOD_S
from effects.photo.restore import restore

# Largest change of any channel between two frames 5 ms apart: a smooth curve moves far less
# than a jump would.
MAX_STEP_DEG = 0.6  # 120 deg/s: a brisk head shake (people shake at 100-200 deg/s)
MAX_STEP_WEIGHT = 0.12  # a blink closes in 90 ms (smootherstep peak slope 1.875/90 ms: 0.104 per 5 ms)


def _curve(track, dt=0.005):
    times = np.arange(0.0, track.duration_s + dt, dt)
    return np.array([dataclasses.astuple(track.at(float(t))) for t in times])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_start_and_end_at_rest_and_are_smooth(name):
    track = parse_motion(name)
    values = _curve(track)
    assert np.abs(values[0]).max() < 1e-6
    assert np.abs(values[-1]).max() < 1e-3
    steps = np.abs(np.diff(values, axis=0))
    assert steps[:, :3].max() < MAX_STEP_DEG
    assert steps[:, 3:].max() < MAX_STEP_WEIGHT
    assert np.abs(values).max() > 0.05  # it does something


def test_sequences_join_and_are_deterministic():
    track = parse_motion("blink, nod ,smile,talk")
    assert track.duration_s == pytest.approx(sum(PRESETS[n].duration_s for n in ("blink", "nod", "smile", "talk")))
    a, b = _curve(track), _curve(parse_motion("blink,nod,smile,talk"))
    assert np.array_equal(a, b)
    assert np.abs(np.diff(a, axis=0))[:, :3].max() < MAX_STEP_DEG


def test_idle_is_periodic():
    track = parse_motion("idle")
    assert track.duration_s == IDLE_PERIOD_S
    fn = PRESETS["idle"].fn
    for t in (0.3, 1.45, 2.2, 5.9):
        assert dataclasses.astuple(fn(t)) == pytest.approx(dataclasses.astuple(fn(t + IDLE_PERIOD_S)), abs=1e-9)


def test_unknown_or_empty_motion_lists_choices():
    with pytest.raises(PhotoError, match="valid motions: blink, double_blink, nod"):
        parse_motion("blink,dance")
    with pytest.raises(PhotoError, match="no motion given; choose from blink"):
        parse_motion(" , ")


def test_restore_keeps_monochrome_and_stretches_contrast(test_data):
    from PIL import Image
    grey = np.asarray(Image.open(test_data / "faces/obama.jpg").convert("L"))
    faded = (grey.astype(np.float32) * 0.5 + 70).astype(np.uint8)  # low contrast, lifted blacks
    rgb = np.repeat(faded[:, :, None], 3, axis=2)
    out = restore(rgb, RestoreOptions())
    assert out.shape == rgb.shape and out.dtype == np.uint8
    assert np.ptp(out.astype(int), axis=2).max() <= 1  # no colour invented
    assert np.percentile(out, 99) - np.percentile(out, 1) > 1.6 * (np.percentile(rgb, 99) - np.percentile(rgb, 1))
    # denoise: a noisy flat patch gets flatter
    grain = np.random.default_rng(1).normal(0, 5, (64, 64, 1))  # film grain on a grey photo
    noisy = np.clip(np.full((64, 64, 3), 128.0) + grain, 0, 255).astype(np.uint8)
    flat = restore(noisy, RestoreOptions(sharpen=0.0, auto_contrast=False, white_balance=False))
    assert flat.std() < 0.6 * noisy.std()
