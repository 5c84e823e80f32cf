"""`vivid track` / `vivid models fetch`: argument and output checks, the calibration-length
warning, model fetching without the network, and MediaPipe's native log noise kept off stderr."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from capture import models
from capture.calibration import DEFAULT_CAPTURE_S
from capture.mocap import load_clip
from tests.capture.test_commands import vivid
from tests.conftest import REPO_ROOT


def _parse_error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        vivid(*argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("spec", ["vmc:99999", "vmc:0", "vmc:70000", "vmc:abc"])
def test_vmc_port_out_of_range_is_a_usage_error(tmp_path, capsys, spec):
    err = _parse_error(capsys, "track", spec, "-o", tmp_path / "a.vmcap")
    assert "argument input: INPUT vmc:PORT: port" in err and "must be a number in 1-65535" in err


@pytest.mark.parametrize("flag,value,message", [
    ("--max-frames", "-1", "argument --max-frames: '-1' must be a whole number >= 1"),
    ("--max-frames", "0", "argument --max-frames: '0' must be a whole number >= 1"),
    ("--duration", "-1", "argument --duration: '-1' must be a number of seconds > 0"),
    ("--duration", "0", "argument --duration: '0' must be a number of seconds > 0"),
    ("--duration", "nan", "argument --duration: 'nan' must be a number of seconds > 0"),
    ("--num-faces", "0", "argument --num-faces: '0' must be a whole number >= 1"),
    ("--camera-fps", "-5", "argument --camera-fps: '-5' must be 1-240 frames per second"),
    ("--camera-size", "0x0", "argument --camera-size: size '0x0': width and height must be 1-8192"),
])
def test_non_positive_limits_are_rejected(test_data, tmp_path, capsys, flag, value, message):
    err = _parse_error(capsys, "track", test_data / "video/talking_head_man_d12.mp4",
                       "-o", tmp_path / "a.vmcap", flag, value)
    assert message in err
    assert not (tmp_path / "a.vmcap").exists()


@pytest.mark.parametrize("argv,message", [
    (["-o", "a.mp4"], "a.mp4: unsupported extension '.mp4' for a mocap clip (-o); use .vmcap"),
    (["-o", "a.vmcap", "--preview", "p.avi"],
     "p.avi: unsupported extension '.avi' for the --preview video; use .mp4 or .mkv or .mov"),
    (["-o", "a.vmcap", "--calibrate-out", "c.txt"], "c.txt: unsupported extension '.txt' for the --calibrate-out"),
])
def test_output_names_are_checked_before_tracking(test_data, tmp_path, capsys, argv, message):
    argv = [str(tmp_path / a) if not a.startswith("-") else a for a in argv]
    assert vivid("track", test_data / "faces/obama-240p.jpg", *argv) == 2
    assert f"{tmp_path}/{message}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_short_calibration_warns_with_the_frame_count(test_data, tmp_path, capsys):
    calibration = tmp_path / "c.json"
    assert vivid("track", test_data / "video/talking_head_man_d12.mp4", "-o", tmp_path / "a.vmcap",
                 "--calibrate-out", calibration, "--max-frames", "30") == 0
    err = capsys.readouterr().err
    assert (f"warning: --calibrate-out {calibration}: only 30 frame(s) with a face (1.2 s) were seen; "
            f"a neutral calibration needs {DEFAULT_CAPTURE_S:g} s") in err
    assert "neutral" in json.loads(calibration.read_text())  # still written, from what was seen
    assert len(load_clip(tmp_path / "a.vmcap")) == 30


def test_full_calibration_does_not_warn(test_data, tmp_path, capsys):
    assert vivid("track", test_data / "video/talking_head_man_d12.mp4", "-o", tmp_path / "a.vmcap",
                 "--calibrate-out", tmp_path / "c.json", "--max-frames", "80") == 0  # 3.16 s at 25 fps
    assert "warning" not in capsys.readouterr().err


@pytest.fixture
def no_network(monkeypatch):
    """Any download attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network used: urlopen{args}")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_fetch_skips_a_model_already_present_and_verified(model_dir, tmp_path, monkeypatch, capsys,
                                                          no_network):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert vivid("models", "fetch", "face_landmarker.task", "pose_landmarker_lite.task") == 0
    out = capsys.readouterr().out
    assert f"present  face_landmarker.task  {model_dir / 'face_landmarker.task'} (verified; skipped" in out
    assert "present  pose_landmarker_lite.task" in out
    assert not (tmp_path / "cache").exists()


def test_fetch_with_no_download_never_touches_the_network(tmp_path, monkeypatch, capsys, no_network):
    empty = tmp_path / "models"
    empty.mkdir()
    monkeypatch.setenv("VIVID_MODEL_DIR", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(models.NO_DOWNLOAD_ENV, "1")
    assert vivid("models", "fetch", "face_landmarker.task") == 1
    err = capsys.readouterr().err
    spec = models.MODELS["face_landmarker.task"]
    assert "FAILED   face_landmarker.task: face_landmarker.task: no verified copy is in" in err
    assert f"VIVID_NO_DOWNLOAD is set, so nothing is downloaded. Fix: download {spec.url} by hand" in err
    assert "set VIVID_MODEL_DIR to it" in err
    # a present, verified copy is still reported as there
    monkeypatch.setenv("VIVID_MODEL_DIR", str(REPO_ROOT.parent / "shared" / "data" / "models"))
    assert vivid("models", "fetch", "face_landmarker.task") == 0
    assert "present  face_landmarker.task" in capsys.readouterr().out


def test_fetch_force_with_no_download_says_why(model_dir, monkeypatch, capsys, no_network):
    monkeypatch.setenv(models.NO_DOWNLOAD_ENV, "1")
    assert vivid("models", "fetch", "--force", "face_landmarker.task") == 1
    assert "--force asks for a new download, but VIVID_NO_DOWNLOAD is set" in capsys.readouterr().err


NATIVE_NOISE = ("Logging before InitGoogle", "W0000", "XNNPACK", "inference_feedback_manager",
                "Sparsity tensors", "DestroyAccelerator")


def _track_stderr(test_data, tmp_path, *flags: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "cli.py"), *flags, "track",
         str(test_data / "video/talking_head_man_d12.mp4"), "-o", str(tmp_path / "a.vmcap"),
         "--body", "--max-frames", "3"],
        capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_mediapipe_log_noise_is_hidden_unless_verbose(test_data, tmp_path, model_dir):
    quiet = _track_stderr(test_data, tmp_path)
    assert not [word for word in NATIVE_NOISE if word in quiet], quiet
    assert "3/3 frames" in quiet  # our own progress output still reaches stderr
    verbose = _track_stderr(test_data, tmp_path, "-v")
    assert "XNNPACK" in verbose  # `vivid -v` shows what MediaPipe logs
