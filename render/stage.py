"""An avatar on a stage: context, surface, renderer, camera shots. The one place offline
rendering (CLI stills, the demo, scripts, tests, benchmarks) builds its GL objects."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum
from typing import Mapping

import numpy as np

from avatar.gltf.document import GltfDocument
from avatar.posing import PosedFrame, PoseApplier, Pose
from render.camera import Camera
from render.context import RenderContext
from render.materials import ShadingStyle
from render.model import ModelInstance
from render.renderer import Renderer
from render.scene import Scene
from render.surface import AlphaOutput, Antialias, OffscreenSurface


class Shot(Enum):
    FULL = "full"  # the whole body
    MEDIUM = "medium"  # waist up: the presenter shot
    CLOSEUP = "closeup"  # head and shoulders


@dataclass(frozen=True)
class StageOptions:
    """Output size, anti-aliasing (AUTO: 4x MSAA on a GPU, none on a software rasterizer),
    background (straight RGBA) and look."""

    width: int = 1280
    height: int = 720
    samples: int = 4
    antialias: Antialias = Antialias.AUTO
    background: tuple[float, float, float, float] = (0.12, 0.13, 0.16, 1.0)
    transparent: bool = False
    style: ShadingStyle = ShadingStyle.AUTO
    outlines: bool = True
    fov_y_deg: float = 30.0


class AvatarStage:
    """Renders one glTF document posed by `Pose`s. Release with `release()` or `with`.

    bone_nodes: humanoid bone name -> node index, for shot framing ('head', 'hips'); a VRM's
    nodes are named by its exporter, or not at all (Godette's head node is not called 'head').
    Bones not in it are looked up by node name (the built-in avatar names its nodes like bones)."""

    def __init__(self, doc: GltfDocument, options: StageOptions = StageOptions(), rc: RenderContext | None = None,
                 bone_nodes: Mapping[str, int] | None = None) -> None:
        self.options = options
        self.bone_nodes = dict(bone_nodes or {})
        self._owns_context = rc is None
        self.rc = rc or RenderContext.headless()
        self.doc = doc
        self.surface = OffscreenSurface(self.rc, options.width, options.height, options.samples, options.antialias)
        self.renderer = Renderer(self.rc)
        self.model = ModelInstance(self.rc, doc, style=options.style, outlines=options.outlines)
        self.poser = PoseApplier(doc)
        background = (*options.background[:3], 0.0) if options.transparent else options.background
        self.scene = Scene(background=background, passes=[self.model])
        rest = self.poser.apply(Pose())
        self.model.set_pose(rest.node_world, rest.node_weights)
        self.bounds = self.measure_bounds()
        self.scene.camera = self.shot_camera(Shot.FULL)

    # ------------------------------------------------------------------ framing
    def measure_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """World-space (min, max) of every vertex in the current pose (GPU transform feedback)."""
        points = []
        for item in {(i.node, i.primitive) for i in self.model.draw_items}:
            positions, _ = self.model.deformed_vertices(*item)
            points.append(positions[np.isfinite(positions).all(axis=1)])
        if not points or not sum(len(p) for p in points):
            return np.full(3, -1.0), np.full(3, 1.0)
        allp = np.concatenate(points)
        return allp.min(axis=0), allp.max(axis=0)

    def _bone_position(self, name: str) -> np.ndarray | None:
        node = self.bone_nodes.get(name)
        if node is None:
            if not self.poser.has_node(name):
                return None
            node = self.doc.node_index(name)
        return self.model.node_world[node][:3, 3].astype(np.float64)

    def shot_camera(self, shot: Shot, yaw_deg: float = 0.0, height_offset: float = 0.0) -> Camera:
        """A camera for a named shot, orbiting `yaw_deg` around the subject (0 = in front, +Z)."""
        lo, hi = self.bounds
        aspect = self.options.width / self.options.height
        head = self._bone_position("head")
        hips = self._bone_position("hips")
        # Medium and close-up are human-sized boxes around the head and hips: a model without both
        # (a head alone, a prop, a creature) is framed whole instead of zoomed into its skin.
        if shot is Shot.FULL or head is None or hips is None:
            box_lo, box_hi = lo, hi
        elif shot is Shot.MEDIUM:
            bottom = hips[1] - 0.05
            box_lo = np.array([head[0] - 0.32, bottom, head[2] - 0.15])
            box_hi = np.array([head[0] + 0.32, hi[1], head[2] + 0.15])
        else:
            top = min(hi[1], head[1] + 0.28)
            box_lo = np.array([head[0] - 0.15, head[1] - 0.07, head[2] - 0.1])
            box_hi = np.array([head[0] + 0.15, top, head[2] + 0.1])
        yaw = math.radians(yaw_deg)
        camera = Camera.framing(box_lo, box_hi, fov_y_deg=self.options.fov_y_deg, aspect=aspect,
                                margin=1.0 if shot is not Shot.FULL else 1.05,
                                direction=(math.sin(yaw), 0.08, math.cos(yaw)))
        if height_offset:
            camera = replace(camera, position=(camera.position[0], camera.position[1] + height_offset, camera.position[2]))
        # Keep the near plane in front of everything and far behind the whole avatar.
        distance = float(np.linalg.norm(np.subtract(camera.position, camera.target)))
        extent = float(np.linalg.norm(hi - lo))
        return replace(camera, near=max(0.01, distance * 0.05), far=distance + extent * 2 + 1.0)

    # ------------------------------------------------------------------ rendering
    def render_posed(self, posed: PosedFrame, time_s: float = 0.0, alpha: AlphaOutput = AlphaOutput.STRAIGHT) -> np.ndarray:
        self.model.set_pose(posed.node_world, posed.node_weights)
        self.model.set_material_overrides(posed.materials)
        self.scene.time_s = time_s
        self.renderer.render(self.scene, self.surface)
        return self.surface.read(alpha)

    def render(self, pose: Pose, time_s: float = 0.0, animation: int | None = None,
               alpha: AlphaOutput = AlphaOutput.STRAIGHT) -> np.ndarray:
        anim = self.poser.sample(animation, time_s) if animation is not None else None
        return self.render_posed(self.poser.apply(pose, anim), time_s, alpha)

    def release(self) -> None:
        self.model.release()
        self.surface.release()
        if self._owns_context:
            self.rc.release()

    def __enter__(self) -> "AvatarStage":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
