"""Bad input must not break the studio: bad settings values, a broken effect shader, a corrupt
video or a missing camera, unknown hotkey actions, calibrating with no face, IPv6 VMC targets.
Each test drives the real window (offscreen, software preview) or the engine with real files."""
from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

import desktop_app
from assets.errors import VividError
from assets.paths import EFFECTS_DIR
from capture.vmc.sender import VmcSender
from render.context import RenderContext
from render.live.effects_chain import EffectChain, EffectSlot
from render.live.settings import DEFAULT_HOTKEYS, SettingsStore, StudioSettings

from tests.studio.conftest import VIDEO, switch_source

CAT_EARS = EFFECTS_DIR / "cat_ears"


def messages(window) -> list[str]:
    return [window.messages.item(i).text() for i in range(window.messages.count())]


def broken_glitch(folder: Path) -> Path:
    """A copy of the built-in glitch effect whose GLSL has a syntax error."""
    package = folder / "glitch_broken"
    shutil.copytree(EFFECTS_DIR / "glitch", package)
    shader = package / "glitch.glsl"
    shader.write_text(shader.read_text(encoding="utf-8") + "\nthis is not glsl(;\n", encoding="utf-8")
    return package


# ------------------------------------------------------------------ 1. settings values
BAD_VALUES = {
    "shot": "extreme", "background": "bogus", "mode": "cinema", "recent_sources": [1],
    "window_geometry": "zz", "effects": [5], "vmc_port": 99999, "background_color": [1],
    "photo_motions": [None], "effect_strengths": {"a": "x"}, "smoothing": 7, "vmc_host": "",
}


def test_every_bad_settings_value_is_reported_by_field_and_defaulted(config_dir):
    (config_dir / "studio.json").write_text(json.dumps({**BAD_VALUES, "mirror": False}), encoding="utf-8")
    store = SettingsStore(config_dir)
    settings = store.load()
    defaults = StudioSettings()
    for name in BAD_VALUES:
        assert getattr(settings, name) == getattr(defaults, name), name
        assert any(f"field '{name}'" in p and str(store.path) in p for p in store.problems), name
    assert settings.mirror is False  # good fields are kept
    assert len(store.problems) == len(BAD_VALUES)

    (config_dir / "studio.json").write_text(json.dumps({"background_color": [1, 0.5, 0], "vmc_port": 39540,
                                                        "shot": "closeup", "window_geometry": "01ab"}))
    good = store.load()
    assert store.problems == []
    assert (good.background_color, good.vmc_port, good.shot) == ((1, 0.5, 0), 39540, "closeup")


def test_window_starts_and_restores_the_rest_despite_bad_settings(qtbot, open_window, config_dir, test_data):
    video = str(test_data / VIDEO)
    (config_dir / "studio.json").write_text(json.dumps({**BAD_VALUES, "source": video}))
    window = open_window()
    qtbot.waitUntil(lambda: window.engine.source is not None, timeout=10_000)
    assert window.timer.isActive() and window.hud_timer.isActive()
    assert window.engine.source.target == video
    text = "\n".join(messages(window))
    for name in BAD_VALUES:
        assert f"field '{name}'" in text, name
    presented = window.engine.stats.total_presented
    qtbot.waitUntil(lambda: window.engine.stats.total_presented > presented + 10, timeout=10_000)


class FixedStore(SettingsStore):
    """Hands the window settings that did not come through load() (e.g. built in code)."""

    def __init__(self, directory: Path, settings: StudioSettings) -> None:
        super().__init__(directory)
        self._settings = settings

    def load(self) -> StudioSettings:
        self.problems = []
        return self._settings


def test_one_failing_restore_step_does_not_stop_the_others(qtbot, open_window, config_dir, test_data):
    video = str(test_data / VIDEO)
    bad = StudioSettings(shot="extreme", source=video, effects=(str(CAT_EARS),), window_geometry="zz")
    window = open_window(FixedStore(config_dir, bad))
    qtbot.waitUntil(lambda: window.engine.source is not None, timeout=10_000)
    assert window.timer.isActive()
    assert [s.path for s in window.engine.effects.slots] == [CAT_EARS]
    assert any("could not restore the avatar" in m for m in messages(window))
    assert any("window_geometry" in m for m in messages(window))


def test_vmc_out_bad_port_is_refused_and_a_send_error_stops_it_once(qtbot, open_window, config_dir):
    with pytest.raises(VividError, match="1 to 65535"):
        VmcSender("127.0.0.1", 99999)
    window = open_window()
    window.vmc_action.setChecked(True)
    assert window.engine.vmc is not None
    window.engine.vmc.sender.address = ("127.0.0.1", 99999)  # as an unchecked port used to reach it
    before = window.messages.count()
    qtbot.waitUntil(lambda: window.engine.vmc is None, timeout=5_000)
    qtbot.wait(1000)
    new = messages(window)[before:]
    assert len(new) == 1 and "VMC out to 127.0.0.1:99999 stopped" in new[0], new
    assert not window.vmc_action.isChecked()
    assert window.engine.stats.total_presented > 10


# ------------------------------------------------------------------ 2. broken effect shader
def test_broken_shader_is_refused_when_added_before_any_source(qtbot, open_window, config_dir, test_data, tmp_path):
    window = open_window()
    window.tabs.setCurrentIndex(1)
    assert window.add_effect(str(CAT_EARS))
    assert not window.add_effect(str(broken_glitch(tmp_path)))
    assert "shader failed to compile" in window.banner.text()
    assert [s.name for s in window.engine.effects.slots] == ["Cat Ears"]
    assert window.effects_panel.stack.count() == 1
    assert window.settings.effects == (str(CAT_EARS),)

    assert switch_source(qtbot, window, str(test_data / VIDEO))
    shown = window.engine.stats.total_presented
    qtbot.waitUntil(lambda: window.engine.stats.total_presented > shown + 30, timeout=15_000)
    assert [s.name for s in window.engine.effects.slots] == ["Cat Ears"]
    assert not any("effect stack was cleared" in m for m in messages(window))
    assert SettingsStore(config_dir).load().effects == (str(CAT_EARS),)


def test_a_slot_failing_at_a_new_frame_size_is_dropped_alone_and_the_window_follows(
        qtbot, open_window, config_dir, test_data, tmp_path):
    window = open_window()
    window.tabs.setCurrentIndex(1)
    assert window.add_effect(str(CAT_EARS))
    from effects.package import load_package

    broken = broken_glitch(tmp_path)  # as if it compiled before and fails on the rebuild
    window.engine.effects.slots.append(EffectSlot(broken, load_package(broken), 1.0))
    window._effects_changed(True)
    assert window.effects_panel.stack.count() == 2
    assert switch_source(qtbot, window, str(test_data / VIDEO))
    qtbot.waitUntil(lambda: window.effects_panel.stack.count() == 1, timeout=15_000)
    assert [s.name for s in window.engine.effects.slots] == ["Cat Ears"]
    assert window.settings.effects == (str(CAT_EARS),)
    assert SettingsStore(config_dir).load().effects == (str(CAT_EARS),)
    text = "\n".join(messages(window))
    assert "glitch_broken" in text and "removed from the stack" in text
    assert "effect stack was cleared" not in text


def test_effect_chain_builds_at_add_time_and_drops_only_a_failing_slot(test_data, tmp_path):
    rc = RenderContext.headless()
    try:
        chain = EffectChain(rc)
        chain.add(CAT_EARS, size=(320, 240))
        assert chain.slots[0].stack is not None and chain.slots[0].stack.size == (320, 240)
        with pytest.raises(VividError, match="shader failed to compile"):
            chain.add(broken_glitch(tmp_path), size=(320, 240))
        assert len(chain.slots) == 1
        chain.release()
    finally:
        rc.release()


# ------------------------------------------------------------------ 3. sources are probed
def test_corrupt_video_or_missing_camera_keeps_the_working_source(qtbot, open_window, test_data, tmp_path):
    video = str(test_data / VIDEO)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00garbage")
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes((test_data / VIDEO).read_bytes()[:4096])
    window = open_window()
    assert switch_source(qtbot, window, video)
    reader = window.engine.reader
    for bad in (str(garbage), str(truncated), "webcam:7"):
        assert not switch_source(qtbot, window, bad), bad
        assert window.engine.reader is reader and window.engine.source.target == video
        assert window.source_box.currentData() == video
        assert window.settings.source == video and bad not in window.settings.recent_sources
        assert "the source was not changed" in messages(window)[-1]
        assert Path(bad).name in messages(window)[-1] or "camera 7" in messages(window)[-1], messages(window)[-1]
    seq = window.engine.reader._seq
    qtbot.waitUntil(lambda: window.engine.reader._seq > seq + 10, timeout=5_000)  # still playing


def test_opening_a_source_never_blocks_the_window(qtbot, open_window, test_data):
    """Opening a camera or a video can take seconds: the call returns at once, the old source
    plays on meanwhile, and the switch happens when the new one delivers its first frame."""
    import time

    window = open_window()
    first, second = str(test_data / VIDEO), str(test_data / "video/talking_head_man_d12.mp4")
    assert switch_source(qtbot, window, first)
    reader = window.engine.reader
    start = time.monotonic()
    assert window.choose_source(second)
    assert time.monotonic() - start < 0.5
    # Nothing switched yet: the event loop (which finishes the switch) has not run.
    assert window.engine.opening_source.target == second and window.engine.reader is reader
    assert window.statusBar().currentMessage() == f"Opening {second}…"
    qtbot.waitUntil(lambda: window.engine.source.target == second, timeout=10_000)
    assert window.settings.source == second and window.settings.recent_sources[:2] == (second, first)
    assert window.source_box.currentData() == second
    assert reader.finished or reader._stop.is_set()  # the old reader was stopped


def test_cameras_are_listed_on_a_thread(qtbot, open_window):
    """Checking a camera opens it (seconds each on some systems): the scan runs off the UI
    thread and its result reaches the source menu through a signal."""
    import time

    window = open_window()
    qtbot.waitUntil(lambda: not window._camera_scan.is_alive(), timeout=10_000)  # the start-up scan
    window.statusBar().showMessage("")
    start = time.monotonic()
    window.find_cameras()
    assert time.monotonic() - start < 0.2
    assert window.statusBar().currentMessage() == "Looking for cameras…"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() != "Looking for cameras…", timeout=10_000)
    message = window.statusBar().currentMessage()
    listed = [window.source_box.itemData(i) for i in range(window.source_box.count())
              if str(window.source_box.itemData(i)).startswith("webcam:")]
    assert listed == [f"webcam:{cam.index}" for cam in window._cameras]
    assert message == (f"{len(listed)} camera(s) found" if listed else
                       "No camera found: plug one in and use Find cameras, or open a video")


def test_a_newer_choice_replaces_a_source_still_opening(qtbot, open_window, test_data):
    window = open_window()
    first, second = str(test_data / VIDEO), str(test_data / "video/talking_head_man_d12.mp4")
    assert window.choose_source(first)
    abandoned = window.engine._pending.reader
    assert window.choose_source(second)
    assert abandoned._stop.is_set()
    qtbot.waitUntil(lambda: window.engine.source is not None, timeout=10_000)
    assert window.engine.source.target == second and window.settings.recent_sources == (second,)


# ------------------------------------------------------------------ 4. hotkey actions
def test_unknown_hotkey_actions_are_refused_with_the_valid_ones(qtbot, open_window):
    window = open_window()
    assert not window.set_hotkeys({"F6": "explode"})
    assert "F6" in window.banner.text() and "explode" in window.banner.text()
    assert "snapshot" in window.banner.text() and "expression:NAME" in window.banner.text()
    assert window.settings.hotkeys == DEFAULT_HOTKEYS
    for action in ("explode", "expression:"):
        before = window.messages.count()
        window.run_action(action)
        assert window.messages.count() == before + 1 and repr(action) in window.banner.text()

    dialog = desktop_app.ui().HotkeyDialog(window, {"F7": "snapshot"})
    dialog.add_row("F6", "explode")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert not dialog.problem.isHidden() and "F6" in dialog.problem.text()
    dialog.table.cellWidget(1, 1).setCurrentText("mirror")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.hotkeys() == {"F7": "snapshot", "F6": "mirror"}
    assert window.set_hotkeys(dialog.hotkeys()) and window.settings.hotkeys["F6"] == "mirror"


# ------------------------------------------------------------------ 5. calibration with no face
def test_calibrating_without_a_face_times_out_with_a_message(qtbot, open_window, test_data):
    window = open_window()
    assert switch_source(qtbot, window, str(test_data / "faces/no_face_dogs.jpg"))
    window.run_action("calibrate")
    tracker = window.engine.tracker
    assert tracker.calibrating
    qtbot.waitUntil(lambda: not tracker.calibrating, timeout=8_000)
    qtbot.waitUntil(lambda: "face the camera" in window.banner.text(), timeout=2_000)
    assert tracker.calibration is None


# ------------------------------------------------------------------ 6. IPv6 VMC target
def test_vmc_sends_to_a_bracketed_ipv6_target():
    receiver = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        receiver.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    receiver.settimeout(2.0)
    port = receiver.getsockname()[1]
    with receiver, VmcSender("[::1]", port) as sender:
        size = sender.send_frame({"Head": (np.zeros(3), np.array([0, 0, 0, 1.0]))}, {"A": 0.5})
        data, _ = receiver.recvfrom(65536)
    assert len(data) == size and data.startswith(b"#bundle")
    assert sender.address == ("::1", port)


def test_window_vmc_target_with_ipv6_brackets(qtbot, open_window):
    window = open_window()
    assert window.set_vmc_target("[::1]:39539")
    window.vmc_action.setChecked(True)
    assert window.engine.vmc is not None and window.engine.vmc.sender.address == ("::1", 39539)
    qtbot.wait(500)
    assert window.engine.vmc is not None, messages(window)
