"""`vivid track` and `vivid models` subcommands (wired into cli.py by the lead via register())."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from assets.errors import VividError
from capture import models
from capture.calibration import DEFAULT_CAPTURE_S, NeutralCalibration, NeutralCalibrator
from capture.mocap import ClipRecorder
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.preview import Mp4Writer, draw_tracking
from capture.sources import ImageFolderSource, ImageSource, list_cameras, open_source
from capture.vmc import VmcReceiver
from capture.vmc.protocol import DEFAULT_PORT

DEFAULT_FETCH = ("face_landmarker.task", "pose_landmarker_lite.task", "hand_landmarker.task",
                 "selfie_segmenter.tflite")


def register(subparsers: argparse._SubParsersAction) -> None:
    track = subparsers.add_parser(
        "track", help="track a video, photo(s) or webcam into a mocap clip (.vmcap)",
        description="Track faces (and optionally bodies and hands) into a .vmcap mocap clip. "
                    "INPUT: a video file, an image, a folder of images, webcam:INDEX, or "
                    "vmc:PORT (record what a VMC sender streams to 127.0.0.1:PORT).")
    track.add_argument("input", nargs="?",
                       help="video, image, image folder, webcam:INDEX or vmc:PORT")
    track.add_argument("-o", "--output", type=Path, help="mocap clip to write (.vmcap)")
    track.add_argument("--preview", type=Path, help="also write an annotated H.264 MP4")
    track.add_argument("--body", action="store_true", help="track the body (pose landmarker)")
    track.add_argument("--hands", action="store_true",
                       help="track hands (needs hand_landmarker.task: vivid models fetch)")
    track.add_argument("--pose-model", choices=sorted(models.POSE_MODELS), default="lite")
    track.add_argument("--num-faces", type=int, default=1)
    track.add_argument("--mirror", action="store_true", help="mirror frames (selfie view)")
    track.add_argument("--raw", action="store_true", help="no smoothing")
    track.add_argument("--calibration", type=Path, help="apply a neutral-face calibration file")
    track.add_argument("--calibrate-out", type=Path,
                       help=f"capture the first {DEFAULT_CAPTURE_S:g} s as your neutral face "
                            f"and save the calibration to this file")
    track.add_argument("--max-frames", type=int, help="stop after this many frames")
    track.add_argument("--duration", type=float, help="stop after this many seconds of input")
    track.add_argument("--camera-size", type=_size, metavar="WxH",
                       help="resolution to request from a webcam, e.g. 1280x720")
    track.add_argument("--camera-fps", type=float, help="frame rate to request from a webcam")
    track.add_argument("--list-cameras", action="store_true", help="list cameras and exit")
    track.set_defaults(func=run_track)

    mdl = subparsers.add_parser("models", help="list, download and verify MediaPipe models")
    msub = mdl.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="known models and where they are").set_defaults(func=run_models_list)
    fetch = msub.add_parser("fetch", help="download models into the user cache")
    fetch.add_argument("names", nargs="*", help=f"model files (default: {' '.join(DEFAULT_FETCH)})")
    fetch.add_argument("--all", action="store_true", help="every known model")
    fetch.add_argument("--force", action="store_true", help="download even if present")
    fetch.set_defaults(func=run_models_fetch)
    verify = msub.add_parser("verify", help="check size and sha256 of the models found")
    verify.add_argument("names", nargs="*", help="model files (default: all known)")
    verify.set_defaults(func=run_models_verify)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT, e.g. 1280x720, not {text!r}")
    return width, height


class ProgressBar:
    """A one-line text progress bar on stderr (total may be unknown for cameras)."""

    def __init__(self, total: int | None, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.count = 0
        self._t0 = time.monotonic()
        self._last_draw = 0.0

    def update(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        # Redraw 5x per second on a terminal; in a log file, only the final line is written.
        if not self.stream.isatty():
            return
        if now - self._last_draw >= 0.2 or (self.total and self.count >= self.total):
            self._last_draw = now
            self.draw(now)

    def draw(self, now: float | None = None) -> None:
        elapsed = (now or time.monotonic()) - self._t0
        rate = self.count / elapsed if elapsed > 0 else 0.0
        if self.total:
            done = min(1.0, self.count / self.total)
            bar = "#" * int(done * 30) + "." * (30 - int(done * 30))
            text = f"\r[{bar}] {self.count}/{self.total} frames  {rate:5.1f} fps"
        else:
            text = f"\r{self.count} frames  {elapsed:6.1f} s  {rate:5.1f} fps"
        self.stream.write(text if self.stream.isatty() else text.lstrip("\r"))
        self.stream.flush()

    def finish(self) -> None:
        self.draw()
        self.stream.write("\n")


def run_track(args: argparse.Namespace) -> int:
    try:
        return _track(args)
    except VividError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _track(args: argparse.Namespace) -> int:
    if args.list_cameras:
        cams = list_cameras()
        for cam in cams:
            print(f"webcam:{cam.index}  {cam.width}x{cam.height} @ {cam.fps:g} fps")
        if not cams:
            print("no cameras found")
        return 0
    if not args.input or not args.output:
        print("error: vivid track needs INPUT and -o clip.vmcap", file=sys.stderr)
        return 2
    if args.input.startswith("vmc:"):
        return _record_vmc(args)
    calibration = NeutralCalibration.load(args.calibration) if args.calibration else None
    source = open_source(args.input, mirror=args.mirror, camera_size=args.camera_size,
                         camera_fps=args.camera_fps)
    still = isinstance(source, (ImageSource, ImageFolderSource))
    if isinstance(source, ImageFolderSource) and source.skipped:
        print(f"skipped {len(source.skipped)} non-image file(s): "
              f"{', '.join(p.name for p in source.skipped)}", file=sys.stderr)
    options = PipelineOptions(
        body=args.body, hands=args.hands, num_faces=args.num_faces, pose_model=args.pose_model,
        still_images=still, input_is_mirrored=args.mirror,
        smoothing=None if args.raw else PipelineOptions().smoothing, calibration=calibration)
    total = source.frame_count
    if args.max_frames:
        total = min(total, args.max_frames) if total else args.max_frames
    recorder = ClipRecorder(meta={"input": str(args.input), "mirror": args.mirror,
                                  "smoothing": not args.raw})
    calibrator = NeutralCalibrator() if args.calibrate_out else None
    writer = Mp4Writer(args.preview, fps=source.fps or 30.0) if args.preview else None
    progress = ProgressBar(total)
    try:
        with TrackingPipeline(options) as pipeline:
            for n, frame in enumerate(source):
                if args.max_frames and n >= args.max_frames:
                    break
                if args.duration and frame.timestamp_s > args.duration:
                    break
                tracking = pipeline.process(frame)
                recorder.add(tracking)
                if calibrator is not None and tracking.face is not None and not calibrator.done:
                    calibrator.add(tracking.face)
                if writer is not None:
                    writer.write(draw_tracking(frame.image, tracking), frame.timestamp_s)
                progress.update()
    except KeyboardInterrupt:
        print("\nstopped; saving what was tracked", file=sys.stderr)
    finally:
        source.close()
        if writer is not None:
            writer.close()
    progress.finish()
    recorder.save(args.output)
    faces = sum(1 for f in recorder.frames if f.faces)
    print(f"wrote {args.output}: {len(recorder.frames)} frames, face in {faces}")
    if args.preview:
        print(f"wrote {args.preview}")
    if calibrator is not None:
        calibrator.result().save(args.calibrate_out)
        print(f"wrote {args.calibrate_out}")
    return 0


def _record_vmc(args: argparse.Namespace) -> int:
    """Record a VMC stream (one Tracking per received frame) until --duration, --max-frames or
    Ctrl-C."""
    port_text = args.input.split(":", 1)[1] or str(DEFAULT_PORT)
    if not port_text.isdigit():
        print(f"error: {args.input!r} must be vmc:PORT, e.g. vmc:{DEFAULT_PORT}", file=sys.stderr)
        return 2
    recorder = ClipRecorder(meta={"input": args.input})
    progress = ProgressBar(args.max_frames)
    start = time.monotonic()
    with VmcReceiver(port=int(port_text)) as receiver:
        print(f"listening for VMC on 127.0.0.1:{receiver.port}", file=sys.stderr)
        try:
            while not (args.duration and time.monotonic() - start > args.duration):
                if args.max_frames and len(recorder.frames) >= args.max_frames:
                    break
                if not receiver.wait_for_frames(receiver.stats.frames + 1, timeout_s=0.5):
                    continue
                tracking = receiver.latest()
                if tracking is not None and (not recorder.frames or tracking.timestamp_s
                                             > recorder.frames[-1].timestamp_s):
                    recorder.add(tracking)
                    progress.update()
        except KeyboardInterrupt:
            print("\nstopped; saving what was received", file=sys.stderr)
        stats = receiver.stats
    progress.finish()
    recorder.save(args.output)
    print(f"wrote {args.output}: {len(recorder.frames)} frames "
          f"({stats.malformed_packets} malformed packets ignored)")
    return 0


def run_models_list(args: argparse.Namespace) -> int:
    print(f"search order: {', '.join(str(d) for d in models.search_dirs())}")
    for name, spec in models.MODELS.items():
        try:
            where = str(models.resolve(name))
        except VividError:
            where = "missing"
        print(f"{name:32s} {spec.size / 1e6:6.1f} MB  {where}\n    {spec.description}\n"
              f"    {spec.url}")
    return 0


def run_models_fetch(args: argparse.Namespace) -> int:
    names = list(models.MODELS) if args.all else (args.names or list(DEFAULT_FETCH))
    failed = 0
    for name in names:
        try:
            path = models.fetch(name, force=args.force)
            print(f"ok       {name} -> {path}")
        except VividError as exc:
            failed += 1
            print(f"FAILED   {name}: {exc}", file=sys.stderr)
    return 1 if failed else 0


def run_models_verify(args: argparse.Namespace) -> int:
    bad = 0
    for name in args.names or list(models.MODELS):
        try:
            result = models.verify(name)
        except VividError as exc:
            print(f"error    {exc}", file=sys.stderr)
            return 2
        if result.ok:
            print(f"ok       {name}  {result.path}")
        elif result.reason == "missing":
            print(f"missing  {name}  (vivid models fetch {name})")
        else:
            bad += 1
            print(f"BAD      {name}  {result.path}: {result.reason}")
    return 1 if bad else 0
