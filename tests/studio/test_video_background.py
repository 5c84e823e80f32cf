"""Avatar mode's looping video background (render/live/video_background.py): decoded on its own
thread, drawn behind the avatar, chosen and saved in the window, a corrupt file refused."""
from __future__ import annotations

import time

import av
import numpy as np
import pytest

from assets.errors import AssetError
from render.context import RenderContext
from render.live.avatar_layer import AvatarView, BackgroundKind
from render.live.engine import EngineOptions, StudioEngine
from render.live.settings import SettingsStore
from render.surface import AlphaOutput

from tests.studio.conftest import AVATAR

# A street scene with people walking across: 1280x720 like the output (cover-fit is a plain copy),
# 50 fps, 4.1 s, moving pixels all over the frame.
VIDEO = "video/people_walking_openpose.avi"
MP4 = "video/talking_head_woman_d10.mp4"
STEP = 8  # compare every 8th pixel: enough to tell the frames apart, small enough to keep them all


@pytest.fixture(scope="module")
def rc():
    context = RenderContext.headless()
    yield context
    context.release()


def decoded_frames(path) -> tuple[np.ndarray, np.ndarray]:
    """(times, frames subsampled by STEP) of the whole video, as PyAV decodes it."""
    times, frames = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            times.append(float(frame.pts * stream.time_base))
            frames.append(frame.to_ndarray(format="rgb24")[::STEP, ::STEP].astype(np.float32))
    return np.array(times), np.stack(frames)


def corrupt_copy(source, folder):
    """The first third of a real MP4 whose index (moov) is at its end: FFmpeg cannot read it."""
    data = source.read_bytes()
    path = folder / "broken.mp4"
    path.write_bytes(data[:len(data) // 3])
    return path


def test_pixels_behind_the_avatar_play_the_video(rc, test_data):
    times, frames = decoded_frames(test_data / VIDEO)
    engine = StudioEngine(rc, EngineOptions(face_tracking=False, samples=0))
    try:
        engine.load_avatar(str(test_data / AVATAR))
        engine.set_avatar_view(AvatarView(background=BackgroundKind.TRANSPARENT))
        engine.step()
        behind = engine.output.read(AlphaOutput.STRAIGHT)[::STEP, ::STEP, 3] == 0
        behind[:, 60:100] = False  # the avatar sways a little with idle life: leave its column out
        assert behind.mean() > 0.5

        engine.set_avatar_view(AvatarView(background=BackgroundKind.VIDEO, video=str(test_data / VIDEO)))
        shown = []
        start = time.monotonic()
        while (now := time.monotonic()) - start < 2.0:
            engine.step(now)
            picture = engine.output.read(AlphaOutput.STRAIGHT)[::STEP, ::STEP, :3].astype(np.float32)
            shown.append((now - start, picture))
            time.sleep(0.2)
        assert engine.poll_errors() == []
    finally:
        engine.close()

    matched = []
    for _, picture in shown:
        error = np.abs(frames[:, behind] - picture[behind]).mean(axis=(1, 2))
        best = int(np.argmin(error))
        assert error[best] < 2.0 and np.median(error) > 10 * error[best]  # one frame of the video, exactly
        matched.append(times[best])
    elapsed_wall = shown[-1][0] - shown[0][0]
    played = np.diff(matched)
    assert (played >= 0).all()  # forward in time (2 s of a 4.1 s video: no loop yet)
    assert len(set(matched)) >= len(matched) - 1  # a new picture behind the avatar at (nearly) every look
    assert 0.5 * elapsed_wall <= matched[-1] - matched[0] <= elapsed_wall + 0.1  # at the video's own pace


def test_a_corrupt_video_is_refused_and_the_previous_background_stays(rc, test_data, tmp_path):
    engine = StudioEngine(rc, EngineOptions(width=320, height=180, face_tracking=False, samples=0))
    try:
        engine.load_avatar(str(test_data / AVATAR))
        red = AvatarView(background=BackgroundKind.COLOR, color=(1.0, 0.0, 0.0))
        engine.set_avatar_view(red)
        broken = corrupt_copy(test_data / MP4, tmp_path)
        with pytest.raises(AssetError, match="broken.mp4: cannot play this video as the background"):
            engine.set_avatar_view(AvatarView(background=BackgroundKind.VIDEO, video=str(broken)))
        with pytest.raises(AssetError, match="gone.mp4: background video not found"):
            engine.set_avatar_view(AvatarView(background=BackgroundKind.VIDEO, video=str(tmp_path / "gone.mp4")))
        assert engine.avatar_view == red and engine.avatar.view == red
        engine.step()
        assert tuple(engine.output.read(AlphaOutput.STRAIGHT)[2, 2]) == (255, 0, 0, 255)
    finally:
        engine.close()


def test_video_background_is_chosen_in_the_window_saved_and_a_corrupt_one_refused(
        qtbot, open_window, test_data, config_dir, tmp_path):
    window = open_window(avatar=str(test_data / AVATAR))
    video = str(test_data / VIDEO)
    panel = window.avatar_panel
    assert panel.background.findData("video") >= 0  # offered in the Avatar panel

    assert window.change_avatar_view(background="video", background_video=video)
    assert window.engine.avatar.view.background is BackgroundKind.VIDEO
    assert panel.background.currentData() == "video"
    assert SettingsStore(config_dir).load().background_video == video

    broken = corrupt_copy(test_data / MP4, tmp_path)
    assert not window.change_avatar_view(background="video", background_video=str(broken))
    assert "broken.mp4: cannot play this video as the background" in window.banner.text()
    assert window.engine.avatar.view.video == video  # still playing the good one
    assert window.settings.background_video == video and panel.background.currentData() == "video"

    assert not window.change_avatar_view(background="image", background_image=str(tmp_path / "none.png"))
    assert window.settings.background == "video" and panel.background.currentData() == "video"
    window.close()

    second = open_window()
    assert second.engine.avatar.view.background is BackgroundKind.VIDEO
    assert second.engine.avatar.view.video == video
    assert second.avatar_panel.background.currentData() == "video"


def test_video_background_settings_are_checked_on_load(config_dir):
    import json

    store = SettingsStore(config_dir)
    store.path.write_text(json.dumps({"background": "video", "background_video": 5}), encoding="utf-8")
    settings = store.load()
    assert settings.background == "video" and settings.background_video == ""
    assert any("'background_video'" in p and "expected a str" in p for p in store.problems)
