"""Screen bounds from the pose (render/screen_bounds.py) against the GPU's own deformed vertices,
and the clear/resolve-only-what-is-drawn frames against frames cleared and resolved in full."""
from __future__ import annotations

import numpy as np
import pytest

from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.pose_presets import pose_preset
from avatar.posing import Pose
from render import model as model_module
from render.camera import Camera
from render.screen_bounds import used_vertices
from render.stage import AvatarStage, Shot, StageOptions
from render.surface import AlphaOutput, Antialias

CASES = [  # (file, animation index or None, morph weight given to every target)
    ("builtin", None, 0.0),
    ("builtin", None, 0.6),
    ("gltf/CesiumMan/CesiumMan.glb", 0, 0.0),
    ("gltf/Fox/Fox.glb", 2, 0.0),
    ("gltf/RobotExpressive/RobotExpressive.glb", 6, 0.0),
    ("gltf/MorphPrimitivesTest/MorphPrimitivesTest.glb", None, 1.0),
    ("gltf/RecursiveSkeletons/RecursiveSkeletons.glb", None, 0.0),
    ("vrm/Godette_vrm_v4.vrm", None, 0.0),
]


def _projected_pixels(points: np.ndarray, frame) -> np.ndarray:
    clip = np.c_[points, np.ones(len(points))] @ frame.view_projection.T
    ndc = clip[:, :2] / clip[:, 3:4]
    return np.c_[(ndc[:, 0] * 0.5 + 0.5) * frame.size[0], (ndc[:, 1] * 0.5 + 0.5) * frame.size[1]]


@pytest.mark.parametrize("sample,animation,morph", CASES)
def test_screen_rect_holds_every_deformed_vertex(rc, test_data, sample, animation, morph):
    doc = load_gltf(BUILTIN_AVATAR if sample == "builtin" else test_data / sample)
    with AvatarStage(doc, StageOptions(width=640, height=360), rc=rc) as stage:
        model = stage.model
        weights = {i: np.full_like(w, morph) for i, w in model.node_weights.items()}
        for k, (pose, shot) in enumerate([(Pose(), Shot.FULL), (pose_preset("arms_raised"), Shot.MEDIUM),
                                          (pose_preset("wave"), Shot.CLOSEUP)]):
            anim = stage.poser.sample(animation, 0.37 * (k + 1)) if animation is not None else None
            posed = stage.poser.apply(pose if stage.poser.has_node("hips") else Pose(), anim)
            model.set_pose(posed.node_world, {**posed.node_weights, **weights})
            stage.scene.camera = stage.shot_camera(shot, yaw_deg=25.0 * k)
            frame = stage.renderer.frame_state(stage.scene, stage.surface.size)
            rect = model.screen_rect(frame)
            assert rect is not None
            x0, y0, x1, y1 = rect
            visible = {(i.node, i.primitive) for i in model.visible_draw_items(frame)}
            for item in model.draw_items:
                positions, _ = model.deformed_vertices(item.node, item.primitive)
                positions = positions[used_vertices(doc.meshes[item.mesh].primitives[item.primitive])]
                pixels = _projected_pixels(positions, frame)
                on_screen = ((pixels[:, 0] >= 0) & (pixels[:, 0] <= frame.size[0])
                             & (pixels[:, 1] >= 0) & (pixels[:, 1] <= frame.size[1]))
                if not on_screen.any():
                    continue
                assert (item.node, item.primitive) in visible, f"{sample}: an on-screen primitive was culled"
                inside = pixels[on_screen]
                assert (inside[:, 0] >= x0 - 0.5).all() and (inside[:, 0] <= x1 + 0.5).all(), (sample, k, rect)
                assert (inside[:, 1] >= y0 - 0.5).all() and (inside[:, 1] <= y1 + 0.5).all(), (sample, k, rect)


def test_waist_up_shot_skips_the_legs_and_looks_the_same(rc, monkeypatch):
    # Both stages draw every primitive at full detail: the stage that draws everything bypasses
    # the visibility pass, which also measures the depths that pick levels of detail.
    monkeypatch.setattr(model_module, "LOD_MAX_ERROR_PX", 0.0)
    doc = load_gltf(BUILTIN_AVATAR)
    with AvatarStage(doc, StageOptions(width=640, height=360), rc=rc) as culled, \
            AvatarStage(doc, StageOptions(width=640, height=360), rc=rc) as everything:
        for stage in (culled, everything):
            stage.scene.camera = stage.shot_camera(Shot.CLOSEUP)
        everything.model._visibility = lambda frame: (list(everything.model.draw_items), None)  # type: ignore[method-assign]
        frame = culled.renderer.frame_state(culled.scene, culled.surface.size)
        kept = {doc.materials[i.material].name for i in culled.model.visible_draw_items(frame)}
        assert "shoes" not in kept and "pants" not in kept and "skin" in kept and "hair" in kept
        pose = pose_preset("relaxed")
        a, b = culled.render(pose), everything.render(pose)
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


@pytest.mark.parametrize("antialias", [Antialias.MSAA, Antialias.NONE])
def test_partial_clears_resolves_and_reads_match_full_ones(rc, antialias):
    """The avatar walks across the frame (its rectangle moves each frame), the background colour
    changes (opaque, transparent, translucent), someone draws on the surface outside the renderer:
    every frame, straight and premultiplied, must equal the frame of a stage that clears, resolves
    and reads everything."""
    doc = load_gltf(BUILTIN_AVATAR)
    options = StageOptions(width=480, height=270, antialias=antialias)
    backgrounds = {4: (0.5, 0.2, 0.1, 1.0), 5: (0.5, 0.2, 0.1, 0.0), 7: (0.3, 0.6, 0.9, 0.5), 9: (0.3, 0.6, 0.9, 1.0)}
    partly_read = 0
    with AvatarStage(doc, options, rc=rc) as partial, AvatarStage(doc, options, rc=rc) as full:
        full.model.screen_rect = lambda frame: None  # type: ignore[method-assign]
        for stage in (partial, full):
            stage.scene.camera = stage.shot_camera(Shot.FULL)
        for step in range(11):
            offset = (-0.9 + 0.25 * step, 0.0, 0.0)
            for stage in (partial, full):
                stage.scene.background = backgrounds.get(step, stage.scene.background)
            if step == 6:
                for stage in (partial, full):  # foreign drawing: the next frame must clear it all
                    stage.surface.use()
                    stage.rc.ctx.clear(0.0, 1.0, 0.0, 1.0)
            for alpha in AlphaOutput:
                a = partial.render(Pose(root_offset=offset), alpha=alpha)
                b = full.render(Pose(root_offset=offset), alpha=alpha)
                assert np.array_equal(a, b), f"step {step}, {alpha}: {np.argwhere(a != b)[:5]}"
            partly_read += partial.surface._rect_to_read() not in (None, (0, 0, 480, 270))
        far = Camera(position=(0.0, 1.0, 30.0), target=(30.0, 1.0, 30.0))  # looking away: nothing drawn
        for stage in (partial, full):
            stage.scene.camera = far
        assert partial.model.screen_rect(partial.renderer.frame_state(partial.scene, partial.surface.size)) == (0, 0, 0, 0)
        for _ in range(2):  # the second frame reads nothing from the GPU
            assert np.array_equal(partial.render(Pose()), full.render(Pose()))
        assert partial.surface._rect_to_read() == (0, 0, 0, 0)
    assert partly_read >= 6  # the partial read did run
