"""The soundtrack of an input video, read for video-to-video commands."""
from __future__ import annotations

import av
import numpy as np
import pytest

from assets.errors import VividError
from render.source_audio import read_source_audio
from render.video_writer import VideoOptions, VideoWriter


def test_soundtrack_of_a_real_video(test_data):
    path = test_data / "video/talking_head_man_d12.mp4"
    audio = read_source_audio(path)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        expected_s = float(stream.duration * stream.time_base)
    assert audio is not None and audio.sample_rate == 44100
    assert audio.duration_s == pytest.approx(expected_s, abs=0.05)
    assert float(np.sqrt(np.mean(audio.samples ** 2))) > 0.01  # speech, not silence
    piece = audio.clip(7.0, 1.0)  # past the end: padded with silence to the length asked for
    assert len(piece) == 44100 and np.all(piece[int(0.4 * 44100):] == 0.0)


def test_a_silent_video_has_no_soundtrack_and_a_broken_file_is_named(tmp_path):
    silent = tmp_path / "silent.mp4"
    with VideoWriter(silent, 32, 32, VideoOptions(fps=10, background=False)) as writer:
        for _ in range(5):
            writer.write(np.zeros((32, 32, 3), np.uint8))
    assert read_source_audio(silent) is None
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42 not a video")
    with pytest.raises(VividError, match="broken.mp4: cannot read its soundtrack"):
        read_source_audio(broken)
