"""The vectorized ClipSampler agrees with the per-channel reference sample_animation."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.gltf.animation import sample_animation
from avatar.gltf.clip import ClipSampler
from avatar.gltf.document import Animation, AnimationChannel, AnimationSampler, Interpolation
from avatar.gltf.loader import load_gltf
from tests.avatar.gltf_helpers import SAMPLES

ANIMATED = ["SimpleSkin", "SimpleMorph", "AnimatedMorphCube", "MorphStressTest", "CesiumMan", "Fox",
            "RiggedSimple", "RiggedFigure", "RobotExpressive", "RecursiveSkeletons", "facecap"]


def _assert_same(a, b):
    for field in ("translations", "scales", "weights"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.keys() == y.keys()
        for node in x:
            np.testing.assert_allclose(x[node], y[node], rtol=0, atol=2e-6)
    assert a.rotations.keys() == b.rotations.keys()
    for node in a.rotations:
        assert 1.0 - abs(float(np.dot(a.rotations[node], b.rotations[node]))) < 1e-6


@pytest.mark.parametrize("sample", ANIMATED)
def test_clip_sampler_matches_the_reference(test_data, sample):
    doc = load_gltf(test_data / SAMPLES[sample])
    for animation in doc.animations[:4]:
        clip = ClipSampler(animation)
        duration = animation.duration
        times = [-1.0, 0.0, duration, duration + 1.0] + list(np.linspace(0, duration, 13))
        keys = animation.samplers[0].input
        times += [float(keys[len(keys) // 2])]
        for t in times:
            _assert_same(clip.sample(t), sample_animation(animation, t))
        _assert_same(clip.sample(duration * 1.5, loop=True), sample_animation(animation, duration * 1.5, loop=True))


def test_clip_sampler_mixed_interpolations_and_lengths():
    s = 0.5 ** 0.5
    samplers = (
        AnimationSampler(np.array([0, 1, 3], np.float32), np.array([[0, 0, 0], [1, 0, 0], [1, 2, 0]], np.float32), Interpolation.LINEAR),
        AnimationSampler(np.array([0.5], np.float32), np.array([[2, 2, 2]], np.float32), Interpolation.LINEAR),
        AnimationSampler(np.array([0, 2], np.float32), np.array([[[0], [0], [1]], [[0], [2], [0]]], np.float32), Interpolation.CUBICSPLINE),
        AnimationSampler(np.array([0, 1, 2], np.float32), np.array([[1], [2], [3]], np.float32), Interpolation.STEP),
        AnimationSampler(np.array([0, 1], np.float32), np.array([[0, 0, 0, 1], [0, 0, -s, -s]], np.float32), Interpolation.LINEAR),
    )
    channels = (AnimationChannel(0, "translation", 0), AnimationChannel(1, "translation", 1),
                AnimationChannel(2, "weights", 2), AnimationChannel(3, "weights", 3), AnimationChannel(4, "rotation", 4))
    animation = Animation("mixed", channels, samplers)
    clip = ClipSampler(animation)
    for t in np.linspace(-0.5, 3.5, 33):
        _assert_same(clip.sample(float(t)), sample_animation(animation, float(t)))
