"""Levels of detail (VIVID_lod): read from the file with clear errors, chosen by the on-screen size
of their geometric error, and drawn so that a far avatar looks the same with fewer triangles."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assets.errors import AssetError
from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from render import model as model_module
from render.camera import Camera
from render.stage import AvatarStage, Shot, StageOptions
from render.surface import Antialias
from tests.avatar.gltf_helpers import BufferBuilder

FLOAT, USHORT = 5126, 5123


def _grid_file(tmp_path, lod: dict | None, coarse: np.ndarray | None = None):
    """A 3x3-vertex square (8 triangles) with an optional coarse level (2 triangles)."""
    b = BufferBuilder()
    y, x = np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 1, 3), indexing="ij")
    positions = np.stack([x, y, np.zeros_like(x)], axis=-1).reshape(-1, 3).astype(np.float32)
    fine = np.array([[0, 1, 4], [0, 4, 3], [1, 2, 5], [1, 5, 4], [3, 4, 7], [3, 7, 6], [4, 5, 8], [4, 8, 7]], np.uint16)
    coarse = np.array([[0, 2, 8], [0, 8, 6]], np.uint16) if coarse is None else coarse
    primitive = {"attributes": {"POSITION": b.accessor(positions, "VEC3", FLOAT)},
                 "indices": b.accessor(fine.ravel(), "SCALAR", USHORT)}
    if lod is not None:
        coarse_accessor = b.accessor(coarse.ravel(), "SCALAR", USHORT)
        primitive["extensions"] = {"VIVID_lod": {"indices": [coarse_accessor], "errors": [0.001], **lod}}
    tree = b.tree(meshes=[{"primitives": [primitive]}], nodes=[{"mesh": 0}], extensionsUsed=["VIVID_lod"])
    path = tmp_path / "grid.gltf"
    path.write_text(json.dumps(tree))
    return path


def test_levels_are_read_with_their_errors(tmp_path):
    primitive = load_gltf(_grid_file(tmp_path, {})).meshes[0].primitives[0]
    assert len(primitive.lod_indices) == 1 and primitive.lod_errors == (0.001,)
    np.testing.assert_array_equal(primitive.lod_indices[0], [0, 2, 8, 0, 8, 6])
    assert load_gltf(_grid_file(tmp_path, None)).meshes[0].primitives[0].lod_indices == ()


@pytest.mark.parametrize("lod, coarse, message", [
    ({"indices": [99]}, None, "VIVID_lod.indices[0]: index 99 is out of range"),
    ({"errors": [0.1, 0.2]}, None, "VIVID_lod.errors: expected an array of 1 numbers"),
    ({"errors": [-1.0]}, None, "VIVID_lod.errors: must be distances in metres"),
    ({}, np.array([[0, 2, 9]], np.uint16), "refers to vertex 9 but the primitive has 9"),
    ({}, np.array([0, 2, 8, 0], np.uint16), "must hold whole triangles"),
])
def test_bad_levels_name_the_file_and_field(tmp_path, lod, coarse, message):
    with pytest.raises(AssetError) as error:
        load_gltf(_grid_file(tmp_path, lod, coarse))
    assert "grid.gltf" in str(error.value) and "meshes[0].primitives[0].extensions.VIVID_lod" in str(error.value)
    assert message in str(error.value)


def test_builtin_levels_use_only_their_primitives_vertices():
    doc = load_gltf(BUILTIN_AVATAR)
    coarsest_total = full_total = 0
    for mesh in doc.meshes:
        for primitive in mesh.primitives:
            full_total += len(primitive.indices) // 3
            coarsest_total += len((primitive.lod_indices or (primitive.indices,))[-1]) // 3
            own = set(np.unique(primitive.indices))
            previous = len(primitive.indices)
            for level in primitive.lod_indices:
                assert set(np.unique(level)) <= own
                assert len(level) <= 0.8 * previous  # each level drops at least a fifth
                previous = len(level)
            assert all(0.0 <= error < 0.1 for error in primitive.lod_errors)
            assert list(primitive.lod_errors) == sorted(primitive.lod_errors)  # coarser, never closer
    assert coarsest_total < 0.5 * full_total


def test_level_follows_the_on_screen_size_of_its_error(rc):
    doc = load_gltf(BUILTIN_AVATAR)
    with AvatarStage(doc, StageOptions(width=1280, height=720), rc=rc) as stage:
        face_skin = next(i for i in stage.model.draw_items
                         if doc.meshes[i.mesh].name == "Face" and doc.materials[i.material].name == "skin")
        levels = {}
        for shot in Shot:
            stage.scene.camera = stage.shot_camera(shot)
            frame = stage.renderer.frame_state(stage.scene, stage.surface.size)
            levels[shot] = stage.model.detail_level(face_skin, frame)
            # The rule itself: the coarsest level whose error at the item's nearest depth, in
            # pixels, is within the limit.
            nearest = stage.model._nearest_w[id(face_skin)]
            pixels = np.array(face_skin.gpu.level_errors) * frame.projection[1, 1] * 720 / 2 / nearest
            assert levels[shot] == max(k for k, p in enumerate(pixels) if p <= model_module.LOD_MAX_ERROR_PX)
        assert levels[Shot.FULL] > levels[Shot.MEDIUM] > levels[Shot.CLOSEUP]
        stage.scene.camera = Camera(position=(0.0, 1.0, 30.0), target=(30.0, 1.0, 30.0))  # looking away
        assert stage.model.detail_level(face_skin, stage.renderer.frame_state(stage.scene, stage.surface.size)) == 0


def test_a_full_shot_looks_the_same_with_fewer_triangles(rc, monkeypatch):
    doc = load_gltf(BUILTIN_AVATAR)
    pose = Pose(morphs={"happy": 0.6, "blinkLeft": 1.0})
    with AvatarStage(doc, StageOptions(width=1280, height=720, antialias=Antialias.NONE), rc=rc) as stage:
        stage.scene.camera = stage.shot_camera(Shot.FULL)
        frame = stage.renderer.frame_state(stage.scene, stage.surface.size)
        drawn = sum(i.gpu.level_index_count(stage.model.detail_level(i, frame)) for i in stage.model.visible_draw_items(frame))
        coarse = stage.render(pose)
        monkeypatch.setattr(model_module, "LOD_MAX_ERROR_PX", 0.0)
        full_count = sum(i.gpu.level_index_count(stage.model.detail_level(i, frame)) for i in stage.model.visible_draw_items(frame))
        full = stage.render(pose)
    assert drawn < 0.65 * full_count
    difference = np.abs(coarse.astype(int) - full.astype(int)).max(axis=2)
    assert (difference > 0).sum() > 50  # the coarser triangles were drawn
    covered = (full[..., :3].astype(int) - full[0, 0, :3].astype(int)).any(axis=2).sum()
    assert (difference > 48).sum() < 0.01 * covered, f"{(difference > 48).sum()} of {covered} avatar pixels changed"


def test_a_flipped_projection_picks_the_same_levels(rc):
    """Effects drawing over a camera image flip y in the projection (projection[1, 1] < 0): the
    pixel size of an error is the same, and no level beyond a primitive's own may be picked."""
    import dataclasses

    doc = load_gltf(BUILTIN_AVATAR)
    with AvatarStage(doc, StageOptions(width=640, height=360), rc=rc) as stage:
        stage.scene.camera = stage.shot_camera(Shot.FULL)
        frame = stage.renderer.frame_state(stage.scene, stage.surface.size)
        flipped = dataclasses.replace(frame, projection=np.diag([1.0, -1.0, 1.0, 1.0]) @ frame.projection)
        for item in stage.model.draw_items:
            level = stage.model.detail_level(item, frame)
            assert stage.model.detail_level(item, flipped) == level
            assert level < len(item.gpu.level_errors)
        assert any(stage.model.detail_level(item, frame) for item in stage.model.draw_items)
