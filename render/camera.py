"""A perspective camera and the matrix helpers it needs (column-vector convention, +Y up)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Written out: np.cross costs ~15 us a call, three of them every frame.
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def _normalized(v: np.ndarray) -> np.ndarray:
    return v / math.sqrt(float(v @ v))


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, 1.0, 0.0])) -> np.ndarray:
    """World -> view matrix for a camera at `eye` looking at `target` (OpenGL: looks down -Z)."""
    eye = np.asarray(eye, np.float64)
    forward = _normalized(np.asarray(target, np.float64) - eye)
    side = _cross(forward, np.asarray(up, np.float64))
    if float(side @ side) < 1e-18:  # looking straight up/down: pick any perpendicular
        side = _cross(forward, np.array([0.0, 0.0, 1.0]))
    side = _normalized(side)
    true_up = _cross(side, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = side, true_up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


def perspective(fov_y_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(math.radians(fov_y_deg) / 2.0)
    proj = np.zeros((4, 4))
    proj[0, 0] = f / aspect
    proj[1, 1] = f
    proj[2, 2] = (far + near) / (near - far)
    proj[2, 3] = 2.0 * far * near / (near - far)
    proj[3, 2] = -1.0
    return proj


@dataclass
class Camera:
    """Perspective camera. `fov_y_deg` is the vertical field of view."""

    position: tuple[float, float, float] = (0.0, 1.4, 2.5)
    target: tuple[float, float, float] = (0.0, 1.2, 0.0)
    fov_y_deg: float = 30.0
    near: float = 0.05
    far: float = 100.0

    def view(self) -> np.ndarray:
        return look_at(np.array(self.position), np.array(self.target))

    def projection(self, aspect: float) -> np.ndarray:
        return perspective(self.fov_y_deg, aspect, self.near, self.far)

    def view_projection(self, aspect: float) -> np.ndarray:
        return self.projection(aspect) @ self.view()

    @classmethod
    def framing(cls, bounds_min: np.ndarray, bounds_max: np.ndarray, fov_y_deg: float = 30.0,
                aspect: float = 16 / 9, margin: float = 1.1,
                direction: tuple[float, float, float] = (0.0, 0.0, 1.0)) -> "Camera":
        """A camera on `direction` from the box centre that fits the whole box in view."""
        lo, hi = np.asarray(bounds_min, np.float64), np.asarray(bounds_max, np.float64)
        centre = (lo + hi) / 2
        radius = float(np.linalg.norm(hi - lo)) / 2 * margin
        half_fov = math.radians(fov_y_deg) / 2
        half_fov = min(half_fov, math.atan(math.tan(half_fov) * aspect))
        distance = radius / math.sin(half_fov) if radius > 0 else 1.0
        d = np.asarray(direction, np.float64)
        d /= np.linalg.norm(d)
        eye = centre + d * distance
        return cls(position=tuple(eye), target=tuple(centre), fov_y_deg=fov_y_deg,
                   near=max(distance - radius * 1.5, distance * 0.01), far=distance + radius * 2)
