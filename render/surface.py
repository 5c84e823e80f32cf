"""Render targets. Every surface has the same small interface (`use`, `size`, `read`,
`release`) whether it is an offscreen EGL framebuffer or a Qt widget's framebuffer, so the
renderer never knows which one it draws into (STYLE.md point 10)."""
from __future__ import annotations

import sys
from enum import Enum
from typing import Protocol

import moderngl
import numpy as np

from assets.errors import RenderError
from render.context import RenderContext
from render.screen_bounds import PixelRect, union_rect


class AlphaOutput(Enum):
    """How `read()` returns alpha. The framebuffer always holds premultiplied colour."""

    PREMULTIPLIED = "premultiplied"  # what compositors that blend with ONE, ONE_MINUS_SRC_ALPHA want
    STRAIGHT = "straight"  # what PNG files and most video codecs with alpha expect


class Surface(Protocol):
    @property
    def size(self) -> tuple[int, int]: ...

    @property
    def framebuffer(self) -> moderngl.Framebuffer: ...

    def use(self) -> None: ...

    def begin_frame(self, clear_rgba: tuple[float, float, float, float], drawn: PixelRect | None) -> None:
        """Bind and clear to premultiplied `clear_rgba` for a frame whose drawing stays inside
        `drawn` (GL window pixels; None: anywhere)."""
        ...

    def read(self, alpha: AlphaOutput = AlphaOutput.STRAIGHT) -> np.ndarray: ...

    def release(self) -> None: ...


def _fully_opaque(rgba: np.ndarray) -> bool:
    """Whether every alpha is 255. Where each pixel's 4 bytes are contiguous (little-endian), as
    one comparison of whole pixels (alpha is the top byte): faster than a strided min over alpha."""
    if rgba.size == 0:
        return True
    if rgba.strides[-1] == 1 and rgba.strides[-2] == 4 and sys.byteorder == "little":
        return bool(np.all(rgba.view(np.uint32) >= 0xFF000000))
    return int(rgba[..., 3].min()) == 255


def unpremultiply(rgba: np.ndarray, translucent_rows: slice = slice(None),
                  translucent_columns: slice = slice(None)) -> np.ndarray:
    """(H, W, 4) uint8 premultiplied -> straight alpha (colour divided by alpha, rounded).
    A caller that knows every pixel outside `translucent_rows` x `translucent_columns` is opaque
    (e.g. an opaque background around what was drawn) narrows the check for the common case."""
    if _fully_opaque(rgba[translucent_rows, translucent_columns]):  # nothing to divide
        return rgba
    out = rgba.copy()
    alpha = rgba[..., 3:4].astype(np.float32)
    partial = (alpha > 0) & (alpha < 255)
    if partial.any():
        scaled = np.clip(rgba[..., :3].astype(np.float32) * 255.0 / np.maximum(alpha, 1) + 0.5, 0, 255)
        out[..., :3] = np.where(partial, scaled.astype(np.uint8), rgba[..., :3])
    return out


class Antialias(Enum):
    """AUTO: 4x MSAA on a GPU, none on software rasterizers (llvmpipe), where 4x MSAA costs about
    three times the whole frame and even the FXAA pass costs ~25 ms of CPU at 1280x720 (measured
    on a 2-core machine); toon outlines hide most of the stair-stepping there.
    MSAA: `samples` multisampling. FXAA: a post filter. NONE: aliased (exact pixels and depth)."""

    AUTO = "auto"
    MSAA = "msaa"
    FXAA = "fxaa"
    NONE = "none"


def _xywh(rect: PixelRect) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = rect
    return (x0, y0, x1 - x0, y1 - y0)


class OffscreenSurface:
    """An offscreen target: colour + depth, anti-aliased by MSAA (resolved on read) or FXAA.

    `samples=0` (or antialias=NONE) renders single-sampled, aliased: exact depth read-back for
    geometry tests.
    """

    def __init__(self, rc: RenderContext, width: int, height: int, samples: int = 4,
                 antialias: Antialias = Antialias.MSAA) -> None:
        if width <= 0 or height <= 0:
            raise RenderError(f"surface size must be positive, got {width}x{height}")
        limit = rc.info.max_texture_size
        if width > limit or height > limit:
            raise RenderError(f"surface {width}x{height} exceeds this GPU's limit of {limit} pixels per side")
        self.rc = rc
        ctx = rc.ctx
        if antialias is Antialias.AUTO:
            antialias = Antialias.NONE if rc.info.is_software else Antialias.MSAA
        if samples <= 1 and antialias is Antialias.MSAA:
            antialias = Antialias.NONE
        self.antialias = antialias
        self.samples = min(samples, rc.info.max_samples) if antialias is Antialias.MSAA else 0
        self._size = (width, height)
        self.color_texture = ctx.texture((width, height), 4)
        self.depth_texture = ctx.depth_texture((width, height))
        self.resolved = ctx.framebuffer([self.color_texture], self.depth_texture)
        if self.samples:
            self._color_rb = ctx.renderbuffer((width, height), 4, samples=self.samples)
            self._depth_rb = ctx.depth_renderbuffer((width, height), samples=self.samples)
            self._msaa = ctx.framebuffer([self._color_rb], self._depth_rb)
            # Colour-only views for the resolve: a blit that also resolves depth costs twice as much.
            self._msaa_color = ctx.framebuffer([self._color_rb])
            self._resolved_color_fbo = ctx.framebuffer([self.color_texture])
        else:
            self._color_rb = self._depth_rb = self._msaa = self._msaa_color = self._resolved_color_fbo = None
        # Outside `_kept`, the drawn buffers hold `_kept_color` and far depth (None: unknown). A
        # frame then clears (and resolves) only what it draws plus what the last one drew.
        self._kept: PixelRect | None = None
        self._kept_color: tuple[float, float, float, float] | None = None
        # The same for the resolved colour texture of a multisampled surface.
        self._resolved_kept: PixelRect | None = None
        self._resolved_color: tuple[float, float, float, float] | None = None
        # (clear colour, its 4 bytes as read back) and a reused buffer for partial reads (`read`).
        self._background_pixel: tuple[tuple[float, float, float, float], np.ndarray] | None = None
        self._read_scratch = bytearray()
        self._fxaa_texture = self._fxaa_fbo = self._fxaa_vao = None
        if antialias is Antialias.FXAA:
            from render.shaders import load_program  # here: shaders imports context, not surface

            self.color_texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self.color_texture.repeat_x = self.color_texture.repeat_y = False
            self._fxaa_texture = ctx.texture((width, height), 4)
            self._fxaa_fbo = ctx.framebuffer([self._fxaa_texture])
            self._fxaa_program = load_program(rc, "fxaa.glsl")
            self._fxaa_vao = ctx.vertex_array(self._fxaa_program, [])
        self._released = False

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    @property
    def framebuffer(self) -> moderngl.Framebuffer:
        return self._msaa if self._msaa is not None else self.resolved

    def use(self) -> None:
        """Bind for drawing anywhere (the next frame then clears and resolves everything)."""
        self._kept = None
        self._bind()

    def _bind(self) -> None:
        self.framebuffer.use()
        self.rc.ctx.viewport = (0, 0, *self._size)

    def begin_frame(self, clear_rgba: tuple[float, float, float, float], drawn: PixelRect | None) -> None:
        """Bind and clear for a frame drawn only inside `drawn` (None: anywhere). Clearing a 4x
        multisampled 720p target costs ~12 ms on a software rasterizer and resolving it as much
        again; an avatar often covers a fifth of the frame, so only the rectangle that this or
        the last frame drew is cleared here and resolved later."""
        full = (0, 0, *self._size)
        if self._kept is None or drawn is None or clear_rgba != self._kept_color:
            region = full
        else:
            region = union_rect(self._kept, drawn) or full
        self._kept = drawn if drawn is not None else full
        self._kept_color = clear_rgba
        self._bind()
        if region == full:
            self.framebuffer.clear(*clear_rgba, depth=1.0)
        elif region[2] > region[0] and region[3] > region[1]:
            self.framebuffer.clear(*clear_rgba, depth=1.0, viewport=_xywh(region))

    def resolve(self) -> moderngl.Texture:
        """The finished, anti-aliased colour as a texture (for further GPU passes or read-back)."""
        if self._msaa is not None:
            self._resolve_multisampled()
        if self._fxaa_fbo is not None:
            ctx = self.rc.ctx
            self._fxaa_fbo.use()
            ctx.disable(moderngl.DEPTH_TEST | moderngl.BLEND)
            self.color_texture.use(0)
            self._fxaa_program["u_texture"].value = 0
            self._fxaa_program["u_texel"].value = (1.0 / self._size[0], 1.0 / self._size[1])
            self._fxaa_vao.render(moderngl.TRIANGLES, vertices=3)
            return self._fxaa_texture
        return self.color_texture

    def _resolve_multisampled(self) -> None:
        """Blit the multisampled colour into `color_texture`, only where either may differ from
        the background (the blit obeys the bound framebuffer's scissor)."""
        full = (0, 0, *self._size)
        if (self._kept is None or self._resolved_kept is None or self._kept == full
                or self._resolved_color != self._kept_color):
            region = full
        else:
            region = union_rect(self._resolved_kept, self._kept) or full
        self._resolved_kept, self._resolved_color = self._kept, self._kept_color
        if region[2] <= region[0] or region[3] <= region[1]:
            return  # both empty: background everywhere already
        if region != full:
            self._resolved_color_fbo.scissor = _xywh(region)
            self._resolved_color_fbo.use()
        self.rc.ctx.copy_framebuffer(self._resolved_color_fbo, self._msaa_color)
        if region != full:
            self._resolved_color_fbo.scissor = None
            self._resolved_color_fbo.use()

    def read(self, alpha: AlphaOutput = AlphaOutput.STRAIGHT) -> np.ndarray:
        """The image as (H, W, 4) uint8, top row first."""
        self.resolve()
        self.rc.finish()  # wait with the GIL released (render/gl_wait.py); the read then only copies
        rect = self._rect_to_read()
        image = self._read_whole() if rect is None else self._read_inside(rect)
        if alpha is not AlphaOutput.STRAIGHT:
            return image
        if self._kept is None or self._kept_color is None:
            return unpremultiply(image)
        height = self._size[1]
        x0, y0, x1, y1 = self._kept
        rows, columns = slice(height - max(y1, y0), height - y0), slice(x0, max(x1, x0))
        if self._kept_color[3] >= 1.0:  # an opaque background: only the drawn part may be translucent
            return unpremultiply(image, rows, columns)
        if self._kept_color[3] <= 0.0:  # a transparent one: nothing to divide outside the drawn part
            image[rows, columns] = unpremultiply(image[rows, columns])
            return image
        return unpremultiply(image)

    def _rect_to_read(self) -> PixelRect | None:
        """The part of the frame that must be read from the GPU (None: all of it). Outside the
        drawn rectangle every pixel is the background (`begin_frame`), whose bytes a whole read
        showed once: filling them in costs a fraction of reading and flipping them (a full shot's
        drawn rectangle is about a seventh of a 720p frame)."""
        if (self._fxaa_fbo is not None or self._kept is None or self._background_pixel is None
                or self._background_pixel[0] != self._kept_color):
            return None
        return self._kept

    def _read_whole(self) -> np.ndarray:
        width, height = self._size
        source = self._fxaa_fbo if self._fxaa_fbo is not None else self.resolved
        data = source.read(components=4, alignment=1)
        image = np.ascontiguousarray(np.frombuffer(data, np.uint8).reshape(height, width, 4)[::-1])
        if self._kept is not None and self._kept_color is not None:
            corner = self._corner_outside(self._kept)
            if corner is not None:  # the background's bytes as this GPU stores them
                self._background_pixel = (self._kept_color, image[corner].copy())
        return image

    def _corner_outside(self, rect: PixelRect) -> tuple[int, int] | None:
        """(row, column), top row first, of a corner pixel of the frame outside `rect` (a
        rectangle short of the whole frame misses a whole edge, so a corner of that edge)."""
        width, height = self._size
        x0, y0, x1, y1 = rect
        if x1 <= x0 or y1 <= y0 or x0 > 0 or y0 > 0:
            return height - 1, 0  # bottom left, GL's (0, 0)
        if x1 < width:
            return height - 1, width - 1
        if y1 < height:
            return 0, 0
        return None

    def _read_inside(self, rect: PixelRect) -> np.ndarray:
        """The frame with only `rect` read from the GPU and the background filled in around it."""
        width, height = self._size
        x0, y0, x1, y1 = rect
        x1, y1 = max(x0, x1), max(y0, y1)
        top, bottom = height - y1, height - y0
        image = np.empty((height, width, 4), np.uint8)
        pixels = image.view(np.uint32)[..., 0]  # one 32-bit store per pixel
        # Copied from a background row: numpy copies rows faster than it broadcasts a scalar.
        row = np.full(width, self._background_pixel[1].view(np.uint32)[0], np.uint32)
        pixels[:top] = row
        pixels[bottom:] = row
        pixels[top:bottom, :x0] = row[:x0]
        pixels[top:bottom, x1:] = row[x1:]
        if x1 > x0 and y1 > y0:
            size = (x1 - x0) * (y1 - y0) * 4
            if len(self._read_scratch) < size:
                self._read_scratch = bytearray(size)
            self.resolved.read_into(self._read_scratch, viewport=(x0, y0, x1 - x0, y1 - y0), components=4, alignment=1)
            inside = np.frombuffer(self._read_scratch, np.uint8, size).reshape(y1 - y0, x1 - x0, 4)
            image[top:bottom, x0:x1] = inside[::-1]
        return image

    def read_depth(self) -> np.ndarray:
        """Window-space depth in [0, 1] as (H, W) float32, top row first (single-sampled only)."""
        if self._msaa is not None:
            raise RenderError("read_depth needs a single-sampled surface (samples=0 or antialias NONE/FXAA)")
        width, height = self._size
        self.rc.finish()
        data = self.resolved.read(components=1, attachment=-1, dtype="f4")
        return np.frombuffer(data, np.float32).reshape(height, width)[::-1].copy()

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        for obj in (self._msaa, self._msaa_color, self._resolved_color_fbo, self._color_rb, self._depth_rb, self.resolved, self.color_texture, self.depth_texture,
                    self._fxaa_vao, self._fxaa_fbo, self._fxaa_texture):
            if obj is not None:
                obj.release()

    def __enter__(self) -> "OffscreenSurface":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
