"""AR mode's effect stack for the studio: several effect packages (effects/) applied in order,
each with a strength (0 = off, 1 = full), on the newest camera frame and its tracking.

effects.stack.EffectStack runs one package at one frame size; this chains them (the output of one
is the input of the next, blitted on the GPU) and blends each with its input by strength. The
result stays on the GPU for the compositor: the camera frame is uploaded once and nothing is read
back unless asked. A package is built when it is added (at the output size until a frame arrives), so
a broken shader is refused at once; stacks are rebuilt at the source frame size on first use and when
it changes, and a slot that fails then (or while drawing) is dropped alone, with a message in
`dropped`, and `version` goes up so the window can update its list and the saved settings."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import moderngl

from capture.types import Tracking
from effects.stack import EffectStack
from render.context import RenderContext
from render.live.compositor import Compositor, Fit, ImageTexture

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackerNeeds:
    """Trackers the loaded packages need beyond the face."""

    mask: bool = False
    body: bool = False
    hands: bool = False


class EffectSlot:
    def __init__(self, path: Path, package: object, strength: float) -> None:
        self.path = path
        self.package = package
        self.strength = strength
        self.stack = None  # effects.stack.EffectStack, built at the frame size

    @property
    def name(self) -> str:
        return getattr(self.package, "name", self.path.name)


class EffectChain:
    def __init__(self, rc: RenderContext) -> None:
        self.rc = rc
        self.slots: list[EffectSlot] = []
        self._size: tuple[int, int] | None = None
        self.dropped: list[str] = []  # messages for slots the chain removed itself (take_dropped)
        self.version = 0  # bumped whenever the chain removes slots on its own
        # For strengths below 1: a slot's input is kept (the camera frame uploaded, or a copy of the
        # previous slot's result) and mixed back over its output.
        self._compositor: Compositor | None = None
        self._camera_input = ImageTexture(rc)
        self._copied_input: tuple[moderngl.Texture, moderngl.Framebuffer] | None = None

    def add(self, path: str | Path, strength: float = 1.0,
            size: tuple[int, int] | None = None) -> EffectSlot:
        """Load and build a package (EffectPackageError names the file and JSON field when it is
        broken, EffectShaderError a shader that does not compile). It is built at the current
        frame size, else at `size` (the output size, before any frame); the stack is unchanged
        on failure."""
        from effects.package import load_package

        package = load_package(path)
        slot = EffectSlot(Path(path), package, strength)
        build_size = self._size or size
        if build_size is not None:
            self._build(slot, build_size)
        self.slots.append(slot)
        return slot

    def take_dropped(self) -> list[str]:
        out, self.dropped = self.dropped, []
        return out

    def _drop(self, slot: EffectSlot, exc: BaseException, when: str) -> None:
        log.warning("effect %s dropped %s: %s", slot.name, when, exc)
        if slot in self.slots:
            self.slots.remove(slot)
        if slot.stack is not None:
            try:
                slot.stack.release()
            except Exception:  # already broken; releasing is best effort
                log.debug("releasing the failed effect %s", slot.name, exc_info=True)
            slot.stack = None
        self.dropped.append(f"effect {slot.name} ({slot.path}) was removed from the stack {when}: "
                            f"{type(exc).__name__}: {exc}")
        self.version += 1

    def remove(self, index: int) -> None:
        slot = self.slots.pop(index)
        if slot.stack is not None:
            slot.stack.release()

    def move(self, index: int, to: int) -> None:
        self.slots.insert(to, self.slots.pop(index))

    def needs(self) -> TrackerNeeds:
        from effects.preview import pipeline_options

        options = [pipeline_options(s.package, still=False) for s in self.slots]
        return TrackerNeeds(mask=any(o.mask for o in options), body=any(o.body for o in options),
                            hands=any(o.hands for o in options))

    def _build(self, slot: EffectSlot, size: tuple[int, int]) -> None:
        from effects.stack import EffectStack

        if slot.stack is not None:
            slot.stack.release()
            slot.stack = None
        slot.stack = EffectStack(self.rc, slot.package, size)

    def render_texture(self, image: np.ndarray, tracking: Tracking, time_s: float) -> moderngl.Texture | None:
        """The RGB uint8 (H, W, 3) frame through every enabled effect in order, left on the GPU:
        premultiplied RGBA, top row first, valid until the next call. None when no effect is on."""
        size = (int(image.shape[1]), int(image.shape[0]))
        if size != self._size:
            self._size = size
            for slot in list(self.slots):
                try:
                    self._build(slot, size)
                except Exception as exc:  # only this slot goes; the others keep working
                    self._drop(slot, exc, f"at frame size {size[0]}x{size[1]}")
        source: np.ndarray | EffectStack = image
        result = None
        for slot in list(self.slots):
            if slot.strength <= 0.0 or slot.stack is None:
                continue
            try:
                base = self._keep_input(source) if slot.strength < 1.0 else None
                result_now = slot.stack.render_texture(source, tracking, time_s=time_s).texture
                if base is not None:  # strength s: s * effect + (1 - s) * input
                    slot.stack.gpu.begin_overlay()
                    self._mixer().draw(base, size, Fit.CONTAIN, opacity=1.0 - slot.strength)
            except Exception as exc:  # drop the failing slot; the next one reads the last good result
                self._drop(slot, exc, "while drawing")
                continue
            result = result_now
            source = slot.stack
        return result

    def render(self, image: np.ndarray, tracking: Tracking, time_s: float) -> np.ndarray:
        """RGB uint8 (H, W, 3) through every enabled effect in order, read back."""
        result = self.render_texture(image, tracking, time_s)
        if result is None:
            return image
        self.rc.finish()  # wait with the GIL released; the read then only copies
        data = np.frombuffer(result.read(alignment=1), np.uint8).reshape(image.shape[0], image.shape[1], 4)
        return np.ascontiguousarray(data[..., :3])  # opaque frames: premultiplied = straight

    def _keep_input(self, source: np.ndarray | EffectStack) -> moderngl.Texture:
        if isinstance(source, np.ndarray):
            return self._camera_input.upload(source)
        if self._copied_input is None or self._copied_input[0].size != source.size:
            self._release_copied_input()
            texture = self.rc.ctx.texture(source.size, 4)
            self._copied_input = (texture, self.rc.ctx.framebuffer([texture]))
        texture, fbo = self._copied_input
        self.rc.ctx.copy_framebuffer(fbo, source.gpu.result_framebuffer())
        return texture

    def _release_copied_input(self) -> None:
        if self._copied_input is not None:
            texture, fbo = self._copied_input
            fbo.release()
            texture.release()
            self._copied_input = None

    def _mixer(self) -> Compositor:
        if self._compositor is None:
            self._compositor = Compositor(self.rc)
        return self._compositor

    def release(self) -> None:
        for slot in self.slots:
            if slot.stack is not None:
                slot.stack.release()
                slot.stack = None
        if self.slots:
            self.version += 1
        self.slots = []
        self._release_copied_input()
        self._camera_input.release()
        if self._compositor is not None:
            self._compositor.release()
            self._compositor = None
