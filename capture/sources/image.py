"""Still-image sources: one photo, or a folder of photos (sorted by name)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Literal

import cv2
import numpy as np

from assets.errors import SourceError
from capture.sources.base import mirrored
from capture.types import Frame

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


def read_image(path: str | Path) -> np.ndarray:
    """RGB uint8 (H, W, 3) of an image file (EXIF orientation applied, alpha dropped)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"image file {path} does not exist")
    if path.stat().st_size == 0:
        raise SourceError(f"image file {path} is empty (0 bytes)")
    data = np.fromfile(path, dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise SourceError(f"cannot decode image {path}: not a supported image "
                          f"({', '.join(sorted(IMAGE_EXTENSIONS))}) or the file is corrupt")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class ImageSource:
    """One photo as a single Frame (timestamp 0.0, index 0)."""

    is_live = False
    fps = 0.0
    frame_count = 1

    def __init__(self, path: str | Path, mirror: bool = False) -> None:
        self.path = Path(path)
        self.image = mirrored(read_image(self.path), mirror)

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(image=self.image, timestamp_s=0.0, index=0)

    def close(self) -> None:
        """Nothing held open."""

    def __enter__(self) -> "ImageSource":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class ImageFolderSource:
    """Every image in a folder, sorted by file name, one Frame each.

    Files whose extension is not an image extension are not images: with on_other="skip"
    (default) they are left out and listed in `skipped`; with on_other="error" the constructor
    raises SourceError listing them. A file WITH an image extension that does not decode is
    always an error (it is a broken photo, not an unrelated file).
    timestamp_s = index * interval_s (photos are independent; track them in IMAGE mode).
    """

    is_live = False

    def __init__(self, folder: str | Path, mirror: bool = False,
                 on_other: Literal["skip", "error"] = "skip", interval_s: float = 1.0) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SourceError(f"image folder {self.folder} does not exist or is not a folder")
        if on_other not in ("skip", "error"):
            raise ValueError(f"on_other must be 'skip' or 'error', got {on_other!r}")
        if interval_s <= 0:
            raise ValueError(f"interval_s must be > 0 (timestamps must increase), got {interval_s}")
        files = sorted(p for p in self.folder.iterdir() if p.is_file())
        self.paths = [p for p in files if p.suffix.lower() in IMAGE_EXTENSIONS]
        self.skipped = [p for p in files if p.suffix.lower() not in IMAGE_EXTENSIONS]
        if self.skipped and on_other == "error":
            names = ", ".join(p.name for p in self.skipped)
            raise SourceError(f"image folder {self.folder} contains non-image files: {names}. "
                              f"Remove them or use on_other='skip'")
        if not self.paths:
            raise SourceError(f"image folder {self.folder} has no images "
                              f"({', '.join(sorted(IMAGE_EXTENSIONS))})")
        self.mirror = mirror
        self.interval_s = interval_s
        self.fps = 1.0 / interval_s
        self.frame_count = len(self.paths)

    def __iter__(self) -> Iterator[Frame]:
        for index, path in enumerate(self.paths):
            image = mirrored(read_image(path), self.mirror)
            yield Frame(image=image, timestamp_s=index * self.interval_s, index=index)

    def close(self) -> None:
        """Nothing held open."""

    def __enter__(self) -> "ImageFolderSource":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
