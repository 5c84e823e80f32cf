"""Frame sources: webcam, video file, image, image folder; `open_source` picks one from a string."""
from __future__ import annotations

from pathlib import Path

from assets.errors import SourceError
from capture.sources.base import FrameSource, LatestFrameSlot, mirrored
from capture.sources.image import IMAGE_EXTENSIONS, ImageFolderSource, ImageSource, read_image
from capture.sources.video import VideoSource
from capture.sources.webcam import CameraInfo, WebcamSource, list_cameras

__all__ = ["FrameSource", "LatestFrameSlot", "mirrored", "IMAGE_EXTENSIONS", "ImageFolderSource",
           "ImageSource", "read_image", "VideoSource", "CameraInfo", "WebcamSource",
           "list_cameras", "open_source"]


def open_source(spec: str, mirror: bool = False, camera_size: tuple[int, int] | None = None,
                camera_fps: float | None = None) -> FrameSource:
    """"webcam:N" (or a bare integer) -> camera N (camera_size / camera_fps are requests); a
    folder -> images in it; a file with an image extension -> that photo; any other file ->
    video."""
    if spec.startswith("webcam:") or spec.isdigit():
        index = spec.split(":", 1)[1] if ":" in spec else spec
        if not index.isdigit():
            raise SourceError(f"camera spec {spec!r} must be webcam:INDEX, e.g. webcam:0")
        width, height = camera_size if camera_size else (None, None)
        return WebcamSource(int(index), width=width, height=height, fps=camera_fps,
                            mirror=mirror)
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path, mirror=mirror)
    if not path.exists():
        raise SourceError(f"input {spec} does not exist (give a video, an image, a folder of "
                          f"images, or webcam:INDEX)")
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return ImageSource(path, mirror=mirror)
    return VideoSource(path, mirror=mirror)
