"""AR mode's effect stack for the studio: several effect packages (effects/) applied in order,
each with a strength (0 = off, 1 = full), on the newest camera frame and its tracking.

effects.stack.EffectStack runs one package at one frame size; this chains them (the output of one
is the input of the next) and blends each with its input by strength. Stacks are (re)built at
the source frame size on first use and when it changes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from capture.types import Tracking
from render.context import RenderContext


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


def blend(base: np.ndarray, effect: np.ndarray, strength: float) -> np.ndarray:
    """base + (effect - base) * strength on uint8 RGB images (integer math, no float copies)."""
    if strength >= 1.0:
        return effect
    if strength <= 0.0:
        return base
    k = int(round(strength * 256))
    b = base.astype(np.int16)
    return (b + (((effect.astype(np.int16) - b) * k) >> 8)).astype(np.uint8)


class EffectChain:
    def __init__(self, rc: RenderContext) -> None:
        self.rc = rc
        self.slots: list[EffectSlot] = []
        self._size: tuple[int, int] | None = None

    def add(self, path: str | Path, strength: float = 1.0) -> EffectSlot:
        """Load a package (EffectPackageError names the file and JSON field when it is broken)."""
        from effects.package import load_package

        package = load_package(path)
        slot = EffectSlot(Path(path), package, strength)
        if self._size is not None:
            self._build(slot, self._size)
        self.slots.append(slot)
        return slot

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

    def render(self, image: np.ndarray, tracking: Tracking, time_s: float) -> np.ndarray:
        """RGB uint8 (H, W, 3) through every enabled effect in order."""
        size = (int(image.shape[1]), int(image.shape[0]))
        if size != self._size:
            self._size = size
            for slot in self.slots:
                self._build(slot, size)
        out = image
        for slot in self.slots:
            if slot.strength <= 0.0 or slot.stack is None:
                continue
            frame = slot.stack.render(out, tracking, time_s=time_s)
            out = blend(out, np.ascontiguousarray(frame.image[..., :3]), slot.strength)
        return out

    def release(self) -> None:
        for slot in self.slots:
            if slot.stack is not None:
                slot.stack.release()
                slot.stack = None
        self.slots = []
