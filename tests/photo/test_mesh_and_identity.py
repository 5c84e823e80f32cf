"""Mesh structure, identity of the first frame, no holes, still background."""
from __future__ import annotations

import numpy as np
import pytest
from mediapipe.tasks.python.vision.face_landmarker import FaceLandmarksConnections as C

from effects.photo import PRESETS, AnimatorOptions, MotionState, PhotoAnimator, parse_motion
from effects.photo import landmarks as L
from effects.photo.animator import frame_times
from effects.photo.deform import deform
from tests.photo.conftest import psnr

IDENTITY_PSNR_DB = 40.0  # issue 7: the first frame equals the input photo


def _chain(edges) -> set[tuple[int, int]]:
    return {tuple(sorted((c.start, c.end))) for c in edges}


@pytest.mark.parametrize("upper,lower,connections", [
    (L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER, C.FACE_LANDMARKS_RIGHT_EYE),
    (L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER, C.FACE_LANDMARKS_LEFT_EYE),
    (L.LIPS_INNER_UPPER, L.LIPS_INNER_LOWER, C.FACE_LANDMARKS_LIPS),
    (L.LIPS_OUTER_UPPER, L.LIPS_OUTER_LOWER, C.FACE_LANDMARKS_LIPS),
])
def test_contours_follow_mediapipe_connections(upper, lower, connections):
    edges = _chain(connections)
    for contour in (upper, lower):
        for a, b in zip(contour, contour[1:]):
            assert tuple(sorted((a, b))) in edges


def test_oval_matches_mediapipe_and_triangles_come_from_package():
    assert _chain(C.FACE_LANDMARKS_FACE_OVAL) == {tuple(sorted(p)) for p in zip(L.FACE_OVAL, L.FACE_OVAL[1:] + L.FACE_OVAL[:1])}
    tris = L.face_triangles()
    assert tris.shape == (852, 3) and tris.max() == 467
    # the strips close exactly the holes: every edge of the closed mesh is shared by 2 triangles
    # except the outer oval
    closed = np.concatenate([tris, L.hole_triangles()])
    edges: dict[tuple[int, int], int] = {}
    for t in closed:
        for a, b in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0])):
            key = (min(a, b), max(a, b))
            edges[key] = edges.get(key, 0) + 1
    boundary = {k for k, v in edges.items() if v == 1}
    assert boundary == _chain(C.FACE_LANDMARKS_FACE_OVAL)


def test_rest_mesh_covers_the_image_once(obama, rc):
    with PhotoAnimator(obama, rc=rc) as animator:
        mesh = animator.mesh
        tris = np.concatenate([mesh.outer_triangles, mesh.face_triangles]).astype(np.int64)
        p = mesh.rest[:, :2].astype(np.float64)
        a, b, c = p[tris[:, 0]], p[tris[:, 1]], p[tris[:, 2]]
        area = np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])) / 2
        hull_lo, hull_hi = p.min(axis=0), p.max(axis=0)
        # the triangles tile the grid's rectangle: their areas add up to it (no gaps, overlaps
        # only where MediaPipe's mesh folds at the silhouette: < 1 %)
        assert area.sum() == pytest.approx(np.prod(hull_hi - hull_lo), rel=0.01)
        assert (hull_lo <= 0).all() and hull_hi[0] >= obama.size[0] and hull_hi[1] >= obama.size[1]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_first_and_last_frames_equal_the_photo(obama, rc, name):
    track = parse_motion(name)
    with PhotoAnimator(obama, rc=rc) as animator:
        times = frame_times(track.duration_s, 25.0, loop=False)
        first = animator.render(track.at(float(times[0])))
        last = animator.render(track.at(float(times[-1])))
    assert psnr(first, obama.image) >= IDENTITY_PSNR_DB
    assert psnr(last, obama.image) >= IDENTITY_PSNR_DB


def test_loop_end_leads_back_to_start(obama, rc):
    track = parse_motion("idle")
    times = frame_times(track.duration_s, 25.0, loop=True)
    assert times[-1] < track.duration_s  # the closing frame is the next loop's first
    with PhotoAnimator(obama, rc=rc) as animator:
        first = animator.render(track.at(float(times[0])))
        last = animator.render(track.at(float(times[-1])))
        after = animator.render(track.at(float(times[-1] + 1 / 25.0)))
    assert psnr(after, first) >= IDENTITY_PSNR_DB  # t = period is exactly t = 0
    assert psnr(last, first) >= 30.0  # one 40 ms step of a slow sway away from it


def test_no_holes_and_far_background_still(obama, rc):
    face = obama.faces[0]
    lm = face.landmarks_px
    lo, hi = lm[:, :2].min(axis=0), lm[:, :2].max(axis=0)
    # "far from the face": 1.5 face widths outside its landmarks (the stabilising rings reach
    # 0.4 face widths past the face oval, their triangles one grid cell further)
    margin = 1.5 * face.width_px
    ys, xs = np.mgrid[0:obama.size[1], 0:obama.size[0]]
    far = ((xs < lo[0] - margin) | (xs > hi[0] + margin) | (ys < lo[1] - margin) | (ys > hi[1] + margin))
    assert far.mean() > 0.2
    states = [MotionState(pitch_deg=14), MotionState(yaw_deg=-15, roll_deg=9),
              MotionState(jaw=1.0, smile=1.0, brows=1.0, blink_left=1, blink_right=1)]
    with PhotoAnimator(obama, rc=rc) as animator:
        mesh = animator.mesh
        v = mesh.rest[:, :2]
        far_vertex = ((v[:, 0] < lo[0] - margin) | (v[:, 0] > hi[0] + margin)
                      | (v[:, 1] < lo[1] - margin) | (v[:, 1] > hi[1] + margin))
        for state in states:
            positions, _ = deform(mesh, [state])
            moved = np.linalg.norm(positions[:, :2] - v, axis=1)
            assert moved[far_vertex].max() < 1.0 and moved.max() > 5.0
            frame = animator.render(state)
            assert frame[:, :, 3].min() == 255
            diff = np.abs(frame[:, :, :3].astype(int) - obama.image[:, :, :3].astype(int)).max(axis=2)
            # the far background is drawn from fixed vertices: identical up to rounding
            assert diff[far].max() <= 1
            # and the face really moved
            assert diff[~far].mean() > 2.0


def test_face_option_validated(obama, rc):
    from effects.photo import PhotoError
    with pytest.raises(PhotoError, match="--face 3 does not exist; the photo has 1 face"):
        PhotoAnimator(obama, AnimatorOptions(face="3"), rc=rc)
    with pytest.raises(PhotoError, match="--face must be 'all' or a face number"):
        PhotoAnimator(obama, AnimatorOptions(face="left"), rc=rc)
