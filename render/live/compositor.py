"""Draw textures into any surface on the GPU: the camera frame as a background, a rendered
layer over it (premultiplied blending), and the final image letterboxed into the preview.
This is how the studio shows frames without a copy through the CPU."""
from __future__ import annotations

from enum import Enum
from pathlib import Path

import moderngl
import numpy as np

from render.context import RenderContext
from render.shaders import load_program, set_uniform

_SHADER = Path(__file__).with_name("compositor.glsl")


class Fit(Enum):
    CONTAIN = "contain"  # whole image visible, bars around it (letterbox)
    COVER = "cover"  # fill the target, crop what overflows


def fit_rect(src: tuple[int, int], dst: tuple[int, int]) -> tuple[int, int, int, int]:
    """The centred (x, y, w, h) viewport showing all of `src` inside `dst` at its aspect ratio."""
    sw, sh = src
    dw, dh = dst
    scale = min(dw / sw, dh / sh)
    w, h = max(1, round(sw * scale)), max(1, round(sh * scale))
    return (dw - w) // 2, (dh - h) // 2, w, h


def cover_uv(src: tuple[int, int], dst: tuple[int, int]) -> tuple[tuple[float, float], tuple[float, float]]:
    """uv (scale, offset) for the triangle's p in [0, 2] so the centre of `src` fills `dst`."""
    a_src, a_dst = src[0] / src[1], dst[0] / dst[1]
    sx, sy = (a_dst / a_src, 1.0) if a_src > a_dst else (1.0, a_src / a_dst)
    return (sx, sy), ((1.0 - sx) / 2.0, (1.0 - sy) / 2.0)


class Compositor:
    """Textured full-screen draws. `draw` blends premultiplied over what the framebuffer holds."""

    def __init__(self, rc: RenderContext) -> None:
        self.rc = rc
        self.program = load_program(rc, _SHADER)
        self.vao = rc.ctx.vertex_array(self.program, [])
        self._released = False

    def draw(self, texture: moderngl.Texture, target_size: tuple[int, int], fit: Fit = Fit.CONTAIN,
             flip_y: bool = False, straight_alpha: bool = False, opacity: float = 1.0,
             blend: bool = True) -> None:
        """Draw `texture` into the currently bound framebuffer of size `target_size`."""
        ctx = self.rc.ctx
        src = texture.size
        if fit is Fit.CONTAIN:
            ctx.viewport = fit_rect(src, target_size)
            scale, offset = (1.0, 1.0), (0.0, 0.0)
        else:
            ctx.viewport = (0, 0, *target_size)
            scale, offset = cover_uv(src, target_size)
        p = self.program
        set_uniform(p, "u_uv_scale", scale)
        set_uniform(p, "u_uv_offset", offset)
        set_uniform(p, "u_flip_y", flip_y)
        set_uniform(p, "u_premultiply", straight_alpha)
        set_uniform(p, "u_opacity", float(opacity))
        set_uniform(p, "u_texture", 0)
        texture.use(0)
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        if blend:
            ctx.enable(moderngl.BLEND)
            ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        else:
            ctx.disable(moderngl.BLEND)
        self.vao.render(moderngl.TRIANGLES, vertices=3)
        ctx.viewport = (0, 0, *target_size)

    def release(self) -> None:
        if not self._released:
            self._released = True
            self.vao.release()


class ImageTexture:
    """A texture fed from CPU images (camera frames, photos), re-created when the size changes."""

    def __init__(self, rc: RenderContext) -> None:
        self.rc = rc
        self.texture: moderngl.Texture | None = None

    def upload(self, image: np.ndarray) -> moderngl.Texture:
        h, w, c = image.shape
        if self.texture is None or self.texture.size != (w, h) or self.texture.components != c:
            if self.texture is not None:
                self.texture.release()
            self.texture = self.rc.ctx.texture((w, h), c, alignment=1)
            self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self.texture.repeat_x = self.texture.repeat_y = False
        self.texture.write(np.ascontiguousarray(image))
        return self.texture

    def release(self) -> None:
        if self.texture is not None:
            self.texture.release()
            self.texture = None
