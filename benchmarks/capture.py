"""Capture benchmark: our trackers vs raw MediaPipe on the same frames, in the same run.

Cases: face (landmarks + blendshapes + matrix) at 640x360 and 1280x720 — ours = FaceTracker +
smoothing + Tracking bookkeeping (TrackingPipeline, face only), baseline = MediaPipe's
FaceLandmarker called directly; pose lite and hands likewise (hands only when
hand_landmarker.task is available); and the combined face+pose(+hands) pipeline rate.
Raw and ours run interleaved frame by frame (alternating which goes first) so machine load
hits both alike; medians are reported.

Run: python benchmarks/capture.py [--frames N]   (VIVID_MODEL_DIR defaults to ../shared/data/models)
Prints a table and one JSON line per case.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VIVID_MODEL_DIR", str(ROOT.parent / "shared" / "data" / "models"))

from assets.errors import ModelNotFoundError  # noqa: E402
from capture import models  # noqa: E402
from capture.pipeline import PipelineOptions, TrackingPipeline  # noqa: E402
from capture.sources import VideoSource  # noqa: E402
from capture.trackers.base import base_options  # noqa: E402
from capture.types import Frame  # noqa: E402

VIDEO = ROOT.parent / "shared" / "data" / "video" / "talking_head_man_d12.mp4"
BODY_VIDEO = ROOT.parent / "shared" / "data" / "video" / "full_body_woman_arms_s13.mp4"
WARMUP = 10


def load_frames(path: Path, size: tuple[int, int], count: int) -> list[np.ndarray]:
    """Frames padded to 16:9 (no distortion) and resized to `size`."""
    out = []
    with VideoSource(path) as video:
        for frame in video:
            image = frame.image
            h, w = image.shape[:2]
            target_w = int(round(h * size[0] / size[1]))
            if target_w > w:
                pad = (target_w - w) // 2
                image = np.pad(image, ((0, 0), (pad, target_w - w - pad), (0, 0)), mode="edge")
            out.append(np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA)))
            if len(out) == count:
                break
    while len(out) < count:  # loop short clips
        out.extend(out[: count - len(out)])
    return out


def raw_task(kind: str):
    mode = vision.RunningMode.VIDEO
    if kind == "face":
        return vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
            base_options=base_options("face_landmarker.task"), running_mode=mode,
            output_face_blendshapes=True, output_facial_transformation_matrixes=True))
    if kind == "pose":
        return vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
            base_options=base_options("pose_landmarker_lite.task"), running_mode=mode))
    return vision.HandLandmarker.create_from_options(vision.HandLandmarkerOptions(
        base_options=base_options("hand_landmarker.task"), running_mode=mode, num_hands=2))


def bench_pair(kind: str, frames: list[np.ndarray], fps: float = 30.0
               ) -> tuple[float, float, float, float]:
    """Medians per frame, interleaved on the same frames: (ours wall ms, raw wall ms, ours
    caller-thread CPU ms, raw caller-thread CPU ms).

    MediaPipe runs inference on its own dispatcher thread; the calling thread's CPU time is the
    Python-side work (image wrapping, result conversion, smoothing, bookkeeping), i.e. exactly
    the overhead under test, and unlike wall time it hardly moves when the machine is loaded.
    """
    options = PipelineOptions(face=kind == "face", body=kind == "pose", hands=kind == "hands")
    raw_ms, ours_ms, raw_cpu, ours_cpu = [], [], [], []
    with raw_task(kind) as raw, TrackingPipeline(options) as ours:
        for i, image in enumerate(frames):
            t = i / fps

            def run_raw() -> tuple[float, float]:
                start, cpu = time.perf_counter(), time.thread_time()
                raw.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=image),
                                     int(round(t * 1000)))
                return (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000

            def run_ours() -> tuple[float, float]:
                start, cpu = time.perf_counter(), time.thread_time()
                ours.process(Frame(image, t, i))
                return (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000

            # alternate which runs first so cache warmth and load spikes hit both alike
            if i % 2:
                r, o = run_raw(), run_ours()
            else:
                o, r = run_ours(), run_raw()
            if i >= WARMUP:
                raw_ms.append(r[0])
                ours_ms.append(o[0])
                raw_cpu.append(r[1])
                ours_cpu.append(o[1])
    return (statistics.median(ours_ms), statistics.median(raw_ms),
            statistics.median(ours_cpu), statistics.median(raw_cpu))


def bench_combined(frames: list[np.ndarray], hands: bool, fps: float = 30.0) -> float:
    options = PipelineOptions(face=True, body=True, hands=hands)
    times = []
    with TrackingPipeline(options) as pipeline:
        for i, image in enumerate(frames):
            start = time.perf_counter()
            pipeline.process(Frame(image, i / fps, i))
            if i >= WARMUP:
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    try:
        models.resolve("hand_landmarker.task")
        have_hands = True
    except ModelNotFoundError:
        have_hands = False
    rows = []
    for size in ((640, 360), (1280, 720)):
        frames = load_frames(VIDEO, size, args.frames)
        rows.append((f"face_{size[0]}x{size[1]}", *bench_pair("face", frames)))
    body_frames = load_frames(BODY_VIDEO, (640, 360), args.frames)
    rows.append(("pose_lite_640x360", *bench_pair("pose", body_frames)))
    if have_hands:
        rows.append(("hands_640x360", *bench_pair("hands", load_frames(VIDEO, (640, 360),
                                                                       args.frames))))
    combined = bench_combined(load_frames(VIDEO, (640, 360), args.frames), have_hands)
    label = "face+pose+hands" if have_hands else "face+pose"
    print(f"{'case':24s} {'ours ms':>9s} {'raw MP ms':>10s} {'overhead ms':>12s} "
          f"{'overhead %':>11s} {'py-thread ms ours/raw':>22s}")
    for case, ours, raw, ours_cpu, raw_cpu in rows:
        print(f"{case:24s} {ours:9.2f} {raw:10.2f} {ours - raw:12.2f} "
              f"{100 * (ours / raw - 1):10.1f}% {ours_cpu:10.3f} / {raw_cpu:.3f}")
    print(f"{label + '_640x360':24s} {combined:9.2f} {'':>10s}   -> {1000 / combined:.1f} fps")
    if not have_hands:
        print("hands: skipped (hand_landmarker.task not found; `vivid models fetch "
              "hand_landmarker.task`)")
    for case, ours, raw, ours_cpu, raw_cpu in rows:
        print(json.dumps({"bench": "capture", "case": case, "ms_per_frame": round(ours, 3),
                          "baseline_ms": round(raw, 3), "overhead_ms": round(ours - raw, 3),
                          "overhead_pct": round(100 * (ours / raw - 1), 1),
                          "python_thread_ms": round(ours_cpu, 3),
                          "baseline_python_thread_ms": round(raw_cpu, 3)}))
    print(json.dumps({"bench": "capture", "case": label + "_640x360",
                      "ms_per_frame": round(combined, 3), "baseline_ms": None,
                      "fps": round(1000 / combined, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
