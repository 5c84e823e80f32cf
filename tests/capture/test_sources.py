"""Frame sources: video timing and seeking, photos, folders, mirroring, webcam reader, bad input."""
from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from assets.errors import SourceError
from capture.sources import (ImageFolderSource, ImageSource, LatestFrameSlot, VideoSource,
                             WebcamSource, open_source, read_image)
from capture.types import Frame


def test_video_frames_carry_pts_timestamps_and_indices(test_data):
    with VideoSource(test_data / "video/talking_head_woman_d10.mp4") as video:
        assert video.fps == pytest.approx(30.0) and video.size == (512, 512)
        frames = [f for _, f in zip(range(5), video)]
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose([f.timestamp_s for f in frames], np.arange(5) / 30.0, atol=1e-3)
    assert frames[0].image.shape == (512, 512, 3) and frames[0].image.dtype == np.uint8
    assert frames[0].image.flags.c_contiguous


def test_video_seek_lands_on_the_requested_time(test_data):
    with VideoSource(test_data / "video/talking_head_man_d12.mp4") as video:
        first = [f for _, f in zip(range(60), video)]
        video.seek(2.0)
        after = next(iter(video))
        assert after.timestamp_s == pytest.approx(2.0, abs=1e-6) and after.index == 50
        np.testing.assert_array_equal(after.image, first[50].image)
        again = next(iter(video))  # a new pass starts from the beginning
        assert again.index == 0 and again.timestamp_s == 0.0


def test_other_containers_and_codecs(test_data):
    # .avi (h264) and mpeg4-in-mp4 decode through the same source
    for name, fps in (("video/people_walking_openpose.avi", 50.0),
                      ("video/talking_head_hdtf_aoc.mp4", 25.0)):
        with VideoSource(test_data / name) as video:
            frames = [f for _, f in zip(range(3), video)]
        assert video.fps == pytest.approx(fps)
        assert frames[2].timestamp_s == pytest.approx(2 / fps, abs=1e-3)


def test_unreadable_video_is_a_clear_error(tmp_path, test_data):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(SourceError, match="cannot read video .*broken.mp4"):
        VideoSource(bad)
    with pytest.raises(SourceError, match="does not exist"):
        VideoSource(tmp_path / "missing.mp4")
    with pytest.raises(SourceError, match="no video stream"):
        VideoSource(test_data / "audio/ljspeech_LJ001-0002.wav")


def test_zero_byte_and_corrupt_images_are_clear_errors(tmp_path, test_data):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty.jpg is empty \\(0 bytes\\)"):
        ImageSource(empty)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes((test_data / "faces/sergey.png").read_bytes()[:64])
    with pytest.raises(SourceError, match="cannot decode image .*corrupt.png"):
        read_image(corrupt)


def test_image_source_and_explicit_mirroring(test_data):
    path = test_data / "faces/obama-240p.jpg"
    plain = next(iter(ImageSource(path)))
    mirrored = next(iter(ImageSource(path, mirror=True)))
    assert plain.size == (427, 240) and plain.timestamp_s == 0.0
    np.testing.assert_array_equal(mirrored.image, plain.image[:, ::-1])
    assert mirrored.image.flags.c_contiguous


def test_folder_with_mixed_files_skips_and_reports_or_errors(tmp_path, test_data):
    shutil.copy(test_data / "faces/obama-240p.jpg", tmp_path / "b.jpg")
    shutil.copy(test_data / "faces/sergey.png", tmp_path / "a.png")
    (tmp_path / "notes.txt").write_text("not an image")
    shutil.copy(test_data / "audio/ljspeech_LJ001-0002.wav", tmp_path / "voice.wav")
    folder = ImageFolderSource(tmp_path, interval_s=0.5)
    assert [p.name for p in folder.skipped] == ["notes.txt", "voice.wav"]
    frames = list(folder)
    assert [f.image.shape[:2] for f in frames] == [(600, 600), (240, 427)]  # sorted by name
    assert [f.timestamp_s for f in frames] == [0.0, 0.5]
    with pytest.raises(SourceError, match="non-image files: notes.txt, voice.wav"):
        ImageFolderSource(tmp_path, on_other="error")
    (tmp_path / "fake.jpg").write_bytes(b"")  # an image by name that is broken: always an error
    with pytest.raises(SourceError, match="fake.jpg is empty"):
        list(ImageFolderSource(tmp_path))


def test_open_source_picks_the_source_kind(tmp_path, test_data):
    assert isinstance(open_source(str(test_data / "faces/sergey.png")), ImageSource)
    video = open_source(str(test_data / "video/talking_head_man_d12.mp4"))
    assert isinstance(video, VideoSource)
    video.close()
    with pytest.raises(SourceError, match="does not exist"):
        open_source(str(tmp_path / "nothing.mp4"))
    with pytest.raises(SourceError, match="webcam:INDEX"):
        open_source("webcam:front")


def test_missing_camera_index_is_a_clear_error():
    with pytest.raises(SourceError, match="camera 97 could not be opened; cameras available"):
        WebcamSource(97)


def test_latest_frame_slot_keeps_only_the_newest():
    slot = LatestFrameSlot()
    image = np.zeros((2, 2, 3), np.uint8)
    for i in range(5):
        slot.put(Frame(image, i / 30, i))
    assert slot.get(0.1).index == 4 and slot.dropped == 4
    assert slot.get(0.05) is None  # nothing newer yet
    slot.put(Frame(image, 0.2, 5))
    slot.close()
    assert slot.get(0.1).index == 5  # a frame put before close is still delivered
    assert slot.get(0.1) is None


def test_webcam_reader_thread_drops_stale_frames_for_a_slow_consumer(test_data):
    """The OpenCV reader runs on a video file as a stand-in camera (same code path as a device):
    a consumer 4x slower than the decoder sees increasing, skipping indices."""
    with WebcamSource(str(test_data / "video/talking_head_man_d12.mp4"), mirror=True) as cam:
        seen = []
        for frame in cam:
            seen.append(frame)
            time.sleep(0.03)
            if len(seen) == 5:
                break
        dropped = cam.dropped
    indices = [f.index for f in seen]
    assert indices == sorted(indices) and len(set(indices)) == 5
    assert dropped > 0 and indices[-1] - indices[0] > 4
    stamps = [f.timestamp_s for f in seen]
    assert stamps == sorted(stamps)
    assert seen[0].image.shape == (512, 512, 3)
