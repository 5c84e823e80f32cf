"""Run by test_xvfb.py in its own process under Xvfb: the real QOpenGLWidget preview.
Writes result.json and screenshots to the folder given as argv[1]."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PyQt6.QtWidgets import QApplication

import desktop_app
from render.live.modes import ModeKind
from render.live.settings import SettingsStore
from render.qt_surface import request_core_profile


def pump(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)


def main() -> int:
    out, config, video, avatar = (Path(a) for a in sys.argv[1:5])
    request_core_profile()
    app = QApplication(sys.argv[:1])
    window = desktop_app.ui().MainWindow(SettingsStore(config), desktop_app.StudioLaunch(
        source=str(video), avatar=str(avatar), mode="avatar"))
    window.resize(*desktop_app.WINDOW_SIZE)
    window.show()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pump(app, 0.1)
        latest = window.engine.latest if window.engine else None
        if latest is not None and latest.tracking is not None and latest.tracking.face is not None:
            break
    result = {"preview": window.preview.kind, "modes": {}, "platform": app.platformName()}
    if window.engine is not None:
        info = window.engine.rc.info
        result["gl_renderer"] = info.renderer
    for index, mode in enumerate(ModeKind):
        window.tabs.setCurrentIndex(index)
        pump(app, 1.0)
        shot = window.grab()
        shot.save(str(out / f"xvfb_studio_{mode.value}.png"))
        pixels = window.preview.read()  # QtSurface.read: the widget's own framebuffer
        result["modes"][mode.value] = {"engine_mode": window.engine.mode.value,
                                       "preview_size": list(pixels.shape[:2]),
                                       "preview_std": float(pixels[..., :3].std())}
    window.tabs.setCurrentIndex(0)
    take = out / "xvfb_take.mp4"
    window.start_recording(take)
    pump(app, 2.0)
    result["recording"] = str(window.stop_recording())
    hud = window.engine.hud()
    result["hud"] = {"fps": hud.fps, "p95": hud.latency_ms_p95, "stages": hud.stage_ms}
    result["presented"] = window.engine.stats.total_presented
    result["errors"] = window.banner.messages
    window.close()
    result["closed_cleanly"] = window.engine is None
    (out / "result.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
