"""MToon materials drawn as toon: VRM 0.x `materialProperties` (migrated to the 1.0 parameters)
win over the KHR_materials_unlit fallback UniVRM writes next to them, and VRMC_materials_mtoon
1.0 materials (the built-in avatar's) keep their parameters."""
from __future__ import annotations

import numpy as np
import pytest

from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from avatar.vrm.mtoon import migrate_shading_v0
from render.materials import ShadingStyle
from render.stage import AvatarStage, Shot, StageOptions


def _shading(stage: AvatarStage) -> dict[str, object]:
    doc = stage.doc
    return {doc.materials[i.material].name: i.shading for i in stage.model.draw_items if i.material is not None}


def test_vrm0_mtoon_wins_over_the_unlit_fallback(test_data, rc):
    doc = load_gltf(test_data / "vrm/Godette_vrm_v4.vrm")
    assert [m.unlit for m in doc.materials] == [True, True, True, False]  # the file's fallback look
    with AvatarStage(doc, StageOptions(width=64, height=64), rc=rc) as stage:
        shading = _shading(stage)
    body = shading["Body"]
    assert body.kind == "toon" and shading["Face"].kind == "toon"
    # Values of the file's materialProperties[1] (VRM/MToon), migrated to 1.0.
    toony, shift = migrate_shading_v0(0.8, -0.239)
    assert body.shading_toony == pytest.approx(toony, abs=1e-4) and body.shading_shift == pytest.approx(shift, abs=1e-4)
    assert body.shade_color == pytest.approx((0.5, 0.7857, 1.0), abs=1e-3)
    assert body.outline_width_m == pytest.approx(0.0025) and body.outline_screen and body.outline_color == pytest.approx((0.137, 0.792, 0.698), abs=1e-3)
    assert body.rim_color == pytest.approx((0.0307, 0.0908, 0.159), abs=1e-3)
    assert shading["GodotLogo"].kind == "unlit"  # no MToon entry: the file's own unlit material
    assert shading["Backpack"].kind == "pbr"


def test_pbr_style_still_ignores_mtoon(test_data, rc):
    doc = load_gltf(test_data / "vrm/Godette_vrm_v4.vrm")
    with AvatarStage(doc, StageOptions(width=64, height=64, style=ShadingStyle.PBR), rc=rc) as stage:
        assert {s.kind for s in _shading(stage).values()} == {"unlit", "pbr"}


def test_vrm0_outline_is_drawn_around_the_silhouette(test_data, rc):
    doc = load_gltf(test_data / "vrm/Godette_vrm_v4.vrm")
    images = {}
    for outlines in (True, False):
        options = StageOptions(width=320, height=480, samples=0, outlines=outlines, transparent=True)
        with AvatarStage(doc, options, rc=rc) as stage:
            stage.scene.camera = stage.shot_camera(Shot.CLOSEUP)
            images[outlines] = stage.render(Pose())
    covered = {k: v[..., 3] > 0 for k, v in images.items()}
    ring = covered[True] & ~covered[False]  # drawn only by the outline pass
    assert ring.sum() > 300, "an outline grows the silhouette"
    assert not (covered[False] & ~covered[True]).any()
    teal = images[True][ring][:, :3].astype(int)
    assert np.median(teal[:, 1]) > np.median(teal[:, 0]) + 20, "the body outline is the file's teal"

