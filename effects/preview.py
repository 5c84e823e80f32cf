"""The designer loop: run an effect package on a photo, a video or the webcam, with hot reload
(`--watch`) that keeps the last good package when an edit breaks it, and an optional overlay
showing anchors and trigger states. Also thumbnails of packages."""
from __future__ import annotations

import io
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import cv2
import numpy as np
from PIL import Image

from assets.errors import AssetError, RenderError, VividError
from assets.outputs import check_output_path
from capture.pipeline import PipelineOptions, TrackingPipeline
from capture.types import Frame, Tracking
from effects.landmarks import anchor_index_points
from effects.package import (EffectPackage, load_package, release_package, replace_zip_member, resolve_package_path,
                             zip_member)
from effects.stack import EffectFrame, EffectStack
from effects.triggers import HAND_GESTURES
from render.context import RenderContext

log = logging.getLogger(__name__)

STILL_SUFFIXES = (".png", ".jpg", ".jpeg")  # a .jpg has no alpha: transparent areas become black
# A still shows fired triggers this long after they fired: a burst at its age 0 has not spread yet.
FIRE_LEAD_S = 0.6
FIRED_STILL_TIME_S = 0.8  # the effect time of a still with fired triggers (thumbnails, --fire)
FACE_ANCHORS = frozenset({"face", "head", "face_mesh"})


class PreviewOptionError(VividError, ValueError):
    """A preview or thumbnail option that cannot work; the message names the flag and the fix."""


def face_layers(package: EffectPackage) -> list[str]:
    """Ids of the layers that need a tracked face (anchored to a face point, the head or the mesh)."""
    return [spec.id for spec in package.layers if spec.anchor.kind in FACE_ANCHORS]


def fit_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` scaled to fit inside `size` (width, height) keeping its aspect ratio, centred on
    black (letterbox). The image itself when it already has that size."""
    w, h = size
    ih, iw = image.shape[:2]
    if (iw, ih) == (w, h):
        return image
    scale = min(w / iw, h / ih)
    sw, sh = max(1, round(iw * scale)), max(1, round(ih * scale))
    scaled = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    out = np.zeros((h, w) + image.shape[2:], image.dtype)
    x0, y0 = (w - sw) // 2, (h - sh) // 2
    out[y0:y0 + sh, x0:x0 + sw] = scaled
    return out


def encode_still(image: np.ndarray, suffix: str) -> bytes:
    """PNG (alpha kept) or JPEG bytes of an RGB(A) uint8 image. JPEG has no alpha, so a
    transparent result is flattened onto black (straight alpha premultiplied)."""
    if suffix.lower() in (".jpg", ".jpeg"):
        if image.shape[-1] == 4:
            alpha = image[..., 3:4].astype(np.float32) / 255
            image = (image[..., :3].astype(np.float32) * alpha + 0.5).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="JPEG", quality=95)
        return buffer.getvalue()
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_still(path: Path, image: np.ndarray) -> Path:
    """Write a .png or .jpg (checked with check_output_path first); written whole, then renamed,
    so a failure never leaves a broken file under the name."""
    data = encode_still(image, path.suffix)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


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


PackageState = tuple[tuple[str, int, int], ...]


def package_state(path: Path) -> PackageState:
    """Every file of the package with its size and modification time (folder walk, or the .zip
    itself). Compared whole, so a deleted file, a restored one, or a copy that keeps an old
    modification time all count as changes (the newest time alone misses them)."""
    if path.is_file():
        st = path.stat()
        return ((path.name, st.st_size, st.st_mtime_ns),)
    entries = []
    for root, _dirs, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            try:
                st = file.stat()
            except OSError:
                continue  # a file replaced mid-walk by an editor's atomic save
            entries.append((file.relative_to(path).as_posix(), st.st_size, st.st_mtime_ns))
    return tuple(sorted(entries))


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
    _state: PackageState = field(default=())

    def __post_init__(self) -> None:
        self.path = resolve_package_path(self.path)  # a built-in name: watch its folder
        self._state = package_state(self.path)
        self.stack = _build_stack(self.rc, self.path, self.size)  # first load must succeed

    def poll(self) -> bool:
        """Reload if any file changed; True when a new package went live."""
        state = package_state(self.path)
        if state == self._state:
            return False
        self._state = state
        try:
            new_stack = _build_stack(self.rc, self.path, self.size)
        except VividError as exc:
            self.error = str(exc)
            self.on_error(f"effect reload failed, keeping the last good version:\n{exc}")
            return False
        old, self.stack = self.stack, new_stack
        if old is not None:
            _release_stack(old)
        self.error = None
        self.reloads += 1
        return True

    def release(self) -> None:
        if self.stack is not None:
            _release_stack(self.stack)
            self.stack = None


def _build_stack(rc: RenderContext, path: Path, size: tuple[int, int]) -> EffectStack:
    package = load_package(path)
    try:
        return EffectStack(rc, package, size)
    except VividError:
        release_package(package)
        raise


def _release_stack(stack: EffectStack) -> None:
    """The stack, then the zip's temporary folder (layers such as a background video read their
    files for as long as the stack lives)."""
    package = stack.package
    stack.release()
    release_package(package)


def run_effect(reloader: HotReloader, frames: Iterable[Frame], pipeline: TrackingPipeline,
               watch: bool = False, overlay: bool = False,
               on_tracking: Callable[[Tracking], None] | None = None,
               ) -> Iterator[tuple[Frame, np.ndarray, EffectFrame]]:
    """Track each frame and render it through the (hot-reloaded) stack. `on_tracking` sees each
    frame's tracking (e.g. to count frames without a face)."""
    for frame in frames:
        if watch:
            reloader.poll()
        tracking = pipeline.process(frame)
        if on_tracking is not None:
            on_tracking(tracking)
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
    face and write `out` (.png or .jpg; default: the package's thumbnail.png, inside the .zip for
    a zipped package). Returns the thumbnail (RGBA)."""
    return write_thumbnail(package_path, portrait, out, size, rc)[0]


def write_thumbnail(package_path: str | Path, portrait: str | Path, out: str | Path | None = None,
                    size: int = 256, rc: RenderContext | None = None) -> tuple[np.ndarray, str]:
    """`thumbnail`, also returning where it was written (a file, or "PACKAGE.zip:member")."""
    if size < 1:
        raise PreviewOptionError(f"thumbnail size {size}: --size must be a whole number >= 1, e.g. 256")
    if out is not None:
        check_output_path(out, STILL_SUFFIXES, "a thumbnail")
    package = load_package(package_path)
    try:
        thumb = render_thumbnail(package, Path(portrait), size, rc)
        return thumb, _save_thumbnail(package, thumb, out)
    finally:
        release_package(package)


def render_thumbnail(package: EffectPackage, portrait: Path, size: int, rc: RenderContext | None = None) -> np.ndarray:
    """The package on `portrait`, cropped square around the face and scaled to `size`. Raises
    AssetError when the portrait has no face (the crop, and most effects, need one)."""
    from capture.sources.image import read_image

    image = np.ascontiguousarray(read_image(portrait)[..., :3])
    h, w = image.shape[:2]
    with TrackingPipeline(pipeline_options(package, still=True)) as pipeline:
        tracking = pipeline.process(Frame(image, 0.0, 0))
    if tracking.face is None:
        raise AssetError(f"{portrait}: no face found (--portrait); a thumbnail shows the effect on a face: "
                         "give a portrait photo with one clear, frontal face you may publish")
    own = rc is None
    rc = rc or RenderContext.headless()
    try:
        with EffectStack(rc, package, (w, h)) as stack:
            fire_all(stack, FIRED_STILL_TIME_S - FIRE_LEAD_S)
            result = stack.render(image, tracking, time_s=FIRED_STILL_TIME_S)
    finally:
        if own:
            rc.release()
    rgba = result.image
    pts = tracking.face.landmarks[:, :2] * (w, h)
    cx, cy = pts.mean(axis=0)
    side = int(min(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1])) * 2.2, w, h))
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
    return cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=cv2.INTER_AREA)


def _save_thumbnail(package: EffectPackage, thumb: np.ndarray, out: str | Path | None) -> str:
    if out is not None:
        return str(write_still(Path(out), thumb))
    if package.zip_path is not None:  # the extracted folder is temporary: write into the zip itself
        member = zip_member(package, "thumbnail.png")
        replace_zip_member(package.zip_path, member, encode_still(thumb, ".png"))
        return f"{package.zip_path}:{member}"
    return str(write_still(package.root / "thumbnail.png", thumb))


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000.0
