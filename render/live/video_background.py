"""A looping video behind the avatar. It is decoded ahead on a SourceReader thread (render/live/sources:
paced to the wall clock, looping, only the newest frame kept), so a draw only uploads the newest
decoded frame and never waits on the decoder."""
from __future__ import annotations

from pathlib import Path

import moderngl

from assets.errors import AssetError
from render.context import RenderContext
from render.live.compositor import ImageTexture
from render.live.sources import SourceKind, SourceReader, SourceSpec

# The first frame must come within this, or the video is refused (and the previous background
# stays). A readable file delivers it in tens of milliseconds; a corrupt one fails at once.
FIRST_FRAME_TIMEOUT_S = 2.0


class VideoBackground:
    def __init__(self, rc: RenderContext, path: str) -> None:
        """Open `path` and wait for its first frame; AssetError (naming the file and the decoder's
        reason) for a missing, corrupt or empty video."""
        self.path = path
        if not Path(path).is_file():
            raise AssetError(f"{path}: background video not found; the previous background stays")
        self._reader = SourceReader(SourceSpec(SourceKind.VIDEO, path, loop=True))
        first = self._reader.slot.get(timeout_s=FIRST_FRAME_TIMEOUT_S)
        if first is None or first.image is None:
            reason = self._reader.error or (f"no frame within {FIRST_FRAME_TIMEOUT_S:g} s" if not self._reader.finished
                                            else "no decodable frame")
            self._reader.stop()
            raise AssetError(f"{path}: cannot play this video as the background ({reason}); "
                             f"the previous background stays")
        self._texture = ImageTexture(rc)
        self._texture.upload(first.image)

    @property
    def error(self) -> str | None:
        """Set when decoding failed after the start (e.g. a truncated file); the last frame stays."""
        return self._reader.error

    def texture(self) -> moderngl.Texture:
        """The newest decoded frame (uploaded only when a new one came), never waiting."""
        frame = self._reader.slot.get(timeout_s=0)
        if frame is not None and frame.image is not None:
            self._texture.upload(frame.image)
        assert self._texture.texture is not None
        return self._texture.texture

    def release(self) -> None:
        """Stop the decoder thread and free the texture (idempotent; the GL thread)."""
        self._reader.stop()
        self._texture.release()
