"""Animation sampling: exact at keyframes, interpolation between, clamping, looping,
shortest-arc slerp, STEP and a hand-computed CUBICSPLINE value."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.gltf.animation import sample_animation, sample_sampler
from avatar.gltf.document import Animation, AnimationChannel, AnimationSampler, Interpolation
from avatar.gltf.loader import load_gltf
from tests.avatar.gltf_helpers import SAMPLES

QUATERNION_EPS = 1e-7  # 1 - |q1.q2| below this: the same rotation to float32 precision


def _sampler(times, values, interpolation):
    return AnimationSampler(np.asarray(times, np.float32), np.asarray(values, np.float32), interpolation)


def _same_rotation(a, b):
    return 1.0 - abs(float(np.dot(a, b))) < QUATERNION_EPS


@pytest.mark.parametrize("sample", ["CesiumMan", "Fox", "RiggedFigure", "AnimatedMorphCube", "MorphStressTest"])
def test_exact_values_at_every_keyframe(test_data, sample):
    doc = load_gltf(test_data / SAMPLES[sample])
    for animation in doc.animations:
        for channel in animation.channels:
            sampler = animation.samplers[channel.sampler]
            for k in range(0, len(sampler.input), max(1, len(sampler.input) // 7)):
                value = sample_animation(animation, float(sampler.input[k])).__getattribute__(
                    {"translation": "translations", "rotation": "rotations", "scale": "scales",
                     "weights": "weights"}[channel.path])[channel.node]
                if channel.path == "rotation":
                    expected = sampler.output[k] / np.linalg.norm(sampler.output[k])
                    assert _same_rotation(value, expected)
                else:
                    np.testing.assert_allclose(value, sampler.output[k], rtol=0, atol=1e-6)


def test_simple_skin_rotation_between_keys_is_a_slerp(test_data):
    """SimpleSkin keys: t=0 identity, t=0.5 ~45 deg about Z (stored rounded to (0, 0, .383, .924)).
    Slerp at t=0.25 is the rotation about Z by half of the stored key's angle (not a lerp)."""
    animation = load_gltf(test_data / SAMPLES["SimpleSkin"]).animations[0]
    key = animation.samplers[0].output[1].astype(np.float64)
    key_angle = 2 * np.arctan2(key[2], key[3])
    q = sample_animation(animation, 0.25).rotations[2]
    np.testing.assert_allclose(q, [0, 0, np.sin(key_angle / 4), np.cos(key_angle / 4)], atol=1e-6)
    q = sample_animation(animation, 0.125).rotations[2]  # a quarter of the way: slerp != nlerp
    np.testing.assert_allclose(q, [0, 0, np.sin(key_angle / 8), np.cos(key_angle / 8)], atol=1e-6)


def test_linear_weights_interpolate_and_clamp(test_data):
    """SimpleMorph weights keys: t=0 (0,0), 1 (0,1), 2 (1,1), 3 (1,0), 4 (0,0)."""
    animation = load_gltf(test_data / SAMPLES["SimpleMorph"]).animations[0]
    np.testing.assert_allclose(sample_animation(animation, 1.25).weights[0], [0.25, 1.0])
    np.testing.assert_allclose(sample_animation(animation, 2.5).weights[0], [1.0, 0.5])
    np.testing.assert_array_equal(sample_animation(animation, -3.0).weights[0], [0.0, 0.0])
    np.testing.assert_array_equal(sample_animation(animation, 99.0).weights[0], [0.0, 0.0])
    # looping: duration 4 s, so 5.25 s wraps to 1.25 s
    np.testing.assert_allclose(sample_animation(animation, 5.25, loop=True).weights[0], [0.25, 1.0])
    assert sample_animation(animation, 5.25, loop=True).time_s == pytest.approx(1.25)


def test_slerp_takes_the_shortest_arc():
    # The second key is the 90 deg Z rotation written with a negative w: slerp must not go the long way.
    s = 0.5 ** 0.5
    sampler = _sampler([0, 1], [[0, 0, 0, 1], [0, 0, -s, -s]], Interpolation.LINEAR)
    q = sample_sampler(sampler, 0.5, is_rotation=True)
    half = np.radians(45) / 2
    assert _same_rotation(q, [0, 0, np.sin(half), np.cos(half)])


def test_step_holds_the_previous_key():
    sampler = _sampler([0, 1, 2], [[1, 0, 0], [2, 0, 0], [3, 0, 0]], Interpolation.STEP)
    assert sample_sampler(sampler, 0.99)[0] == 1
    assert sample_sampler(sampler, 1.0)[0] == 2
    assert sample_sampler(sampler, 1.5)[0] == 2
    assert sample_sampler(sampler, 7.0)[0] == 3


def test_cubicspline_matches_a_hand_computed_hermite_value():
    """Keys t=0: v=0, out-tangent b=1; t=2: v=2, in-tangent a=0. At t=0.5, s=0.25, dt=2:
    p = (s^3-2s^2+s)*dt*b0 + (-2s^3+3s^2)*v1 = 0.140625*2 + 0.15625*2 = 0.59375."""
    outputs = [[[0.0], [0.0], [1.0]],  # key 0: (in-tangent, value, out-tangent)
               [[0.0], [2.0], [0.0]]]
    sampler = _sampler([0, 2], outputs, Interpolation.CUBICSPLINE)
    assert sample_sampler(sampler, 0.5)[0] == pytest.approx(0.59375, abs=1e-7)
    assert sample_sampler(sampler, 0.0)[0] == 0.0
    assert sample_sampler(sampler, 2.0)[0] == 2.0
    assert sample_sampler(sampler, 3.0)[0] == 2.0


def test_cubicspline_rotations_are_normalized():
    s = 0.5 ** 0.5
    outputs = [[[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]],
               [[0, 0, 1, 0], [0, 0, s, s], [0, 0, 0, 0]]]
    sampler = _sampler([0, 1], outputs, Interpolation.CUBICSPLINE)
    animation = Animation("spin", (AnimationChannel(0, "rotation", 0),), (sampler,))
    for t in np.linspace(0, 1, 11):
        q = sample_animation(animation, float(t)).rotations[0]
        assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-6)


def test_sampled_poses_are_read_only(test_data):
    pose = sample_animation(load_gltf(test_data / SAMPLES["SimpleSkin"]).animations[0], 0.3)
    with pytest.raises(TypeError):
        pose.rotations[5] = np.zeros(4, np.float32)  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        pose.rotations[2][0] = 1.0
