"""Face tracker on real photos: counts, landmark ranges, head matrix, modes and timestamps."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from mediapipe.tasks.python import vision

from capture.geometry import project_camera_points
from capture.sources import read_image
from capture.trackers import FaceTracker, FaceTrackerOptions, RunningMode, TrackerModeError
from capture.trackers.base import base_options, to_mp_image
from capture.types import (BLENDSHAPE_NAMES, NUM_BLENDSHAPES, NUM_FACE_LANDMARKS, Blendshape,
                           Frame)

ORTHONORMAL_TOL = 1e-3  # |R R^T - I|: MediaPipe's matrix is a rigid transform (float32 noise)
# Canonical mesh projected by head_matrix vs image landmarks: the mesh is rigid and the face is
# not, so allow 8% of the face width (observed 2.3-6.1% on these photos, mean over 468 points).
PROJECTION_TOL_FRACTION = 0.08


@pytest.fixture(scope="module")
def tracker():
    with FaceTracker.create_from_options(FaceTrackerOptions(num_faces=5)) as t:
        yield t


def photo(test_data, name: str) -> Frame:
    return Frame(read_image(test_data / name), 0.0, 0)


@pytest.mark.parametrize("name", ["faces/obama.jpg", "faces/biden.jpg", "faces/sergey.png",
                                  "faces/painting_girl_with_a_pearl_earring.jpg"])
def test_portrait_has_exactly_one_face_inside_the_image(tracker, test_data, name):
    result = tracker.detect(photo(test_data, name))
    assert len(result.faces) == 1
    face = result.faces[0]
    assert face.landmarks.shape == (NUM_FACE_LANDMARKS, 3)
    assert face.landmarks.dtype == np.float32 and not face.landmarks.flags.writeable
    xy = face.landmarks[:, :2]
    assert xy.min() >= 0.0 and xy.max() <= 1.0
    assert face.blendshapes.shape == (NUM_BLENDSHAPES,)
    assert 0.0 <= face.blendshapes.min() and face.blendshapes.max() <= 1.0
    rot = face.head_matrix[:3, :3].astype(np.float64)
    assert np.abs(rot @ rot.T - np.eye(3)).max() < ORTHONORMAL_TOL
    assert np.linalg.det(rot) == pytest.approx(1.0, abs=ORTHONORMAL_TOL)
    assert face.head_matrix[2, 3] < 0  # the face is in front of the camera (-Z)
    assert result.frame_size == photo(test_data, name).size


@pytest.mark.parametrize("name,count", [("faces/two_people.jpg", 2),
                                        ("faces/dlib_2008_002506.jpg", 3),
                                        ("faces/dlib_2008_001322.jpg", 3)])
def test_group_photo_gives_every_face_largest_first(tracker, test_data, name, count):
    faces = tracker.detect(photo(test_data, name)).faces
    assert len(faces) == count
    areas = [np.prod(np.ptp(f.landmarks[:, :2], axis=0)) for f in faces]
    assert areas == sorted(areas, reverse=True)
    centres = np.array([f.landmarks[:, :2].mean(axis=0) for f in faces])
    # distinct people, not one face reported twice
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1) + np.eye(count)
    assert gaps.min() > 0.05


def test_photo_without_a_face_gives_an_empty_result(tracker, test_data):
    result = tracker.detect(photo(test_data, "faces/no_face_dogs.jpg"))
    assert result.faces == ()


def test_head_matrix_projects_the_canonical_face_onto_the_landmarks(tracker, test_data):
    obj = (test_data / "ar/canonical_face_model.obj").read_text().splitlines()
    verts = np.array([[float(v) for v in line.split()[1:4]] for line in obj
                      if line.startswith("v ")])
    for name in ("faces/obama.jpg", "faces/two_people.jpg"):
        frame = photo(test_data, name)
        for face in tracker.detect(frame).faces:
            cam = (face.head_matrix.astype(np.float64) @ np.c_[verts, np.ones(len(verts))].T).T
            px = project_camera_points(cam[:, :3], frame.size)
            lm = face.landmarks[:468, :2] * np.array(frame.size)
            width = np.ptp(lm[:, 0])
            assert np.linalg.norm(px - lm, axis=1).mean() < PROJECTION_TOL_FRACTION * width


def test_blendshapes_keep_mediapipe_order_and_values(test_data):
    """Our array is MediaPipe's categories in order, bit for bit (checked against the raw API)."""
    frame = photo(test_data, "faces/sergey.png")
    options = vision.FaceLandmarkerOptions(base_options=base_options("face_landmarker.task"),
                                           output_face_blendshapes=True)
    with vision.FaceLandmarker.create_from_options(options) as raw:
        categories = raw.detect(to_mp_image(frame)).face_blendshapes[0]
    assert [c.category_name for c in categories] == list(BLENDSHAPE_NAMES)
    with FaceTracker(FaceTrackerOptions()) as ours:
        ours_bs = ours.detect(frame).faces[0].blendshapes
    np.testing.assert_array_equal(ours_bs, np.array([c.score for c in categories], np.float32))
    assert ours_bs[Blendshape.MOUTH_SMILE_LEFT] > 0.5  # sergey.png is a broad smile
    assert ours_bs[Blendshape.MOUTH_SMILE_RIGHT] > 0.5


def test_switched_off_outputs_are_nan_not_fake_values(test_data):
    with FaceTracker(FaceTrackerOptions(output_blendshapes=False,
                                        output_head_matrix=False)) as t:
        face = t.detect(photo(test_data, "faces/obama.jpg")).faces[0]
    assert np.isnan(face.blendshapes).all() and np.isnan(face.head_matrix).all()
    assert np.isfinite(face.landmarks).all()


def test_wrong_mode_is_rejected_naming_the_mode(tracker, test_data):
    frame = photo(test_data, "faces/obama.jpg")
    with pytest.raises(TrackerModeError, match="running_mode VIDEO.*running_mode IMAGE.*detect\\(\\)"):
        tracker.detect_for_video(frame)
    with pytest.raises(TrackerModeError, match="LIVE_STREAM"):
        tracker.detect_async(frame)


def test_video_mode_rejects_timestamps_that_do_not_increase(test_data):
    image = read_image(test_data / "faces/obama-240p.jpg")
    with FaceTracker(FaceTrackerOptions(running_mode=RunningMode.VIDEO)) as t:
        assert len(t.detect_for_video(Frame(image, 0.5, 0)).faces) == 1
        with pytest.raises(TrackerModeError, match="VIDEO needs strictly increasing"):
            t.detect_for_video(Frame(image, 0.5, 1))
        with pytest.raises(TrackerModeError, match="VIDEO"):
            t.detect_for_video(Frame(image, 0.2, 2))
        assert len(t.detect_for_video(Frame(image, 0.6, 3)).faces) == 1
        with pytest.raises(TrackerModeError, match="detect_for_video\\(\\)"):
            t.detect(Frame(image, 0.7, 4))


def test_live_stream_mode_calls_back_with_exact_timestamps(test_data):
    image = read_image(test_data / "faces/obama-240p.jpg")
    results = []
    done = threading.Event()

    def on_result(result):
        results.append(result)
        if result.timestamp_s == 0.1001:  # the newest frame is the one live mode never drops
            done.set()

    with pytest.raises(TrackerModeError, match="LIVE_STREAM needs a result_callback"):
        FaceTracker(FaceTrackerOptions(running_mode=RunningMode.LIVE_STREAM))
    with FaceTracker(FaceTrackerOptions(running_mode=RunningMode.LIVE_STREAM,
                                        result_callback=on_result)) as t:
        for i, ts in enumerate((0.0331, 0.0667, 0.1001)):
            t.detect_async(Frame(image, ts, i))
        with pytest.raises(TrackerModeError, match="LIVE_STREAM needs strictly increasing"):
            t.detect_async(Frame(image, 0.05, 3))
        assert done.wait(10.0)
    # MediaPipe may drop frames when busy; those it answered carry our exact float timestamps
    assert {r.timestamp_s for r in results} <= {0.0331, 0.0667, 0.1001}
    assert all(len(r.faces) == 1 and r.frame_size == (427, 240) for r in results)


def test_closed_tracker_refuses_work(test_data):
    t = FaceTracker(FaceTrackerOptions())
    t.close()
    t.close()  # idempotent
    with pytest.raises(TrackerModeError, match="closed"):
        t.detect(photo(test_data, "faces/obama-240p.jpg"))


# iBUG-68 index -> MediaPipe face mesh index for points both schemes define the same way:
# eye corners, nose tip, mouth corners, chin.
IBUG_TO_MEDIAPIPE = {36: 33, 39: 133, 42: 362, 45: 263, 30: 1, 48: 61, 54: 291, 8: 152}
NME_TOL = 0.10  # mean error / inter-ocular distance; observed 0.018-0.063 on these faces
MIN_FACE_PX = 60  # MediaPipe's short-range detector misses faces under ~50 px (see MANIFEST)


def test_landmarks_agree_with_dlib_ground_truth(tracker, test_data):
    import xml.etree.ElementTree as ET

    checked = 0
    for xml_name in ("testing", "training"):
        root = ET.parse(test_data / f"expected/dlib/{xml_name}_with_face_landmarks.xml").getroot()
        for image in root.iter("image"):
            path = test_data.root / "faces" / f"dlib_{image.get('file')}"
            boxes = [b for b in image.iter("box") if int(b.get("width")) >= MIN_FACE_PX]
            if not boxes or not path.exists():
                continue
            frame = photo(test_data, f"faces/dlib_{image.get('file')}")
            faces = tracker.detect(frame).faces
            for box in boxes:
                parts = {int(p.get("name")): (float(p.get("x")), float(p.get("y")))
                         for p in box.iter("part")}
                truth = np.array([parts[k] for k in IBUG_TO_MEDIAPIPE])
                iod = np.linalg.norm(np.subtract(parts[36], parts[45]))
                errors = [np.linalg.norm(f.landmarks[list(IBUG_TO_MEDIAPIPE.values()), :2]
                                         * np.array(frame.size) - truth, axis=1).mean() / iod
                          for f in faces]
                assert min(errors) < NME_TOL, (image.get("file"), box.attrib)
                checked += 1
    assert checked == 10  # every annotated face of >= 60 px in the four images that have them


def test_fast_c_struct_path_equals_the_public_api_path(test_data):
    """fast_results.py reads MediaPipe's C result directly; it must give exactly what the public
    Python API gives, in IMAGE mode (several faces) and VIDEO mode (tracking across frames)."""
    from capture.sources import VideoSource

    fast, public = FaceTracker(FaceTrackerOptions(num_faces=4)), \
        FaceTracker(FaceTrackerOptions(num_faces=4))
    assert fast.fast_path
    public.fast_path = False
    with fast, public:
        frame = photo(test_data, "faces/dlib_2008_001322.jpg")
        pairs = [(fast.detect(frame), public.detect(frame))]
    fast = FaceTracker(FaceTrackerOptions(running_mode=RunningMode.VIDEO))
    public = FaceTracker(FaceTrackerOptions(running_mode=RunningMode.VIDEO))
    public.fast_path = False
    with fast, public, VideoSource(test_data / "video/talking_head_woman_d10.mp4") as video:
        for _, frame in zip(range(15), video):
            pairs.append((fast.detect_for_video(frame), public.detect_for_video(frame)))
    assert len(pairs[0][0].faces) == 3
    for a, b in pairs:
        assert len(a.faces) == len(b.faces) and a.timestamp_s == b.timestamp_s
        for fa, fb in zip(a.faces, b.faces):
            np.testing.assert_array_equal(fa.landmarks, fb.landmarks)
            np.testing.assert_array_equal(fa.blendshapes, fb.blendshapes)
            np.testing.assert_array_equal(fa.head_matrix, fb.head_matrix)
            assert not fa.landmarks.flags.writeable and not fa.blendshapes.flags.writeable


@pytest.mark.parametrize("name", ["face_blendshapes_out.prototxt",
                                  "portrait_expected_blendshapes.pbtxt"])
def test_blendshape_enum_matches_mediapipes_expected_outputs(test_data, name):
    """The Blendshape IntEnum / BLENDSHAPE_NAMES contract equals MediaPipe's own golden files."""
    import re

    text = (test_data / f"expected/mediapipe/{name}").read_text()
    entries = re.findall(r"index: (\d+)\s+score: [-+0-9.eE]+\s+label: \"(\w+)\"", text)
    assert len(entries) == NUM_BLENDSHAPES
    for index, label in entries:
        assert BLENDSHAPE_NAMES[int(index)] == label
        if label != "_neutral":
            assert Blendshape(int(index)).arkit_name == label
