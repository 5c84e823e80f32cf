"""Backgrounds behind the avatar: an image (cover-fit), a video (frame by time, looped) or a
360-degree equirectangular panorama that turns with the camera. A plain colour is the scene's
clear colour and needs no pass."""
from __future__ import annotations

import math
from pathlib import Path

import av
import moderngl
import numpy as np

from assets.errors import AssetError
from render.context import RenderContext
from render.image_io import read_image
from render.scene import FrameState
from render.shaders import load_program, set_uniform


class _VideoFrames:
    """Decodes a video sequentially and returns the frame shown at time t (looping)."""

    def __init__(self, path: Path) -> None:
        try:
            self._container = av.open(str(path))
            self._stream = self._container.streams.video[0]
        except (av.FFmpegError, IndexError, OSError) as exc:
            raise AssetError(f"{path}: cannot read the background video: {exc}") from exc
        self.path = path
        duration = self._stream.duration * self._stream.time_base if self._stream.duration else None
        self.duration_s = float(duration) if duration else float(self._container.duration or 0) / av.time_base
        self._decoder = self._container.decode(self._stream)
        self._current: np.ndarray | None = None
        self._current_t = -1.0
        self._next = self._read()

    def _read(self) -> tuple[float, np.ndarray] | None:
        try:
            frame = next(self._decoder)
        except StopIteration:
            return None
        t = float(frame.pts * frame.time_base) if frame.pts is not None else self._current_t + 1 / 30
        return t, frame.to_ndarray(format="rgba")

    def _restart(self) -> None:
        self._container.seek(0)
        self._decoder = self._container.decode(self._stream)
        self._next = self._read()

    def frame_at(self, t: float) -> np.ndarray:
        if self.duration_s > 0:
            t = t % self.duration_s
        if t < self._current_t:
            self._restart()
        while self._next is not None and self._next[0] <= t + 1e-6:
            self._current_t, self._current = self._next
            self._next = self._read()
        if self._current is None and self._next is not None:
            self._current_t, self._current = self._next
        if self._current is None:
            raise AssetError(f"{self.path}: the background video has no frames")
        return self._current

    def close(self) -> None:
        self._container.close()


class BackgroundPass:
    """Draws an image, video or panorama behind everything else (depth writes off)."""

    def __init__(self, rc: RenderContext, source: str | Path, kind: str = "image") -> None:
        if kind not in ("image", "video", "panorama"):
            raise AssetError(f"background kind '{kind}' unknown; choose image, video or panorama")
        self.rc = rc
        self.kind = kind
        self.path = Path(source)
        if not self.path.exists():
            raise AssetError(f"{self.path}: background file not found")
        self._video = _VideoFrames(self.path) if kind == "video" else None
        pixels = self._video.frame_at(0.0) if self._video else read_image(self.path)
        self._size = (pixels.shape[1], pixels.shape[0])
        self.texture = rc.ctx.texture(self._size, 4, np.ascontiguousarray(pixels).tobytes())
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        if kind == "panorama":
            self.texture.repeat_x, self.texture.repeat_y = True, False
        else:
            self.texture.repeat_x = self.texture.repeat_y = False
        self.program = load_program(rc, "background.glsl", {"PANORAMA": 1} if kind == "panorama" else {})
        self._vao = rc.ctx.vertex_array(self.program, [])
        self.opacity = 1.0
        self._released = False

    def screen_rect(self, frame: FrameState) -> None:
        return None  # the whole frame

    def draw(self, frame: FrameState) -> None:
        ctx = self.rc.ctx
        if self._video is not None:
            self.texture.write(np.ascontiguousarray(self._video.frame_at(frame.time_s)).tobytes())
        self.texture.use(0)
        set_uniform(self.program, "u_texture", 0)
        set_uniform(self.program, "u_opacity", self.opacity)
        width, height = frame.size
        if self.kind == "panorama":
            camera_to_world = np.linalg.inv(frame.view)[:3, :3]
            self.program["u_camera_to_world"].write(np.ascontiguousarray(camera_to_world.T, np.float32).tobytes())
            tan_y = 1.0 / frame.projection[1, 1]
            set_uniform(self.program, "u_tan_half_fov", (tan_y * width / height, tan_y))
        else:
            image_aspect = self._size[0] / self._size[1]
            frame_aspect = width / height
            if image_aspect > frame_aspect:  # crop the sides
                scale = (frame_aspect / image_aspect, 1.0)
            else:  # crop top and bottom
                scale = (1.0, image_aspect / frame_aspect)
            set_uniform(self.program, "u_uv_scale", scale)
            set_uniform(self.program, "u_uv_offset", ((1 - scale[0]) / 2, (1 - scale[1]) / 2))
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        self._vao.render(moderngl.TRIANGLES, vertices=3)
        ctx.disable(moderngl.BLEND)
        ctx.enable(moderngl.DEPTH_TEST)

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        self._vao.release()
        self.texture.release()
        if self._video is not None:
            self._video.close()


def panorama_direction(yaw_deg: float) -> tuple[float, float, float]:
    """Unit view direction for a yaw (for tests and camera moves)."""
    yaw = math.radians(yaw_deg)
    return (math.sin(yaw), 0.0, -math.cos(yaw))
