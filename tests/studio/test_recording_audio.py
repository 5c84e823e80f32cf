"""Sound in live recordings: blocks placed on the video's clock (AudioTrack), a real voice-over
file recorded with live-paced frames and read back in sync, and the microphone's clear errors."""
from __future__ import annotations

import time

import av
import numpy as np
import pytest
import soundfile
from scipy.signal import correlate, resample_poly

from assets.errors import VividError
from render.live.audio_input import AudioBlock, AudioFileInput, AudioInputError, MicrophoneInput, open_audio_input
from render.live.audio_track import RESYNC_S, AudioTrack
from render.live.recorder import Recorder

RATE = 16000
VOICE = "audio/cards_001.wav"


def _blocks(start: float, count: int, size: int, jitter_s: float, rng) -> list[AudioBlock]:
    """Blocks whose time stamps (after the first) jitter by up to `jitter_s`."""
    return [AudioBlock(start + i * size / RATE + (float(rng.uniform(-jitter_s, jitter_s)) if i else 0.0),
                       np.full(size, (i + 1) / 100, np.float32)) for i in range(count)]


def test_jittery_blocks_are_laid_end_to_end_and_gaps_become_silence():
    rng = np.random.default_rng(3)
    track = AudioTrack(RATE)
    early = _blocks(99.8, 3, 800, 0.0, rng)  # heard before the recording started: cut
    track.add(early)
    track.start_clock(100.0)
    track.add(_blocks(100.05, 10, 800, 0.004, rng))  # 4 ms of time-stamp jitter: no clicks
    after_gap = 100.05 + 10 * 800 / RATE + 0.3  # the input lost 0.3 s: silence, then in sync again
    track.add([AudioBlock(after_gap, np.full(800, 0.5, np.float32))])
    out = track.finish(int(2.0 * RATE))
    assert len(out) == 2 * RATE
    assert np.all(out[:int(0.05 * RATE) - 1] == 0.0)  # silence until the first block's time
    start = int(0.05 * RATE)
    for i in range(10):  # contiguous, in order, none dropped or doubled
        assert np.all(out[start + i * 800:start + (i + 1) * 800] == pytest.approx((i + 1) / 100))
    gap_at = int(round((after_gap - 100.0) * RATE))
    assert np.all(out[start + 8000:gap_at] == 0.0) and gap_at - (start + 8000) > RESYNC_S * RATE
    assert np.all(out[gap_at:gap_at + 800] == 0.5) and np.all(out[gap_at + 800:] == 0.0)


def test_release_never_runs_past_the_video():
    track = AudioTrack(RATE)
    track.start_clock(0.0)
    track.add([AudioBlock(0.0, np.ones(RATE, np.float32))])
    assert len(track.release(RATE // 2)) == RATE // 2
    assert len(track.release(RATE // 2)) == 0
    assert len(track.finish(RATE // 4)) == 0  # a file that ends earlier gets no more audio
    assert track.released == RATE // 2


def test_recording_with_a_voice_over_is_in_sync(test_data, tmp_path):
    voice_path = test_data / VOICE
    source, rate = soundfile.read(str(voice_path), dtype="float32", always_2d=True)
    source = source.mean(axis=1)
    path = tmp_path / "take.mp4"
    recorder = Recorder(path, (64, 48), fps=30.0, started_at=time.monotonic(), audio=AudioFileInput(voice_path))
    start = time.monotonic()
    while (now := time.monotonic()) - start < 2.5:  # frames at a live pace, as the studio submits them
        recorder.submit(np.full((48, 64, 3), 90, np.uint8), now)
        time.sleep(1 / 30)
    out = recorder.stop(time.monotonic())
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
    with av.open(str(out)) as container:
        audio_stream = container.streams.audio[0]
        heard_rate = audio_stream.codec_context.sample_rate
        heard = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio_stream)])
    video_s, audio_s = frames / 30.0, len(heard) / heard_rate
    assert video_s == pytest.approx(2.5, abs=0.15)
    # AAC codes whole frames of 1024 samples: the decoded end may run up to one frame longer.
    assert video_s - 0.01 <= audio_s <= video_s + 1024 / heard_rate + 0.01
    # The voice is where it was heard: cross-correlation peaks within 60 ms of zero lag.
    heard = resample_poly(heard, rate, heard_rate) if heard_rate != rate else heard
    n = min(int(2.2 * rate), len(source))
    a, b = heard[:n], source[:n]
    scores = correlate(a, b, mode="full", method="fft")
    lags = np.arange(-len(b) + 1, len(a))
    window = np.abs(lags) <= int(0.2 * rate)
    best = int(lags[window][np.argmax(scores[window])])
    assert abs(best) <= 0.06 * rate, f"voice is {best / rate * 1000:.0f} ms off"
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    assert scores[window].max() / norm > 0.8  # the same speech, not noise


def test_microphone_is_recorded_or_explains_what_is_missing(tmp_path):
    try:
        mic = MicrophoneInput()
    except AudioInputError as exc:  # this machine: no PortAudio or no input device
        assert "libportaudio2" in str(exc) or "no microphone" in str(exc)
        return
    mic.start()  # a machine with a microphone: it delivers real, finite samples
    time.sleep(0.5)
    blocks = mic.take()
    mic.close()
    samples = np.concatenate([b.samples for b in blocks])
    assert len(samples) > 0.3 * mic.sample_rate and np.isfinite(samples).all()


def test_bad_audio_inputs_are_named(tmp_path):
    with pytest.raises(AudioInputError, match="missing.wav: audio file not found"):
        open_audio_input(str(tmp_path / "missing.wav"))
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00not really a wave file")
    with pytest.raises(AudioInputError, match="broken.wav: cannot read this audio file"):
        open_audio_input(str(broken))
    assert issubclass(AudioInputError, VividError)


def test_picture_and_sound_stay_in_sync_despite_pipeline_latency(tmp_path):
    """A clap seen and heard at the same moment: the camera frame showing it reaches the recorder
    200 ms later (tracking + rendering), the sound at once. In the file they coincide."""
    rate, beep_at, latency = 16000, 1.0, 0.2
    t = np.arange(int(2.5 * rate)) / rate
    sound = np.where((t >= beep_at) & (t < beep_at + 0.1), 0.8 * np.sin(2 * np.pi * 1000 * t), 0.0)
    soundfile.write(str(tmp_path / "clap.wav"), sound.astype(np.float32), rate)
    path = tmp_path / "clap.mp4"
    started = time.monotonic()
    recorder = Recorder(path, (64, 48), fps=30.0, started_at=started, audio=AudioFileInput(tmp_path / "clap.wav"))
    while (now := time.monotonic()) - started < 2.4:
        captured = now - latency  # the picture shows the camera as it was 200 ms ago
        flash = beep_at <= captured - started < beep_at + 0.1
        recorder.submit(np.full((48, 64, 3), 255 if flash else 0, np.uint8), now, captured_at=captured)
        time.sleep(1 / 60)
    out = recorder.stop(time.monotonic())
    with av.open(str(out)) as container:
        brightness = [float(f.to_ndarray(format="gray").mean()) for f in container.decode(video=0)]
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        heard_rate = stream.codec_context.sample_rate
        heard = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
    seen_s = next(i for i, b in enumerate(brightness) if b > 128) / 30.0
    loud = np.flatnonzero(np.abs(heard) > 0.3)
    heard_s = loud[0] / heard_rate
    # The file's audio starts when the voice-over started (a few ms after `started`); allow one
    # frame plus the player's start-up.
    assert abs(seen_s - heard_s) <= 1 / 30 + 0.03, f"picture at {seen_s:.3f} s, sound at {heard_s:.3f} s"
