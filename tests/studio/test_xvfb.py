"""The real OpenGL preview (QOpenGLWidget + ModernGL on Qt's context) under Xvfb, in a child
process (the Qt platform is fixed per process and the other tests use `offscreen`)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import pytest

from tests.conftest import IN_CI
from tests.studio.conftest import AVATAR, VIDEO

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def xvfb_display():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if IN_CI:
            pytest.fail("Xvfb is required in CI for the OpenGL preview test (apt-get install xvfb)")
        pytest.skip("Xvfb is not installed (apt-get install xvfb) - the OpenGL widget test needs an X server")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()  # Xvfb writes the display number once it is ready
    try:
        assert display.isdigit(), "Xvfb did not report a display number"
        yield f":{display}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_opengl_preview_under_xvfb(xvfb_display, test_data, tmp_path, artifacts, model_dir):
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
    config = tmp_path / "config"
    config.mkdir()
    args = [sys.executable, str(REPO / "tests/studio/xvfb_session.py"), str(artifacts), str(config),
            str(test_data / VIDEO), str(test_data / AVATAR)]
    proc = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((artifacts / "result.json").read_text())
    assert result["platform"] == "xcb"
    assert result["preview"].startswith("OpenGL widget"), result
    assert result["errors"] == []
    for mode, info in result["modes"].items():
        assert info["engine_mode"] == mode
        assert info["preview_std"] > 8.0, f"{mode}: the GL widget's framebuffer is blank"
    assert result["presented"] > 20  # llvmpipe + Xvfb compositing is slow (~6-23 fps, see docs/studio.md)
    assert result["closed_cleanly"]
    with av.open(result["recording"]) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
    assert frames == pytest.approx(60, abs=10)  # 2 s at 30 fps
