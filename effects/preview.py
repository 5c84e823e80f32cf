"""The designer loop: run an effect package on a photo, a video or the webcam, with hot reload
(`--watch`) that keeps the last good package when an edit breaks it, and an optional overlay
showing anchors and trigger states. Also thumbnails of packages."""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import cv2
import numpy as np

from assets.errors import VividError
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.types import Frame, Tracking
from effects.landmarks import anchor_index_points
from effects.package import EffectPackage, load_package
from effects.stack import EffectFrame, EffectStack
from effects.triggers import HAND_GESTURES
from assets.errors import RenderError
from render.context import RenderContext

log = logging.getLogger(__name__)


def pipeline_options(package: EffectPackage, still: bool, num_faces: int = 1) -> PipelineOptions:
    """Trackers a package needs: face always; the person mask for background/zoom layers; the
    body for body anchors; hands for hand anchors or hand gestures."""
    types = {spec.type for spec in package.layers}
    kinds = {spec.anchor.kind for spec in package.layers}
    gestures = {t["when"].get("gesture") for t in package.triggers}
    return PipelineOptions(face=True, mask=bool(types & {"background", "zoom_cutout"}),
                           body="body" in kinds, hands="hand" in kinds or bool(gestures & ({"hand_visible"} | set(HAND_GESTURES))),
                           num_faces=max(num_faces, max((s.max_faces for s in package.layers), default=1)
                                         if still else num_faces),
                           still_images=still)


def draw_overlay(image: np.ndarray, stack: EffectStack, tracking: Tracking, frame: EffectFrame) -> np.ndarray:
    """Anchors (dots with names) and trigger states (name, score, active) drawn on a copy."""
    out = np.ascontiguousarray(image[..., :3]).copy()
    w, h = stack.size
    for face in tracking.faces:
        pts = face.landmarks[:, :2] * (w, h)
        for spec in stack.package.layers:
            if spec.anchor.kind == "face":
                p = pts[list(anchor_index_points(spec.anchor.name))].mean(axis=0)
                cv2.circle(out, (int(p[0]), int(p[1])), 4, (0, 255, 0), -1, cv2.LINE_AA)
                cv2.putText(out, f"{spec.id}:{spec.anchor.name}", (int(p[0]) + 6, int(p[1]) - 6),
                            cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 255, 0), 1, cv2.LINE_AA)
    y = 18
    for trig in stack.triggers.triggers:
        colour = (255, 80, 80) if trig.active else (230, 230, 230)
        cv2.putText(out, f"{trig.id}: {trig.score:.2f} {'ON' if trig.active else 'off'}", (8, y),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
        y += 18
    for layer_id, on in frame.layer_states.items():
        cv2.putText(out, f"[{'x' if on else ' '}] {layer_id}", (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (180, 255, 180) if on else (150, 150, 150), 1, cv2.LINE_AA)
        y += 16
    rgba = np.concatenate([out, image[..., 3:4]], axis=-1) if image.shape[-1] == 4 else out
    return rgba


def error_banner(image: np.ndarray, message: str) -> np.ndarray:
    """The last good frame with the package error printed on it (the preview keeps running)."""
    out = np.ascontiguousarray(image[..., :3]).copy()
    cv2.rectangle(out, (0, 0), (out.shape[1], 24 + 16 * min(message.count("\n") + 1, 6)), (120, 0, 0), -1)
    for i, line in enumerate(message.splitlines()[:6]):
        cv2.putText(out, line[:140], (6, 18 + 16 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return out if image.shape[-1] == 3 else np.concatenate([out, image[..., 3:4]], axis=-1)


def package_mtime(path: Path) -> float:
    """Newest modification time of the package's files (folder walk, or the .zip itself)."""
    if path.is_file():
        return path.stat().st_mtime
    newest = 0.0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                newest = max(newest, (Path(root) / f).stat().st_mtime)
            except OSError:
                continue  # a file replaced mid-walk by an editor's atomic save
    return newest


@dataclass
class HotReloader:
    """Owns the current EffectStack; `poll()` reloads the package when its files change. A broken
    edit keeps the last good stack running and stores the error in `error` (shown and printed)."""

    path: Path
    rc: RenderContext
    size: tuple[int, int]
    on_error: Callable[[str], None] = print
    stack: EffectStack | None = None
    error: str | None = None
    reloads: int = 0
    _mtime: float = field(default=0.0)

    def __post_init__(self) -> None:
        self._mtime = package_mtime(self.path)
        self.stack = EffectStack(self.rc, load_package(self.path), self.size)  # first load must succeed

    def poll(self) -> bool:
        """Reload if any file changed; True when a new package went live."""
        mtime = package_mtime(self.path)
        if mtime == self._mtime:
            return False
        self._mtime = mtime
        try:
            new_stack = EffectStack(self.rc, load_package(self.path), self.size)
        except VividError as exc:
            self.error = str(exc)
            self.on_error(f"effect reload failed, keeping the last good version:\n{exc}")
            return False
        old, self.stack = self.stack, new_stack
        if old is not None:
            old.release()
        self.error = None
        self.reloads += 1
        return True

    def release(self) -> None:
        if self.stack is not None:
            self.stack.release()
            self.stack = None


def run_effect(reloader: HotReloader, frames: Iterable[Frame], pipeline: TrackingPipeline,
               watch: bool = False, overlay: bool = False) -> Iterator[tuple[Frame, np.ndarray, EffectFrame]]:
    """Track each frame and render it through the (hot-reloaded) stack."""
    for frame in frames:
        if watch:
            reloader.poll()
        tracking = pipeline.process(frame)
        if reloader.stack is None:
            raise RenderError("the effect stack was released while the preview was running")
        result = reloader.stack.render(frame.image, tracking)
        image = result.image
        if overlay:
            image = draw_overlay(image, reloader.stack, tracking, result)
        if reloader.error:
            image = error_banner(image, reloader.error)
        yield frame, image, result


def fire_all(stack: EffectStack, time_s: float) -> None:
    """Run every trigger's start actions once (thumbnails show what the effect does)."""
    for trig in stack.package.triggers:
        stack.run_actions(list(trig.get("actions", [])), time_s, [])


def thumbnail(package_path: str | Path, portrait: str | Path, out: str | Path | None = None,
              size: int = 256, rc: RenderContext | None = None) -> np.ndarray:
    """Render the package on `portrait` (triggers fired, t = 0.8 s), crop a square around the
    face and write `out` (default: the package's thumbnail.png)."""
    from capture.sources.image import read_image
    from render.image_io import write_png

    package = load_package(package_path)
    image = np.ascontiguousarray(read_image(portrait)[..., :3])
    h, w = image.shape[:2]
    with TrackingPipeline(pipeline_options(package, still=True)) as pipeline:
        tracking = pipeline.process(Frame(image, 0.0, 0))
    own = rc is None
    rc = rc or RenderContext.headless()
    try:
        with EffectStack(rc, package, (w, h)) as stack:
            fire_all(stack, 0.2)
            result = stack.render(image, tracking, time_s=0.8)
    finally:
        if own:
            rc.release()
    rgba = result.image
    if tracking.face is not None:
        pts = tracking.face.landmarks[:, :2] * (w, h)
        cx, cy = pts.mean(axis=0)
        side = int(min(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1])) * 2.2, w, h))
    else:
        cx, cy, side = w / 2, h / 2, min(w, h)
    x0 = int(np.clip(cx - side / 2, 0, w - side))
    y0 = int(np.clip(cy - side / 2 - side * 0.05, 0, h - side))
    crop = rgba[y0:y0 + side, x0:x0 + side]
    # Transparent results are shown over a checkerboard so the thumbnail reads as "cut-out".
    if crop[..., 3].min() < 255:
        yy, xx = np.mgrid[0:side, 0:side]
        checker = np.where(((yy // 16 + xx // 16) % 2)[..., None] == 0, 200, 245).astype(np.float32)
        a = crop[..., 3:4].astype(np.float32) / 255
        crop = np.concatenate([(crop[..., :3] * a + checker * (1 - a)).astype(np.uint8),
                               np.full((side, side, 1), 255, np.uint8)], -1)
    thumb = cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=cv2.INTER_AREA)
    target = Path(out) if out is not None else package.root / "thumbnail.png"
    write_png(target, thumb)
    return thumb


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000.0
