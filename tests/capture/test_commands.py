"""`vivid track` and `vivid models` end to end (through argparse, as cli.py will call them)."""
from __future__ import annotations

import shutil

import av
import numpy as np
import pytest

import cli
from capture.geometry import head_axes_pixels
from capture.mocap import load_clip
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.preview import PANEL_WIDTH, draw_tracking
from capture.sources import VideoSource
from capture.types import Tracking


def vivid(*argv: str) -> int:
    return cli.main([str(a) for a in argv])


def test_track_video_writes_clip_and_h264_preview(test_data, tmp_path, capsys):
    clip_path, preview = tmp_path / "clip.vmcap", tmp_path / "preview.mp4"
    code = vivid("track", test_data / "video/talking_head_man_d12.mp4", "-o", clip_path,
                 "--preview", preview, "--body", "--max-frames", "30")
    assert code == 0
    out = capsys.readouterr()
    assert "30/30 frames" in out.err and "face in 30" in out.out
    clip = load_clip(clip_path)
    assert len(clip) == 30 and all(t.faces and t.bodies for t in clip.frames)
    np.testing.assert_allclose([t.timestamp_s for t in clip.frames], np.arange(30) / 25.0,
                               atol=1e-6)
    with av.open(str(preview)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = [f for f in container.decode(stream)]
    assert len(frames) == 30
    assert (frames[0].width, frames[0].height) == (512 + PANEL_WIDTH, 512)
    assert float(frames[10].pts * frames[10].time_base) == pytest.approx(0.4, abs=1e-3)


def test_preview_draws_over_the_face_and_leaves_the_rest(test_data):
    with VideoSource(test_data / "video/talking_head_man_d12.mp4") as video, \
            TrackingPipeline(PipelineOptions()) as pipeline:
        frame, tracking = next(pipeline.run(video))
    drawn = draw_tracking(frame.image, tracking)
    assert drawn.shape == (512, 512 + PANEL_WIDTH, 3)
    changed = np.any(drawn[:, :512] != frame.image, axis=2)
    lm = tracking.face.landmarks[:, :2] * 512
    x0, y0 = lm.min(axis=0).astype(int)
    x1, y1 = lm.max(axis=0).astype(int)
    inside = changed[y0:y1, x0:x1].mean()
    outside = changed.copy()
    outside[max(0, y0 - 40):y1 + 40, max(0, x0 - 40):x1 + 40] = False
    assert inside > 0.05 and outside.mean() < 0.01
    axes = head_axes_pixels(tracking.face.head_matrix, (512, 512))
    assert x0 < axes[0, 0] < x1 and y0 < axes[0, 1] < y1  # head origin projects inside the face
    panel = drawn[:, 512:]
    assert panel.std() > 10  # bars and labels were drawn
    empty = draw_tracking(frame.image, Tracking(timestamp_s=0.0))
    np.testing.assert_array_equal(empty[:, :512], frame.image)


def test_track_photo_folder_reports_skipped_files(test_data, tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(test_data / "faces/two_people.jpg", folder / "a.jpg")
    shutil.copy(test_data / "faces/no_face_dogs.jpg", folder / "b.jpg")
    (folder / "readme.txt").write_text("x")
    code = vivid("track", folder, "-o", tmp_path / "photos.vmcap", "--num-faces", "4",
                 "--preview", tmp_path / "photos.mp4")
    assert code == 0
    assert "skipped 1 non-image file(s): readme.txt" in capsys.readouterr().err
    clip = load_clip(tmp_path / "photos.vmcap")
    assert [len(t.faces) for t in clip.frames] == [2, 0]
    # photos of different sizes share one video size: the second is letterboxed, not stretched
    with av.open(str(tmp_path / "photos.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 2 and frames[0].shape == frames[1].shape == (660, 1126 + PANEL_WIDTH, 3)
    assert frames[1][:, :20].mean() < 8  # pillarbox bars beside the taller (900x916) photo


def test_track_errors_are_reported_with_exit_code(tmp_path, capsys):
    assert vivid("track", tmp_path / "missing.mp4", "-o", tmp_path / "x.vmcap") == 2
    err = capsys.readouterr().err
    assert err.startswith("vivid: error:") and "does not exist" in err
    assert vivid("track", "webcam:93", "-o", tmp_path / "x.vmcap") == 2
    assert "camera 93 could not be opened" in capsys.readouterr().err


def test_models_list_and_verify(model_dir, tmp_path, monkeypatch, capsys):
    assert vivid("models", "verify", "face_landmarker.task", "pose_landmarker_lite.task") == 0
    assert "ok       face_landmarker.task" in capsys.readouterr().out
    assert vivid("models", "list") == 0
    assert "hand_landmarker.task" in capsys.readouterr().out
    bad = tmp_path / "models"
    bad.mkdir()
    (bad / "face_landmarker.task").write_bytes(b"x" * 10)
    monkeypatch.setenv("VIVID_MODEL_DIR", str(bad))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert vivid("models", "verify", "face_landmarker.task") == 1
    assert "BAD      face_landmarker.task" in capsys.readouterr().out


def test_track_records_a_vmc_stream(tmp_path, capsys):
    import socket
    import threading

    from capture.vmc import VmcSender

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stop = threading.Event()

    def send() -> None:
        with VmcSender(port=port) as sender:
            for i in range(400):
                if stop.is_set():
                    return
                sender.send_frame({"Head": (np.zeros(3), np.array([0, 0, 0, 1.0]))},
                                  {"jawOpen": i / 400})
                stop.wait(0.01)

    thread = threading.Thread(target=send)
    thread.start()
    try:
        code = vivid("track", f"vmc:{port}", "-o", tmp_path / "vmc.vmcap", "--max-frames", "5",
                     "--duration", "10")
    finally:
        stop.set()
        thread.join()
    assert code == 0
    clip = load_clip(tmp_path / "vmc.vmcap")
    assert len(clip) == 5
    jaw = [t.face.blendshapes[25] for t in clip.frames]
    assert jaw == sorted(jaw) and jaw[-1] > jaw[0]
    assert all(set(t.external.bones) == {"Head"} for t in clip.frames)
    assert "vmc:" in clip.meta["input"] and "wrote" in capsys.readouterr().out
