"""`lut` and `color` layers: full-screen colour grading in one pass each."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from effects.gpu import EffectGpu
from effects.layers.base import ASSET, FrameInputs, Layer, LayerSpec, num, register_layer
from effects.lut import read_cube
from render.shaders import set_uniform

GLSL = Path(__file__).resolve().parent / "color.glsl"


@dataclass(frozen=True)
class LutParams:
    """file: a .cube 3D LUT in the package. strength: 0 = original, 1 = full LUT."""

    file: str = ""
    strength: float = 1.0


@register_layer
class LutLayer(Layer):
    type_name = "lut"
    kind = "filter"
    PARAMS = LutParams
    REQUIRED = ("file",)
    ASSET_FIELDS = ("file",)
    SCHEMA = {"file": ASSET, "strength": num(0, 1, 1.0)}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        lut = read_cube(root / spec.params.file)
        n = lut.shape[0]
        # [b, g, r] order = (depth, height, width) of a 3D texture: r along x, g along y, b along z.
        # RGBA8: on llvmpipe filtered 8-bit 3D lookups are ~2x faster than float ones; the
        # quantization (<= 0.5/255) is inside the test's tolerance against the float reference.
        rgba = np.concatenate([np.clip(lut, 0.0, 1.0), np.ones(lut.shape[:3] + (1,), np.float32)], axis=-1)
        data = np.ascontiguousarray((rgba * 255.0 + 0.5).astype(np.uint8))
        self.lut = gpu.ctx.texture3d((n, n, n), 4, data.tobytes())
        self.lut.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.lut.repeat_x = self.lut.repeat_y = self.lut.repeat_z = False
        self.program = gpu.program(GLSL, {"MODE_LUT": 1})
        self.size = n

    def render(self, frame: FrameInputs) -> None:
        src = self.gpu.begin_filter()
        p = self.program
        set_uniform(p, "u_strength", self.spec.params.strength * self.spec.opacity)
        set_uniform(p, "u_lut_size", float(self.size))
        self.lut.use(1)
        set_uniform(p, "u_lut", 1)
        self.gpu.fullscreen(p, {"u_src": src})

    def release(self) -> None:
        self.lut.release()


@dataclass(frozen=True)
class ColorParams:
    """exposure: stops (+1 doubles light). contrast/saturation: 1 = unchanged. temperature:
    -1 cool .. +1 warm. vignette: 0..1 edge darkening. grain: 0..1 film grain amplitude."""

    exposure: float = 0.0
    contrast: float = 1.0
    saturation: float = 1.0
    temperature: float = 0.0
    vignette: float = 0.0
    grain: float = 0.0


@register_layer
class ColorLayer(Layer):
    type_name = "color"
    kind = "filter"
    PARAMS = ColorParams
    SCHEMA = {"exposure": num(-4, 4, 0.0), "contrast": num(0, 3, 1.0), "saturation": num(0, 3, 1.0),
              "temperature": num(-1, 1, 0.0), "vignette": num(0, 1, 0.0), "grain": num(0, 1, 0.0)}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        self.program = gpu.program(GLSL, {"MODE_COLOR": 1})

    def render(self, frame: FrameInputs) -> None:
        src = self.gpu.begin_filter()
        p, q = self.program, self.spec.params
        set_uniform(p, "u_strength", self.spec.opacity)
        set_uniform(p, "u_exposure", float(2.0 ** q.exposure))
        set_uniform(p, "u_contrast", q.contrast)
        set_uniform(p, "u_saturation", q.saturation)
        set_uniform(p, "u_temperature", q.temperature)
        set_uniform(p, "u_vignette", q.vignette)
        set_uniform(p, "u_grain", q.grain)
        set_uniform(p, "u_time", float(frame.time_s))
        set_uniform(p, "u_size", tuple(float(v) for v in frame.size))
        self.gpu.fullscreen(p, {"u_src": src})
