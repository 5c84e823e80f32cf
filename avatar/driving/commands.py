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

from assets.errors import VividError
from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.overlay import draw_debug
from avatar.driving.retarget import RetargetOptions
from render.drive_view import DriveShot, DriveView
from avatar.driving.vmc_out import vmc_blendshapes, vmc_bones
from capture.calibration import NeutralCalibration
from capture.types import Tracking
from render.stage import StageOptions
from render.surface import AlphaOutput
from render.video_writer import VideoOptions, VideoWriter

DEFAULT_SIZE = (1280, 720)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} must be WIDTHxHEIGHT, e.g. 1280x720") from None
    if w < 16 or h < 16 or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"size {text!r}: width and height must be even and >= 16")
    return w, h


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"--vmc-out {text!r} must be HOST:PORT, e.g. 127.0.0.1:39539")
    return host, int(port)


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
    p.add_argument("--size", type=_size, default=DEFAULT_SIZE, help="avatar render size WxH (default 1280x720)")
    p.add_argument("--shot", choices=[s.value for s in DriveShot], default="closeup", help="camera framing (default closeup)")
    p.add_argument("--body", action="store_true", help="track the body too (arms, torso lean)")
    p.add_argument("--hands", action="store_true", help="track hands and fingers (implies --body)")
    p.add_argument("--mirror", action="store_true", help="mirror the person (their left moves the avatar's right)")
    p.add_argument("--calibration", type=Path, help="neutral-face calibration JSON (vivid track --calibrate-out FILE)")
    p.add_argument("--vmc-out", type=_host_port, metavar="HOST:PORT", help="also send every frame over VMC")
    p.add_argument("--vmc-channels", type=_vmc_channels, default="all", metavar="LIST",
                   help="what --vmc-out sends, comma-separated: root, body, head, eyes, hands, face "
                        "(blendshapes), or all (default); e.g. head,face to leave the body to another tracker")
    p.add_argument("--debug-overlay", action="store_true", help="draw blendshape and expression bars, head/gaze angles")
    p.add_argument("--max-seconds", type=float, help="stop after this much input time")
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


def _drive(args: argparse.Namespace) -> int:
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
    view = DriveView(avatar, StageOptions(width=width, height=height, transparent=args.transparent), DriveShot(args.shot))
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
                out = draw_debug(out, driven)
            if layout == "side" and image is not None:
                out = _side_by_side(image, out)
            if writer is None:
                writer = VideoWriter(args.output, out.shape[1], out.shape[0], VideoOptions(fps=fps, alpha=args.transparent))
            writer.write(np.ascontiguousarray(out))
            if sender is not None:
                sender.send_frame(vmc_bones(avatar.rig, driven), vmc_blendshapes(driven), time_s=driven.time_s)
            stats.frames += 1
    finally:
        view.release()
        if writer is not None:
            writer.close()
        if sender is not None:
            sender.close()
    if writer is None:
        print(f"error: {args.input}: no frames were read", file=sys.stderr)
        return 2
    summary = ", ".join(f"{k} {np.mean(v):.1f} ms" for k, v in stats.stage_ms.items())
    print(f"wrote {args.output}: {stats.frames} frames ({avatar.kind}); per frame: {summary}")
    return 0
