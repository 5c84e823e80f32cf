"""`background` (blur / replace / color / remove behind the segmented person) and `zoom_cutout`
(the "3D zoom": the segmented person and a perspective backdrop move in opposite directions in
depth as the head moves and turns). Both need `Tracking.mask` (capture's PersonSegmenter with
selfie_segmenter.tflite); without a mask they leave the frame unchanged."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assets.errors import AssetError, SourceError
from effects.gpu import EffectGpu
from effects.video_texture import VideoTexture
from effects.landmarks import head_angles_deg
from effects.layers.base import (ASSET, COLOR, FrameInputs, Layer, LayerSpec, num, premultiplied,
                                 register_layer)
from render.image_io import read_image
from render.shaders import set_uniform

GLSL = Path(__file__).resolve().parent / "background.glsl"
MODES = ("blur", "replace", "color", "remove")
# Mask edge: MediaPipe's selfie mask is soft over ~10 px; 0.35..0.65 keeps hair without halos.
EDGE = (0.35, 0.65)


def cover_rect(image_size: tuple[int, int], frame_size: tuple[int, int]) -> tuple[float, float, float, float]:
    """uv scale and offset that fit an image to cover the frame (centre crop, aspect kept)."""
    iw, ih = image_size
    fw, fh = frame_size
    s = max(fw / iw, fh / ih)
    sx, sy = fw / (iw * s), fh / (ih * s)
    return (sx, sy, (1 - sx) / 2, (1 - sy) / 2)


@dataclass(frozen=True)
class BackgroundParams:
    """mode: blur | replace | color | remove (transparent). image or video: the replacement
    (replace; a video loops, its frame follows the effect time). color: fill (color).
    blur: 0..1 (1 = very strong)."""

    mode: str = "blur"
    image: str = ""
    video: str = ""
    color: tuple = (0.0, 0.8, 0.2)
    blur: float = 0.6


@register_layer
class BackgroundLayer(Layer):
    type_name = "background"
    kind = "filter"
    PARAMS = BackgroundParams
    ASSET_FIELDS = ("image", "video")
    SCHEMA = {"mode": {"enum": list(MODES)}, "image": ASSET, "video": ASSET, "color": COLOR, "blur": num(0, 1, 0.6)}

    @staticmethod
    def check_params(p: BackgroundParams) -> None:
        if p.mode == "replace" and bool(p.image) == bool(p.video):
            raise ValueError("mode 'replace' needs one 'image' (PNG/JPEG) or one 'video' (MP4/WebM) in the package")

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        p = spec.params
        self.program = gpu.program(GLSL, {f"MODE_{p.mode.upper()}": 1})
        self.bg = None
        self.video: VideoTexture | None = None
        if p.image:
            img = read_image(root / p.image)
            self.bg = gpu.texture_rgba(str(root / p.image), img)
            self.bg_size = (img.shape[1], img.shape[0])
        elif p.video:
            try:
                self.video = VideoTexture(gpu.ctx, root / p.video)
            except (SourceError, StopIteration) as exc:
                raise AssetError(f"{root / p.video}: cannot decode the background video ({exc})") from exc
            self.bg, self.bg_size = self.video.texture, self.video.size

    def release(self) -> None:
        if self.video is not None:
            self.video.release()
            self.video = None

    def render(self, frame: FrameInputs) -> None:
        if frame.tracking.mask is None:
            return
        p, gpu = self.spec.params, self.gpu
        prog = self.program
        textures = {}
        if p.mode == "blur":
            textures["u_blur1"], textures["u_blur2"] = gpu.blur_levels(gpu.source())
            set_uniform(prog, "u_blur", p.blur)
        src = gpu.begin_filter()
        set_uniform(prog, "u_size", tuple(float(v) for v in frame.size))
        set_uniform(prog, "u_edge", EDGE)
        set_uniform(prog, "u_amount", self.spec.opacity)
        set_uniform(prog, "u_color", premultiplied(tuple(p.color)))
        textures.update({"u_src": src, "u_mask": gpu.mask})
        if self.video is not None:
            self.bg = self.video.at(frame.time_s)
        if self.bg is not None:
            set_uniform(prog, "u_bg_rect", cover_rect(self.bg_size, frame.size))
            textures["u_bg"] = self.bg
        gpu.fullscreen(prog, textures)


@dataclass(frozen=True)
class ZoomParams:
    """strength: parallax amount (uv per unit of head offset). zoom: extra person scale as the
    head comes closer than `reference_cm`. turn: backdrop rotation per head rotation.
    backdrop: optional image; default is the blurred frame. blur: backdrop blur 0..1."""

    strength: float = 0.15
    zoom: float = 0.25
    turn: float = 0.5
    reference_cm: float = 50.0
    backdrop: str = ""
    blur: float = 0.5


@register_layer
class ZoomCutoutLayer(Layer):
    type_name = "zoom_cutout"
    kind = "filter"
    PARAMS = ZoomParams
    ANCHORS = ("head",)
    DEFAULT_ANCHOR = "head"
    ASSET_FIELDS = ("backdrop",)
    SCHEMA = {"strength": num(0, 1, 0.15), "zoom": num(0, 2, 0.25), "turn": num(0, 2, 0.5),
              "reference_cm": num(10, 500, 50), "backdrop": ASSET, "blur": num(0, 1, 0.5)}
    FOV_Y_DEG = 63.0  # the virtual backdrop camera matches MediaPipe's face-geometry camera

    def __init__(self, gpu: EffectGpu, spec: LayerSpec, root: Path) -> None:
        super().__init__(gpu, spec, root)
        self.program = gpu.program(GLSL, {"MODE_ZOOM": 1})
        self.bg = None
        if spec.params.backdrop:
            img = read_image(root / spec.params.backdrop)
            self.bg = gpu.texture_rgba(str(root / spec.params.backdrop), img)
            self.bg_size = (img.shape[1], img.shape[0])

    def motion(self, frame: FrameInputs) -> tuple[np.ndarray, float, np.ndarray]:
        """(head offset (tan x, tan y), closeness, rotation matrix of the backdrop camera)."""
        face = frame.tracking.face
        if face is None or np.isnan(face.head_matrix).any():
            return np.zeros(2), 0.0, np.eye(3)
        m = np.asarray(face.head_matrix, np.float64)
        tz = max(-m[2, 3], 1.0)
        offset = np.array([m[0, 3] / tz, -m[1, 3] / tz])  # image-space direction (y down)
        closeness = self.spec.params.reference_cm / tz - 1.0
        pitch, yaw, _roll = head_angles_deg(m)
        k = self.spec.params.turn
        a, b = math.radians(-yaw * k), math.radians(pitch * k)
        ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
        rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
        return offset, closeness, ry @ rx

    def render(self, frame: FrameInputs) -> None:
        if frame.tracking.mask is None:
            return
        p, gpu = self.spec.params, self.gpu
        offset, closeness, rot = self.motion(frame)
        textures = {}
        if self.bg is None:  # the blurred frame is the backdrop
            textures["u_blur1"], textures["u_blur2"] = gpu.blur_levels(gpu.source())
        src = gpu.begin_filter()
        prog = self.program
        set_uniform(prog, "u_size", tuple(float(v) for v in frame.size))
        set_uniform(prog, "u_edge", EDGE)
        set_uniform(prog, "u_amount", self.spec.opacity)
        set_uniform(prog, "u_blur", p.blur)
        face = frame.face_frames(1)
        centre = face[0][1].center / np.array(frame.size) if face else np.array([0.5, 0.5])
        set_uniform(prog, "u_pcenter", tuple(float(v) for v in centre))
        set_uniform(prog, "u_pscale", float(1.0 + max(closeness, -0.5) * p.zoom + 0.05))
        set_uniform(prog, "u_pshift", tuple(float(v) for v in offset * p.strength))
        set_uniform(prog, "u_bshift", tuple(float(v) for v in -offset * p.strength))
        set_uniform(prog, "u_rot", tuple(rot.T.reshape(-1)))
        set_uniform(prog, "u_tan", math.tan(math.radians(self.FOV_Y_DEG) / 2) * 0.8)
        set_uniform(prog, "u_has_bg", 1 if self.bg is not None else 0)
        textures.update({"u_src": src, "u_mask": gpu.mask})
        if self.bg is not None:
            set_uniform(prog, "u_bg_rect", cover_rect(self.bg_size, frame.size))
            textures["u_bg"] = self.bg
        gpu.fullscreen(prog, textures)
