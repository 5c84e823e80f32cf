"""Mouth from audio: a live audio input through tts_bridge's StreamingAnalyser into the avatar
driver's viseme channel (render/live/audio_mouth.py, audio_tap.py), on real speech recordings."""
from __future__ import annotations

import threading
import time

import av
import numpy as np
import pytest
import soundfile
from scipy.signal import correlate, resample_poly

from avatar.driving.mixer import Channel
from capture.types import Blendshape, FaceTracking, Tracking, readonly_f32
from render.context import RenderContext
from render.live.audio_input import AudioBlock, AudioInputError
from render.live.audio_mouth import AudioMouth
from render.live.audio_tap import AudioBranch
from render.live.avatar_layer import AvatarLayer
from render.live.compositor import Compositor
from render.live.engine import EngineOptions, StudioEngine
from tts_bridge.analyser import LOOKAHEAD_S, analyse
from tts_bridge.viseme_table import VRM_FOLD

from tests.studio.conftest import AVATAR

# Vosk's word timings (MANIFEST.md): "one zero zero zero one" 0.84-2.61 s, then silence until
# "nah no to i know" 3.93-4.98 s.
SPEECH = "audio/vosk_test.wav"
WORDS_1, WORDS_2 = (0.9, 2.55), (3.95, 4.95)
BEFORE_SPEECH = (0.1, 0.75)
# The pause once the speech gate has let go: the analyser's openness is under 0.05 from 2.77 s, then
# HOLD_S (0.25 s) and the viseme channel's 80 ms fade-out.
QUIET = (3.2, 3.85)
MOUTH = ("aa", "ih", "ou", "ee", "oh")
FRAME_S = 1.0 / EngineOptions().record_fps  # one output frame


@pytest.fixture(scope="module")
def rc():
    context = RenderContext.headless()
    yield context
    context.release()


def mouth_open(expressions: dict[str, float]) -> float:
    return sum(expressions.get(name, 0.0) for name in MOUTH)


def offline_mouth(path) -> tuple[np.ndarray, np.ndarray]:
    """The same analyser over the whole file: (times, summed VRM mouth weights)."""
    audio, rate = soundfile.read(str(path), dtype="float32")
    frames = analyse(audio, rate)
    return frames.times_s, np.clip(frames.viseme_weights() @ VRM_FOLD, 0.0, 1.0).sum(axis=1)


def within(times: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    return (times >= span[0]) & (times < span[1])


def best_lag(times: np.ndarray, live: np.ndarray, ref_t: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """Delay of `live` behind `ref` (seconds) at the peak of their correlation, and that correlation."""
    grid = np.arange(0.3, float(times[-1]) - 0.2, 0.002)
    shown = np.interp(grid, times, live)
    lags = np.arange(-0.05, 0.2, 0.002)
    scores = [np.corrcoef(np.interp(grid - lag, ref_t, ref), shown)[0, 1] for lag in lags]
    best = int(np.argmax(scores))
    return float(lags[best]), float(scores[best])


def run_engine(engine: StudioEngine, seconds: float) -> np.ndarray:
    """Step the engine as the window does (StudioEngine.should_render pacing); rows of
    (time, open mouth, viseme channel opacity)."""
    rows = []
    end = time.monotonic() + seconds
    while (now := time.monotonic()) < end:
        if engine.should_render(now):
            engine.step(now)
            driver = engine.avatar.avatar_driver
            rows.append((now, mouth_open(engine.avatar.last_expressions), driver.mixer.opacity(Channel.VISEME)))
        time.sleep(0.002)
    return np.array(rows)


def test_mouth_opens_with_speech_closes_in_silence_within_lookahead_plus_one_frame(rc, test_data, monkeypatch):
    analysed_on = set()
    push = AudioMouth.push

    def spy(self, block):
        analysed_on.add(threading.current_thread().name)
        push(self, block)
    monkeypatch.setattr(AudioMouth, "push", spy)

    engine = StudioEngine(rc, EngineOptions(width=320, height=180, face_tracking=False, samples=0))
    try:
        engine.load_avatar(str(test_data / AVATAR))
        mouth = engine.start_lip_sync(str(test_data / SPEECH))
        rows = run_engine(engine, 5.2)
        t = rows[:, 0] - mouth.clock_start  # on the clock of the sound: 0 = the file's first sample
    finally:
        engine.close()
    assert analysed_on == {"audio-tap"}  # analysed on the audio thread, never on the render thread

    shown = rows[:, 1]
    assert shown[within(t, BEFORE_SPEECH)].max() < 0.01  # closed before the first word
    assert shown[within(t, WORDS_1)].mean() > 0.4 and shown[within(t, WORDS_1)].max() > 0.8
    assert shown[within(t, WORDS_2)].mean() > 0.4
    assert shown[within(t, QUIET)].max() < 0.02

    ref_t, ref = offline_mouth(test_data / SPEECH)
    lag, corr = best_lag(t, shown, ref_t, ref)
    print(f"mouth from audio: {lag * 1000:.0f} ms behind the sound (correlation {corr:.3f}), "
          f"{len(rows) / (rows[-1, 0] - rows[0, 0]):.0f} frames/s")
    assert corr > 0.85  # the analyser's mouth, not something else
    assert 0.0 <= lag <= LOOKAHEAD_S + FRAME_S


def jaw_open_face(jaw: float) -> FaceTracking:
    blend = np.zeros(52, np.float32)
    blend[Blendshape.JAW_OPEN] = jaw
    return FaceTracking(landmarks=readonly_f32(np.zeros((478, 3))), blendshapes=readonly_f32(blend),
                        head_matrix=readonly_f32(np.eye(4)), timestamp_s=0.0)


def test_audio_wins_over_the_tracked_mouth_while_speaking_and_the_camera_mouth_returns_in_silence(rc, test_data):
    """A face whose tracked mouth hangs open (poor webcam mouth tracking): while the voice speaks the
    mouth follows the voice, closing between syllables; in the pause it is the tracked mouth again."""
    audio, rate = soundfile.read(str(test_data / SPEECH), dtype="float32")
    mouth = AudioMouth(rate)
    clock = 100.0  # time.monotonic() of the first sample
    block = int(0.005 * rate)
    heard = 0  # samples delivered so far, as a sound card would: each block once it was heard

    compositor = Compositor(rc)
    layer = AvatarLayer(rc, str(test_data / AVATAR), (160, 90), compositor, samples=0)
    try:
        times = np.arange(0.0, 5.2, FRAME_S)
        shown, audio_owned = [], []
        for t in times:
            while heard + block <= t * rate:
                mouth.push(AudioBlock(clock + heard / rate, audio[heard:heard + block]))
                heard += block
            visemes = mouth.visemes_at(clock + t, layer.perfect_sync)
            layer._drive(Tracking(t, faces=(jaw_open_face(0.7),)), t, None, {}, visemes)
            shown.append(mouth_open(layer.last_expressions))
            audio_owned.append(layer.avatar_driver.mixer.opacity(Channel.VISEME))
        shown, audio_owned = np.array(shown), np.array(audio_owned)
        for t in times:  # the same face without audio: what the camera alone gives
            layer._drive(Tracking(10.0 + t, faces=(jaw_open_face(0.7),)), 10.0 + t, None, {})
        tracked = mouth_open(layer.last_expressions)
    finally:
        layer.release()
        compositor.release()

    assert tracked > 0.4  # jawOpen 0.7 opens the tracked mouth wide
    speaking = within(times, (WORDS_1[0] + 0.1, WORDS_1[1]))  # after the viseme channel's 80 ms fade-in
    assert audio_owned[speaking].min() > 0.99  # the audio owns the mouth all through the words
    ref_t, ref = offline_mouth(test_data / SPEECH)
    follows = max(np.corrcoef(shown[speaking], np.interp(times[speaking] - lag, ref_t, ref))[0, 1]
                  for lag in np.arange(0.0, LOOKAHEAD_S + FRAME_S, 0.005))  # heard, then analysed
    assert follows > 0.9  # it moves with the voice...
    assert shown[speaking].min() < 0.5 * tracked  # ...and closes between syllables despite the camera
    quiet = within(times, QUIET)
    assert audio_owned[quiet].max() == 0.0
    assert np.abs(shown[quiet] - tracked).max() < 0.05  # the tracked mouth in silence
    assert within(times, BEFORE_SPEECH)[audio_owned > 0].sum() == 0  # no audio channel before the voice


def test_a_recording_shares_the_lip_sync_input_and_keeps_its_sound_when_lip_sync_stops(rc, test_data, tmp_path):
    voice = test_data / SPEECH
    engine = StudioEngine(rc, EngineOptions(width=160, height=90, face_tracking=False, samples=0))
    try:
        engine.load_avatar(str(test_data / AVATAR))
        engine.start_lip_sync(str(voice))
        run_engine(engine, 0.5)
        started = time.monotonic()
        out = tmp_path / "take.mp4"
        recorder = engine.start_recording(out, audio=str(voice))
        assert isinstance(recorder.audio, AudioBranch)  # the lip-sync input, not a second one
        deadline = time.monotonic() + 2.0  # the tap thread delivers the restarted voice-over's first block
        while engine.mouth.clock_start is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert engine.mouth.clock_start >= started - 0.05  # the voice-over starts over with the recording
        run_engine(engine, 1.2)
        engine.stop_lip_sync()  # the recording keeps its sound
        assert engine.mouth is None
        run_engine(engine, 1.3)
        assert engine.stop_recording() == out
    finally:
        engine.close()
    source, rate = soundfile.read(str(voice), dtype="float32")
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        heard_rate = stream.codec_context.sample_rate
        heard = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
    heard = resample_poly(heard, rate, heard_rate) if heard_rate != rate else heard
    n = int(2.4 * rate)
    a, b = heard[:n], source[:n]
    scores = correlate(a, b, mode="full", method="fft")
    lags = np.arange(-len(b) + 1, len(a))
    near = np.abs(lags) <= int(0.2 * rate)
    assert abs(int(lags[near][np.argmax(scores[near])])) <= 0.06 * rate  # the voice from the recording's start
    assert scores[near].max() / (np.linalg.norm(a) * np.linalg.norm(b)) > 0.8  # all of it, after lip sync stopped too


def test_bad_lip_sync_inputs_are_named_and_the_running_one_stays(rc, test_data, tmp_path):
    engine = StudioEngine(rc, EngineOptions(width=160, height=90, face_tracking=False, samples=0))
    try:
        running = engine.start_lip_sync(str(test_data / SPEECH))
        with pytest.raises(AudioInputError, match="missing.wav: audio file not found"):
            engine.start_lip_sync(str(tmp_path / "missing.wav"))
        low = tmp_path / "phone.wav"
        soundfile.write(str(low), np.zeros(4000, np.float32), 4000)
        with pytest.raises(AudioInputError, match="too low for lip sync"):
            engine.start_lip_sync(str(low))
        try:
            engine.start_lip_sync("mic")
        except AudioInputError as exc:  # this machine: no PortAudio or no microphone
            assert "libportaudio2" in str(exc) or "no microphone" in str(exc)
            assert engine.mouth is running
        engine.step()
        assert engine.poll_errors() == []
    finally:
        engine.close()


def test_mouth_from_audio_in_the_window_is_saved_and_restored(qtbot, open_window, test_data):
    window = open_window(avatar=str(test_data / AVATAR))
    box = window.avatar_panel.mouth_from_audio
    box.setChecked(True)  # no audio chosen yet
    assert "choose the microphone or an audio file" in window.banner.text()
    assert not box.isChecked() and window.engine.mouth is None and not window.settings.mouth_from_audio

    window.update_settings(record_audio=str(test_data / SPEECH))
    box.setChecked(True)
    assert window.engine.mouth is not None and window.settings.mouth_from_audio
    qtbot.waitUntil(lambda: mouth_open(window.engine.avatar.last_expressions) > 0.3, timeout=5000)
    window.close()

    second = open_window()
    assert second.avatar_panel.mouth_from_audio.isChecked() and second.engine.mouth is not None
    assert second.engine.lip_sync_spec == str(test_data / SPEECH)
    second.avatar_panel.mouth_from_audio.setChecked(False)
    assert second.engine.mouth is None and not second.settings.mouth_from_audio


def test_mouth_from_audio_setting_is_checked_on_load(config_dir):
    import json

    from render.live.settings import SettingsStore

    store = SettingsStore(config_dir)
    store.path.write_text(json.dumps({"mouth_from_audio": "yes", "record_audio": "mic"}), encoding="utf-8")
    settings = store.load()
    assert settings.mouth_from_audio is False and settings.record_audio == "mic"
    assert any("'mouth_from_audio'" in p and "expected a bool" in p for p in store.problems)
