"""Expressions: perfect sync, ARKit -> VRM presets, the priority mixer with fades and the VRM
override rules (the VRMC_vrm_expressions_isBinary_Overrides conformance sample)."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.driving.arkit_map import BLINK_CLOSED, vrm_preset_weights
from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.mixer import Channel, ExpressionMixer, MixerOptions, resolve_overrides
from avatar.driving.qmath import IDENTITY
from capture.calibration import NeutralCalibration
from capture.types import NUM_BLENDSHAPES, Blendshape as B
from tests.driving import synthetic as syn


def _shapes(**values: float) -> np.ndarray:
    b = np.zeros(NUM_BLENDSHAPES, np.float32)
    for name, v in values.items():
        b[B[name]] = v
    return b


def test_is_binary_happy_suppresses_blink_as_the_sample_shows(test_data):
    avatar = load_drivable(test_data / "vrm/VRMC_vrm_expressions_isBinary_Overrides.vrm")
    exprs = avatar.binding.expressions
    assert exprs["happy"].is_binary and exprs["happy"].override_blink.value == "blend"
    on = resolve_overrides({"happy": 0.6, "blink": 1.0}, exprs)
    assert on == {"happy": 1.0, "blink": 0.0}  # 0.6 rounds up to 1; blend by 1 -> blink gone
    off = resolve_overrides({"happy": 0.4, "blink": 1.0}, exprs)
    assert off == {"happy": 0.0, "blink": 1.0}
    # Its binds are texture transforms: resolved per material (shown as the green check marks).
    uv = avatar.binding.material_overrides(on).uv
    assert set(uv) == {0, 2}, "happy binds texture transforms of the window and its meter"


def test_override_block_and_blend_rules(test_data):
    avatar = load_drivable(test_data / "vrm/debug_robot.vrm")
    exprs = dict(avatar.binding.expressions)
    from dataclasses import replace

    from avatar.vrm.types import OverrideMode

    exprs["happy"] = replace(exprs["happy"], override_mouth=OverrideMode.BLOCK, override_blink=OverrideMode.BLEND,
                             is_binary=False)
    out = resolve_overrides({"happy": 0.7, "aa": 0.8, "blinkLeft": 1.0, "lookUp": 0.5}, exprs)
    assert out["aa"] == 0.0
    assert out["blinkLeft"] == pytest.approx(0.3)
    assert out["lookUp"] == 0.5
    assert resolve_overrides({"aa": 1.7, "oh": -0.2}, exprs) == {"aa": 1.0, "oh": 0.0}


def test_blink_per_eye_and_vowels_from_mouth_shapes():
    w = vrm_preset_weights(_shapes(EYE_BLINK_LEFT=BLINK_CLOSED + 0.01, EYE_BLINK_RIGHT=0.05))
    assert w["blinkLeft"] == 1.0 and w["blinkRight"] == 0.0
    open_mouth = vrm_preset_weights(_shapes(JAW_OPEN=0.6))
    assert open_mouth["aa"] > 0.9 and open_mouth["ou"] == 0.0
    pucker = vrm_preset_weights(_shapes(MOUTH_PUCKER=0.7))
    assert pucker["ou"] > 0.9 and pucker["aa"] == 0.0
    round_open = vrm_preset_weights(_shapes(JAW_OPEN=0.5, MOUTH_FUNNEL=0.6))
    assert round_open["oh"] > round_open["aa"]
    wide = vrm_preset_weights(_shapes(MOUTH_STRETCH_LEFT=0.4, MOUTH_STRETCH_RIGHT=0.4))
    assert wide["ee"] > 0.7
    smile = vrm_preset_weights(_shapes(MOUTH_SMILE_LEFT=0.8, MOUTH_SMILE_RIGHT=0.8))
    assert smile["happy"] == 1.0 and smile["angry"] == 0.0
    angry = vrm_preset_weights(_shapes(BROW_DOWN_LEFT=0.8, BROW_DOWN_RIGHT=0.8))
    assert angry["angry"] == 1.0
    for weights in (open_mouth, pucker, round_open, wide):
        assert sum(weights[v] for v in ("aa", "ih", "ou", "ee", "oh")) <= 1.0 + 1e-6


def test_mixer_priorities_and_time_driven_fades():
    mixer = ExpressionMixer(MixerOptions(fade_s={Channel.IDLE: 0.5, Channel.TRACKING: 0.2,
                                                 Channel.VISEME: 0.1, Channel.HOTKEY: 0.4}))
    mixer.set(Channel.IDLE, {"blink": 1.0})
    mixer.set(Channel.TRACKING, {"blink": 0.0, "aa": 0.6, "happy": 0.2})
    out = mixer.mix(0.0)
    assert out == {"blink": 0.0, "aa": 0.6, "happy": 0.2}  # tracking over idle, no fade on frame one
    mixer.set(Channel.VISEME, {"oh": 1.0})  # speech starts: owns the whole mouth group
    out = mixer.mix(0.05)
    assert out["oh"] == pytest.approx(0.5) and out["aa"] == pytest.approx(0.3)
    out = mixer.mix(0.2)
    assert out["oh"] == 1.0 and out["aa"] == 0.0 and out["happy"] == 0.2
    mixer.set(Channel.HOTKEY, {"happy": 1.0})
    assert mixer.mix(0.4)["happy"] == pytest.approx(0.2 + 0.8 * 0.5)
    mixer.set(Channel.TRACKING, None)  # face lost: tracking fades out, idle blinks come back
    mixer.set(Channel.HOTKEY, None)
    out = mixer.mix(0.5)
    assert out["blink"] == pytest.approx(0.5)
    # Same answer whatever the frame rate: the fades are linear in time.
    a, b = ExpressionMixer(), ExpressionMixer()
    for m in (a, b):
        m.set(Channel.TRACKING, {"aa": 1.0})
        m.mix(0.0)
        m.set(Channel.TRACKING, None)
    for t in np.arange(1, 5) / 30:
        ra = a.mix(float(t))
    for t in np.arange(1, 20) / 144:
        rb = b.mix(float(t))
    assert ra["aa"] == pytest.approx(1 - (4 / 30) / 0.3, abs=1e-6)
    assert rb["aa"] == pytest.approx(1 - (19 / 144) / 0.3, abs=1e-6)


def test_perfect_sync_drives_arkit_morphs_directly(test_data):
    avatar = load_drivable(test_data / "gltf/facecap/facecap.glb")
    assert avatar.binding.perfect_sync and avatar.vrm is None
    driver = AvatarDriver(avatar, DriverOptions(use_idle=False))
    b = _shapes(JAW_OPEN=0.7, EYE_BLINK_LEFT=0.9, MOUTH_SMILE_RIGHT=0.4)
    frame = driver.update(syn.tracking(0.0, faces=[syn.face(IDENTITY, 0.0, b)]))
    names = avatar.doc.meshes[2].target_names
    node = next(i for i, n in enumerate(avatar.doc.nodes) if n.mesh == 2)
    w = dict(zip(names, frame.node_weights[node]))
    assert w["jawOpen"] == pytest.approx(0.7, abs=1e-6)
    assert w["mouthSmile_R"] == pytest.approx(0.4, abs=1e-6)
    assert w["eyeBlink_L"] == 1.0 and w["eyeBlink_R"] == 0.0


def test_vrm_presets_reach_morphs_and_smile_damps_nothing_without_overrides(test_data):
    avatar = load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")
    assert not avatar.binding.perfect_sync
    driver = AvatarDriver(avatar, DriverOptions(use_idle=False))
    frame = driver.update(syn.tracking(0.0, faces=[syn.face(IDENTITY, 0.0, _shapes(JAW_OPEN=0.6, EYE_BLINK_RIGHT=0.7))]))
    assert frame.pose.morphs["aa"] > 0.9 and frame.pose.morphs["blinkRight"] == 1.0
    aa = avatar.binding.expressions["aa"].morph_binds[0]
    node = next(i for i, n in enumerate(avatar.doc.nodes) if n.mesh == aa.mesh)
    assert frame.node_weights[node][aa.target] > 0.9


def test_calibration_removes_a_resting_smile(test_data):
    avatar = load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")
    neutral = _shapes(MOUTH_SMILE_LEFT=0.45, MOUTH_SMILE_RIGHT=0.45)
    calibration = NeutralCalibration(neutral, np.ones(NUM_BLENDSHAPES, np.float32))
    raw = AvatarDriver(avatar, DriverOptions(use_idle=False))
    calibrated = AvatarDriver(avatar, DriverOptions(use_idle=False, calibration=calibration))
    tracking = syn.tracking(0.0, faces=[syn.face(IDENTITY, 0.0, neutral)])
    assert raw.update(tracking).pose.morphs["happy"] > 0.3
    assert calibrated.update(tracking).pose.morphs["happy"] == 0.0


def test_lip_sync_visemes_replace_the_tracked_mouth(test_data):
    from avatar.driving.visemes import viseme_weights
    from tts_bridge.viseme_table import N_VISEMES, Viseme
    from tts_bridge.viseme_track import GRID_HZ, VisemeTrack

    grid = np.zeros((int(GRID_HZ) + 1, N_VISEMES), np.float32)
    grid[:, Viseme.aa] = 1.0  # one second of "aa"
    track = VisemeTrack(grid, 1.0)
    avatar = load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")
    driver = AvatarDriver(avatar, DriverOptions(use_idle=False))
    pucker = _shapes(MOUTH_PUCKER=0.8)  # the tracked face says "ou"
    frame = None
    for i in range(10):
        t = i / 30
        frame = driver.update(syn.tracking(t, faces=[syn.face(IDENTITY, t, pucker)]),
                              visemes=viseme_weights(track, t, avatar.binding.perfect_sync))
    assert frame.pose.morphs["aa"] > 0.5 and frame.pose.morphs["ou"] == 0.0
    assert viseme_weights(track, 1.5, False) is None
