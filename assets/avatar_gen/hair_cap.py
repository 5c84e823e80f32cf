"""Where the hair cap sits on the skull, by direction from the head centre (unit vectors).

Shared by the hair (which builds the cap) and the head (which leaves out the skin the cap
always hides: those triangles would cost every frame and never show)."""
from __future__ import annotations

import numpy as np

from .geometry import smoothstep


def face_window(dirs: np.ndarray) -> np.ndarray:
    """1 where the face shows through the cap (the cap sinks under the skin), 0 under the hair."""
    return smoothstep(0.25, 0.55, dirs[:, 2]) * smoothstep(0.40, 0.29, dirs[:, 1] + 0.2 * np.abs(dirs[:, 0]))


def cap_lower_edge(dirs: np.ndarray) -> np.ndarray:
    """Height (direction y) below which there is no cap: the nape rises towards the ears."""
    return -0.15 - 0.55 * np.clip(-dirs[:, 2] + 0.2, 0, 1)


def has_cap(dirs: np.ndarray) -> np.ndarray:
    """Whether the cap covers these directions at all (no cap below its edge, none over the lower face)."""
    return (dirs[:, 1] >= cap_lower_edge(dirs)) & ~((dirs[:, 2] > 0.5) & (dirs[:, 1] < 0.0))


def hides_skin(dirs: np.ndarray) -> np.ndarray:
    """Directions where the cap stands well outside the skin, away from its edges and the face."""
    margin = 0.08
    return ((dirs[:, 1] >= cap_lower_edge(dirs) + margin) & (dirs[:, 2] < 0.4)
            & (face_window(dirs) < 1e-3))
