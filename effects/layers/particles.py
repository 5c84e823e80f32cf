"""`particles`: GPU particle emitters (hearts, sparkles, confetti): continuous spawn rate and
trigger bursts, life, velocity with spread, gravity, spin, textures tinted per particle."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from capture.types import HandLandmark
from effects.gpu import EffectGpu
from effects.layers.base import ASSET, COLOR, FrameInputs, Layer, LayerSpec, num, register_layer, vec
from render.image_io import read_image
from render.shaders import set_uniform, set_uniform_array

GLSL = Path(__file__).resolve().parent / "particles.glsl"
MAX_PARTICLES = 4000  # per emitter draw (continuous) and per burst
SHAPES = ("point", "line", "screen")


@dataclass(frozen=True)
class ParticleParams:
    """Units: lengths in frame heights (so effects look the same at any resolution), time in s.
    rate: particles/s (0 = bursts only). life_s. speed: [min, max] frame heights/s.
    direction_deg: 0 = right, -90 = up. spread_deg: cone width. gravity: [x, y] frame heights/s^2
    (+y down). size: [min, max] frame heights. spin: max rad/s. shape: point | line | screen.
    position: screen origin 0..1 (screen anchor). colors: tints picked per particle."""

    texture: str = ""
    rate: float = 20.0
    life_s: float = 2.0
    speed: tuple[float, float] = (0.2, 0.4)
    direction_deg: float = -90.0
    spread_deg: float = 60.0
    gravity: tuple[float, float] = (0.0, 0.0)
    size: tuple[float, float] = (0.03, 0.06)
    spin: float = 0.0
    shape: str = "point"
    position: tuple[float, float] = (0.5, 1.0)
    colors: tuple = ()
    seed: float = 1.0


@register_layer
class ParticleLayer(Layer):
    type_name = "particles"
    PARAMS = ParticleParams
    REQUIRED = ("texture",)
    ANCHORS = ("face", "hand", "screen")
    ASSET_FIELDS = ("texture",)
    SCHEMA = {"texture": ASSET, "rate": num(0, 1000, 20), "life_s": num(0.05, 20, 2.0),
              "speed": vec(2, 0, 10), "direction_deg": num(-360, 360), "spread_deg": num(0, 360),
              "gravity": vec(2, -10, 10), "size": vec(2, 0.001, 1), "spin": num(0, 50),
              "shape": {"enum": list(SHAPES)}, "position": vec(2, -1, 2),
              "colors": {"type": "array", "items": COLOR, "maxItems": 8}, "seed": num()}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        p = spec.params
        self.texture = gpu.texture_rgba(str(root / p.texture), read_image(root / p.texture), mipmaps=True)
        self.program = gpu.program(GLSL)
        self.vao = gpu.ctx.vertex_array(self.program, [])
        self.continuous = min(int(math.ceil(p.rate * p.life_s)) + 1, MAX_PARTICLES) if p.rate > 0 else 0

    def origins(self, frame: FrameInputs) -> list[np.ndarray]:
        """One emitter origin (px) per anchored instance: each face / hand, or the screen point."""
        a, (w, h) = self.spec.anchor, frame.size
        if a.kind == "face":
            return [ff.anchor(a.name) for _f, ff in frame.face_frames(self.spec.max_faces)]
        if a.kind == "hand":
            return [hand.landmarks[HandLandmark[a.name.upper()], :2] * (w, h)
                    for hand in frame.tracking.hands[:self.spec.max_faces]]
        return [np.array(self.spec.params.position) * (w, h)]

    def origin(self, frame: FrameInputs) -> np.ndarray | None:
        """The first instance's origin (bursts start there), or None."""
        found = self.origins(frame)
        return found[0] if found else None

    def render(self, frame: FrameInputs) -> None:
        p, (w, h) = self.spec.params, frame.size
        t = frame.time_s
        self.bursts = [(bt, n, o) for bt, n, *rest in self.bursts
                       for o in [rest[0] if rest else self.origin(frame)] if t - bt <= p.life_s and o is not None]
        origins = self.origins(frame)
        if not origins and not self.bursts:
            return
        self.gpu.begin_overlay()
        ctx, prog = self.gpu.ctx, self.program
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        self.texture.use(0)
        set_uniform(prog, "u_tex", 0)
        set_uniform(prog, "u_opacity", self.spec.opacity)
        set_uniform(prog, "u_size", (float(w), float(h)))
        set_uniform(prog, "u_time", float(t))
        set_uniform(prog, "u_life", float(p.life_s))
        set_uniform(prog, "u_speed", (p.speed[0] * h, p.speed[1] * h))
        set_uniform(prog, "u_dir", (math.radians(p.direction_deg), math.radians(p.spread_deg)))
        set_uniform(prog, "u_gravity", (p.gravity[0] * h, p.gravity[1] * h))
        set_uniform(prog, "u_psize", (p.size[0] * h, p.size[1] * h))
        set_uniform(prog, "u_spin", float(p.spin))
        set_uniform(prog, "u_shape", SHAPES.index(p.shape))
        colors = [tuple(float(v) for v in c[:3]) for c in p.colors]
        set_uniform(prog, "u_ncolors", len(colors))
        set_uniform_array(prog, "u_colors", colors, (1.0, 1.0, 1.0))
        if self.continuous:
            set_uniform(prog, "u_burst", 0)
            set_uniform(prog, "u_rate", float(p.rate))
            for i, origin in enumerate(origins):  # per-face emitters, each with its own random stream
                set_uniform(prog, "u_origin", (float(origin[0]), float(origin[1]), 0.5 * w, float(p.seed) + 17.0 * i))
                self.vao.render(moderngl.TRIANGLES, vertices=6, instances=self.continuous)
        for bt, n, o in self.bursts:
            set_uniform(prog, "u_burst", 1)
            set_uniform(prog, "u_birth0", float(bt))
            set_uniform(prog, "u_origin", (float(o[0]), float(o[1]), 0.5 * w, float(p.seed)))
            self.vao.render(moderngl.TRIANGLES, vertices=6, instances=min(n, MAX_PARTICLES))
        ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        self.vao.release()
