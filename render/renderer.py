"""How to draw: clears the surface and runs the scene's passes in order. The passes first say
where they will draw, so the surface clears (and later resolves) only that rectangle."""
from __future__ import annotations

import numpy as np

from render.context import RenderContext
from render.scene import FrameState, Scene
from render.screen_bounds import EMPTY_RECT, PixelRect, union_rect
from render.surface import Surface


class Renderer:
    """Draws `Scene`s into `Surface`s. Holds no per-scene state."""

    def __init__(self, rc: RenderContext) -> None:
        self.rc = rc

    def render(self, scene: Scene, surface: Surface) -> None:
        self.rc.make_current()  # another context may have been created on this thread since
        frame = self.frame_state(scene, surface.size, getattr(surface, "samples", 0))
        drawn: PixelRect | None = EMPTY_RECT
        for render_pass in scene.passes:
            drawn = union_rect(drawn, render_pass.screen_rect(frame))
        r, g, b, a = scene.background
        # The framebuffer holds premultiplied colour; the background colour is straight.
        surface.begin_frame((r * a, g * a, b * a, a), drawn)
        for render_pass in scene.passes:
            render_pass.draw(frame)
        self.rc.gc()

    def frame_state(self, scene: Scene, size: tuple[int, int], samples: int = 0) -> FrameState:
        """What the passes see of `scene` drawn at `size` into a target with `samples` per pixel
        (camera matrices, lights, time)."""
        width, height = size
        camera = scene.camera
        return FrameState(
            rc=self.rc,
            size=(width, height),
            view=camera.view(),
            projection=camera.projection(width / height),
            camera_position=np.array(camera.position, np.float64),
            lights=tuple(scene.lights),
            ambient_sky=scene.ambient_sky,
            ambient_ground=scene.ambient_ground,
            time_s=scene.time_s,
            samples=samples,
        )
