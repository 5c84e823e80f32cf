"""A QOpenGLWidget that is a render Surface (STYLE.md point 10): the same `use`, `size`, `read`,
`release` as render/surface.OffscreenSurface, over the widget's own framebuffer.

The ModernGL context wraps the one Qt created (made in initializeGL); the widget may recreate
its framebuffer on resize, so it is detected again on every paintGL. Drawing happens in the
`paint` callback, which the owner sets: the engine draws its output texture straight into this
framebuffer, with no copy through the CPU."""
from __future__ import annotations

from typing import Callable

import moderngl
import numpy as np
from PyQt6.QtGui import QSurfaceFormat
from PyQt6.QtOpenGLWidgets import QOpenGLWidget
from PyQt6.QtWidgets import QWidget

from assets.errors import RenderError
from render.context import REQUIRED_GL_VERSION, RenderContext
from render.screen_bounds import PixelRect
from render.surface import AlphaOutput, unpremultiply


def request_core_profile() -> None:
    """Ask Qt for an OpenGL 3.3 core context (call before the QApplication is created)."""
    fmt = QSurfaceFormat()
    fmt.setVersion(REQUIRED_GL_VERSION // 100, (REQUIRED_GL_VERSION // 10) % 10)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    fmt.setAlphaBufferSize(8)
    fmt.setSwapInterval(0)  # the studio paces itself with a timer; vsync would add a frame of latency
    QSurfaceFormat.setDefaultFormat(fmt)


class QtSurface(QOpenGLWidget):
    """on_init(rc) runs once the GL context exists; on_paint(surface) draws each frame; on_error
    gets a message when the context cannot be created (the owner then falls back)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rc: RenderContext | None = None
        self._fbo: moderngl.Framebuffer | None = None
        self.on_init: Callable[[RenderContext], None] | None = None
        self.on_paint: Callable[["QtSurface"], None] | None = None
        self.on_release: Callable[[], None] | None = None
        self.on_error: Callable[[str], None] | None = None
        self.init_error: str | None = None
        self._released = False

    # ------------------------------------------------------------------ Qt hooks
    def initializeGL(self) -> None:
        try:
            self.rc = RenderContext.wrap(moderngl.create_context(require=REQUIRED_GL_VERSION))
        except (moderngl.Error, RenderError) as exc:
            self.init_error = f"OpenGL preview unavailable: {exc}"
        except Exception as exc:  # glcontext raises bare Exception when no context is current
            self.init_error = f"OpenGL preview unavailable: {type(exc).__name__}: {exc}"
        if self.init_error is not None:
            if self.on_error is not None:
                self.on_error(self.init_error)
            return
        if self.on_init is not None:
            self.on_init(self.rc)

    def paintGL(self) -> None:
        if self.rc is None or self._released:
            return
        self._fbo = self.rc.ctx.detect_framebuffer(self.defaultFramebufferObject())
        if self.on_paint is not None:
            self.on_paint(self)

    # ------------------------------------------------------------------ Surface interface
    @property
    def size(self) -> tuple[int, int]:  # type: ignore[override]  # QWidget.size() is shadowed on purpose
        ratio = self.devicePixelRatioF()
        return max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio))

    @property
    def framebuffer(self) -> moderngl.Framebuffer:
        if self._fbo is None:
            raise RenderError("the preview framebuffer exists only while the widget paints")
        return self._fbo

    def use(self) -> None:
        self.framebuffer.use()
        assert self.rc is not None
        self.rc.ctx.viewport = (0, 0, *self.size)

    def begin_frame(self, clear_rgba: tuple[float, float, float, float], drawn: PixelRect | None) -> None:
        """Bind and clear all of it: the window system may have changed any pixel since."""
        self.use()
        self.framebuffer.clear(*clear_rgba, depth=1.0)

    def read(self, alpha: AlphaOutput = AlphaOutput.STRAIGHT) -> np.ndarray:
        """The widget's current pixels as (H, W, 4) uint8, top row first."""
        if self.rc is None:
            raise RenderError(self.init_error or "the preview has no OpenGL context yet")
        self.makeCurrent()
        try:
            fbo = self.rc.ctx.detect_framebuffer(self.defaultFramebufferObject())
            width, height = fbo.size
            self.rc.finish()
            data = fbo.read(components=4, alignment=1)
        finally:
            self.doneCurrent()
        image = np.ascontiguousarray(np.frombuffer(data, np.uint8).reshape(height, width, 4)[::-1])
        return unpremultiply(image) if alpha is AlphaOutput.STRAIGHT else image

    def release(self) -> None:
        """Run the owner's GL cleanup with the context current (idempotent). Call before the
        widget is destroyed, e.g. from the window's closeEvent."""
        if self._released:
            return
        self._released = True
        if self.rc is None:
            return
        self.makeCurrent()
        try:
            if self.on_release is not None:
                self.on_release()
            self.rc.release()
        finally:
            self.doneCurrent()
