"""The layer registry and what every layer shares.

A layer type is a class registered under its JSON type name with `@register_layer`; the stack
looks layers up here and never changes for a new type (STYLE.md point 8). Each class declares:
  type_name   the "type" in effect.json
  kind        "filter" (reads the image so far, writes a new one) or "overlay" (draws on top)
  PARAMS      its parameter dataclass (documented defaults); its JSON schema is `SCHEMA`
  ANCHORS     the anchor kinds it accepts
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from capture.types import FaceTracking, Tracking
from effects.anchors import Anchor
from effects.gpu import EffectGpu
from effects.landmarks import FaceFrame2D, face_frame


@dataclass(frozen=True)
class LayerSpec:
    """One entry of effect.json "layers", validated. `params` is the type's PARAMS dataclass."""

    id: str
    type: str
    index: int
    enabled: bool
    opacity: float
    anchor: Anchor
    max_faces: int
    params: Any


@dataclass
class FrameInputs:
    """What a layer sees each frame (immutable inputs + this frame's trigger events)."""

    tracking: Tracking
    time_s: float
    size: tuple[int, int]
    bursts: list[float] = field(default_factory=list)  # burst times (s) for this layer
    _faces: list[FaceFrame2D] | None = None

    def face_frames(self, max_faces: int) -> list[tuple[FaceTracking, FaceFrame2D]]:
        if self._faces is None:
            self._faces = [face_frame(f, self.size) for f in self.tracking.faces]
        return list(zip(self.tracking.faces, self._faces))[:max_faces]


class Layer:
    type_name: ClassVar[str] = ""
    kind: ClassVar[str] = "overlay"
    PARAMS: ClassVar[type] = object
    SCHEMA: ClassVar[dict] = {}
    ANCHORS: ClassVar[tuple[str, ...]] = ("screen",)
    DEFAULT_ANCHOR: ClassVar[str] = "screen"
    ASSET_FIELDS: ClassVar[tuple[str, ...]] = ()  # params naming files inside the package
    REQUIRED: ClassVar[tuple[str, ...]] = ()  # params that must be given

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        self.gpu = gpu
        self.spec = spec
        self.root = root
        self.enabled = spec.enabled
        self.bursts: list[float] = []

    def render(self, frame: FrameInputs) -> None:
        raise NotImplementedError

    def release(self) -> None:
        """Free GPU objects this layer created (shared programs/textures belong to EffectGpu)."""


LAYER_TYPES: dict[str, type[Layer]] = {}


def register_layer(cls: type[Layer]) -> type[Layer]:
    if not cls.type_name or cls.type_name in LAYER_TYPES:
        raise ValueError(f"layer type name {cls.type_name!r} is empty or registered twice")
    LAYER_TYPES[cls.type_name] = cls
    return cls


def params_from(cls: type, data: dict[str, Any]) -> Any:
    """Build a PARAMS dataclass from validated JSON (lists become tuples)."""
    names = {f.name for f in dataclasses.fields(cls)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return cls(**values)


def num(minimum: float | None = None, maximum: float | None = None, default: float | None = None,
        description: str = "") -> dict:
    s: dict[str, Any] = {"type": "number"}
    if minimum is not None:
        s["minimum"] = minimum
    if maximum is not None:
        s["maximum"] = maximum
    if default is not None:
        s["default"] = default
    if description:
        s["description"] = description
    return s


def vec(n: int, minimum: float | None = None, maximum: float | None = None, description: str = "") -> dict:
    return {"type": "array", "items": num(minimum, maximum), "minItems": n, "maxItems": n,
            "description": description}


COLOR = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}, "minItems": 3,
         "maxItems": 4, "description": "RGB(A) in 0..1"}
ASSET = {"type": "string", "minLength": 1, "description": "path inside the package"}


def premultiplied(color: tuple[float, ...], opacity: float = 1.0) -> tuple[float, float, float, float]:
    r, g, b = color[:3]
    a = (color[3] if len(color) > 3 else 1.0) * opacity
    return (r * a, g * a, b * a, a)


def mat4_bytes(m: np.ndarray) -> bytes:
    return np.ascontiguousarray(np.asarray(m, np.float32).T).tobytes()
