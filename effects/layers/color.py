"""`lut` and `color` layers: full-screen colour grading. A lut and a color layer that follow
each other in a stack run as one pass (`grading_groups`): on a software rasterizer a 720p
full-screen pass costs ~6 ms for reading its source alone."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

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


class GradingLayer(Layer):
    """A per-pixel colour step that can share a full-screen pass with the next one."""

    kind = "filter"
    STEP: ClassVar[str] = ""  # the define that compiles this step into color.glsl

    def textures(self) -> dict[str, moderngl.Texture]:
        return {}

    def set_uniforms(self, program: moderngl.Program, frame: FrameInputs) -> None:
        raise NotImplementedError

    def render(self, frame: FrameInputs) -> None:
        grade(self.gpu, [self], frame)


def grade(gpu: EffectGpu, layers: Sequence[GradingLayer], frame: FrameInputs) -> None:
    """Apply `layers` (at most one of each step, in order) in one full-screen pass."""
    defines: dict[str, str | int | float] = {layer.STEP: 1 for layer in layers}
    if len(layers) > 1 and layers[0].STEP == ColorLayer.STEP:
        defines["STEP_ORDER_COLOR_FIRST"] = 1
    program = gpu.program(GLSL, defines)
    src = gpu.begin_filter()
    textures = {"u_src": src}
    for layer in layers:
        layer.set_uniforms(program, frame)
        textures.update(layer.textures())
    gpu.fullscreen(program, textures)


def grading_groups(layers: Sequence[Layer]) -> list[list[Layer]]:
    """Split enabled layers into runs drawn together: a lut and a color layer next to each other
    form one group; every other layer is a group of its own."""
    groups: list[list[Layer]] = []
    for layer in layers:
        last = groups[-1] if groups else None
        if (last is not None and isinstance(layer, GradingLayer) and all(isinstance(g, GradingLayer) for g in last)
                and layer.STEP not in {g.STEP for g in last}):  # type: ignore[attr-defined]
            last.append(layer)
        else:
            groups.append([layer])
    return groups


@register_layer
class LutLayer(GradingLayer):
    type_name = "lut"
    STEP = "LUT_STEP"
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
        gpu.program(GLSL, {self.STEP: 1})  # compile now: shader errors surface at load
        self.size = n

    def textures(self) -> dict[str, moderngl.Texture]:
        return {"u_lut": self.lut}

    def set_uniforms(self, program: moderngl.Program, frame: FrameInputs) -> None:
        set_uniform(program, "u_lut_strength", self.spec.params.strength * self.spec.opacity)
        set_uniform(program, "u_lut_size", float(self.size))

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
class ColorLayer(GradingLayer):
    type_name = "color"
    STEP = "COLOR_STEP"
    PARAMS = ColorParams
    SCHEMA = {"exposure": num(-4, 4, 0.0), "contrast": num(0, 3, 1.0), "saturation": num(0, 3, 1.0),
              "temperature": num(-1, 1, 0.0), "vignette": num(0, 1, 0.0), "grain": num(0, 1, 0.0)}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        gpu.program(GLSL, {self.STEP: 1})  # compile now: shader errors surface at load

    def set_uniforms(self, program: moderngl.Program, frame: FrameInputs) -> None:
        p, q = program, self.spec.params
        set_uniform(p, "u_color_strength", self.spec.opacity)
        set_uniform(p, "u_exposure", float(2.0 ** q.exposure))
        set_uniform(p, "u_contrast", q.contrast)
        set_uniform(p, "u_saturation", q.saturation)
        set_uniform(p, "u_temperature", q.temperature)
        set_uniform(p, "u_vignette", q.vignette)
        set_uniform(p, "u_grain", q.grain)
        set_uniform(p, "u_time", float(frame.time_s))
        set_uniform(p, "u_size", tuple(float(v) for v in frame.size))
