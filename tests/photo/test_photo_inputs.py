"""Group photos and bad input: no face, tiny face, grey / RGBA / 16-bit images, huge photos."""
from __future__ import annotations


import numpy as np
import pytest
from PIL import Image

from effects.photo import MIN_FACE_PX, AnimatorOptions, MotionState, PhotoAnimator, PhotoError, load_photo
from effects.photo.photo import TRACK_MAX_SIDE, select_faces
from tests.photo.conftest import psnr

MOVE = MotionState(pitch_deg=10, jaw=0.6, blink_left=1, blink_right=1)


@pytest.fixture(scope="module")
def two_people(test_data, model_dir):
    return load_photo(test_data / "faces/two_people.jpg")


def _face_box(face, pad: float = 0.15):
    lm = face.landmarks_px
    lo, hi = lm[:, :2].min(axis=0), lm[:, :2].max(axis=0)
    margin = pad * (hi - lo)
    return (slice(int(lo[1] - margin[1]), int(hi[1] + margin[1])),
            slice(int(lo[0] - margin[0]), int(hi[0] + margin[0])))


def _diff(a, b):
    return np.abs(a[:, :, :3].astype(int) - b[:, :, :3].astype(int)).max(axis=2)


def test_group_photo_all_faces_move(two_people, rc):
    assert len(two_people.faces) == 2
    assert two_people.faces[0].landmarks_px[:, 0].mean() < two_people.faces[1].landmarks_px[:, 0].mean()
    with PhotoAnimator(two_people, AnimatorOptions(face="all"), rc=rc) as animator:
        assert len(animator.faces) == 2
        frame = animator.render(MOVE)
    assert frame[:, :, 3].min() == 255
    diff = _diff(frame, two_people.image)
    for face in two_people.faces:
        assert diff[_face_box(face)].mean() > 3.0


def test_group_photo_one_face_leaves_the_other_still(two_people, rc):
    with PhotoAnimator(two_people, AnimatorOptions(face="1"), rc=rc) as animator:
        assert [f.number for f in animator.faces] == [1]
        frame = animator.render(MOVE)
    assert frame[:, :, 3].min() == 255
    diff = _diff(frame, two_people.image)
    assert diff[_face_box(two_people.faces[0])].mean() > 3.0
    assert diff[_face_box(two_people.faces[1], pad=0.0)].max() <= 1


def test_no_face_is_a_clear_error(test_data, model_dir):
    with pytest.raises(PhotoError, match="no face found in the photo"):
        load_photo(test_data / "faces/no_face_dogs.jpg")


def test_tiny_face_names_the_minimum(test_data, model_dir, tmp_path):
    image = Image.open(test_data / "faces/obama.jpg").convert("RGB")
    small = image.resize((image.width // 5, image.height // 5), Image.Resampling.LANCZOS)
    path = tmp_path / "tiny.png"
    small.save(path)
    photo = load_photo(path)
    assert photo.faces[0].width_px < MIN_FACE_PX
    with pytest.raises(PhotoError, match=f"too small to animate .* minimum is {MIN_FACE_PX} px"):
        select_faces(photo, "all")
    with pytest.raises(PhotoError, match=f"minimum is {MIN_FACE_PX} px"):
        select_faces(photo, "1")


def test_small_face_among_big_ones_stays_still_with_a_warning(two_people):
    import dataclasses
    tiny = dataclasses.replace(two_people.faces[1], landmarks_px=two_people.faces[1].landmarks_px * 0.1)
    photo = dataclasses.replace(two_people, faces=(two_people.faces[0], tiny))
    with pytest.warns(UserWarning, match=f"face 2 is .* wide \\(minimum {MIN_FACE_PX} px\\); it stays still"):
        chosen = select_faces(photo, "all")
    assert [f.number for f in chosen] == [1]


@pytest.mark.parametrize("mode", ["L", "RGBA", "I;16", "uint16-rgb-array"])
def test_grey_rgba_and_16_bit_photos(test_data, model_dir, tmp_path, rc, mode):
    image = Image.open(test_data / "faces/obama.jpg").convert("RGB")
    if mode == "L":
        source = tmp_path / "grey.png"
        image.convert("L").save(source)
    elif mode == "RGBA":
        rgba = np.asarray(image.convert("RGBA")).copy()
        rgba[:40, :40, 3] = 0  # a transparent corner is flattened onto white
        source = tmp_path / "rgba.png"
        Image.fromarray(rgba).save(source)
    elif mode == "I;16":
        grey16 = (np.asarray(image.convert("L"), np.uint16) * 257)
        source = tmp_path / "grey16.png"
        Image.fromarray(grey16).save(source)
        assert Image.open(source).mode.startswith("I")
    else:
        source = np.asarray(image, np.uint16) * 257
    photo = load_photo(source)
    assert len(photo.faces) == 1 and photo.image.shape == (image.height, image.width, 4)
    if mode == "RGBA":
        assert (photo.image[:40, :40, :3] == 255).all()
    if mode in ("L", "I;16"):
        assert np.ptp(photo.image[:, :, :3].astype(int), axis=2).max() == 0  # still grey
    with PhotoAnimator(photo, rc=rc) as animator:
        assert psnr(animator.render(MotionState()), photo.image) >= 40.0
        assert _diff(animator.render(MOVE), photo.image).mean() > 0.2


def test_huge_photo_tracked_downscaled_rendered_full_size(test_data, model_dir, obama, rc):
    image = Image.open(test_data / "faces/obama.jpg").convert("RGB")
    huge = np.asarray(image.resize((image.width * 4, image.height * 4), Image.Resampling.BILINEAR))
    assert max(huge.shape[:2]) > 2 * TRACK_MAX_SIDE
    photo = load_photo(huge)
    # landmarks land on the same features, in full-size pixels
    err = np.abs(photo.faces[0].landmarks_px[:, :2] / 4.0 - obama.faces[0].landmarks_px[:, :2])
    assert np.median(err) < 0.02 * obama.faces[0].width_px
    with PhotoAnimator(photo, rc=rc) as animator:
        rest = animator.render(MotionState())
        moved = animator.render(MOVE)
    assert rest.shape == huge.shape[:2] + (4,)
    assert psnr(rest, photo.image) >= 40.0 and moved[:, :, 3].min() == 255
