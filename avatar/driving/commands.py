"""`vivid avatar drive AVATAR --input video|webcam|clip -o out.mp4`: drive an avatar from a
video, a webcam or a recorded .vmcap clip, side by side with the source or avatar only, with a
transparent background, a VMC output and a blendshape/bone debug overlay."""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from assets.cli_types import from_checker, seconds, video_size
from assets.errors import VividError
from assets.outputs import check_output_path
from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.overlay import draw_debug
from avatar.driving.overlay_bones import BoneProjection
from avatar.driving.retarget import RetargetOptions
from capture.vmc.address import parse_target
from render.drive_view import DriveShot, DriveView
from avatar.driving.vmc_out import vmc_blendshapes, vmc_bones
from capture.calibration import NeutralCalibration
from capture.types import Tracking
from render.stage import StageOptions
from render.source_audio import SourceAudio, read_source_audio
from render.surface import AlphaOutput
from render.video_writer import VideoOptions, VideoWriter

DEFAULT_SIZE = (1280, 720)



def _vmc_channels(text: str) -> frozenset[str]:
    from capture.vmc.channels import parse_channels

    try:
        return parse_channels(text)
    except VividError as exc:
        raise argparse.ArgumentTypeError(f"--vmc-channels: {exc}") from None


def register_drive_command(avatar_subparsers: argparse._SubParsersAction) -> None:
    p = avatar_subparsers.add_parser(
        "drive", help="drive a VRM/glTF avatar from a video, a webcam or a .vmcap clip",
        description="Track the face (and optionally body and hands) and make the avatar follow: head, "
                    "eyes, expressions, arms, fingers, spring bones and idle life. Writes a video.")
    p.add_argument("avatar", help="'builtin', a .vrm (0.x or 1.0), or a .glb/.gltf with a humanoid skeleton or ARKit face morphs")
    p.add_argument("--input", required=True, help="a video file, 'webcam' / webcam:INDEX, or a .vmcap tracking clip")
    p.add_argument("-o", "--output", required=True, type=Path, help="output video (.mp4; .mov/.webm with --transparent)")
    p.add_argument("--layout", choices=("side", "avatar"), default="side",
                   help="'side': source | avatar side by side (default); 'avatar': the avatar alone")
    p.add_argument("--transparent", action="store_true", help="transparent background (implies --layout avatar; .mov or .webm)")
    p.add_argument("--size", type=video_size, default=DEFAULT_SIZE, help="avatar render size WxH (default 1280x720)")
    p.add_argument("--shot", choices=[s.value for s in DriveShot], default="closeup", help="camera framing (default closeup)")
    p.add_argument("--body", action="store_true", help="track the body too (arms, torso lean)")
    p.add_argument("--hands", action="store_true", help="track hands and fingers (implies --body)")
    p.add_argument("--mirror", action="store_true", help="mirror the person (their left moves the avatar's right)")
    p.add_argument("--calibration", type=Path, help="neutral-face calibration JSON (vivid track --calibrate-out FILE)")
    p.add_argument("--vmc-out", type=from_checker(parse_target), metavar="HOST:PORT", help="also send every frame over VMC")
    p.add_argument("--vmc-channels", type=_vmc_channels, default="all", metavar="LIST",
                   help="what --vmc-out sends, comma-separated: root, body, head, eyes, hands, face "
                        "(blendshapes), or all (default); e.g. head,face to leave the body to another tracker")
    p.add_argument("--debug-overlay", action="store_true",
                   help="draw blendshape and expression bars, head/gaze angles, the avatar's bones and the "
                        "tracked body (left green, right magenta)")
    p.add_argument("--max-seconds", type=seconds, help="stop after this much input time")
    p.set_defaults(func=run_drive)


@dataclass
class DriveStats:
    frames: int = 0
    stage_ms: dict[str, list[float]] = field(default_factory=dict)

    def add(self, stage: str, ms: float) -> None:
        self.stage_ms.setdefault(stage, []).append(ms)


def _tracked_frames(args: argparse.Namespace, calibration: NeutralCalibration | None,
                    stats: DriveStats) -> Iterator[tuple[np.ndarray | None, Tracking, float]]:
    """(source RGB image or None, tracking, fps) per frame."""
    spec = str(args.input)
    if spec.endswith(".vmcap"):
        from capture.mocap import load_clip

        clip = load_clip(spec)
        fps = len(clip) / clip.duration_s if clip.duration_s > 0 else 30.0
        for tracking in clip.frames:
            yield None, tracking, fps
        return
    from capture.pipeline import PipelineOptions, TrackingPipeline
    from capture.sources import open_source

    if spec == "webcam":
        spec = "webcam:0"
    body = args.body or args.hands
    source = open_source(spec)
    fps = float(getattr(source, "fps", 0.0) or 30.0)
    try:
        with TrackingPipeline(PipelineOptions(face=True, body=body, hands=args.hands, calibration=calibration)) as pipe:
            it = iter(source)
            while True:
                t0 = time.perf_counter()
                frame = next(it, None)
                if frame is None:
                    return
                t1 = time.perf_counter()
                tracking = pipe.process(frame)
                t2 = time.perf_counter()
                stats.add("decode", (t1 - t0) * 1e3)
                stats.add("track", (t2 - t1) * 1e3)
                yield frame.image, tracking, fps
    finally:
        source.close()


def _side_by_side(source: np.ndarray, avatar: np.ndarray) -> np.ndarray:
    h = avatar.shape[0]
    w = int(round(source.shape[1] * h / source.shape[0])) // 2 * 2
    left = cv2.resize(source, (w, h), interpolation=cv2.INTER_AREA)
    return np.concatenate([left, avatar[..., :3]], axis=1)


def run_drive(args: argparse.Namespace) -> int:
    try:
        return _drive(args)
    except VividError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm")
ALPHA_SUFFIXES = (".mov", ".webm")  # ProRes 4444 / VP9 keep the alpha channel


def _check_output(args: argparse.Namespace) -> None:
    """Check -o before the avatar is loaded and tracking starts."""
    if args.transparent:
        check_output_path(args.output, ALPHA_SUFFIXES,
                          "a transparent video (--transparent needs ProRes 4444 .mov or VP9 .webm)")
    else:
        check_output_path(args.output, VIDEO_SUFFIXES, "a video")


class SoundtrackFeed:
    """The input video's sound handed to the writer one output frame at a time, starting at the
    first frame's input time: the output carries exactly the sound of the frames it shows, so
    --max-seconds, a stop or a short read cut the sound with the picture. Sample bounds are
    computed from the frame count (not summed per frame) so rounding never drifts."""

    def __init__(self, audio: SourceAudio, start_s: float, fps: float) -> None:
        self.audio = audio
        self.start_s = start_s
        self.fps = fps
        self.frames = 0

    @property
    def sample_rate(self) -> int:
        return self.audio.sample_rate

    def _sample(self, frame: int) -> int:
        return int(round((self.start_s + frame / self.fps) * self.audio.sample_rate))

    def next_frame(self) -> np.ndarray:
        """Mono float32 samples lasting one output frame (silence past the end of the sound)."""
        first, end = self._sample(self.frames), self._sample(self.frames + 1)
        self.frames += 1
        rate = self.audio.sample_rate
        return self.audio.clip(first / rate, (end - first) / rate)


def _input_soundtrack(spec: str) -> SourceAudio | None:
    """The sound of a video file given as --input; None for webcams, .vmcap clips, photos and
    silent videos."""
    from capture.sources.image import IMAGE_EXTENSIONS

    path = Path(spec)
    if spec.endswith(".vmcap") or path.suffix.lower() in IMAGE_EXTENSIONS or not path.is_file():
        return None
    return read_source_audio(path)


def _open_writer(args: argparse.Namespace, frame: np.ndarray, fps: float,
                 start_s: float) -> tuple[VideoWriter, SoundtrackFeed | None]:
    """The output video, sized from its first frame, with the input's sound when it has one."""
    audio = _input_soundtrack(str(args.input))
    feed = SoundtrackFeed(audio, start_s, fps) if audio is not None else None
    writer = VideoWriter(args.output, frame.shape[1], frame.shape[0], VideoOptions(fps=fps, alpha=args.transparent),
                         audio_sample_rate=feed.sample_rate if feed is not None else None)
    return writer, feed


def _warn_missing_faces(args: argparse.Namespace, frames: int, without_face: int) -> None:
    """Say when MediaPipe found no face, instead of a silent video of an idle avatar."""
    if str(args.input).endswith(".vmcap") or without_face == 0:
        return  # a recorded clip was tracked earlier (and may carry VMC data instead of faces)
    if without_face == frames:
        print(f"warning: {args.input}: no face was found in {'the image' if frames == 1 else f'any of the {frames} frames'}; "
              f"the avatar was not driven. Use a video or photo where a face is clearly visible "
              f"(frontal, not too small).", file=sys.stderr)
    else:
        print(f"warning: {args.input}: no face in {without_face} of {frames} frames; the avatar was "
              f"not driven by a face in those frames.", file=sys.stderr)


def _drive(args: argparse.Namespace) -> int:
    _check_output(args)
    avatar = load_drivable(args.avatar)
    calibration = NeutralCalibration.load(args.calibration) if args.calibration else None
    layout = "avatar" if args.transparent or str(args.input).endswith(".vmcap") else args.layout
    options = DriverOptions(retarget=RetargetOptions(
        mirror=args.mirror,
        neutral_head=tuple(calibration.head_rotation) if calibration is not None and calibration.head_rotation is not None else None))
    driver = AvatarDriver(avatar, options)
    width, height = args.size
    sender = None
    if args.vmc_out:
        from capture.vmc.sender import VmcSender

        sender = VmcSender(*args.vmc_out, channels=args.vmc_channels)
    stats = DriveStats()
    writer = None
    soundtrack = None
    without_face = 0
    view = DriveView(avatar, StageOptions(width=width, height=height, transparent=args.transparent), DriveShot(args.shot))
    bones = BoneProjection(avatar.rig, view.view_projection())  # the camera never moves while driving
    try:
        for image, tracking, fps in _tracked_frames(args, calibration, stats):
            if args.max_seconds is not None and tracking.timestamp_s > args.max_seconds:
                break
            t0 = time.perf_counter()
            driven = driver.update(tracking)
            t1 = time.perf_counter()
            rendered = view.render(driven, AlphaOutput.STRAIGHT)
            t2 = time.perf_counter()
            stats.add("drive", (t1 - t0) * 1e3)
            stats.add("render", (t2 - t1) * 1e3)
            out = rendered if args.transparent else rendered[..., :3]
            if args.debug_overlay:
                out = draw_debug(out, driven, bones, tracking.bodies[0] if tracking.bodies else None, args.mirror)
            if layout == "side" and image is not None:
                out = _side_by_side(image, out)
            if writer is None:
                writer, soundtrack = _open_writer(args, out, fps, tracking.timestamp_s)
            writer.write(np.ascontiguousarray(out))
            if soundtrack is not None:
                writer.add_audio(soundtrack.next_frame())
            if sender is not None:
                sender.send_frame(vmc_bones(avatar.rig, driven), vmc_blendshapes(driven), time_s=driven.time_s)
            stats.frames += 1
            without_face += tracking.face is None
    finally:
        view.release()
        if writer is not None:
            writer.close()
        if sender is not None:
            sender.close()
    if writer is None:
        print(f"error: {args.input}: no frames were read", file=sys.stderr)
        return 2
    _warn_missing_faces(args, stats.frames, without_face)
    summary = ", ".join(f"{k} {np.mean(v):.1f} ms" for k, v in stats.stage_ms.items())
    sound = " with the input's sound" if soundtrack is not None else ""
    print(f"wrote {args.output}: {stats.frames} frames{sound} ({avatar.kind}); per frame: {summary}")
    return 0
