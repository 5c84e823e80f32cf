"""GPU resources shared by all layers of one effect stack at one frame size.

Image-space convention used by every layer: textures are stored top row first and a full-screen
pass maps texture v to image rows directly (uv (0, 0) = top-left pixel), so layers never flip.
Geometry passes map pixel (x, y-down) to NDC as (2x/W - 1, 2y/H - 1) (see `pixel_to_ndc`).
The framebuffers hold premultiplied RGBA8 (blend ONE, ONE_MINUS_SRC_ALPHA), like render/.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import moderngl
import numpy as np

from assets.errors import RenderError
from effects.errors import EffectShaderError
from render.context import RenderContext
from render.shaders import load_program
from render.surface import unpremultiply

# Flips clip-space y so that 3D passes land in our top-row-first framebuffers.
FLIP_Y = np.diag([1.0, -1.0, 1.0, 1.0])


class EffectGpu:
    """Two RGBA8 colour targets (ping-pong) + a shared depth buffer + the camera texture."""

    def __init__(self, rc: RenderContext, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            raise RenderError(f"effect frame size must be positive, got {width}x{height}")
        self.rc = rc
        self.ctx = rc.ctx
        self.size = (width, height)
        ctx = self.ctx
        self.depth = ctx.depth_renderbuffer((width, height))
        self.targets = [ctx.texture((width, height), 4) for _ in range(2)]
        self.fbos = [ctx.framebuffer([t], self.depth) for t in self.targets]
        # Colour-only views for blits between stacks (a blit with depth would copy that too).
        self._color_fbos = [ctx.framebuffer([t]) for t in self.targets]
        for t in self.targets:
            t.repeat_x = t.repeat_y = False
        self.mask = ctx.texture((1, 1), 1)
        self._mask_size = (1, 1)
        self._last_mask: np.ndarray | None = None
        self._vaos: dict[int, moderngl.VertexArray] = {}
        self._textures: dict[str, moderngl.Texture] = {}
        # targets[current] holds the image so far (the camera frame is uploaded into targets[0]).
        self.current: int = 0
        self._released = False

    # ----------------------------------------------------------------- per frame
    def begin_frame(self, image: np.ndarray, mask: np.ndarray | None) -> None:
        h, w = image.shape[:2]
        if (w, h) != self.size:
            raise RenderError(f"frame is {w}x{h} but the effect stack was built for "
                              f"{self.size[0]}x{self.size[1]}; create a stack per frame size")
        # Uploaded straight into a target as opaque RGBA8: no copy pass, and RGBA uploads are ~4x
        # faster than RGB ones on llvmpipe (measured: 1.2 ms vs 4.8 ms at 1280x720, with cvtColor).
        rgba = _opaque_rgba(image)
        self.targets[0].write(rgba, alignment=1)
        self._upload_mask(mask)
        self.current = 0

    def begin_frame_from(self, other: "EffectGpu", mask: np.ndarray | None) -> None:
        """Start from another stack's result, on the GPU (a blit, no trip through the CPU)."""
        if other.size != self.size:
            raise RenderError(f"the previous effect's frame is {other.size[0]}x{other.size[1]} but this stack "
                              f"was built for {self.size[0]}x{self.size[1]}")
        self.ctx.copy_framebuffer(self._color_fbos[0], other.result_framebuffer())
        self._upload_mask(mask)
        self.current = 0

    def result_framebuffer(self) -> moderngl.Framebuffer:
        """A colour-only framebuffer holding the image so far (for blits)."""
        return self._color_fbos[self.current]

    def _upload_mask(self, mask: np.ndarray | None) -> None:
        if mask is not None and mask is not self._last_mask:  # masks may be reused between frames
            self._last_mask = mask
            m = np.ascontiguousarray(np.clip(mask * 255.0 + 0.5, 0, 255).astype(np.uint8))
            size = (m.shape[1], m.shape[0])
            if size != self._mask_size:
                self.mask.release()
                self.mask = self.ctx.texture(size, 1)
                self.mask.repeat_x = self.mask.repeat_y = False
                self._mask_size = size
            self.mask.write(m, alignment=1)

    def source(self) -> moderngl.Texture:
        """The texture holding the image so far."""
        return self.targets[self.current]

    def begin_filter(self) -> moderngl.Texture:
        """Bind the other target for a full-screen pass; returns the texture to read from."""
        src = self.source()
        dst = 1 if self.current == 0 else 0
        self.fbos[dst].use()
        self.ctx.viewport = (0, 0, *self.size)
        self.current = dst
        self.ctx.disable(moderngl.BLEND | moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        return src

    def begin_region_filter(self) -> moderngl.Texture:
        """For filters that change only part of the frame (warp, beauty): blit the image so far
        into the other target (a memcpy on llvmpipe, ~0.2 ms at 720p; a full-screen shader pass
        costs 10-20x more) and bind it; the layer then redraws only its rectangle(s) from the
        returned source texture."""
        src = self.source()
        dst = 1 if self.current == 0 else 0
        self.ctx.copy_framebuffer(self.fbos[dst], self.fbos[self.current])
        self.fbos[dst].use()
        self.ctx.viewport = (0, 0, *self.size)
        self.current = dst
        self.ctx.disable(moderngl.BLEND | moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        return src

    def rect(self, program: moderngl.Program, rect_px: tuple[float, float, float, float],
             textures: dict[str, moderngl.Texture]) -> None:
        """Draw the pixel rectangle (x0, y0, x1, y1) with a program whose vertex stage places
        `u_rect` (see effects/layers/rect.glsl); the rectangle is clipped to the frame."""
        w, h = self.size
        x0, y0, x1, y1 = rect_px
        x0, y0 = max(0.0, min(float(w), x0)), max(0.0, min(float(h), y0))
        x1, y1 = max(0.0, min(float(w), x1)), max(0.0, min(float(h), y1))
        if x1 <= x0 or y1 <= y0:
            return
        program["u_rect"].value = (x0, y0, x1, y1)
        program["u_size"].value = (float(w), float(h))
        self._bound_vao(program, textures).render(moderngl.TRIANGLE_STRIP, vertices=4)

    def blur_levels(self, src: moderngl.Texture) -> tuple[moderngl.Texture, moderngl.Texture]:
        """`src` box-filtered down 4x and 16x (two small passes, ~1/15 of a full-screen pass;
        building mipmaps of a 720p target costs ~24 ms on llvmpipe). Sample them with linear
        filtering for a background blur. Leaves the caller's framebuffer unbound: call this
        before begin_filter()."""
        if not hasattr(self, "_blur"):
            levels = []
            w, h = self.size
            for k in (4, 16):
                tex = self.ctx.texture((max(w // k, 1), max(h // k, 1)), 4)
                tex.repeat_x = tex.repeat_y = False
                levels.append((tex, self.ctx.framebuffer([tex])))
            self._blur = levels
        program = self.program("downsample.glsl")
        source = src
        for tex, fbo in self._blur:
            fbo.use()
            self.ctx.viewport = (0, 0, *tex.size)
            program["u_src_size"].value = tuple(float(v) for v in source.size)
            self.fullscreen(program, {"u_src": source})
            source = tex
        self.ctx.viewport = (0, 0, *self.size)
        return self._blur[0][0], self._blur[1][0]

    def begin_overlay(self) -> None:
        """Bind the current target for drawing on top."""
        self.fbos[self.current].use()
        self.ctx.viewport = (0, 0, *self.size)

    def read(self, straight: bool = True) -> np.ndarray:
        """The result (H, W, 4) uint8, top row first (straight alpha unless `straight=False`)."""
        self.rc.finish()  # wait with the GIL released; the read then only copies
        data = self.fbos[self.current].read(components=4, alignment=1)
        image = np.frombuffer(data, np.uint8).reshape(self.size[1], self.size[0], 4)
        return unpremultiply(image) if straight else image.copy()

    # ----------------------------------------------------------------- helpers
    def program(self, path: str | Path, defines: dict[str, str | int | float] | None = None) -> moderngl.Program:
        path = Path(path)
        if not path.is_absolute():
            path = Path(__file__).resolve().parent / "glsl" / path
        try:
            return load_program(self.rc, path, defines)
        except RenderError as exc:
            raise EffectShaderError(str(exc)) from exc

    def fullscreen(self, program: moderngl.Program, textures: dict[str, moderngl.Texture]) -> None:
        """Draw one triangle covering the viewport, binding `textures` to the named samplers."""
        self._bound_vao(program, textures).render(moderngl.TRIANGLES, vertices=3)

    def _bound_vao(self, program: moderngl.Program, textures: dict[str, moderngl.Texture]) -> moderngl.VertexArray:
        """Bind `textures` to units 0.. and their named samplers; the attribute-less VAO of `program`."""
        for unit, (name, tex) in enumerate(textures.items()):
            tex.use(unit)
            member = program.get(name, None)
            if member is not None:
                member.value = unit
        vao = self._vaos.get(id(program))
        if vao is None:
            vao = self.ctx.vertex_array(program, [])
            self._vaos[id(program)] = vao
        return vao

    def texture_rgba(self, key: str, image: np.ndarray, mipmaps: bool = False) -> moderngl.Texture:
        """A cached RGBA8 texture (premultiplied on upload so linear filtering has no halos)."""
        tex = self._textures.get(key)
        if tex is None:
            rgba = np.asarray(image, np.uint8)
            a = rgba[..., 3:4].astype(np.uint16)
            pm = rgba.copy()
            pm[..., :3] = ((rgba[..., :3].astype(np.uint16) * a + 127) // 255).astype(np.uint8)
            tex = self.ctx.texture((rgba.shape[1], rgba.shape[0]), 4, np.ascontiguousarray(pm).tobytes())
            tex.repeat_x = tex.repeat_y = False
            if mipmaps:
                tex.build_mipmaps()
                tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            self._textures[key] = tex
        return tex

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        for obj in [*self._vaos.values(), *self._textures.values(), *self.fbos, *self._color_fbos, *self.targets,
                    self.depth, self.mask]:
            obj.release()
        for tex, fbo in getattr(self, "_blur", []):
            fbo.release()
            tex.release()
        self._vaos.clear()
        self._textures.clear()


def _opaque_rgba(image: np.ndarray) -> np.ndarray:
    """An (H, W, 3|4) uint8 frame as contiguous opaque RGBA (a 4th channel is taken as opaque:
    effects see the camera picture, not its transparency)."""
    if image.ndim == 3 and image.shape[2] == 4:
        if image.flags.c_contiguous and bool((image[..., 3] == 255).all()):
            return image  # already opaque RGBA: no copy (rendered frames over a solid background)
        rgba = np.array(image, np.uint8, order="C")
        rgba[..., 3] = 255
        return rgba
    return cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2RGBA)


def pixel_to_ndc(points_px: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(N, 2) pixel coordinates (y down) -> NDC for our top-row-first targets."""
    w, h = size
    return np.c_[points_px[:, 0] * 2.0 / w - 1.0, points_px[:, 1] * 2.0 / h - 1.0]


def clear_depth(fbo: moderngl.Framebuffer) -> None:
    """Clear only the depth of the bound framebuffer (colour masked off; moderngl applies the
    mask again on use(), so rebind after restoring it)."""
    fbo.color_mask = (False, False, False, False)
    fbo.clear(depth=1.0)
    fbo.color_mask = (True, True, True, True)
    fbo.use()
