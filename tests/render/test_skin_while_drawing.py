"""Vertices drawn once a frame are skinned and morphed by the drawing pass itself; those drawn
twice (surface and outline) are captured once into a buffer both passes read. Both ways give the
same picture (render/model.py SKIN_WHILE_DRAWING)."""
from __future__ import annotations

import numpy as np
import pytest

from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg
from render import model as model_module
from render.model import ModelInstance
from render.stage import AvatarStage, Shot, StageOptions

POSES = {
    "builtin": Pose(rotations={"head": quat_from_euler_deg(-10, 25, 5), "leftUpperArm": quat_from_euler_deg(0, 0, 50)},
                    morphs={"aa": 0.8, "blink": 0.5, "mouthSmileLeft": 0.6}),
    "godette": Pose(rotations={"head_Armature": quat_from_euler_deg(-10, 25, 5),
                               "upper_arm.l_Armature": quat_from_euler_deg(0, 0, 50)},
                    morphs={"ah": 0.8, "blink_left": 0.5}),
}


def _render(doc, pose: Pose, shot: Shot, size: tuple[int, int], rc) -> tuple[np.ndarray, list[str]]:
    """The picture and the materials of the primitives captured by `_deform` in that frame."""
    captured: list[str] = []
    original = ModelInstance._deform

    def recording(self, item, joint_textures):
        captured.append(doc.materials[item.material].name)
        return original(self, item, joint_textures)

    ModelInstance._deform = recording
    try:
        with AvatarStage(doc, StageOptions(width=size[0], height=size[1]), rc=rc) as stage:
            stage.scene.camera = stage.shot_camera(shot)
            image = stage.render(pose)
    finally:
        ModelInstance._deform = original
    return image, captured


@pytest.mark.parametrize("avatar", ["builtin", "godette"])
@pytest.mark.parametrize("shot,size", [(Shot.FULL, (320, 180)), (Shot.CLOSEUP, (640, 360))])
def test_skinning_while_drawing_matches_the_captured_vertices(rc, test_data, monkeypatch, avatar, shot, size):
    doc = load_gltf(BUILTIN_AVATAR if avatar == "builtin" else test_data / "vrm/Godette_vrm_v4.vrm")
    drawing, captured_while_drawing = _render(doc, POSES[avatar], shot, size, rc)
    monkeypatch.setattr(model_module, "SKIN_WHILE_DRAWING", False)
    capturing, captured_all = _render(doc, POSES[avatar], shot, size, rc)
    difference = np.abs(drawing.astype(int) - capturing.astype(int)).max(axis=2)
    assert (difference > 2).sum() == 0, f"{(difference > 2).sum()} pixels differ"
    assert len(captured_all) >= 2  # every deforming vertex set (face and body)
    if shot is Shot.FULL:  # outlines are under half a pixel here: nothing is drawn twice
        assert captured_while_drawing == []
    elif avatar == "builtin":  # the close-up draws the skin's outline: its vertex sets are captured
        assert "skin" in captured_while_drawing and len(captured_while_drawing) <= len(captured_all)
