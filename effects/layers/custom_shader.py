"""`shader`: a designer's own full-screen GLSL filter shipped in the package.

The file holds only a function  `vec4 effect(vec4 color, vec2 uv)`  (premultiplied colour in,
premultiplied colour out; uv 0..1 with y down). It can also read these uniforms:
  u_src (sampler2D, the image so far), u_size (vec2 px), u_time (s), u_strength (0..1),
  u_face (vec4: first face centre uv xy, face width in uv, 1 if a face is tracked else 0),
  u_jaw_open, u_smile (first face's blendshapes).
A compile error names the package file and the layer's JSON path."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import moderngl


from capture.types import Blendshape as B
from effects.errors import EffectShaderError
from effects.gpu import EffectGpu
from effects.layers.base import ASSET, FrameInputs, Layer, LayerSpec, num, register_layer
from render.shaders import set_uniform

HEADER = """#version 330 core
uniform sampler2D u_src;
uniform vec2 u_size;
uniform float u_time;
uniform float u_strength;
uniform vec4 u_face;
uniform float u_jaw_open;
uniform float u_smile;
"""
VERTEX = HEADER + """
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""
FRAGMENT_MAIN = """
out vec4 f_color;
void main() {
    vec4 c = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);
    vec4 e = effect(c, gl_FragCoord.xy / u_size);
    f_color = mix(c, e, u_strength);
}
"""


@dataclass(frozen=True)
class ShaderParams:
    """file: the .glsl file in the package defining `vec4 effect(vec4 color, vec2 uv)`."""

    file: str = ""
    strength: float = 1.0


@register_layer
class ShaderLayer(Layer):
    type_name = "shader"
    kind = "filter"
    PARAMS = ShaderParams
    REQUIRED = ("file",)
    ASSET_FIELDS = ("file",)
    SCHEMA = {"file": ASSET, "strength": num(0, 1, 1.0)}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        path = root / spec.params.file
        try:
            body = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise EffectShaderError(f"{root.name}/{spec.params.file}: cannot read shader ({exc})") from exc
        # "#line 1" keeps compiler messages on the designer's own line numbers.
        source = HEADER + "#line 1\n" + body + "\n" + FRAGMENT_MAIN
        try:
            self.program = gpu.ctx.program(vertex_shader=VERTEX, fragment_shader=source)
        except moderngl.Error as exc:
            raise EffectShaderError(
                f"{root.name}/{spec.params.file} (layers[{spec.index}].file): shader failed to compile; "
                f"it must define 'vec4 effect(vec4 color, vec2 uv)':\n{exc}") from exc
        self.vao = gpu.ctx.vertex_array(self.program, [])

    def render(self, frame: FrameInputs) -> None:
        src = self.gpu.begin_filter()
        p = self.program
        w, h = frame.size
        set_uniform(p, "u_size", (float(w), float(h)))
        set_uniform(p, "u_time", float(frame.time_s))
        set_uniform(p, "u_strength", self.spec.params.strength * self.spec.opacity)
        faces = frame.face_frames(1)
        if faces:
            face, ff = faces[0]
            set_uniform(p, "u_face", (ff.center[0] / w, ff.center[1] / h, ff.width / w, 1.0))
            set_uniform(p, "u_jaw_open", float(face.blendshapes[B.JAW_OPEN]))
            set_uniform(p, "u_smile", float(0.5 * (face.blendshapes[B.MOUTH_SMILE_LEFT] + face.blendshapes[B.MOUTH_SMILE_RIGHT])))
        else:
            set_uniform(p, "u_face", (0.5, 0.5, 0.0, 0.0))
        src.use(0)
        set_uniform(p, "u_src", 0)
        self.vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        self.vao.release()
        self.program.release()



