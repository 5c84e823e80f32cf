"""Draw the built-in effect library's assets procedurally (our own work, CC0 like the code).

Run from the repository root:  python assets/effects/generate_assets.py
Face-paint textures are laid out in the canonical face mesh's UV space: polygons of named
landmarks are looked up in the UVs of the mesh that ships inside face_landmarker.task (the
model manager must find it, e.g. VIVID_MODEL_DIR). Deterministic: same code, same bytes.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parents[1]))

from effects.canonical import load_canonical_face_mesh  # noqa: E402
from effects.landmarks import FACE_OVAL, INNER_LIPS, LEFT_EYE_RING, RIGHT_EYE_RING  # noqa: E402
from effects.lut import identity_lut, write_cube  # noqa: E402

OUTER_LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LEFT_BROW = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
RIGHT_BROW = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
UV_SIZE = 1024
SS = 2  # supersampling for smooth edges


def save(img: Image.Image, package: str, name: str) -> None:
    folder = ROOT / package
    folder.mkdir(parents=True, exist_ok=True)
    img.save(folder / name, optimize=True)


def canvas(w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGBA", (w * SS, h * SS), (0, 0, 0, 0))
    return img, ImageDraw.Draw(img)


def down(img: Image.Image) -> Image.Image:
    return img.resize((img.width // SS, img.height // SS), Image.LANCZOS)


def heart(size: int = 128, color=(255, 60, 110, 255)) -> Image.Image:
    img, d = canvas(size, size)
    s = size * SS
    pts = []
    for i in range(200):
        t = 2 * math.pi * i / 200
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        pts.append((s / 2 + x * s / 36, s / 2 - y * s / 36 - s * 0.02))
    d.polygon(pts, fill=color)
    hl = [(s * 0.33, s * 0.3), (s * 0.42, s * 0.26), (s * 0.4, s * 0.36)]
    d.ellipse((s * 0.26, s * 0.24, s * 0.4, s * 0.36), fill=(255, 255, 255, 150))
    del hl
    return down(img)


def sparkle(size: int = 96) -> Image.Image:
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    u, v = (x - size / 2 + 0.5) / (size / 2), (y - size / 2 + 0.5) / (size / 2)
    r = np.sqrt(u * u + v * v)
    star = np.clip(1 - (np.abs(u) * np.abs(v)) * 40 - r * 0.9, 0, 1) ** 1.5
    glow = np.exp(-r * r * 18)
    a = np.clip(star + glow, 0, 1)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 2] = (255 * (0.85 + 0.15 * a)).astype(np.uint8)
    rgba[..., 3] = (a * 255).astype(np.uint8)
    return Image.fromarray(rgba)


def confetti() -> Image.Image:
    img, d = canvas(48, 48)
    d.rounded_rectangle((12 * SS, 4 * SS, 36 * SS, 44 * SS), radius=4 * SS, fill=(255, 255, 255, 255))
    return down(img)


def cat_ears() -> Image.Image:
    w, h = 512, 256
    img, d = canvas(w, h)
    for side in (-1, 1):
        cx = w / 2 + side * 150
        outer = [(cx - 95, 250), (cx + side * 35, 12), (cx + 95, 250)]
        inner = [(cx - 55, 240), (cx + side * 25, 60), (cx + 55, 240)]
        d.polygon([(x * SS, y * SS) for x, y in outer], fill=(70, 60, 58, 255))
        d.polygon([(x * SS, y * SS) for x, y in inner], fill=(250, 160, 175, 255))
    return down(img)


def cat_nose() -> Image.Image:
    img, d = canvas(128, 96)
    d.polygon([(14 * SS, 10 * SS), (114 * SS, 10 * SS), (64 * SS, 80 * SS)], fill=(240, 120, 140, 255))
    d.ellipse((40 * SS, 16 * SS, 64 * SS, 32 * SS), fill=(255, 210, 220, 255))
    return down(img)


def sunglasses() -> Image.Image:
    w, h = 640, 220
    img, d = canvas(w, h)
    for cx in (170, 470):
        d.rounded_rectangle(((cx - 140) * SS, 30 * SS, (cx + 140) * SS, 200 * SS), radius=60 * SS,
                            fill=(20, 20, 30, 255))
        d.rounded_rectangle(((cx - 124) * SS, 44 * SS, (cx + 124) * SS, 186 * SS), radius=50 * SS,
                            fill=(35, 45, 80, 215))
        d.polygon([((cx - 90) * SS, 60 * SS), ((cx - 40) * SS, 60 * SS), ((cx - 110) * SS, 150 * SS)],
                  fill=(255, 255, 255, 70))
    d.rounded_rectangle((300 * SS, 60 * SS, 340 * SS, 80 * SS), radius=8 * SS, fill=(20, 20, 30, 255))
    return down(img)


def uv_points(ids: tuple[int, ...]) -> list[tuple[float, float]]:
    uvs = load_canonical_face_mesh().uvs
    return [(float(uvs[i, 0]) * UV_SIZE * SS, float(uvs[i, 1]) * UV_SIZE * SS) for i in ids]


def scaled(pts: list[tuple[float, float]], k: float, dy: float = 0.0) -> list[tuple[float, float]]:
    c = np.mean(pts, axis=0)
    return [(c[0] + (x - c[0]) * k, c[1] + (y - c[1]) * k + dy) for x, y in pts]


def hull(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    pts = sorted(set(pts))
    def cross(o, a, b):  # noqa: ANN001, ANN202
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def masquerade() -> Image.Image:
    img, d = canvas(UV_SIZE, UV_SIZE)
    region = uv_points(LEFT_EYE_RING + LEFT_BROW + RIGHT_EYE_RING + RIGHT_BROW + (6, 197, 168))
    shape = scaled(hull(region), 1.18, 4 * SS)
    d.polygon(shape, fill=(200, 160, 40, 255))
    d.polygon(scaled(shape, 0.95), fill=(120, 30, 150, 255))
    for ring in (LEFT_EYE_RING, RIGHT_EYE_RING):
        d.polygon(scaled(uv_points(ring), 1.25), fill=(200, 160, 40, 255))
        d.polygon(scaled(uv_points(ring), 1.1), fill=(0, 0, 0, 0))
    return down(img).filter(ImageFilter.GaussianBlur(0.6))


def whiskers() -> Image.Image:
    img, d = canvas(UV_SIZE, UV_SIZE)
    uvs = load_canonical_face_mesh().uvs * UV_SIZE * SS
    for side, cheek in ((-1, 205), (1, 425)):
        cx, cy = uvs[cheek]
        d.ellipse((cx - 60 * SS, cy - 40 * SS, cx + 60 * SS, cy + 40 * SS), fill=(255, 120, 140, 110))
        for k in (-1, 0, 1):
            d.line([(cx - side * 10 * SS, cy + (k * 18 + 25) * SS), (cx + side * 170 * SS, cy + (k * 40 + 15) * SS)],
                   fill=(40, 30, 30, 230), width=5 * SS)
    return down(img).filter(ImageFilter.GaussianBlur(0.8))


def makeup() -> Image.Image:
    """Multiply-blend makeup: white = unchanged; lips red, cheeks pink, lids violet."""
    img = Image.new("RGBA", (UV_SIZE * SS, UV_SIZE * SS), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.polygon(uv_points(OUTER_LIPS), fill=(205, 40, 70, 235))
    d.polygon(uv_points(INNER_LIPS), fill=(255, 255, 255, 0))
    for cheek in (205, 425):
        (cx, cy), = uv_points((cheek,))
        d.ellipse((cx - 70 * SS, cy - 45 * SS, cx + 70 * SS, cy + 45 * SS), fill=(240, 150, 160, 120))
    for ring in (LEFT_EYE_RING, RIGHT_EYE_RING):
        lid = scaled(uv_points(ring), 1.45, -12 * SS)
        d.polygon(lid, fill=(170, 120, 200, 110))
        d.polygon(scaled(uv_points(ring), 1.05), fill=(255, 255, 255, 0))
    return down(img).filter(ImageFilter.GaussianBlur(3))


def tiger_paint() -> Image.Image:
    """Full-face paint: a translucent orange base (the skin's shading shows through), dark stripes
    from the sides and the forehead, white around the eyes and the muzzle, and the eyes and lips
    themselves left bare (painted over, they read as blank white holes)."""
    img, d = canvas(UV_SIZE, UV_SIZE)
    clear = (0, 0, 0, 0)
    d.polygon(scaled(uv_points(FACE_OVAL), 1.08), fill=(240, 130, 35, 165))
    rng = np.random.default_rng(7)
    for k in range(14):  # from the sides toward the nose
        side = -1 if k % 2 else 1
        y = 150 + 52 * (k // 2) + rng.uniform(-10, 10)
        x0 = UV_SIZE / 2 + side * 470
        pts = [(x0, y - 18), (UV_SIZE / 2 + side * rng.uniform(150, 220), y + 10), (x0, y + 22)]
        d.polygon([(x * SS, yy * SS) for x, yy in pts], fill=(30, 20, 20, 215))
    for k in range(3):  # down the forehead
        x = UV_SIZE / 2 + (k - 1) * 70
        pts = [(x - 16, 40), (x + rng.uniform(-8, 8), 150 + 25 * (k != 1)), (x + 16, 40)]
        d.polygon([(px * SS, py * SS) for px, py in pts], fill=(30, 20, 20, 215))
    for ring in (LEFT_EYE_RING, RIGHT_EYE_RING):
        d.polygon(scaled(uv_points(ring), 1.8), fill=(255, 250, 240, 190))
    d.polygon(scaled(uv_points(OUTER_LIPS), 1.35), fill=(255, 250, 240, 190))
    for ring in (LEFT_EYE_RING, RIGHT_EYE_RING):  # the eyes stay bare
        d.polygon(scaled(uv_points(ring), 1.05), fill=clear)
    d.polygon(scaled(uv_points(OUTER_LIPS), 1.0), fill=clear)
    return down(img).filter(ImageFilter.GaussianBlur(1.0))


def sunset(w: int = 1280, h: int = 720) -> Image.Image:
    y = np.linspace(0, 1, h)[:, None]
    top, mid, bottom = np.array([40, 30, 110]), np.array([250, 110, 90]), np.array([255, 200, 120])
    col = np.where(y < 0.6, top + (mid - top) * (y / 0.6), mid + (bottom - mid) * ((y - 0.6) / 0.4))
    img = np.repeat(col[:, None, :], w, axis=1).reshape(h, w, 3)
    yy, xx = np.mgrid[0:h, 0:w]
    sun = ((xx - w * 0.7) ** 2 + (yy - h * 0.62) ** 2) < (h * 0.16) ** 2
    stripes = ((yy // 14) % 3 == 0) & (yy > h * 0.62)
    img[sun & ~stripes] = [255, 235, 140]
    sea = yy > h * 0.72
    img[sea] = img[sea] * 0.55 + np.array([20, 40, 90]) * 0.45
    return Image.fromarray(img.astype(np.uint8), "RGB")


def grid_room(w: int = 1280, h: int = 720) -> Image.Image:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([30 + 40 * yy / h, 20 + 20 * xx / w, 70 + 60 * (1 - yy / h)], -1)
    lines = (np.mod(xx, 80) < 3) | (np.mod(yy, 80) < 3)
    base[lines] = [90, 230, 255]
    return Image.fromarray(base.astype(np.uint8), "RGB")


def teal_orange_lut(n: int = 17) -> np.ndarray:
    """Shadows toward teal, mid tones (skin) toward orange, highlights left alone, and a gentle
    S-curve. The tints shift colour around each pixel's own brightness instead of mixing in a
    bright orange: skin keeps its shading rather than washing out to pale yellow."""
    lut = identity_lut(n).astype(np.float64)
    rec709 = np.array([0.2126, 0.7152, 0.0722])
    luma = lut @ rec709
    teal, orange = np.array([-0.55, 0.15, 0.45]), np.array([0.45, 0.05, -0.55])
    teal -= teal @ rec709  # pure colour offsets: no change in brightness
    orange -= orange @ rec709
    shadows = np.clip((0.45 - luma) / 0.45, 0, 1)  # 1 at black, 0 from mid grey up
    mids = np.exp(-((luma - 0.7) / 0.25) ** 2)  # skin sits around 0.6-0.9
    highlights = np.clip((luma - 0.93) / 0.07, 0, 1)
    out = lut + (teal * shadows[..., None] * 0.12 + orange * mids[..., None] * 0.10) * (1 - highlights[..., None])
    s_curve = luma - 0.04 * np.sin(2 * np.pi * luma)  # a little darker shadows, brighter upper mids
    out += (s_curve - luma)[..., None]
    return np.clip(out, 0, 1).astype(np.float32)


def party_hat(path: Path) -> None:
    """A cone of stacked rings (so the stripes follow the height) with a pompom, +Y up, metres."""
    import trimesh
    rings, sections, height, radius = 8, 48, 0.16, 0.055
    verts, colors, faces = [], [], []
    stripe = ([250, 70, 120, 255], [80, 200, 250, 255])
    for r in range(rings + 1):
        y = height * r / rings
        rad = radius * (1 - r / rings) + 1e-4
        for k in range(sections):
            a = 2 * math.pi * k / sections
            verts.append((rad * math.cos(a), y, -rad * math.sin(a)))
            colors.append(stripe[min(r, rings - 1) % 2])
    for r in range(rings):
        for k in range(sections):
            a, b = r * sections + k, r * sections + (k + 1) % sections
            faces += [(a, b, a + sections), (b, b + sections, a + sections)]
    cone = trimesh.Trimesh(np.array(verts), np.array(faces), process=False)
    cone.visual = trimesh.visual.ColorVisuals(cone, vertex_colors=np.array(colors, np.uint8))
    ball = trimesh.creation.icosphere(subdivisions=2, radius=0.016)
    ball.apply_translation([0, height, 0])
    ball.visual = trimesh.visual.ColorVisuals(ball, vertex_colors=np.tile([255, 230, 80, 255], (len(ball.vertices), 1)))
    trimesh.util.concatenate([cone, ball]).export(path)


def halo(path: Path) -> None:
    import trimesh
    ring = trimesh.creation.torus(major_radius=0.1, minor_radius=0.011, major_sections=64, minor_sections=12)
    ring.visual = trimesh.visual.ColorVisuals(ring, vertex_colors=np.tile([255, 215, 80, 255], (len(ring.vertices), 1)))
    ring.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))  # ring in the XZ plane
    ring.export(path)


def main() -> None:
    save(cat_ears(), "cat_ears", "ears.png")
    save(cat_nose(), "cat_ears", "nose.png")
    save(whiskers(), "cat_ears", "whiskers.png")
    save(sunglasses(), "sunglasses", "glasses.png")
    save(masquerade(), "face_mask", "mask.png")
    save(heart(), "breathing_challenge", "heart.png")
    save(makeup(), "makeup", "makeup.png")
    save(tiger_paint(), "tiger_paint", "tiger.png")
    save(sparkle(), "smile_confetti", "sparkle.png")
    save(sparkle(), "face_mask", "sparkle.png")
    save(confetti(), "smile_confetti", "confetti.png")
    save(sunset(), "beach_background", "sunset.png")
    save(grid_room(), "zoom_3d", "backdrop.png")
    write_cube(ROOT / "film_look" / "teal_orange.cube", teal_orange_lut(), "Vivid teal-orange")
    (ROOT / "party_hat").mkdir(exist_ok=True)
    party_hat(ROOT / "party_hat" / "hat.glb")
    (ROOT / "halo").mkdir(exist_ok=True)
    halo(ROOT / "halo" / "halo.glb")


if __name__ == "__main__":
    (ROOT / "film_look").mkdir(exist_ok=True)
    main()
    print("assets written under", ROOT)
