"""Wait for the GPU without holding Python's GIL.

ModernGL holds the GIL in every call, including the ones that block until the GPU is done (a
read-back, `finish`). On llvmpipe that wait is the whole rasterization of the frame, tens of
milliseconds, and meanwhile every other Python thread (video decode, the tracker, the encoder)
is frozen. `glFinish` called through ctypes does the same wait with the GIL released (ctypes
releases it around every foreign call), so a read-back right after it only copies pixels.

The function comes from the platform's GL library, which dispatches to the calling thread's
current context (EGL or GLX through libglvnd on Linux, WGL on Windows, CGL on macOS). When no
library is found, the waits fall back to ModernGL's own, with the GIL held: slower for other
threads, never wrong."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from typing import Callable

log = logging.getLogger(__name__)

_GlFinish = Callable[[], None]


def _library_candidates() -> list[str]:
    if sys.platform == "win32":
        return ["opengl32"]
    if sys.platform == "darwin":
        return ["/System/Library/Frameworks/OpenGL.framework/OpenGL"]
    # libGL.so.1 is what ModernGL's context loader (glcontext) resolves GL functions from;
    # libOpenGL.so.0 is libglvnd's GL-only library (systems without the GLX part).
    names = ["libGL.so.1", "libOpenGL.so.0"]
    for short in ("GL", "OpenGL"):
        found = ctypes.util.find_library(short)
        if found and found not in names:
            names.append(found)
    return names


def _load_gl_function(name: str) -> _GlFinish | None:
    loader = ctypes.WinDLL if sys.platform == "win32" else ctypes.CDLL  # type: ignore[attr-defined]
    for library_name in _library_candidates():
        try:
            function = getattr(loader(library_name), name)
        except (OSError, AttributeError):
            continue
        function.restype = None
        function.argtypes = []
        return function
    log.info("no OpenGL library found for %s; using ModernGL's waits (other threads pause)", name)
    return None


_functions: dict[str, _GlFinish | None] = {}


def _gl_function(name: str) -> _GlFinish | None:
    if name not in _functions:
        _functions[name] = _load_gl_function(name)
    return _functions[name]


def gl_finish_function() -> _GlFinish | None:
    """The platform's glFinish through ctypes (loaded once), or None when there is none."""
    return _gl_function("glFinish")


def gl_flush_function() -> _GlFinish | None:
    """The platform's glFlush through ctypes (ModernGL has no flush), or None when there is none."""
    return _gl_function("glFlush")
