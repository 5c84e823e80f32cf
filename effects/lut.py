"""Adobe/Resolve .cube 3D LUTs: parse, numpy reference (trilinear), identity and generators."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from assets.errors import AssetError

MAX_LUT_SIZE = 65


def read_cube(path: str | Path) -> np.ndarray:
    """(N, N, N, 3) float32 indexed [b, g, r] (the .cube order: red varies fastest)."""
    path = Path(path)
    size = None
    domain_min, domain_max = np.zeros(3), np.ones(3)
    values: list[list[float]] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AssetError(f"{path}: cannot read LUT ({exc})") from exc
    if b"\x00" in raw[:512]:  # an image or other binary file given as a LUT
        raise AssetError(f"{path}: not a .cube 3D LUT (this is a binary file); a lut layer needs the text "
                         f".cube format that Resolve, Premiere and most LUT packs export")
    text = raw.decode("utf-8", errors="replace")
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        head = s.split()[0].upper()
        try:
            if head == "LUT_3D_SIZE":
                size = int(s.split()[1])
            elif head == "LUT_1D_SIZE":
                raise AssetError(f"{path}:{lineno}: 1D LUTs are not supported; export a 3D .cube")
            elif head == "DOMAIN_MIN":
                domain_min = np.array([float(v) for v in s.split()[1:4]])
            elif head == "DOMAIN_MAX":
                domain_max = np.array([float(v) for v in s.split()[1:4]])
            elif head in ("TITLE", "LUT_3D_INPUT_RANGE"):
                continue
            else:
                values.append([float(v) for v in s.split()[:3]])
        except (ValueError, IndexError) as exc:
            raise AssetError(f"{path}:{lineno}: cannot parse '{s}' ({exc})") from None
    if size is None or not 2 <= size <= MAX_LUT_SIZE:
        raise AssetError(f"{path}: missing or invalid LUT_3D_SIZE (need 2..{MAX_LUT_SIZE})")
    if len(values) != size ** 3:
        raise AssetError(f"{path}: LUT_3D_SIZE {size} needs {size ** 3} entries, found {len(values)}")
    if np.any(domain_min != 0) or np.any(domain_max != 1):
        raise AssetError(f"{path}: DOMAIN_MIN/MAX other than 0..1 are not supported")
    return np.asarray(values, np.float32).reshape(size, size, size, 3)


def write_cube(path: str | Path, lut: np.ndarray, title: str = "vivid") -> Path:
    path = Path(path)
    n = lut.shape[0]
    lines = [f'TITLE "{title}"', f"LUT_3D_SIZE {n}"]
    lines += [f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in lut.reshape(-1, 3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def identity_lut(n: int) -> np.ndarray:
    axis = np.linspace(0.0, 1.0, n, dtype=np.float32)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    return np.stack([r, g, b], axis=-1)


def apply_lut_reference(image: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Numpy trilinear reference: (H, W, 3) uint8 -> (H, W, 3) float in 0..255."""
    n = lut.shape[0]
    x = image[..., :3].astype(np.float64) / 255.0 * (n - 1)
    i0 = np.clip(np.floor(x).astype(int), 0, n - 2)
    f = x - i0
    out = np.zeros(image.shape[:2] + (3,))
    for dr in (0, 1):
        for dg in (0, 1):
            for db in (0, 1):
                w = ((f[..., 0] if dr else 1 - f[..., 0]) * (f[..., 1] if dg else 1 - f[..., 1])
                     * (f[..., 2] if db else 1 - f[..., 2]))
                out += w[..., None] * lut[i0[..., 2] + db, i0[..., 1] + dg, i0[..., 0] + dr]
    return out * 255.0
