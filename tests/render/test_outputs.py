"""Surfaces, alpha handling, PNG and video files: written, read back, checked."""
from __future__ import annotations

import av
import numpy as np
import pytest

from assets.errors import AssetError, RenderError
from avatar.gltf.loader import load_gltf
from render.image_io import read_image, write_png
from render.stage import AvatarStage, StageOptions
from avatar.posing import Pose
from render.surface import AlphaOutput, OffscreenSurface, unpremultiply
from render.video_writer import VideoOptions, VideoWriteError, VideoWriter


def test_transparent_background_keeps_subject_opaque(rc, test_data):
    doc = load_gltf(test_data / "gltf/CesiumMan/CesiumMan.glb")
    with AvatarStage(doc, StageOptions(width=320, height=240, transparent=True), rc=rc) as stage:
        straight = stage.render(Pose())
        premultiplied = stage.render(Pose(), alpha=AlphaOutput.PREMULTIPLIED)
    alpha = straight[..., 3]
    assert alpha[0, 0] == 0 and alpha[-1, -1] == 0, "corners must be transparent"
    assert (alpha == 255).mean() > 0.03, "the avatar must be opaque"
    # Premultiplied colour never exceeds alpha; straight colour equals it where opaque.
    assert (premultiplied[..., :3] <= premultiplied[..., 3:4]).all()
    opaque = alpha == 255
    np.testing.assert_array_equal(straight[opaque], premultiplied[opaque])


def test_unpremultiply_half_alpha():
    pixel = np.array([[[64, 32, 0, 128]]], np.uint8)
    out = unpremultiply(pixel)
    assert tuple(out[0, 0]) == (128, 64, 0, 128)


@pytest.mark.parametrize("contiguous", [True, False])
def test_unpremultiply_finds_the_one_translucent_pixel(contiguous):
    image = np.full((6, 8, 4), 200, np.uint8)
    image[..., 3] = 255
    assert unpremultiply(image) is image  # opaque: returned as it is
    image[4, 5] = (100, 50, 254, 254)  # alpha one below opaque, colour in the high bytes too
    view = image if contiguous else image[:, ::-1]
    out = unpremultiply(view)
    assert out is not view
    row, col = (4, 5) if contiguous else (4, 2)
    assert tuple(out[row, col]) == (100, 50, 255, 254)
    assert (np.delete(out.reshape(-1, 4), row * 8 + col, axis=0) == view.reshape(-1, 4)[0]).all()
    # A caller's "only here can it be translucent" region that holds the pixel finds it too.
    narrowed = unpremultiply(view, slice(row, row + 1), slice(col - 1, col + 2))
    np.testing.assert_array_equal(narrowed, out)


def test_surface_rejects_bad_sizes(rc):
    with pytest.raises(RenderError, match="must be positive"):
        OffscreenSurface(rc, 0, 10)
    with pytest.raises(RenderError, match="exceeds"):
        OffscreenSurface(rc, 100000, 10)


def test_png_round_trip_keeps_alpha(tmp_path):
    image = np.zeros((8, 10, 4), np.uint8)
    image[2:5, 3:7] = (200, 100, 50, 255)
    path = write_png(tmp_path / "a.png", image)
    np.testing.assert_array_equal(read_image(path), image)


def test_read_image_errors_name_the_file(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(AssetError, match="empty.png: not a readable image"):
        read_image(empty)
    with pytest.raises(AssetError, match="missing.png: image file not found"):
        read_image(tmp_path / "missing.png")


def test_mp4_with_audio_reads_back(tmp_path):
    sr, fps, frames = 22050, 30, 45
    t = np.arange(int(sr * frames / fps)) / sr
    tone = (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = tmp_path / "clip.mp4"
    with VideoWriter(path, 320, 240, VideoOptions(fps=fps), audio_sample_rate=sr) as writer:
        writer.add_audio(tone)
        for i in range(frames):
            frame = np.zeros((240, 320, 3), np.uint8)
            frame[:, : (i + 1) * 7] = (250, 40, 40)
            writer.write(frame)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert (video.width, video.height) == (320, 240)
        assert float(video.average_rate) == pytest.approx(fps)
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        assert len(decoded) == frames
        assert decoded[10][120, 10, 0] > 200 and decoded[10][120, 300, 0] < 40, "frame content survived encoding"
        duration = float(container.duration) / av.time_base
        assert duration == pytest.approx(frames / fps, abs=1.5 / fps)
    with av.open(str(path)) as container:
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
        assert audio.codec_context.name == "aac"
        rms = float(np.sqrt(np.mean(samples[2000:-2000] ** 2)))
        assert rms == pytest.approx(0.4 / np.sqrt(2), rel=0.15), "the tone is present at its level"


@pytest.mark.parametrize("suffix,codec", [(".mov", "prores"), (".webm", "vp9")])
def test_alpha_video_keeps_transparency(tmp_path, suffix, codec):
    path = tmp_path / f"alpha{suffix}"
    with VideoWriter(path, 64, 48, VideoOptions(fps=25, alpha=True)) as writer:
        for _ in range(5):
            frame = np.zeros((48, 64, 4), np.uint8)
            frame[:, :32] = (0, 200, 0, 255)
            writer.write(frame)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert codec in stream.codec_context.name
        if codec == "vp9":  # FFmpeg's native VP9 decoder drops alpha; libvpx keeps it
            decoder = av.CodecContext.create("libvpx-vp9", "r")
            rgba = None
            for packet in container.demux(stream):
                for frame in decoder.decode(packet):
                    rgba = frame.to_ndarray(format="rgba")
                    break
                if rgba is not None:
                    break
        else:
            rgba = next(container.decode(video=0)).to_ndarray(format="rgba")
    assert rgba[24, 10, 3] > 250 and rgba[24, 50, 3] < 5


def test_failed_render_leaves_no_file(tmp_path):
    path = tmp_path / "out.mp4"
    with pytest.raises(VideoWriteError, match="frame is 10x10"):
        with VideoWriter(path, 64, 48) as writer:
            writer.write(np.zeros((48, 64, 3), np.uint8))
            writer.write(np.zeros((10, 10, 3), np.uint8))
    assert not path.exists()
    assert not list(tmp_path.iterdir()), "the partial file was removed"


def test_closing_before_the_first_frame_says_so_and_leaves_no_file(tmp_path):
    """A recording stopped before any frame arrived: a clear error, not FileNotFoundError from
    renaming a partial file FFmpeg never created."""
    path = tmp_path / "empty.mp4"
    writer = VideoWriter(path, 64, 48, audio_sample_rate=48000)
    with pytest.raises(VideoWriteError, match=r"empty\.mp4: no frames were written \(stopped before the first frame\)"):
        writer.close()
    assert list(tmp_path.iterdir()) == []


def test_writer_rejects_bad_names_and_sizes(tmp_path):
    with pytest.raises(VideoWriteError, match="needs a .mov"):
        VideoWriter(tmp_path / "a.mp4", 64, 48, VideoOptions(alpha=True))
    with pytest.raises(VideoWriteError, match="must be even"):
        VideoWriter(tmp_path / "a.mp4", 63, 48)
    with pytest.raises(VideoWriteError, match="unsupported video extension"):
        VideoWriter(tmp_path / "a.gif", 64, 48)
