"""The one error base of Vivid Studio.

Every error we raise derives from :class:`VividError` and also from the builtin that fits,
so callers can catch either (``except VividError`` or ``except ValueError``). Messages name
the file, the field, the valid choices and the fix.
"""
from __future__ import annotations


class VividError(Exception):
    """Base class of every error Vivid Studio raises on purpose."""


class AssetError(VividError, ValueError):
    """A file we were given (glTF, VRM, image, effect package, script) is invalid."""


class ModelNotFoundError(VividError, FileNotFoundError):
    """A MediaPipe model (or other downloadable resource) is not available."""


class RenderError(VividError, RuntimeError):
    """The GPU / OpenGL side failed: no context, a shader that does not compile."""


class SourceError(VividError, OSError):
    """A frame source (camera, video, image) could not be opened or read."""
