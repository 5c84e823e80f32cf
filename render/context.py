"""The OpenGL context: headless EGL (Mesa llvmpipe here, the GPU on a desktop) or a wrapped
context made by Qt. One context per surface; only its owning thread may touch it."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import moderngl

from assets.errors import RenderError
from render.gl_wait import gl_finish_function, gl_flush_function

# OpenGL 3.3 core is what we write shaders for (macOS tops out at 4.1; no SSBOs, no compute).
REQUIRED_GL_VERSION = 330


@dataclass(frozen=True)
class ContextInfo:
    renderer: str
    version: str
    vendor: str
    max_texture_size: int
    max_samples: int

    @property
    def is_software(self) -> bool:
        """True on software rasterizers (llvmpipe, softpipe, SwiftShader)."""
        name = self.renderer.lower()
        return any(s in name for s in ("llvmpipe", "softpipe", "swiftshader"))


_live = threading.local()  # owned headless contexts of this thread, newest last


def _live_contexts() -> list["RenderContext"]:
    if not hasattr(_live, "contexts"):
        _live.contexts = []
    return _live.contexts


class RenderContext:
    """Owns (or wraps) a ModernGL context plus the caches tied to it.

    Use `RenderContext.headless()` for offline rendering and tests, `RenderContext.wrap(ctx)` for
    a context another toolkit created (the Qt preview). `release()` is idempotent.
    """

    def __init__(self, ctx: moderngl.Context, owned: bool) -> None:
        if ctx.version_code < REQUIRED_GL_VERSION:
            raise RenderError(
                f"OpenGL {ctx.version_code / 100:.1f} found ({ctx.info.get('GL_RENDERER')}); "
                "Vivid Studio needs OpenGL 3.3 core. Update the graphics driver or install Mesa "
                "(Debian/Ubuntu: sudo apt-get install libgl1-mesa-dri libegl-mesa0)."
            )
        self.ctx = ctx
        self._owned = owned
        self._thread = threading.get_ident()
        # Explicit GC: ModernGL objects are released on this thread in gc(), never from
        # Python's garbage collector on whatever thread it runs (moderngl docs, gc.rst).
        ctx.gc_mode = "context_gc"
        self.programs: dict[tuple, moderngl.Program] = {}
        self._released = False

    @classmethod
    def headless(cls) -> "RenderContext":
        try:
            ctx = moderngl.create_standalone_context(require=REQUIRED_GL_VERSION, backend="egl")
        except Exception as exc:  # glcontext raises bare Exception when EGL is unusable
            raise RenderError(
                f"could not create a headless OpenGL context through EGL: {exc}. "
                "On Debian/Ubuntu install Mesa's EGL: sudo apt-get install libegl1 libegl-mesa0 "
                "libgl1-mesa-dri (make setup does this)."
            ) from exc
        rc = cls(ctx, owned=True)
        _live_contexts().append(rc)
        return rc

    @classmethod
    def wrap(cls, ctx: moderngl.Context) -> "RenderContext":
        return cls(ctx, owned=False)

    @property
    def info(self) -> ContextInfo:
        i = self.ctx.info
        return ContextInfo(
            renderer=str(i.get("GL_RENDERER", "")),
            version=str(i.get("GL_VERSION", "")),
            vendor=str(i.get("GL_VENDOR", "")),
            max_texture_size=int(i.get("GL_MAX_TEXTURE_SIZE", 0)),
            max_samples=int(i.get("GL_MAX_SAMPLES", 0)),
        )

    def make_current(self) -> None:
        """Make this context current again after another GL user (pyrender, a Qt widget)
        switched contexts on this thread."""
        self.ctx.__enter__()

    def finish(self) -> None:
        """Block until the GPU has done all queued work, letting other Python threads run
        meanwhile (see render/gl_wait.py). Call it before a read-back: the read then only copies.
        Must run on the thread where this context is current."""
        gl_finish = gl_finish_function()
        if gl_finish is None:
            self.ctx.finish()
        else:
            gl_finish()

    def flush(self) -> None:
        """Hand the work queued so far to the GPU without waiting for it. On llvmpipe the
        rasterizer threads then draw it while this thread prepares the next pass (it only starts
        at a flush or a wait otherwise): 8-11% of the built-in avatar's frame on two cores when it
        was added, before the avatar lost a third of its triangles."""
        gl_flush = gl_flush_function()
        if gl_flush is not None:
            gl_flush()

    def check_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise RenderError("OpenGL used from a thread that does not own the context; "
                              "hand immutable data to the render thread instead")

    def gc(self) -> int:
        """Release GL objects dropped since the last call. Call once per frame.

        Our own loop rather than ``ctx.gc()``: moderngl 5.13 also queues objects that were already
        released explicitly (as InvalidObject, which has no ``release``) and then fails on them."""
        objects = self.ctx.objects
        count = 0
        while objects:
            obj = objects.popleft()
            release = getattr(obj, "release", None)
            if release is not None:
                release()
                count += 1
        return count

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        self.programs.clear()
        self.gc()
        if self._owned:
            self.ctx.release()
            # Creating a context made it current; releasing it leaves none. Hand "current" back to
            # the newest context still alive on this thread so its owner keeps drawing.
            live = _live_contexts()
            if self in live:
                live.remove(self)
            if live:
                live[-1].make_current()

    def __enter__(self) -> "RenderContext":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
