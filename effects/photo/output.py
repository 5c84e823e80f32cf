"""Writing an animation: .mp4/.mov/.mkv/.webm through render/video_writer, .gif through Pillow."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image

from assets import outputs
from effects.photo.errors import PhotoError
from render.video_writer import VideoOptions, VideoWriter

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm")
OUTPUT_SUFFIXES = VIDEO_SUFFIXES + (".gif",)


def check_output_path(path: Path) -> Path:
    """The shared up-front check (extension, folder exists and is writable) for an animation."""
    return outputs.check_output_path(path, OUTPUT_SUFFIXES, "an animation (-o)")


def even_size(width: int, height: int) -> tuple[int, int]:
    """H.264 needs even sizes: odd photos lose their last column / row in videos."""
    return width - width % 2, height - height % 2


# GIFs are for previews and chat apps: frames are scaled to at most this many pixels per side and
# share one 256-colour palette (taken from the first frame), which keeps files small and fast.
GIF_MAX_SIDE = 640


def _gif_frames(frames: Iterable[np.ndarray], size: tuple[int, int]) -> list[Image.Image]:
    scale = min(1.0, GIF_MAX_SIDE / max(size))
    target = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    palette = None
    out = []
    for frame in frames:
        image = Image.fromarray(np.ascontiguousarray(frame[:, :, :3]))
        if scale < 1.0:
            image = image.resize(target, Image.Resampling.LANCZOS)
        if palette is None:
            palette = image.quantize(256, method=Image.Quantize.MEDIANCUT)
        out.append(image.quantize(palette=palette, dither=Image.Dither.NONE))
    return out


def write_animation(path: Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: float,
                    audio: np.ndarray | None = None, audio_rate: int | None = None) -> int:
    """Write RGBA frames; returns the number written. Audio (mono float32) only for videos."""
    check_output_path(path)
    if path.suffix.lower() == ".gif":
        if audio is not None:
            raise PhotoError(f"{path}: a GIF cannot carry the voice; write .mp4 to keep the audio")
        images = _gif_frames(frames, size)
        if not images:
            raise PhotoError(f"{path}: no frames to write")
        path.parent.mkdir(parents=True, exist_ok=True)
        # GIF delays are in 10 ms units; Pillow rounds the millisecond duration
        images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000.0 / fps),
                       loop=0, optimize=False)
        return len(images)
    width, height = even_size(*size)
    count = 0
    with VideoWriter(path, width, height, VideoOptions(fps=fps),
                     audio_sample_rate=audio_rate if audio is not None else None) as writer:
        if audio is not None:
            writer.add_audio(audio)
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[:height, :width, :3]))
            count += 1
    return count
