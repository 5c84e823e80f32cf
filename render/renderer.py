"""How to draw: clears the surface and runs the scene's passes in order."""
from __future__ import annotations

import numpy as np

from render.context import RenderContext
from render.scene import FrameState, Scene
from render.surface import Surface


class Renderer:
    """Draws `Scene`s into `Surface`s. Holds no per-scene state."""

    def __init__(self, rc: RenderContext) -> None:
        self.rc = rc

    def render(self, scene: Scene, surface: Surface) -> None:
        ctx = self.rc.ctx
        self.rc.make_current()  # another context may have been created on this thread since
        surface.use()
        width, height = surface.size
        r, g, b, a = scene.background
        # The framebuffer holds premultiplied colour; the background colour is straight.
        ctx.clear(r * a, g * a, b * a, a, depth=1.0)
        camera = scene.camera
        frame = FrameState(
            rc=self.rc,
            size=(width, height),
            view=camera.view(),
            projection=camera.projection(width / height),
            camera_position=np.array(camera.position, np.float64),
            lights=tuple(scene.lights),
            ambient_sky=scene.ambient_sky,
            ambient_ground=scene.ambient_ground,
            time_s=scene.time_s,
        )
        for render_pass in scene.passes:
            render_pass.draw(frame)
        self.rc.gc()
