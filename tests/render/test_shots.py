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


def test_pose_presets_read_as_named(rc):
    """'thinking' puts the hand at the chin; 'wave' raises it to head height inside a medium shot."""
    from assets.paths import BUILTIN_AVATAR
    from avatar.pose_presets import pose_preset

    doc = load_gltf(BUILTIN_AVATAR)
    with AvatarStage(doc, StageOptions(width=320, height=240), rc=rc) as stage:
        def hand_and(pose_name: str):
            posed = stage.poser.apply(pose_preset(pose_name))
            at = lambda name: posed.node_world[doc.node_index(name)][:3, 3]  # noqa: E731
            return at("rightHand"), at("head"), at("jaw"), posed

        hand, _, jaw, _ = hand_and("thinking")
        chin = jaw + np.array([0.0, -0.06, 0.09])
        assert np.linalg.norm(hand - chin) < 0.10, hand
        hand, head, _, posed = hand_and("wave")
        assert hand[1] > head[1] - 0.05  # at head height or above
        camera = stage.shot_camera(Shot.MEDIUM)
        clip = camera.projection(320 / 240) @ camera.view() @ np.append(hand, 1.0)
        ndc = clip[:3] / clip[3]
        assert np.all(np.abs(ndc[:2]) < 0.95), ndc  # inside the waist-up frame
