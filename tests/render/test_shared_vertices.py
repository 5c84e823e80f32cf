"""Primitives that share their vertex data in the file (UniVRM writes every submesh of a mesh so)
are skinned and morphed once a frame, and still draw exactly what unshared copies draw."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from avatar.gltf.document import GltfDocument
from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg
from render import model as model_module
from render.model import ModelInstance
from render.stage import AvatarStage, Shot, StageOptions

# Godette's own node and morph target names (the stage poses the raw file, not the VRM rig).
POSE = Pose(rotations={"head_Armature": quat_from_euler_deg(-10, 25, 5),
                       "upper_arm.l_Armature": quat_from_euler_deg(0, 0, 50)},
            morphs={"ah": 0.8, "blink_left": 0.5})


@pytest.fixture(scope="module")
def godette(test_data) -> GltfDocument:
    return load_gltf(test_data / "vrm/Godette_vrm_v4.vrm")


def _unshared(doc: GltfDocument) -> GltfDocument:
    """The same document with every primitive's vertices taken as its own."""
    meshes = tuple(dataclasses.replace(mesh, primitives=tuple(dataclasses.replace(p, vertex_source=())
                                                              for p in mesh.primitives))
                   for mesh in doc.meshes)
    return dataclasses.replace(doc, meshes=meshes)


def test_the_loader_sees_godettes_body_submeshes_share_their_vertices(godette: GltfDocument) -> None:
    body = next(mesh for mesh in godette.meshes if mesh.name == "BodyMesh")
    assert len(body.primitives) == 3
    assert len({p.vertex_source for p in body.primitives}) == 1
    face = next(mesh for mesh in godette.meshes if mesh.name == "FaceMesh")
    assert body.primitives[0].vertex_source != face.primitives[0].vertex_source


def test_shared_vertices_are_uploaded_and_deformed_once(godette: GltfDocument, rc, monkeypatch) -> None:
    deformed: list[int] = []
    original = ModelInstance._deform

    def counting(self, item, joint_textures):
        deformed.append(id(item.gpu.vertices))
        return original(self, item, joint_textures)

    monkeypatch.setattr(ModelInstance, "_deform", counting)
    monkeypatch.setattr(model_module, "SKIN_WHILE_DRAWING", False)  # capture every deforming primitive
    for doc, expected_passes in ((godette, 2), (_unshared(godette), 4)):  # face + body, or + 2 more submeshes
        with AvatarStage(doc, StageOptions(width=160, height=160), rc=rc) as stage:
            stage.scene.camera = stage.shot_camera(Shot.FULL)
            deformed.clear()
            stage.render(POSE)
            assert len(deformed) == expected_passes
            assert len(set(deformed)) == expected_passes


def test_shared_and_unshared_vertices_draw_the_same_picture(godette: GltfDocument, rc) -> None:
    images = []
    for doc in (godette, _unshared(godette)):
        with AvatarStage(doc, StageOptions(width=320, height=320), rc=rc) as stage:
            stage.scene.camera = stage.shot_camera(Shot.MEDIUM)
            images.append(stage.render(POSE))
            neutral = stage.render(Pose())
    assert np.array_equal(images[0], images[1])
    assert np.abs(images[0].astype(int) - neutral.astype(int)).max() > 50  # the pose shows
