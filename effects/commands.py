"""`vivid effect preview | check | thumbnail` (the lead adds the `effect` group and calls
`register_effect_commands(effect_subparsers)`)."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from assets.cli_types import seconds_or_zero, whole_number
from assets.errors import SourceError, VividError
from assets.outputs import check_output_path
from capture.pipeline import TrackingPipeline
from capture.sources import open_source
from capture.sources.image import IMAGE_EXTENSIONS
from capture.types import Frame, Tracking
from effects.package import MANIFEST, load_package, release_package
from effects.preview import (FIRE_LEAD_S, FIRED_STILL_TIME_S, STILL_SUFFIXES, HotReloader, PreviewOptionError,
                             draw_overlay, error_banner, face_layers, fire_all, fit_image, pipeline_options,
                             run_effect, write_still, write_thumbnail)
from effects.sounds import OutputAudio
from effects.stack import EffectFrame, EffectStack
from render.context import RenderContext
from render.display import no_display_reason
from render.source_audio import read_source_audio
from render.video_writer import VideoOptions, VideoWriter

log = logging.getLogger(__name__)
CHECK_SIZE = (64, 64)  # shaders, textures and models load at any size; keep the check fast
WATCH_POLL_S = 0.5
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm")  # .mov (ProRes 4444) and .webm (VP9) keep alpha
ALPHA_SUFFIXES = (".mov", ".webm")
FALLBACK_FPS = 30.0  # a source that does not know its rate (some webcams)
FOLDER_FPS = 1.0  # an image folder becomes a slide show, one photo a second


class InputKind(Enum):
    PHOTO = "photo"
    FOLDER = "image folder"
    VIDEO = "video"
    WEBCAM = "webcam"


def register_effect_commands(effect_subparsers: argparse._SubParsersAction) -> None:
    pv = effect_subparsers.add_parser("preview", help="run an effect package on a photo, video or webcam")
    pv.add_argument("package", type=Path, help="effect package folder, .zip, or its effect.json")
    pv.add_argument("--input", "-i", required=True, help="photo, video, image folder, or webcam:INDEX")
    pv.add_argument("-o", "--output", type=Path,
                    help="a photo -> .png or .jpg (no alpha); a video, image folder or webcam -> "
                         ".mp4, or .mov/.webm (keep alpha); default: a window (photo: PACKAGE_preview.png)")
    pv.add_argument("--watch", action="store_true",
                    help="hot reload on file change; a broken edit keeps the last good package")
    pv.add_argument("--overlay", action="store_true", help="draw anchors and trigger states")
    pv.add_argument("--time", type=seconds_or_zero,
                    help=f"photo: effect time in seconds (default 0, or {FIRED_STILL_TIME_S} with --fire)")
    pv.add_argument("--fire", action="store_true",
                    help=f"photo: run every trigger's actions once, {FIRE_LEAD_S} s before --time")
    pv.add_argument("--max-frames", type=whole_number, help="video/webcam: stop after this many frames")
    pv.add_argument("--mirror", action="store_true", help="mirror the input (selfie view)")
    pv.add_argument("--num-faces", type=whole_number, default=1, help="faces to track (>= 1)")
    pv.set_defaults(func=run_preview)

    ck = effect_subparsers.add_parser("check", help="validate a package: schema, assets, shaders")
    ck.add_argument("packages", type=Path, nargs="+",
                    help="package folders, .zip files or effect.json files; other files are skipped")
    ck.set_defaults(func=run_check)

    th = effect_subparsers.add_parser("thumbnail", help="render a package's thumbnail.png on a portrait")
    th.add_argument("packages", type=Path, nargs="+")
    th.add_argument("--portrait", type=Path, required=True,
                    help="a photo with a face that you may publish (CC0 / your own)")
    th.add_argument("-o", "--output", type=Path,
                    help="output .png or .jpg (one package only; default PACKAGE/thumbnail.png, "
                         "inside the .zip for a zipped package)")
    th.add_argument("--size", type=whole_number, default=256, help="side in pixels (default 256)")
    th.set_defaults(func=run_thumbnail)


def warn(message: str) -> None:
    print(f"vivid: warning: {message}", file=sys.stderr)


# ------------------------------------------------------------------------------------- check
def check_package(path: Path, rc: RenderContext) -> str:
    """Load, validate and build the package on the GPU (compiles its shaders). Returns a summary."""
    package = load_package(path)
    try:
        with EffectStack(rc, package, CHECK_SIZE):
            pass
    finally:
        release_package(package)
    types = ", ".join(f"{s.id} ({s.type})" for s in package.layers)
    return f"{package.label}: OK - {package.name}: {len(package.layers)} layers: {types}; {len(package.triggers)} triggers"


def _is_other_file(path: Path) -> bool:
    """A plain file that cannot be a package (e.g. a script picked up by `assets/effects/*`)."""
    return path.is_file() and path.suffix.lower() != ".zip" and path.name != MANIFEST


def run_check(args: argparse.Namespace) -> int:
    packages = [p for p in args.packages if not _is_other_file(p)]
    for path in args.packages:
        if _is_other_file(path):
            print(f"SKIP {path.name}: not an effect package (a folder with {MANIFEST}, its {MANIFEST} or a .zip)")
    if not packages:
        raise VividError("effect check: no effect package among the paths given; give package folders, "
                         f".zip files or {MANIFEST} files")
    rc = RenderContext.headless()
    failed = 0
    try:
        for path in packages:
            try:
                print(check_package(path, rc))
            except VividError as exc:
                print(f"ERROR {exc}")
                failed += 1
    finally:
        rc.release()
    return 1 if failed else 0


# --------------------------------------------------------------------------------- thumbnail
def run_thumbnail(args: argparse.Namespace) -> int:
    if args.output is not None and len(args.packages) > 1:
        raise PreviewOptionError("-o/--output takes one package; omit it to write PACKAGE/thumbnail.png for each")
    if args.output is not None:
        check_output_path(args.output, STILL_SUFFIXES, "a thumbnail")
    rc = RenderContext.headless()
    try:
        for path in args.packages:
            _thumb, where = write_thumbnail(path, args.portrait, args.output, args.size, rc=rc)
            print(f"{path}: thumbnail written to {where}")
    finally:
        rc.release()
    return 0


# ----------------------------------------------------------------------------------- preview
def input_kind(spec: str) -> InputKind:
    if spec.startswith("webcam:") or spec.isdigit():
        return InputKind.WEBCAM
    if Path(spec).is_dir():
        return InputKind.FOLDER
    return InputKind.PHOTO if Path(spec).suffix.lower() in IMAGE_EXTENSIONS else InputKind.VIDEO


def _package_name(path: Path) -> str:
    """cat_ears for cat_ears/, cat_ears.zip and cat_ears/effect.json."""
    folder = path.parent if path.name == MANIFEST else path
    return folder.name[:-4] if folder.name.lower().endswith(".zip") else folder.name


def _check_options(args: argparse.Namespace, kind: InputKind) -> Path | None:
    """Reject what cannot work before any work starts; the output path (None: a window)."""
    if kind is InputKind.PHOTO:
        out = args.output or Path(f"{_package_name(Path(args.package))}_preview.png")
        return check_output_path(out, STILL_SUFFIXES, "a photo preview")
    if args.fire or args.time is not None:
        raise PreviewOptionError(f"--fire and --time apply to a photo input; a {kind.value} runs its "
                                 "triggers from the tracking and its own time: remove them")
    if args.output is None:
        problem = no_display_reason("a preview window (no -o)")
        if problem is not None:
            raise PreviewOptionError(f"{problem}; or give -o preview.mp4 to write a video instead")
        return None
    return check_output_path(args.output, VIDEO_SUFFIXES, "a video preview")


class StackPerSize:
    """The hot-reloaded effect stack for the current frame size. The photos of a folder differ in
    size: each is tracked and rendered at its own size (a small landscape photo letterboxed into a
    tall one loses its face to the detector), and the result is letterboxed into the video."""

    def __init__(self, path: Path, rc: RenderContext, size: tuple[int, int]) -> None:
        self.path, self.rc = path, rc
        self.current = HotReloader(path, rc, size)

    def for_size(self, size: tuple[int, int]) -> HotReloader:
        if size != self.current.size:  # one stack at a time: a folder may hold many sizes
            self.current.release()
            self.current = HotReloader(self.path, self.rc, size)
        return self.current

    def release(self) -> None:
        self.current.release()


def run_preview(args: argparse.Namespace) -> int:
    kind = input_kind(args.input)
    out = _check_options(args, kind)
    still = kind in (InputKind.PHOTO, InputKind.FOLDER)  # independent photos: IMAGE-mode tracking
    source = open_source(args.input, mirror=args.mirror)
    rc = RenderContext.headless()
    stacks: StackPerSize | None = None
    try:
        frames = iter(source)
        first = next(frames, None)
        if first is None:
            raise SourceError(f"{args.input}: no frames to preview (--input)")
        stacks = StackPerSize(Path(args.package), rc, first.size)
        options = pipeline_options(stacks.current.stack.package, still=still, num_faces=args.num_faces)
        with TrackingPipeline(options) as pipeline:
            if kind is InputKind.PHOTO:
                assert out is not None
                return _preview_photo(args, out, first, stacks.current, pipeline)
            fps = FOLDER_FPS if kind is InputKind.FOLDER else (source.fps or FALLBACK_FPS)
            frames = _limited(first, frames, args.max_frames)
            if out is None:
                return _preview_window(args, frames, stacks, pipeline)
            return _preview_video(args, out, kind, fps, frames, stacks, pipeline)
    finally:
        if stacks is not None:
            stacks.release()
        source.close()
        rc.release()


def _limited(first: Frame, rest: Iterator[Frame], max_frames: int | None) -> Iterator[Frame]:
    yield first
    for i, frame in enumerate(rest, 1):
        if max_frames is not None and i >= max_frames:
            return
        yield frame


def _rendered(args: argparse.Namespace, frames: Iterable[Frame], stacks: StackPerSize, pipeline: TrackingPipeline,
              size: tuple[int, int], on_tracking: Callable[[Tracking], None] | None = None,
              ) -> Iterator[tuple[np.ndarray, EffectFrame]]:
    """Each frame tracked and rendered at its own size, then fitted into `size`."""
    for frame in frames:
        reloader = stacks.for_size(frame.size)
        for _frame, image, result in run_effect(reloader, (frame,), pipeline, watch=args.watch,
                                                 overlay=args.overlay, on_tracking=on_tracking):
            _log_events(result)
            yield fit_image(image, size), result


def _warn_no_face(args: argparse.Namespace, layers: list[str], missing: int, total: int) -> None:
    if not layers or not missing:
        return
    what = f"no face found in {args.input}" if total == 1 else f"{missing} of {total} frames had no face"
    warn(f"{what}: the face-anchored layers ({', '.join(layers)}) are not drawn there; "
         "use an input with a clear, frontal face")


def _preview_photo(args: argparse.Namespace, out: Path, frame: Frame, reloader: HotReloader,
                   pipeline: TrackingPipeline) -> int:
    tracking = pipeline.process(frame)
    _warn_no_face(args, face_layers(reloader.stack.package), 0 if tracking.faces else 1, 1)
    time_s = args.time if args.time is not None else (FIRED_STILL_TIME_S if args.fire else 0.0)
    while True:
        stack = reloader.stack
        if args.fire:  # each (re)loaded stack fires once, early enough for bursts to be in flight
            fire_all(stack, max(time_s - FIRE_LEAD_S, 0.0))
        result = stack.render(frame.image, tracking, time_s=time_s)
        image = draw_overlay(result.image, stack, tracking, result) if args.overlay else result.image
        if reloader.error:
            image = error_banner(image, reloader.error)
        write_still(out, image)
        print(f"wrote {out}")
        if not args.watch:
            return 0
        while not reloader.poll() and reloader.error is None:
            time.sleep(WATCH_POLL_S)
        if reloader.error is not None:  # keep the last good render, with the error on it
            write_still(out, error_banner(image, reloader.error))
            while not reloader.poll():
                time.sleep(WATCH_POLL_S)


class _FaceCounter:
    """Counts tracked frames without a face (for the warning at the end)."""

    def __init__(self) -> None:
        self.total = 0
        self.missing = 0

    def __call__(self, tracking: Tracking) -> None:
        self.total += 1
        self.missing += not tracking.faces


def _log_events(result: EffectFrame) -> None:
    for ev in result.events:
        log.info("%.2fs trigger %s %s", ev.time_s, ev.trigger, ev.edge)


def _preview_window(args: argparse.Namespace, frames: Iterable[Frame], stacks: StackPerSize,
                    pipeline: TrackingPipeline) -> int:
    import cv2
    count = 0
    for image, _result in _rendered(args, frames, stacks, pipeline, stacks.current.size):
        cv2.imshow("vivid effect preview (q quits, t taps)", cv2.cvtColor(image, cv2.COLOR_RGBA2BGR))
        key = cv2.waitKey(1) & 0xFF
        count += 1
        if key == ord("q"):
            break
        if key == ord("t"):
            stacks.current.stack.tap()
    print(f"{count} frames")
    return 0


def _has_sounds(reloader: HotReloader) -> bool:
    return any(a["do"] == "sound" for t in reloader.stack.package.triggers
               for a in t.get("actions", []) + t.get("on_release", []))


def _preview_video(args: argparse.Namespace, out: Path, kind: InputKind, fps: float, frames: Iterable[Frame],
                   stacks: StackPerSize, pipeline: TrackingPipeline) -> int:
    """Frame i is shown at i / fps, the input's rate, so the output plays at the input's speed;
    the input's sound and the trigger sounds are cut to the same clock."""
    source_audio = read_source_audio(args.input) if kind is InputKind.VIDEO else None
    audio = OutputAudio(stacks.current.stack.package.root, source_audio) \
        if source_audio is not None or _has_sounds(stacks.current) else None
    size = stacks.current.size  # the first frame's
    w, h = size[0] - size[0] % 2, size[1] - size[1] % 2  # H.264 needs even sizes
    faces = _FaceCounter()
    count = 0
    # A failure (or Ctrl-C on a file) aborts the writer: no partial file is left under `out`.
    with VideoWriter(out, w, h, VideoOptions(fps=fps, alpha=out.suffix.lower() in ALPHA_SUFFIXES),
                     audio_sample_rate=audio.sample_rate if audio else None) as writer:
        try:
            for image, result in _rendered(args, frames, stacks, pipeline, size, on_tracking=faces):
                writer.write(np.ascontiguousarray(image[:h, :w]))
                if audio is not None:
                    for name in result.sounds:
                        audio.add_sound(count / fps, name, stacks.current.stack.package.root)
                    writer.add_audio(audio.until((count + 1) / fps))
                count += 1
        except KeyboardInterrupt:
            if kind is not InputKind.WEBCAM:
                raise
            print("stopped: keeping the frames recorded so far")  # Ctrl-C is how a recording ends
    _warn_no_face(args, face_layers(stacks.current.stack.package), faces.missing, faces.total)
    print(f"{count} frames -> {out}")
    return 0
