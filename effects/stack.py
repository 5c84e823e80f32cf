"""EffectStack: one effect package on the GPU at one frame size.

Per frame: upload the camera image (once), update triggers from the tracking, run the enabled
layers in package order (filters ping-pong between two RGBA8 targets, overlays draw on top), read
the RGBA result. Layers are built from the registry by type name (STYLE.md point 8)."""
from __future__ import annotations

from dataclasses import dataclass, field

import moderngl
import numpy as np

from capture.types import Tracking
from effects.gpu import EffectGpu
from effects.layers import LAYER_TYPES, Layer
from effects.layers.base import FrameInputs
from effects.layers.color import grade, grading_groups
from assets.errors import AssetError
from effects.errors import EffectPackageError
from effects.package import EffectPackage
from effects.triggers import TriggerEvent, TriggerSet
from render.context import RenderContext


@dataclass(frozen=True)
class EffectFrame:
    """One rendered frame: `image` (H, W, 4) uint8 straight RGBA, this frame's trigger events,
    and sound files (package paths) the triggers asked to play at `time_s`."""

    image: np.ndarray
    time_s: float
    events: tuple[TriggerEvent, ...] = ()
    sounds: tuple[str, ...] = ()
    layer_states: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GpuEffectFrame:
    """One frame left on the GPU: `texture` holds premultiplied RGBA, top row first, until the
    stack renders again."""

    texture: moderngl.Texture
    time_s: float
    events: tuple[TriggerEvent, ...] = ()
    sounds: tuple[str, ...] = ()
    layer_states: dict = field(default_factory=dict)


class EffectStack:
    def __init__(self, rc: RenderContext, package: EffectPackage, size: tuple[int, int]) -> None:
        self.rc = rc
        self.package = package
        self.gpu = EffectGpu(rc, *size)
        self.layers: list[Layer] = []
        try:
            for spec in package.layers:
                try:
                    self.layers.append(LAYER_TYPES[spec.type](self.gpu, spec, package.root))
                except EffectPackageError:
                    raise
                except AssetError as exc:  # an unreadable image / LUT / glTF: name where it is used
                    raise EffectPackageError(package.manifest_label, f"layers[{spec.index}]",
                                             f"{spec.type} layer '{spec.id}': {exc}") from exc
        except BaseException:
            self.release()
            raise
        self.by_id = {layer.spec.id: layer for layer in self.layers}
        self.triggers = TriggerSet(list(package.triggers))
        self.variant: str | None = None
        if package.default_variant:
            self.set_variant(package.default_variant)

    @property
    def size(self) -> tuple[int, int]:
        return self.gpu.size

    def set_variant(self, name: str) -> None:
        members = self.package.variants[name]
        mentioned = {i for v in self.package.variants.values() for i in v}
        for layer_id in mentioned:
            self.by_id[layer_id].enabled = layer_id in members
        self.variant = name

    def tap(self) -> None:
        """A tap / click / hotkey: fires the package's `tap` triggers on the next frame."""
        self.triggers.tap()

    def run_actions(self, actions: list[dict], time_s: float, sounds: list[str]) -> None:
        """Apply trigger actions now (start/stop/toggle/burst/variant; sounds are collected)."""
        for action in actions:
            do = action["do"]
            if do in ("start", "stop", "toggle"):
                layer = self.by_id[action["layer"]]
                layer.enabled = {"start": True, "stop": False}.get(do, not layer.enabled)
            elif do == "burst":
                layer = self.by_id[action["layer"]]
                layer.enabled = True
                layer.bursts.append((time_s, int(action.get("count", 30))))
            elif do == "variant":
                self.set_variant(action["name"])
            elif do == "sound":
                sounds.append(action["file"])

    def render(self, image: np.ndarray, tracking: Tracking, time_s: float | None = None,
               straight_alpha: bool = True) -> EffectFrame:
        """Apply the effect to one uint8 frame with its tracking result: RGB (H, W, 3), or RGBA
        (H, W, 4) whose alpha is ignored (the frame is taken as opaque)."""
        frame = self.render_texture(image, tracking, time_s)
        out = self.gpu.read(straight=straight_alpha)
        return EffectFrame(image=out, time_s=frame.time_s, events=frame.events, sounds=frame.sounds,
                           layer_states=frame.layer_states)

    def render_texture(self, source: "np.ndarray | EffectStack", tracking: Tracking,
                       time_s: float | None = None) -> "GpuEffectFrame":
        """Like `render`, but the result stays on the GPU. `source` is a frame, or the stack whose
        latest result is the input (a chain of effects then never leaves the GPU)."""
        t = tracking.timestamp_s if time_s is None else time_s
        events: list[TriggerEvent] = []
        sounds: list[str] = []
        for trig, ev in self.triggers.update(tracking):
            events.append(ev)
            self.run_actions(trig.actions if ev.edge == "start" else trig.on_release, t, sounds)
        mask = tracking.mask.mask if tracking.mask is not None else None
        if isinstance(source, EffectStack):
            self.gpu.begin_frame_from(source.gpu, mask)
        else:
            self.gpu.begin_frame(source, mask)
        inputs = FrameInputs(tracking=tracking, time_s=t, size=self.size)
        for group in grading_groups([layer for layer in self.layers if layer.enabled]):
            if len(group) == 1:
                group[0].render(inputs)
            else:
                grade(self.gpu, group, inputs)  # type: ignore[arg-type]  # grading layers only
        self.rc.gc()
        states = {layer.spec.id: layer.enabled for layer in self.layers}
        return GpuEffectFrame(texture=self.gpu.source(), time_s=t, events=tuple(events), sounds=tuple(sounds),
                              layer_states=states)

    def release(self) -> None:
        for layer in self.layers:
            layer.release()
        self.layers = []
        self.gpu.release()

    def __enter__(self) -> "EffectStack":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
