"""`vivid effect preview | check | thumbnail` (the lead adds the `effect` group and calls
`register_effect_commands(effect_subparsers)`)."""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from assets.errors import VividError
from capture.pipeline import TrackingPipeline
from capture.sources import open_source
from capture.sources.image import IMAGE_EXTENSIONS
from effects.package import load_package
from effects.preview import HotReloader, pipeline_options, run_effect, thumbnail
from effects.sounds import SAMPLE_RATE, SoundTrack
from effects.stack import EffectStack
from render.context import RenderContext
from render.image_io import write_png
from render.video_writer import VideoOptions, VideoWriter

log = logging.getLogger(__name__)
CHECK_SIZE = (64, 64)  # shaders, textures and models load at any size; keep the check fast
WATCH_POLL_S = 0.5


def register_effect_commands(effect_subparsers: argparse._SubParsersAction) -> None:
    pv = effect_subparsers.add_parser("preview", help="run an effect package on a photo, video or webcam")
    pv.add_argument("package", type=Path, help="effect package folder, .zip, or its effect.json")
    pv.add_argument("--input", "-i", required=True, help="photo, video, image folder, or webcam:INDEX")
    pv.add_argument("-o", "--output", type=Path,
                    help="output .png (photo) or .mp4/.mov/.webm (video; .mov/.webm keep alpha)")
    pv.add_argument("--watch", action="store_true",
                    help="hot reload on file change; a broken edit keeps the last good package")
    pv.add_argument("--overlay", action="store_true", help="draw anchors and trigger states")
    pv.add_argument("--time", type=float, default=0.0, help="photo: effect time in seconds")
    pv.add_argument("--fire", action="store_true", help="photo: run every trigger's actions once")
    pv.add_argument("--max-frames", type=int, help="video/webcam: stop after this many frames")
    pv.add_argument("--mirror", action="store_true", help="mirror the input (selfie view)")
    pv.add_argument("--num-faces", type=int, default=1, help="faces to track")
    pv.set_defaults(func=run_preview)

    ck = effect_subparsers.add_parser("check", help="validate a package: schema, assets, shaders")
    ck.add_argument("packages", type=Path, nargs="+")
    ck.set_defaults(func=run_check)

    th = effect_subparsers.add_parser("thumbnail", help="render a package's thumbnail.png on a portrait")
    th.add_argument("packages", type=Path, nargs="+")
    th.add_argument("--portrait", type=Path, required=True, help="a portrait photo you may publish (CC0 / your own)")
    th.add_argument("-o", "--output", type=Path, help="output PNG (one package only; default PACKAGE/thumbnail.png)")
    th.add_argument("--size", type=int, default=256)
    th.set_defaults(func=run_thumbnail)


def check_package(path: Path, rc: RenderContext) -> str:
    """Load, validate and build the package on the GPU (compiles its shaders). Returns a summary."""
    package = load_package(path)
    with EffectStack(rc, package, CHECK_SIZE):
        pass
    types = ", ".join(f"{s.id} ({s.type})" for s in package.layers)
    return f"{package.label}: OK - {package.name}: {len(package.layers)} layers: {types}; {len(package.triggers)} triggers"


def run_check(args: argparse.Namespace) -> int:
    rc = RenderContext.headless()
    failed = 0
    try:
        for path in args.packages:
            try:
                print(check_package(path, rc))
            except VividError as exc:
                print(f"ERROR {exc}")
                failed += 1
    finally:
        rc.release()
    return 1 if failed else 0


def run_thumbnail(args: argparse.Namespace) -> int:
    if args.output is not None and len(args.packages) > 1:
        print("ERROR -o/--output takes one package; omit it to write PACKAGE/thumbnail.png for each")
        return 2
    rc = RenderContext.headless()
    try:
        for path in args.packages:
            try:
                thumbnail(path, args.portrait, args.output, args.size, rc=rc)
                print(f"{path}: thumbnail written")
            except VividError as exc:
                print(f"ERROR {exc}")
                return 1
    finally:
        rc.release()
    return 0


def _is_photo(spec: str) -> bool:
    return Path(spec).suffix.lower() in IMAGE_EXTENSIONS


def run_preview(args: argparse.Namespace) -> int:
    try:
        return _preview(args)
    except VividError as exc:
        print(f"ERROR {exc}")
        return 1
    except KeyboardInterrupt:
        return 130


def _preview(args: argparse.Namespace) -> int:
    photo = _is_photo(args.input)
    source = open_source(args.input, mirror=args.mirror)
    rc = RenderContext.headless()
    try:
        frames = iter(source)
        first = next(frames, None)
        if first is None:
            print(f"ERROR no frames in {args.input}")
            return 1
        size = first.size
        reloader = HotReloader(Path(args.package), rc, size)
        options = pipeline_options(reloader.stack.package, still=photo, num_faces=args.num_faces)
        with TrackingPipeline(options) as pipeline:
            if photo:
                return _preview_photo(args, first, reloader, pipeline)
            return _preview_video(args, first, frames, reloader, pipeline)
    finally:
        source.close()
        rc.release()


def _preview_photo(args: argparse.Namespace, frame, reloader: HotReloader, pipeline: TrackingPipeline) -> int:  # noqa: ANN001
    from effects.preview import draw_overlay, error_banner, fire_all
    out = args.output or Path(f"{Path(args.package).name}_preview.png")
    tracking = pipeline.process(frame)
    while True:
        stack = reloader.stack
        if args.fire:
            fire_all(stack, max(args.time - 0.6, 0.0))
        result = stack.render(frame.image, tracking, time_s=args.time)
        image = draw_overlay(result.image, stack, tracking, result) if args.overlay else result.image
        if reloader.error:
            image = error_banner(image, reloader.error)
        write_png(out, image)
        print(f"wrote {out}")
        if not args.watch:
            return 0
        while not reloader.poll() and reloader.error is None:
            time.sleep(WATCH_POLL_S)
        if reloader.error is not None:  # keep the last good render, with the error on it
            write_png(out, error_banner(image, reloader.error))
            while not reloader.poll():
                time.sleep(WATCH_POLL_S)


def _preview_video(args: argparse.Namespace, first, frames, reloader: HotReloader,  # noqa: ANN001
                   pipeline: TrackingPipeline) -> int:
    def all_frames():  # noqa: ANN202
        yield first
        for i, f in enumerate(frames, 1):
            if args.max_frames is not None and i >= args.max_frames:
                return
            yield f

    out = args.output
    writer = None
    sounds: SoundTrack | None = None
    window = out is None
    if out is not None:
        if out.suffix.lower() == ".png":
            print("ERROR a video/webcam preview writes .mp4, .mov or .webm, not .png")
            return 2
        alpha = out.suffix.lower() in (".mov", ".webm")
        w, h = first.size
        package = reloader.stack.package
        has_sounds = any(a["do"] == "sound" for t in package.triggers
                         for a in t.get("actions", []) + t.get("on_release", []))
        writer = VideoWriter(out, w - w % 2, h - h % 2, VideoOptions(fps=30.0, alpha=alpha),
                             audio_sample_rate=SAMPLE_RATE if has_sounds else None)
        sounds = SoundTrack(package.root) if has_sounds else None
    count = 0
    last_t = 0.0
    try:
        for _frame, image, result in run_effect(reloader, all_frames(), pipeline, watch=args.watch,
                                                 overlay=args.overlay):
            for ev in result.events:
                log.info("%.2fs trigger %s %s", ev.time_s, ev.trigger, ev.edge)
            if writer is not None and sounds is not None:
                for name in result.sounds:
                    sounds.add(result.time_s, name)
            last_t = result.time_s
            if writer is not None:
                writer.write(np.ascontiguousarray(image[:writer.size[1], :writer.size[0]]))
            elif window:
                import cv2
                cv2.imshow("vivid effect preview (q quits, t taps)", cv2.cvtColor(image, cv2.COLOR_RGBA2BGR))
                key = cv2.waitKey(1) & 0xFF
                if key == ord("q"):
                    break
                if key == ord("t"):
                    reloader.stack.tap()
            count += 1
        if writer is not None and sounds is not None:
            writer.add_audio(sounds.render(last_t + 1.0 / 30.0))
    finally:
        if writer is not None:
            writer.close()
    print(f"{count} frames" + (f" -> {out}" if out else ""))
    return 0
