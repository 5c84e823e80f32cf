"""`facepaint`: a texture in the canonical face mesh's UV space drawn on the tracked face mesh
(468 landmarks as vertices, MediaPipe's triangles and UVs) with a blend mode."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from effects.canonical import NUM_MESH_VERTICES, load_canonical_face_mesh
from effects.gpu import EffectGpu, clear_depth, pixel_to_ndc
from effects.layers.base import ASSET, FrameInputs, Layer, LayerSpec, register_layer
from render.image_io import read_image
from render.shaders import set_uniform

GLSL = Path(__file__).resolve().parent / "textured.glsl"
BLEND_MODES = ("normal", "multiply", "add", "screen")
# Landmark z is relative depth in x units (~0.1 across a face); scaled into NDC depth so the
# nose hides the far cheek when the head turns.
DEPTH_SCALE = 4.0


@dataclass(frozen=True)
class FacePaintParams:
    """texture: an image laid out in the canonical face UV space (u right, v down).
    blend: normal | multiply | add | screen."""

    texture: str = ""
    blend: str = "normal"


def face_mesh_vertices(landmarks: np.ndarray, size: tuple[int, int], uvs: np.ndarray) -> np.ndarray:
    """(468, 5) float32 (ndc x, ndc y, depth, u, v) for one tracked face."""
    w, h = size
    pts = landmarks[:NUM_MESH_VERTICES].astype(np.float64)
    ndc = pixel_to_ndc(pts[:, :2] * (w, h), size)
    z = np.clip(pts[:, 2] * DEPTH_SCALE, -0.99, 0.99)
    return np.c_[ndc, z, uvs].astype(np.float32)


@register_layer
class FacePaintLayer(Layer):
    type_name = "facepaint"
    PARAMS = FacePaintParams
    REQUIRED = ("texture",)
    ANCHORS = ("face_mesh",)
    DEFAULT_ANCHOR = "face_mesh"
    ASSET_FIELDS = ("texture",)
    SCHEMA = {"texture": ASSET, "blend": {"enum": list(BLEND_MODES), "default": "normal"}}

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        mesh = load_canonical_face_mesh()
        self.uvs = mesh.uvs
        self.texture = gpu.texture_rgba(str(root / spec.params.texture), read_image(root / spec.params.texture), mipmaps=True)
        defines = {"BLEND_MULTIPLY": 1} if spec.params.blend == "multiply" else {}
        self.program = gpu.program(GLSL, defines)
        ctx = gpu.ctx
        self.vbo = ctx.buffer(reserve=NUM_MESH_VERTICES * 5 * 4)
        self.ibo = ctx.buffer(np.ascontiguousarray(mesh.triangles, np.int32).tobytes())
        self.vao = ctx.vertex_array(self.program, [(self.vbo, "3f 2f", "in_pos", "in_uv")], self.ibo)
        self.count = mesh.triangles.size

    def _blend(self) -> tuple:
        m = moderngl
        return {"normal": (m.ONE, m.ONE_MINUS_SRC_ALPHA, m.ONE, m.ONE_MINUS_SRC_ALPHA),
                "multiply": (m.DST_COLOR, m.ZERO, m.ZERO, m.ONE),
                "add": (m.ONE, m.ONE, m.ZERO, m.ONE),
                "screen": (m.ONE, m.ONE_MINUS_SRC_COLOR, m.ZERO, m.ONE)}[self.spec.params.blend]

    def render(self, frame: FrameInputs) -> None:
        faces = frame.face_frames(self.spec.max_faces)
        if not faces:
            return
        gpu, ctx = self.gpu, self.gpu.ctx
        gpu.begin_overlay()
        fbo = gpu.fbos[gpu.current]
        ctx.enable(moderngl.BLEND | moderngl.DEPTH_TEST)
        ctx.blend_func = self._blend()
        self.texture.use(0)
        set_uniform(self.program, "u_tex", 0)
        set_uniform(self.program, "u_opacity", self.spec.opacity)
        for face, _ff in faces:
            clear_depth(fbo)
            self.vbo.write(face_mesh_vertices(face.landmarks, frame.size, self.uvs).tobytes())
            self.vao.render(moderngl.TRIANGLES, vertices=self.count)
        ctx.disable(moderngl.BLEND | moderngl.DEPTH_TEST)
        ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)

    def release(self) -> None:
        for o in (self.vao, self.vbo, self.ibo):
            o.release()
