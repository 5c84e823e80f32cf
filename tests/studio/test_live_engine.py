"""The live engine without Qt: sources, latency stats, recorder timing, settings, rendering."""
from __future__ import annotations

import json
import time

import av
import numpy as np
import pytest

from assets.errors import AssetError, SourceError, VividError
from render.context import RenderContext
from render.live.avatar_layer import AvatarView, BackgroundKind
from render.live.compositor import cover_uv, fit_rect
from render.live.engine import EngineOptions, StudioEngine
from render.live.modes import ModeKind, mode_statuses
from render.live.recorder import Recorder
from render.live.settings import DEFAULT_HOTKEYS, SettingsStore, StudioSettings
from render.live.sources import SourceKind, SourceReader, SourceSpec
from render.live.stats import FrameStats
from render.live.tracking import smoothing_for_strength
from render.surface import AlphaOutput, OffscreenSurface

from tests.studio.conftest import AVATAR, VIDEO
from tests.studio.helpers import vrm_without_bone


@pytest.fixture(scope="module")
def rc():
    context = RenderContext.headless()
    yield context
    context.release()


def test_source_spec_parse_picks_kind_by_form():
    assert SourceSpec.parse("webcam:2") == SourceSpec(SourceKind.CAMERA, "2")
    assert SourceSpec.parse("3").kind is SourceKind.CAMERA
    assert SourceSpec.parse("a/b.vmcap").kind is SourceKind.MOCAP
    assert SourceSpec.parse("a/b.JPG").kind is SourceKind.PHOTO
    assert SourceSpec.parse("a/b.mp4").kind is SourceKind.VIDEO
    with pytest.raises(SourceError, match="webcam:INDEX"):
        SourceSpec.parse("webcam:x")


def test_missing_video_fails_at_once_with_the_path(tmp_path):
    with pytest.raises(SourceError, match="nothere.mp4 does not exist"):
        SourceReader(SourceSpec(SourceKind.VIDEO, str(tmp_path / "nothere.mp4")))


def test_video_reader_is_live_paced_and_keeps_only_the_newest(test_data):
    reader = SourceReader(SourceSpec(SourceKind.VIDEO, str(test_data / VIDEO)))
    try:
        first = reader.slot.get(timeout_s=5.0)
        assert first is not None and first.image.shape == (512, 512, 3)
        time.sleep(1.0)  # nobody consumes for 1 s: ~30 frames arrive, only the newest is kept
        newest = reader.slot.get(timeout_s=1.0)
        elapsed_source = newest.source_time_s - first.source_time_s
        elapsed_wall = newest.captured_at - first.captured_at
        # Live pacing: source time never runs ahead of the wall clock and keeps up with it
        # (30 fps file, 1 s wait; a loaded 2-core machine may decode a little late).
        assert elapsed_source <= elapsed_wall + 0.05
        assert elapsed_source >= elapsed_wall - 0.3
        assert 0.9 <= elapsed_wall <= 2.0
        assert reader.slot.dropped >= 10
        assert not newest.image.flags.writeable
    finally:
        reader.stop()
    assert reader.finished


def test_a_frame_read_before_the_tracker_started_is_tracked(test_data):
    """Opening a source in the background, its first frame is captured before the engine switches
    and starts the tracker; MediaPipe refused the negative timestamp and tracking died with
    'needs strictly increasing timestamps ... got -0.0123 s'."""
    from render.live.tracking import TrackerWorker

    reader = SourceReader(SourceSpec.parse(str(test_data / "faces/obama.jpg")))
    try:
        reader.probe()
        first = reader.slot.get(timeout_s=0)  # captured now; the tracker's clock starts later
        reader.slot.put(first)
        tracker = TrackerWorker(reader, t0=first.captured_at + 10.0)  # every frame of this test predates t0
        try:
            tracked = tracker.slot.get(timeout_s=20.0)
            assert tracker.error is None
            assert tracked is not None and tracked.tracking is not None and tracked.tracking.faces
        finally:
            tracker.stop()
    finally:
        reader.stop()


def test_frame_stats_latency_percentiles_and_fps():
    stats = FrameStats(window_s=1.0)
    for i in range(60):  # 60 frames in one second, latency 10..69 ms
        now = 100.0 + i / 60.0
        stats.presented(now, captured_at=now - (10 + i) / 1000.0)
        stats.add_stage("render", 5.0, now)
    hud = stats.snapshot(100.0 + 59 / 60.0)
    assert hud.fps == pytest.approx(60.0, abs=1.0)
    assert hud.latency_ms_p95 == pytest.approx(np.percentile(np.arange(10, 70), 95), abs=0.01)
    assert hud.stage_ms["render"] == pytest.approx(5.0)
    assert "latency p50" in hud.text()


def test_fit_and_cover_math():
    assert fit_rect((1280, 720), (1000, 1000)) == (0, 219, 1000, 562)
    assert fit_rect((512, 512), (1280, 720)) == (280, 0, 720, 720)
    scale, offset = cover_uv((512, 512), (1280, 720))  # square source fills a wide target: crop top/bottom
    assert scale == pytest.approx((1.0, 0.5625))
    assert offset == pytest.approx((0.0, 0.21875))


def test_smoothing_strength_orders_cutoffs():
    assert smoothing_for_strength(0.0) is None
    light, default, heavy = (smoothing_for_strength(s) for s in (0.1, 0.5, 1.0))
    assert light.blendshape_min_cutoff_hz > default.blendshape_min_cutoff_hz > heavy.blendshape_min_cutoff_hz
    assert default.blendshape_min_cutoff_hz == pytest.approx(1.0)  # 0.5 keeps capture's tuned default


def test_recorder_writes_wall_clock_duration_at_constant_rate(tmp_path):
    path = tmp_path / "rec.mp4"
    recorder = Recorder(path, (64, 48), fps=30.0)
    rng = np.random.default_rng(1)
    t = 0.0
    while t < 2.0:  # frames arrive unevenly (8-60 ms apart), like a loaded live loop
        recorder.submit(np.full((48, 64, 3), int(t * 100) % 255, np.uint8), 1000.0 + t)
        t += float(rng.uniform(0.008, 0.06))
    out = recorder.stop()
    assert out == path and path.is_file()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
    assert frames == pytest.approx(60, abs=2)  # 2 s at 30 fps whatever the arrival pattern


def test_recording_with_a_missing_audio_file_starts_nothing(rc, tmp_path):
    engine = StudioEngine(rc, EngineOptions(width=64, height=48))
    try:
        with pytest.raises(VividError, match="nope.wav: audio file not found"):
            engine.start_recording(tmp_path / "take.mp4", audio=str(tmp_path / "nope.wav"))
        assert engine.recorder is None and not (tmp_path / "take.mp4").exists()
    finally:
        engine.close()


def test_settings_round_trip_and_bad_files(tmp_path):
    store = SettingsStore(tmp_path)
    assert store.load() == StudioSettings()
    changed = StudioSettings(mode="ar", mirror=False, smoothing=0.8, hotkeys={"F7": "snapshot"})
    store.save(changed)
    assert SettingsStore(tmp_path).load() == changed
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() == StudioSettings()
    assert "could not be read" in store.problems[0]
    store.path.write_text(json.dumps({"mirror": "yes", "mode": "karaoke", "hotkeys": {"F1": "explode"}}))
    loaded = store.load()
    assert loaded.mirror is True and loaded.mode == "avatar" and "F1" not in loaded.hotkeys
    text = " ".join(store.problems)
    assert "field 'mirror'" in text and "valid modes" in text and "explode" in text
    assert set(DEFAULT_HOTKEYS.values()) >= {"snapshot", "record", "calibrate"}


def test_every_mode_has_a_summary_naming_its_engine():
    statuses = mode_statuses()
    assert set(statuses) == set(ModeKind)
    engines = {ModeKind.AVATAR: "avatar/driving", ModeKind.AR: "effects/", ModeKind.PHOTO: "effects/photo",
               ModeKind.SCRIPT: "render/script"}
    for kind, engine in engines.items():
        assert engine in statuses[kind].summary


def test_engine_renders_avatar_transparent_and_keeps_old_avatar_on_broken_vrm(rc, test_data, tmp_path):
    engine = StudioEngine(rc, EngineOptions(width=320, height=180, face_tracking=False))
    window = OffscreenSurface(rc, 200, 200, samples=0)
    try:
        engine.load_avatar(str(test_data / AVATAR))
        engine.set_avatar_view(AvatarView(background=BackgroundKind.TRANSPARENT))
        engine.step()
        assert engine.avatar.avatar_driver is not None  # avatar/driving's AvatarDriver drives it
        image = engine.output.read(AlphaOutput.STRAIGHT)
        assert image[0, 0, 3] == 0  # the corner is transparent: alpha output for OBS
        assert (image[..., 3] > 0).mean() > 0.05  # the avatar covers part of the frame
        engine.present(window, None)
        shown = window.read()
        assert shown[:40, :, :3].max() == 0  # letterbox bars above the 16:9 picture
        broken = vrm_without_bone(test_data / AVATAR, tmp_path, "head")
        with pytest.raises(AssetError, match="missing required humanoid bone"):
            engine.load_avatar(str(broken))
        assert engine.avatar is not None and engine.avatar.spec == str(test_data / AVATAR)
        engine.set_mode(ModeKind.AR)
        engine.step()  # no source: AR passthrough draws the empty background without failing
        assert engine.poll_errors() == []
    finally:
        engine.close()
        window.release()


def _face(yaw_deg: float, jaw: float):
    from scipy.spatial.transform import Rotation

    from capture.types import Blendshape, FaceTracking, readonly_f32
    matrix = np.eye(4, dtype=np.float32)
    matrix[:3, :3] = Rotation.from_euler("y", yaw_deg, degrees=True).as_matrix()
    blend = np.zeros(52, np.float32)
    blend[Blendshape.JAW_OPEN] = jaw
    return FaceTracking(landmarks=readonly_f32(np.zeros((478, 3))), blendshapes=readonly_f32(blend),
                        head_matrix=readonly_f32(matrix), timestamp_s=0.0)


def test_avatar_layer_turns_the_vrm_head_with_the_tracked_face(rc, test_data):
    from capture.types import Tracking
    from render.live.avatar_layer import AvatarLayer
    from render.live.compositor import Compositor

    compositor = Compositor(rc)
    layer = AvatarLayer(rc, str(test_data / AVATAR), (160, 90), compositor, samples=0)
    try:
        head = layer.vrm.humanoid.bones["head"]
        worlds = {}
        for yaw in (0.0, 25.0):
            for step in range(30):  # the driver smooths: feed the same face for a second
                t = step / 30.0 + (0 if yaw == 0.0 else 10.0)
                layer._drive(Tracking(t, faces=(_face(yaw, 0.7),)), t, None, {})
            worlds[yaw] = layer.stage.model.node_world[head][:3, :3].astype(np.float64)
        relative = worlds[25.0] @ worlds[0.0].T
        angle = np.degrees(np.arccos(np.clip((np.trace(relative) - 1) / 2, -1, 1)))
        assert 12.0 < angle < 35.0  # the head follows a 25 deg turn (part of it may go to the neck)
        assert abs(relative[0, 2] - relative[2, 0]) > 2 * abs(relative[2, 1] - relative[1, 2])  # a yaw, not a nod
        assert layer.last_expressions.get("aa", 0.0) > 0.2  # jawOpen 0.7 opens the VRM mouth
    finally:
        layer.release()
        compositor.release()


def test_avatar_layer_draws_expression_material_binds(rc, test_data):
    """A hotkey expression that moves a texture (the conformance sample's blink meter) reaches the
    studio's renderer, and letting go puts the material back."""
    from render.live.avatar_layer import AvatarLayer
    from render.live.compositor import Compositor

    compositor = Compositor(rc)
    layer = AvatarLayer(rc, str(test_data / "vrm/VRMC_vrm_expressions_isBinary_Overrides.vrm"), (160, 90),
                        compositor, samples=0)
    try:
        meter = next(i for i in layer.stage.model.draw_items if i.material == 3)  # "Meter Blink"
        own = meter.own_shading.base_uv.offset
        for step in range(30):  # the mixer fades hotkeys in
            layer._drive(None, step / 30.0, None, {"blink": 1.0})
        assert meter.shading.base_uv.offset[0] == pytest.approx(0.0009765625, abs=1e-3)
        for step in range(60):
            layer._drive(None, 2.0 + step / 30.0, None, {})
        assert meter.shading.base_uv.offset == pytest.approx(own)
    finally:
        layer.release()
        compositor.release()


def test_vmc_out_sends_blendshapes_and_head_each_frame(rc):
    import socket

    from capture.types import Tracking
    from render.live.sources import LiveFrame
    from render.live.tracking import TrackedFrame

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    engine = StudioEngine(rc, EngineOptions(width=64, height=36, face_tracking=False))
    try:
        engine.start_vmc("127.0.0.1", receiver.getsockname()[1])
        tracking = Tracking(1.0, faces=(_face(10.0, 0.5),))
        engine.latest = TrackedFrame(LiveFrame(None, tracking, 0.0, 1.0, 0, 0.0), tracking, 0.0)
        engine.step()
        data, _ = receiver.recvfrom(65535)
    finally:
        engine.close()
        receiver.close()
    assert b"/VMC/Ext/OK" in data and b"/VMC/Ext/Blend/Apply" in data
    assert b"jawOpen" in data and b"Head" in data


def test_effect_chain_on_the_gpu_equals_stacks_one_after_another(rc, test_data, tmp_path):
    """Three effects chained on the GPU (blits between stacks, no read-back) give the picture of
    the same stacks run one by one through the CPU; strength mixes each with its input."""
    from capture.pipeline import PipelineOptions, TrackingPipeline
    from capture.sources.image import read_image
    from capture.types import Frame
    from effects.package import load_package
    from effects.stack import EffectStack
    from assets.paths import EFFECTS_DIR
    from render.live.effects_chain import EffectChain

    image = np.ascontiguousarray(read_image(test_data / "faces/obama.jpg")[..., :3])
    image = np.ascontiguousarray(image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2])
    with TrackingPipeline(PipelineOptions(face=True, still_images=True)) as pipeline:
        tracking = pipeline.process(Frame(image, 0.0, 0))
    assert tracking.faces
    names = ("sunglasses", "tiger_paint", "film_look")
    size = (image.shape[1], image.shape[0])
    chain = EffectChain(rc)
    try:
        for name in names:
            chain.add(EFFECTS_DIR / name)
        on_gpu = chain.render(image, tracking, 0.5)
        expected = image
        for name in names:
            with EffectStack(rc, load_package(EFFECTS_DIR / name), size) as stack:
                expected = stack.render(expected, tracking, time_s=0.5).image[..., :3]
        diff = np.abs(on_gpu.astype(int) - expected.astype(int))
        assert diff.max() <= 1, diff.max()
        assert np.abs(on_gpu.astype(int) - image.astype(int)).mean() > 5  # the effects did something

        chain.slots[0].strength = chain.slots[1].strength = 0.0
        chain.slots[2].strength = 0.5  # half the colour grade: halfway between input and graded
        half = chain.render(image, tracking, 0.5)
        chain.slots[2].strength = 1.0
        full = chain.render(image, tracking, 0.5)
        midway = (image.astype(int) + full.astype(int)) / 2
        assert np.abs(half.astype(int) - midway).max() <= 1.5
        chain.slots[0].strength, chain.slots[1].strength, chain.slots[2].strength = 1.0, 0.5, 0.0
        after_first = chain.render(image, tracking, 0.5)  # a mixed slot whose input is another stack's result
        chain.slots[1].strength = 0.0
        first_only = chain.render(image, tracking, 0.5)
        chain.slots[1].strength = 1.0
        both = chain.render(image, tracking, 0.5)
        assert np.abs(after_first.astype(int) - (first_only.astype(int) + both.astype(int)) / 2).max() <= 1.5
        chain.slots[0].strength = chain.slots[1].strength = 0.0
        assert chain.render_texture(image, tracking, 0.5) is None and chain.render(image, tracking, 0.5) is image
    finally:
        chain.release()



def test_vmc_out_in_avatar_mode_sends_the_driven_avatar_and_only_chosen_channels(rc, test_data):
    import socket

    from capture.vmc.channels import parse_channels

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    engine = StudioEngine(rc, EngineOptions(width=64, height=36, face_tracking=False))
    try:
        engine.load_avatar(str(test_data / AVATAR))
        engine.set_mode(ModeKind.AVATAR)
        engine.start_vmc("127.0.0.1", receiver.getsockname()[1])
        engine.step()
        everything, _ = receiver.recvfrom(65535)
        engine.vmc.sender.channels = parse_channels("body,hands")  # what the window's menu does
        engine.step()
        body, _ = receiver.recvfrom(65535)
    finally:
        engine.close()
        receiver.close()
    # The avatar's humanoid bones with Unity names and its expressions with VRM 0.x clip names.
    assert b"LeftUpperArm" in everything and b"Spine" in everything and b"Head" in everything
    assert b"Blink" in everything and b"/VMC/Ext/Blend/Apply" in everything
    assert b"LeftUpperArm" in body and b"LeftIndexProximal" in body
    assert b"Head" not in body and b"/VMC/Ext/Blend" not in body


def test_vmc_network_error_stops_vmc_out_with_a_message_and_the_preview_goes_on(rc):
    engine = StudioEngine(rc, EngineOptions(width=64, height=36, face_tracking=False))
    try:
        engine.start_vmc("no-such-host.invalid", 39539)
        engine.step()  # the name does not resolve: sending fails
        assert engine.vmc is None
        errors = engine.poll_errors()
        assert any("VMC out to no-such-host.invalid:39539 stopped" in e for e in errors)
        engine.step()  # and the next frame draws as usual
    finally:
        engine.close()


def test_bad_vmc_channels_in_settings_fall_back_to_all(tmp_path):
    store = SettingsStore(tmp_path)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps({"vmc_channels": "face,wings"}), encoding="utf-8")
    assert store.load().vmc_channels == "all"
    assert "field 'vmc_channels': unknown VMC channel 'wings'" in store.problems[0]
    store.save(StudioSettings(vmc_channels="head,face"))
    assert SettingsStore(tmp_path).load().vmc_channels == "head,face"


def test_a_virtual_camera_that_fails_is_stopped_with_a_message_and_the_preview_goes_on(rc):
    class UnpluggedCamera:  # what pyvirtualcam raises when the v4l2loopback device goes away
        closed = False

        def send(self, rgb):
            raise RuntimeError("error writing frame: No such device")

        def close(self):
            self.closed = True

    engine = StudioEngine(rc, EngineOptions(width=64, height=36, face_tracking=False))
    camera = UnpluggedCamera()
    try:
        engine.virtualcam = camera
        engine.step()
        assert engine.virtualcam is None and camera.closed
        assert any("virtual camera stopped: RuntimeError: error writing frame" in e for e in engine.poll_errors())
        engine.step()
    finally:
        engine.close()
