"""The head skin (skull, chin, nose hint, cheeks) with the mouth slit, lips, mouth bag, teeth and tongue.

The mouth is "unzipped" along one latitude row of the head grid: the row's vertices between
the corners are duplicated, upper-side triangles keep the originals and lower-side ones use
the copies. Both edges then roll inward into a closed bag (the mouth interior), so opening
the jaw (a rotation of the lower half) shows lips, teeth, tongue and a dark interior with
no holes anywhere.
"""
from __future__ import annotations

import numpy as np

from . import face_layout as F
from .geometry import Part, ellipsoid, fix_winding, loft, smoothstep
from .hair_cap import hides_skin

LON = 96  # head grid columns (denser in front, see _longitudes)
LAT = 54  # head grid rows


def head_shape(d: np.ndarray) -> np.ndarray:
    """Map unit directions (around the head centre) to the stylized head surface (world)."""
    x, y, z = d[:, 0], d[:, 1], d[:, 2]
    low = np.clip(-y, 0.0, 1.0)
    front = np.clip(z, 0.0, 1.0)
    # Flatter, fuller face plane; narrow V-shaped jaw; small chin brought forward.
    zf = np.where(z > 0, np.abs(z) ** 0.78, z)
    cheek = np.exp(-(((y + 0.32) / 0.28) ** 2)) * front
    px = F.HEAD_RADII[0] * x * (1.0 - 0.42 * smoothstep(0.40, 1.0, low) ** 1.5) * (1.0 + 0.06 * cheek)
    py = np.where(y > 0, F.HEAD_RADII[1], F.HEAD_LOWER_Y) * y
    pz = F.HEAD_RADII[2] * zf + 0.050 * low ** 2.4 - 0.006 * np.clip(-z, 0, 1) * np.clip(y + 0.2, 0, 1)
    p = np.stack([px, py, pz], axis=1) + F.HEAD_C
    return p


def _front_z(y: float, x: float = 0.0) -> float:
    """z of the head surface at (x, y) on the face (dense search along that latitude of the shape function)."""
    theta = np.arccos(np.clip((y - F.HEAD_C[1]) / (F.HEAD_RADII[1] if y > F.HEAD_C[1] else F.HEAD_LOWER_Y), -1, 1))
    phis = np.linspace(-1.2, 1.2, 4001)
    d = np.stack([np.sin(theta) * np.sin(phis), np.full_like(phis, np.cos(theta)), np.sin(theta) * np.cos(phis)], 1)
    p = head_shape(d)
    i = int(np.argmin(np.abs(p[:, 0] - x)))
    return float(p[i, 2])


def _longitudes() -> np.ndarray:
    u = np.linspace(-np.pi, np.pi, LON, endpoint=False)
    return u - 0.45 * np.sin(u)  # 2.6x denser at the face (u = 0) than at the back


def _latitudes() -> np.ndarray:
    """Polar angles (from +Y) with one row exactly on the mouth line."""
    theta = np.linspace(0.0, np.pi, LAT + 1)[1:-1]
    theta_m = np.arccos((F.MOUTH_Y - F.HEAD_C[1]) / F.HEAD_LOWER_Y)
    i = int(np.argmin(np.abs(theta - theta_m)))
    j = np.arange(len(theta))
    theta = theta + (theta_m - theta[i]) * np.clip(1.0 - np.abs(j - i) / 5.0, 0.0, 1.0)
    return theta, i


def _nose_and_sockets(p: np.ndarray) -> np.ndarray:
    p = p.copy()
    x, y = p[:, 0], p[:, 1]
    front = smoothstep(0.03, 0.07, p[:, 2] - F.HEAD_C[2])
    tip = np.exp(-((x / 0.0055) ** 2 + ((y - F.NOSE_TIP[1]) / 0.0065) ** 2))
    ridge = np.exp(-((x / 0.0045) ** 2)) * smoothstep(1.462, 1.44, y) * smoothstep(F.NOSE_TIP[1] - 0.003, F.NOSE_TIP[1] + 0.006, y)
    p[:, 2] += front * (0.0034 * tip + 0.0016 * ridge)
    for sign in (1.0, -1.0):
        dx = (x - sign * (F.EYE_C[0] - 0.004)) / 0.019
        dy = (y - F.EYE_C[1] + 0.001) / 0.020
        p[:, 2] -= front * 0.0034 * np.exp(-((dx * dx + dy * dy) ** 1.4))
    # A soft philtrum/lip-line groove keeps the closed mouth reading as a line, not a slit.
    groove = np.exp(-((y - F.MOUTH_Y) / 0.0025) ** 2) * smoothstep(F.MOUTH_HALF_WIDTH * 1.5, F.MOUTH_HALF_WIDTH * 0.6, np.abs(x))
    p[:, 2] -= front * 0.0008 * groove
    # A resting hint of a smile: the mouth corners sit a little higher than its middle.
    for sign in (1.0, -1.0):
        corner = np.exp(-(((x - sign * F.MOUTH_HALF_WIDTH) / 0.008) ** 2 + ((y - F.MOUTH_Y) / 0.006) ** 2))
        p[:, 1] += front * 0.0009 * corner
    return p


def build_head() -> list[Part]:
    theta, mouth_row = _latitudes()
    phi = _longitudes()
    t, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.sin(t) * np.sin(ph), np.cos(t), np.sin(t) * np.cos(ph)], -1).reshape(-1, 3)
    rows, cols = len(theta), LON
    d = np.concatenate([d, [[0, 1, 0], [0, -1, 0]]])
    p = _nose_and_sockets(head_shape(d))
    top, bottom = rows * cols, rows * cols + 1

    # Mouth slit: columns of the mouth row strictly between the corners get lower-side copies.
    row_idx = mouth_row * cols + np.arange(cols)
    in_slit = (np.abs(p[row_idx, 0]) < F.MOUTH_HALF_WIDTH) & (p[row_idx, 2] > F.HEAD_C[2])
    slit_cols = np.nonzero(in_slit)[0]
    # order left-to-right in x: columns run with phi increasing = x increasing at the front
    slit_cols = slit_cols[np.argsort(p[row_idx[slit_cols], 0])]
    corner_r = slit_cols[0] - 1  # the columns just outside the slit are the shared corners
    corner_l = slit_cols[-1] + 1
    copy_index = {}
    extra = []
    for c in slit_cols:
        copy_index[c] = len(p) + len(extra)
        extra.append(p[row_idx[c]])
    p = np.concatenate([p, np.array(extra)])

    tris = []
    for r in range(rows - 1):
        for c in range(cols):
            c1 = (c + 1) % cols
            v00, v01 = r * cols + c, r * cols + c1
            v10, v11 = (r + 1) * cols + c, (r + 1) * cols + c1
            if r == mouth_row:  # the row below the slit uses the copies; the row above keeps the originals
                if c in copy_index:
                    v00 = copy_index[c]
                if c1 in copy_index:
                    v01 = copy_index[c1]
            tris.append((v00, v01, v11))
            tris.append((v00, v11, v10))
    for c in range(cols):
        c1 = (c + 1) % cols
        tris.append((top, c1, c))
        last = (rows - 1) * cols
        tris.append((bottom, last + c, last + c1))
    tris = np.array(tris, dtype=np.int64)
    # Winding check on one front triangle: normals must point away from the head centre.
    a, b, c = p[tris[:, 0]], p[tris[:, 1]], p[tris[:, 2]]
    n = np.cross(b - a, c - a)
    if np.sum(np.sum(n * ((a + b + c) / 3 - F.HEAD_C), axis=1) > 0) < len(tris) / 2:
        tris = tris[:, [0, 2, 1]]
    # Skin that the hair cap always covers is never seen: drop its triangles (the vertices stay,
    # so grid indices used below and by the morphs keep their meaning).
    hidden = np.zeros(len(p), dtype=bool)
    hidden[: len(d)] = hides_skin(d)
    tris = tris[~hidden[tris].all(axis=1)]

    # Slight rest opening so the bag's first rings are not degenerate (reads as a dark line).
    upper = row_idx[slit_cols]
    lower = np.array([copy_index[c] for c in slit_cols])
    prof = np.sqrt(np.clip(1.0 - (p[upper, 0] / F.MOUTH_HALF_WIDTH) ** 2, 0, 1))
    p[upper, 1] += 0.00045 * prof
    p[lower, 1] -= 0.00055 * prof

    loop = np.concatenate([[row_idx[corner_r]], upper, [row_idx[corner_l]], lower[::-1]])
    side = np.concatenate([[0.5], np.zeros(len(upper)), [0.5], np.ones(len(lower))])  # 1 = lower (jaw)
    head = Part("head", "head_skin", "skin", p, tris, mesh="face")
    # Which vertices are on the lower side of the slit, for the jaw field.
    lower_mask = np.zeros(len(p), dtype=bool)
    lower_mask[lower] = True
    head.extra["lower_lip_edge"] = lower_mask
    head.extra["mouth_rows"] = (mouth_row, cols)
    bag, lips = _mouth_bag(p[loop], side)
    return [head, lips, bag] + _teeth_and_tongue()


# Rings of the lip roll and mouth bag behind the slit loop: (depth behind the lips, vertical
# half opening, x scale). Numbers chosen so the bag stays inside the head and holds the teeth.
_BAG_RINGS = (
    (0.0010, 0.0014, 0.985),
    (0.0025, 0.0042, 0.965),
    (0.0050, 0.0080, 0.95),
    (0.0100, 0.0125, 0.93),
    (0.0170, 0.0150, 0.86),
    (0.0250, 0.0125, 0.66),
    (0.0310, 0.0060, 0.36),
)
_LIP_RINGS = 2  # the first rings of the roll are lip-coloured


def _mouth_bag(loop: np.ndarray, side: np.ndarray) -> tuple[Part, Part]:
    n = len(loop)
    centre_y = F.MOUTH_Y
    x = loop[:, 0]
    prof = np.sqrt(np.clip(1.0 - (x / F.MOUTH_HALF_WIDTH) ** 2, 0.0, 1.0)) ** 0.8
    sign = np.where(side > 0.75, -1.0, np.where(side < 0.25, 1.0, 0.0))
    rings = [loop]
    for depth, half, xs in _BAG_RINGS:
        ring = loop.copy()
        ring[:, 0] = x * xs
        ring[:, 1] = centre_y + sign * half * (0.25 + 0.75 * prof)
        ring[:, 2] = loop[:, 2] - depth - 0.004 * (1.0 - prof) * (depth > 0.004)
        rings.append(ring)
    pos = np.concatenate(rings)
    k = len(rings)
    tris = []
    for r in range(k - 1):
        for c in range(n):
            c1 = (c + 1) % n
            tris.append((r * n + c, r * n + c1, (r + 1) * n + c1, r))
            tris.append((r * n + c, (r + 1) * n + c1, (r + 1) * n + c, r))
    cap = len(pos)
    pos = np.concatenate([pos, [rings[-1].mean(axis=0) - np.array([0, 0, 0.002])]])
    for c in range(n):
        tris.append(((k - 1) * n + c, cap, (k - 1) * n + (c + 1) % n, k - 1))
    tris = np.array(tris, dtype=np.int64)
    ring_of_tri = tris[:, 3]
    tris = tris[:, :3]
    # Orient so normals face the inside of the bag (what the camera sees through the lips).
    # per triangle: the bag is star-shaped around a point in its middle
    centre = np.array([0.0, centre_y, loop[:, 2].max() - 0.014])
    tris = fix_winding(pos, tris, centre)[:, [0, 2, 1]]
    vside = np.concatenate([np.tile(side, k), [1.0]])
    ring_id = np.concatenate([np.repeat(np.arange(k), n), [k]])
    lip_tris = ring_of_tri < _LIP_RINGS
    parts = []
    for name, kind, material, keep in (
        ("mouth", "mouth_bag", "mouth", ~lip_tris),
        ("lips", "lips", "lips", lip_tris),
    ):
        t = tris[keep]
        used = np.unique(t)
        remap = -np.ones(len(pos), dtype=np.int64)
        remap[used] = np.arange(len(used))
        part = Part(name, kind, material, pos[used], remap[t], mesh="face")
        part.extra["side"] = vside[used]
        part.extra["ring"] = ring_id[used]
        parts.append(part)
    return parts[0], parts[1]


def _arc(count: int, half_width: float, depth_curve: float) -> tuple[np.ndarray, np.ndarray]:
    xs = np.linspace(-half_width, half_width, count)
    zs = -depth_curve * (xs / half_width) ** 2
    return xs, zs


def _teeth_and_tongue() -> list[Part]:
    front_z = _front_z(F.MOUTH_Y)
    parts = []
    # Each row rests TEETH_TUCK further from the lip line than this; the shapes that part the lips
    # bring it back (mouth_seal.py).
    for kind, y0, y1, tuck in (("teeth_upper", 0.0009, 0.0045, F.TEETH_TUCK), ("teeth_lower", -0.0012, -0.0040, -F.TEETH_TUCK)):
        xs, zs = _arc(13, F.MOUTH_HALF_WIDTH * 0.68, 0.0040)  # few stations: the rows move in many targets (file size)
        path = np.stack([xs, np.full_like(xs, F.MOUTH_Y + 0.5 * (y0 + y1) + tuck), front_z - 0.0058 + zs], 1)
        hint = np.tile([0.0, 0.0, 1.0], (len(xs), 1))
        thick = np.full(len(xs), 0.0016)
        height = np.full(len(xs), 0.5 * abs(y1 - y0))
        # Lofted along the arc: U spans the tooth height (vertical), V the thickness (front/back).
        pos, tris = loft(path, height, thick, hint, around=12, exponent=3.0)
        parts.append(Part(kind, kind, "teeth", pos, tris, mesh="face"))
    # Tongue: a flattened ellipsoid on the floor of the mouth bag.
    pos, tris = ellipsoid((0.0, F.MOUTH_Y - 0.0085, front_z - 0.0150), (0.0125, 0.0042, 0.0125), 24, 14)
    parts.append(Part("tongue", "tongue", "tongue", pos, tris, mesh="face"))
    return parts
