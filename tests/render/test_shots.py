"""Shot framing on models that are not whole humanoids."""
from __future__ import annotations

import numpy as np

from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from render.stage import AvatarStage, Shot, StageOptions


def test_a_head_only_model_is_framed_whole_in_every_shot(test_data, rc):
    """facecap is a head (no hips) about 2.3 units tall: the human-sized close-up box used to put
    the camera a hand's width from its skin, filling the frame with one colour."""
    doc = load_gltf(test_data / "gltf/facecap/facecap.glb")
    with AvatarStage(doc, StageOptions(width=160, height=90, transparent=True), rc=rc) as stage:
        for shot in Shot:
            stage.scene.camera = stage.shot_camera(shot)
            alpha = stage.render_posed(stage.poser.apply(Pose()))[..., 3]
            covered = float((alpha > 0).mean())
            border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
            assert 0.05 < covered < 0.6, (shot, covered)  # the whole head, with room around it
            assert (border == 0).all(), shot
