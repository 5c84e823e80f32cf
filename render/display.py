"""Is there a screen to open a window on? Qt and OpenCV abort the whole process (a core dump,
not an exception) when they cannot reach a display, so window commands ask first."""
from __future__ import annotations

import os
import sys


def no_display_reason(what: str) -> str | None:
    """None when a window can open; else a message saying why not and what to do instead."""
    if not sys.platform.startswith("linux"):
        return None  # Windows and macOS always have their window system
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (f"{what} needs a display, and none was found (DISPLAY and WAYLAND_DISPLAY are unset). "
            f"Run it in a desktop session, or on a server under a virtual display: xvfb-run -a vivid ...")
