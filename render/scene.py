"""What to draw: a camera, lights, a background and an ordered list of render passes.

Passes are objects with `draw(frame)`: an avatar, a background, an effect layer. New kinds of
things to draw register as passes; the renderer is not edited for each (STYLE.md point 8)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from render.camera import Camera
from render.context import RenderContext
from render.screen_bounds import PixelRect


@dataclass
class DirectionalLight:
    """A light infinitely far away. `direction` is the way the light travels (world space)."""

    direction: tuple[float, float, float] = (-0.4, -0.6, -0.7)
    color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    intensity: float = 1.0


def default_lights() -> list[DirectionalLight]:
    """A key light from the upper front-right and a soft fill from the left: a presenter setup."""
    return [
        DirectionalLight(direction=(-0.35, -0.45, -0.82), color=(1.0, 0.97, 0.92), intensity=0.9),
        DirectionalLight(direction=(0.6, -0.2, -0.77), color=(0.75, 0.82, 1.0), intensity=0.2),
    ]


@dataclass(frozen=True)
class FrameState:
    """Everything a pass needs to draw one frame."""

    rc: RenderContext
    size: tuple[int, int]
    view: np.ndarray
    projection: np.ndarray
    camera_position: np.ndarray
    lights: tuple[DirectionalLight, ...]
    ambient_sky: tuple[float, float, float]
    ambient_ground: tuple[float, float, float]
    time_s: float
    samples: int = 0  # of the target: 0 or 1 single-sampled, else multisampled

    @property
    def view_projection(self) -> np.ndarray:
        return self.projection @ self.view


class RenderPass(Protocol):
    def screen_rect(self, frame: FrameState) -> PixelRect | None:
        """A window rectangle (GL pixels, y up, exclusive ends) holding everything `draw(frame)`
        will draw, or None for "anywhere". Lets a surface clear and resolve only that part."""
        ...

    def draw(self, frame: FrameState) -> None: ...

    def release(self) -> None: ...


@dataclass
class Scene:
    camera: Camera = field(default_factory=Camera)
    lights: list[DirectionalLight] = field(default_factory=default_lights)
    ambient_sky: tuple[float, float, float] = (0.30, 0.31, 0.35)
    ambient_ground: tuple[float, float, float] = (0.18, 0.16, 0.16)
    background: tuple[float, float, float, float] = (0.12, 0.13, 0.16, 1.0)  # straight RGBA; alpha 0 = transparent
    passes: list[RenderPass] = field(default_factory=list)
    time_s: float = 0.0
