"""`vivid track` and `vivid models` subcommands (wired into cli.py by the lead via register())."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from assets.cli_types import frame_size, frames_per_second, seconds, whole_number
from assets.errors import VividError
from assets.outputs import check_output_path
from capture import models
from capture.calibration import DEFAULT_CAPTURE_S, NeutralCalibration, NeutralCalibrator
from capture.mocap import ClipRecorder
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.preview import Mp4Writer, draw_tracking
from capture.sources import ImageFolderSource, ImageSource, list_cameras, open_source
from capture.types import FaceTracking
from capture.vmc import VmcReceiver
from capture.vmc.address import parse_port
from capture.vmc.protocol import DEFAULT_PORT

DEFAULT_FETCH = ("face_landmarker.task", "pose_landmarker_lite.task", "hand_landmarker.task",
                 "selfie_segmenter.tflite")


def register(subparsers: argparse._SubParsersAction) -> None:
    track = subparsers.add_parser(
        "track", help="track a video, photo(s) or webcam into a mocap clip (.vmcap)",
        description="Track faces (and optionally bodies and hands) into a .vmcap mocap clip. "
                    "INPUT: a video file, an image, a folder of images, webcam:INDEX, or "
                    "vmc:PORT (record what a VMC sender streams to 127.0.0.1:PORT).")
    track.add_argument("input", nargs="?", type=_track_input,
                       help="video, image, image folder, webcam:INDEX or vmc:PORT")
    track.add_argument("-o", "--output", type=Path, help="mocap clip to write (.vmcap)")
    track.add_argument("--preview", type=Path, help="also write an annotated H.264 video (.mp4, .mkv or .mov)")
    track.add_argument("--body", action="store_true", help="track the body (pose landmarker)")
    track.add_argument("--hands", action="store_true",
                       help="track hands (needs hand_landmarker.task: vivid models fetch)")
    track.add_argument("--pose-model", choices=sorted(models.POSE_MODELS), default="lite")
    track.add_argument("--num-faces", type=whole_number, default=1)
    track.add_argument("--mirror", action="store_true", help="mirror frames (selfie view)")
    track.add_argument("--raw", action="store_true", help="no smoothing")
    track.add_argument("--calibration", type=Path, help="apply a neutral-face calibration file")
    track.add_argument("--calibrate-out", type=Path,
                       help=f"capture the first {DEFAULT_CAPTURE_S:g} s as your neutral face "
                            f"and save the calibration to this file")
    track.add_argument("--max-frames", type=whole_number, help="stop after this many frames (>= 1)")
    track.add_argument("--duration", type=seconds, help="stop after this many seconds of input (> 0)")
    track.add_argument("--camera-size", type=frame_size, metavar="WxH",
                       help="resolution to request from a webcam, e.g. 1280x720")
    track.add_argument("--camera-fps", type=frames_per_second, help="frame rate to request from a webcam")
    track.add_argument("--list-cameras", action="store_true", help="list cameras and exit")
    track.set_defaults(func=run_track)

    mdl = subparsers.add_parser("models", help="list, download and verify MediaPipe models")
    msub = mdl.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="known models and where they are").set_defaults(func=run_models_list)
    fetch = msub.add_parser("fetch", help="download models into the user cache")
    fetch.add_argument("names", nargs="*", help=f"model files (default: {' '.join(DEFAULT_FETCH)})")
    fetch.add_argument("--all", action="store_true", help="every known model")
    fetch.add_argument("--force", action="store_true", help="download even if a verified copy is present")
    fetch.set_defaults(func=run_models_fetch)
    verify = msub.add_parser("verify", help="check size and sha256 of the models found")
    verify.add_argument("names", nargs="*", help="model files (default: all known)")
    verify.set_defaults(func=run_models_verify)


def _track_input(text: str) -> str:
    """INPUT as given; vmc:PORT is checked here so a bad port is a usage error, not a traceback."""
    if text.startswith("vmc:"):
        try:
            parse_port(text.split(":", 1)[1] or str(DEFAULT_PORT))
        except VividError as error:
            raise argparse.ArgumentTypeError(f"INPUT vmc:PORT: {error}") from None
    return text


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
    if args.list_cameras:
        cams = list_cameras()
        for cam in cams:
            print(f"webcam:{cam.index}  {cam.width}x{cam.height} @ {cam.fps:g} fps")
        if not cams:
            print("no cameras found")
        return 0
    if not args.input or not args.output:
        raise VividError("vivid track needs INPUT and -o clip.vmcap (or --list-cameras)")
    _check_outputs(args)
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
    calibrator = CalibrationCapture() if args.calibrate_out else None
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
        calibrator.save(args.calibrate_out)
    return 0


CLIP_SUFFIXES = (".vmcap",)
PREVIEW_SUFFIXES = (".mp4", ".mkv", ".mov")  # H.264 in any of these containers
CALIBRATION_SUFFIXES = (".json",)


def _check_outputs(args: argparse.Namespace) -> None:
    """Check every output name before tracking starts (a typo should not cost a long run)."""
    check_output_path(args.output, CLIP_SUFFIXES, "a mocap clip (-o)")
    if args.preview:
        check_output_path(args.preview, PREVIEW_SUFFIXES, "the --preview video")
    if args.calibrate_out:
        check_output_path(args.calibrate_out, CALIBRATION_SUFFIXES, "the --calibrate-out calibration")


class CalibrationCapture:
    """A NeutralCalibrator that also counts what it saw, to warn when the input ended (or
    --max-frames / --duration stopped it) before the capture time was reached."""

    def __init__(self) -> None:
        self.calibrator = NeutralCalibrator()
        self.frames = 0
        self._first_s: float | None = None
        self._last_s = 0.0

    @property
    def done(self) -> bool:
        return self.calibrator.done

    def add(self, face: FaceTracking) -> None:
        self.calibrator.add(face)
        self.frames += 1
        if self._first_s is None:
            self._first_s = face.timestamp_s
        self._last_s = face.timestamp_s

    @property
    def seen_s(self) -> float:
        return 0.0 if self._first_s is None else self._last_s - self._first_s

    def save(self, path: Path) -> None:
        if not self.done:
            print(f"warning: --calibrate-out {path}: only {self.frames} frame(s) with a face "
                  f"({self.seen_s:.1f} s) were seen; a neutral calibration needs "
                  f"{self.calibrator.duration_s:g} s. Track at least that much input (raise "
                  f"--max-frames / --duration) for a reliable calibration.", file=sys.stderr)
        self.calibrator.result().save(path)
        print(f"wrote {path}")


def _record_vmc(args: argparse.Namespace) -> int:
    """Record a VMC stream (one Tracking per received frame) until --duration, --max-frames or
    Ctrl-C."""
    port = parse_port(args.input.split(":", 1)[1] or str(DEFAULT_PORT))
    recorder = ClipRecorder(meta={"input": args.input})
    progress = ProgressBar(args.max_frames)
    start = time.monotonic()
    with VmcReceiver(port=port) as receiver:
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
            result = models.fetch(name, force=args.force)
            if result.downloaded:
                print(f"ok       {name} -> {result.path}")
            else:
                print(f"present  {name}  {result.path} (verified; skipped, use --force to download again)")
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
