"""The canonical face mesh read from face_landmarker.task, and MediaPipe's camera projection."""
from __future__ import annotations

import numpy as np
import pytest

import effects.canonical as canonical
from assets.errors import AssetError
from effects.canonical import load_canonical_face_mesh, parse_geometry_metadata, project_points
from effects.landmarks import FaceLandmark

# Mean reprojection error allowed, in face widths. MediaPipe fits the pose to the landmarks
# with a weighted Procrustes on a rigid mesh, so expression and face shape leave 2.6-4.8% on the
# portraits here (measured); a wrong convention (flip, aspect, FOV) is off by tens of percent.
REPROJECTION_LIMIT = 0.06


def read_obj(path):
    verts, uvs, pairs = [], [], []
    for line in path.read_text().splitlines():
        s = line.split()
        if s and s[0] == "v":
            verts.append([float(x) for x in s[1:4]])
        elif s and s[0] == "vt":
            uvs.append([float(x) for x in s[1:3]])
        elif s and s[0] == "f":
            pairs.append([tuple(int(i) - 1 for i in x.split("/")[:2]) for x in s[1:]])
    return np.array(verts), np.array(uvs), pairs


def test_mesh_from_task_bundle_matches_canonical_obj(test_data):
    mesh = load_canonical_face_mesh()
    verts, uvs, faces = read_obj(test_data / "ar/canonical_face_model.obj")
    assert mesh.vertices.shape == (468, 3) and mesh.uvs.shape == (468, 2)
    np.testing.assert_allclose(mesh.vertices, verts, atol=1e-5)
    assert [tuple(v for v, _ in f) for f in faces] == [tuple(t) for t in mesh.triangles.tolist()]
    # The bundle stores UVs with v down; the OBJ with v up.
    for face in faces:
        for v, vt in face:
            np.testing.assert_allclose(mesh.uvs[v], [uvs[vt][0], 1.0 - uvs[vt][1]], atol=1e-5)
    assert not mesh.vertices.flags.writeable


def test_garbage_metadata_is_a_clear_error():
    with pytest.raises(AssetError, match="not a MediaPipe geometry pipeline metadata file|canonical mesh has"):
        parse_geometry_metadata(b"\x0a\x03abc", "bad.binarypb")


def _mean_error(mesh, tracking, size):
    face = tracking.face
    w, h = size
    proj = project_points(mesh.vertices, face.head_matrix, w, h)
    err = np.linalg.norm((proj - face.landmarks[:468, :2]) * (w, h), axis=1)
    width = np.linalg.norm((face.landmarks[FaceLandmark.LEFT_FACE_EDGE, :2]
                            - face.landmarks[FaceLandmark.RIGHT_FACE_EDGE, :2]) * (w, h))
    return err.mean() / width


def test_projection_matches_tracked_landmarks_with_63_degree_fov(tracked_portraits, monkeypatch):
    mesh = load_canonical_face_mesh()
    for name, (image, tracking) in tracked_portraits.items():
        if name == "two_people.jpg":
            continue
        size = (image.shape[1], image.shape[0])
        err = _mean_error(mesh, tracking, size)
        assert err < REPROJECTION_LIMIT, f"{name}: mean reprojection error {err:.3f} face widths"
        # A different FOV fits clearly worse: 63 degrees is MediaPipe's camera.
        for fov in (50.0, 80.0):
            monkeypatch.setattr(canonical, "MEDIAPIPE_FOV_Y_DEG", fov)
            assert _mean_error(mesh, tracking, size) > err * 1.5, f"{name}: fov {fov} fits as well"
            monkeypatch.setattr(canonical, "MEDIAPIPE_FOV_Y_DEG", 63.0)
