"""`sticker`: an image (or an animated image sequence) anchored and scaled to a face, a hand,
the body or the screen. Sizes and offsets are in face widths (face anchors), hand lengths, body
shoulder widths, or frame widths (screen)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from capture.types import HandLandmark, PoseLandmark
from effects.gpu import EffectGpu, pixel_to_ndc
from effects.layers.base import ASSET, FrameInputs, Layer, LayerSpec, num, register_layer, vec
from render.image_io import read_image
from render.shaders import set_uniform

GLSL = Path(__file__).resolve().parent / "textured.glsl"


@dataclass(frozen=True)
class StickerParams:
    """image: one image, or frames + fps for an animation (looping).
    size: [w] or [w, h] in anchor units (h defaults to keep the image's aspect).
    offset: [x, y] from the anchor in anchor units, along the face's right/down axes.
    rotate: follow the face roll. position: screen anchor centre, 0..1 of the frame."""

    image: str = ""
    frames: tuple[str, ...] = ()
    fps: float = 12.0
    size: tuple[float, ...] = (1.0,)
    offset: tuple[float, float] = (0.0, 0.0)
    rotate: bool = True
    position: tuple[float, float] = (0.5, 0.5)


def _quad(center: np.ndarray, half_w: float, half_h: float, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    right, down = np.array([c, s]) * half_w, np.array([-s, c]) * half_h
    return np.array([center - right - down, center + right - down, center + right + down,
                     center - right + down])


@register_layer
class StickerLayer(Layer):
    type_name = "sticker"
    PARAMS = StickerParams
    ANCHORS = ("face", "hand", "body", "screen")
    DEFAULT_ANCHOR = "face:nose_tip"
    ASSET_FIELDS = ("image", "frames")
    SCHEMA = {"image": ASSET, "frames": {"type": "array", "items": ASSET, "minItems": 1},
              "fps": num(0.1, 120, 12.0), "size": {"type": "array", "items": num(0.01, 20), "minItems": 1, "maxItems": 2},
              "offset": vec(2, -20, 20), "rotate": {"type": "boolean"}, "position": vec(2, -1, 2)}

    @staticmethod
    def check_params(p: StickerParams) -> None:
        if not p.image and not p.frames:
            raise ValueError("a sticker needs 'image' or 'frames'")

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        files = list(spec.params.frames) or [spec.params.image]
        self.textures = []
        self.aspect = 1.0
        for f in files:
            img = read_image(root / f)
            self.aspect = img.shape[0] / img.shape[1]
            self.textures.append(gpu.texture_rgba(str(root / f), img, mipmaps=True))
        self.program = gpu.program(GLSL)
        self.vbo = gpu.ctx.buffer(reserve=8 * 4 * 5 * 6 * spec.max_faces)
        self.vao = gpu.ctx.vertex_array(self.program, [(self.vbo, "3f 2f", "in_pos", "in_uv")])

    def placements(self, frame: FrameInputs) -> list[np.ndarray]:
        """The sticker's 4 corners in pixels (TL, TR, BR, BL), one per instance."""
        p, a = self.spec.params, self.spec.anchor
        w, h = frame.size
        out = []
        sw = p.size[0]
        sh = p.size[1] if len(p.size) > 1 else sw * self.aspect
        if a.kind == "face":
            for _face, ff in frame.face_frames(self.spec.max_faces):
                right, down = ff.axes()
                centre = ff.anchor(a.name) + (right * p.offset[0] + down * p.offset[1]) * ff.width
                out.append(_quad(centre, sw * ff.width / 2, sh * ff.width / 2, ff.roll if p.rotate else 0.0))
        elif a.kind == "hand":
            for hand in frame.tracking.hands[:self.spec.max_faces]:
                pts = hand.landmarks[:, :2].astype(np.float64) * (w, h)
                unit = float(np.linalg.norm(pts[HandLandmark.MIDDLE_FINGER_MCP] - pts[HandLandmark.WRIST]))
                centre = pts[HandLandmark[a.name.upper()]] + np.array(p.offset) * unit
                out.append(_quad(centre, sw * unit / 2, sh * unit / 2, 0.0))
        elif a.kind == "body":
            for body in frame.tracking.bodies[:self.spec.max_faces]:
                pts = body.landmarks[:, :2].astype(np.float64) * (w, h)
                unit = float(np.linalg.norm(pts[PoseLandmark.LEFT_SHOULDER] - pts[PoseLandmark.RIGHT_SHOULDER]))
                centre = pts[PoseLandmark[a.name.upper()]] + np.array(p.offset) * unit
                out.append(_quad(centre, sw * unit / 2, sh * unit / 2, 0.0))
        else:
            centre = np.array(p.position) * (w, h)
            out.append(_quad(centre, sw * w / 2, sh * w / 2, 0.0))
        return out

    def render(self, frame: FrameInputs) -> None:
        quads = self.placements(frame)
        if not quads:
            return
        uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
        verts = []
        for q in quads:
            ndc = pixel_to_ndc(q, frame.size)
            v = np.c_[ndc, np.zeros(4), uv].astype(np.float32)
            verts.append(v[[0, 1, 2, 0, 2, 3]])
        data = np.concatenate(verts).tobytes()
        if len(data) > self.vbo.size:
            self.vbo.orphan(len(data))
        self.vbo.write(data)
        index = int(frame.time_s * self.spec.params.fps) % len(self.textures) if len(self.textures) > 1 else 0
        self.gpu.begin_overlay()
        ctx = self.gpu.ctx
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        self.textures[index].use(0)
        set_uniform(self.program, "u_tex", 0)
        set_uniform(self.program, "u_opacity", self.spec.opacity)
        self.vao.render(moderngl.TRIANGLES, vertices=6 * len(quads))
        ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        self.vao.release()
        self.vbo.release()
