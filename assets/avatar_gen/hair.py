"""Hair: a scalp cap plus lens-shaped, tapered strands (a layered bob with side-swept bangs).

Strands follow the skull (an ellipsoid a little larger than the head) from the crown, then
fall straight down with a slight flare; their tips curl inward. No randomness: strand
parameters come from fixed formulas so the output is the same on every run.
"""
from __future__ import annotations

import numpy as np

from . import face_layout as F
from .geometry import Part, keep_tris, loft, sphere_grid
from .hair_cap import face_window, has_cap
from .head import head_shape

SCALP_GROW = 1.05  # hair volume: 5 % outside the skin


def _skull(d: np.ndarray, grow: np.ndarray | float) -> np.ndarray:
    """Points on the head surface (the same shape function as the skin) pushed out by `grow`."""
    p = head_shape(d.reshape(-1, 3)).reshape(d.shape) - F.HEAD_C
    return F.HEAD_C + p * SCALP_GROW * np.asarray(grow)[..., None]


def _on_skull(elev: np.ndarray, azim: np.ndarray, grow: np.ndarray | float) -> np.ndarray:
    d = np.stack([np.cos(elev) * np.sin(azim), np.sin(elev), np.cos(elev) * np.cos(azim)], -1)
    return _skull(d, grow)


def _strand(azim0: float, azim1: float, elev0: float, elev_fall: float, drop: float, width: float,
            thick: float, n: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """One lock: from the crown (elev0) over the skull to elev_fall, then down `drop` metres."""
    t = np.linspace(0.0, 1.0, n)
    over = t < 0.55 if drop > 0 else t <= 1.0
    k = np.clip(t / (0.55 if drop > 0 else 1.0), 0, 1)
    elev = elev0 + (elev_fall - elev0) * k
    azim = azim0 + (azim1 - azim0) * k
    pts = _on_skull(elev, azim, 1.0 + 0.03 * k)
    if drop > 0:
        fall = np.clip((t - 0.55) / 0.45, 0, 1)
        base = _on_skull(np.array([elev_fall]), np.array([azim1]), 1.03)[0]
        outward = base - F.HEAD_C
        outward[1] = 0.0
        outward /= np.linalg.norm(outward)
        curl = np.sin(np.pi * fall) * 0.010 - 0.012 * fall ** 3
        down = base + np.outer(fall, [0.0, -drop, 0.0]) + np.outer(curl, outward)
        pts = np.where(over[:, None], pts, down)
    radial = pts - F.HEAD_C
    radial[:, 1] *= 0.6
    w = width * (np.sin(np.pi * np.clip(t * 0.95 + 0.05, 0, 1)) ** 0.5) * (1.0 - 0.85 * t ** 2.5)
    h = thick * (1.0 - 0.8 * t ** 2)
    return loft(pts, w + 1e-4, h + 1e-4, radial, around=6, exponent=1.6, offset_v=h * 0.6)


def build_hair() -> list[Part]:
    # Cap: a slightly larger skull with a face window cut out.
    # Cap: the skull pushed out, sinking smoothly under the skin over the face so the hairline
    # is a clean curve (where the cap meets the skin) instead of a jagged cut.
    dirs, tris = sphere_grid(56, 34)
    pos = _skull(dirs, 0.985 - 0.09 * face_window(dirs))
    pos, tris, _ = keep_tris(pos, tris, has_cap(dirs[tris].mean(axis=1)))
    parts = [Part("hair_cap", "hair", "hair_cap", pos, tris)]

    pieces = []
    # Back and sides: a bob falling to the jaw line, longer toward the front.
    for i in range(27):
        a = np.radians(48.0 + i * (360.0 - 96.0) / 26.0)
        frontness = np.cos(a) * 0.5 + 0.5  # 1 at the face, 0 at the back
        drop = 0.060 + 0.030 * frontness
        pieces.append(_strand(a * 0.7 + np.pi * 0.3, a, np.radians(84.0), np.radians(-6.0), drop, 0.024, 0.0075))
    # Bangs: side-swept locks over the forehead ending above the brows, a longer one at each side.
    for i, (a, length, width) in enumerate((
        (-46, 0.0, 0.020), (-30, np.radians(24), 0.022), (-14, np.radians(21), 0.024), (0, np.radians(23), 0.024),
        (13, np.radians(20), 0.024), (27, np.radians(25), 0.022), (42, 0.0, 0.020),
    )):
        az = np.radians(a)
        end = length if length > 0 else np.radians(4.0)
        pieces.append(_strand(az * 0.4 - np.radians(14), az, np.radians(80.0), end, 0.0, width, 0.0065, n=8))
    for sgn in (1.0, -1.0):  # locks framing the face
        az = np.radians(62.0) * sgn
        pieces.append(_strand(az * 0.6, az, np.radians(70.0), np.radians(10.0), 0.085, 0.016, 0.006))
    offset = 0
    all_pos, all_tris = [], []
    for p, t in pieces:
        all_pos.append(p)
        all_tris.append(t + offset)
        offset += len(p)
    parts.append(Part("hair_strands", "hair", "hair", np.concatenate(all_pos), np.concatenate(all_tris)))
    return parts
