"""Layers on the real portraits: anchoring, face paint coverage, identities, LUT reference,
background compositing, particles determinism, multi-face instancing."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from capture.types import Tracking
from effects.landmarks import FACE_OVAL, FaceLandmark, face_frame
from effects.lut import apply_lut_reference, identity_lut, read_cube, write_cube
from effects.stack import EffectStack
from tests.effects.conftest import LIBRARY, PORTRAITS
from tests.effects.helpers import disc_png, package, solid_png

ANCHOR_LIMIT = 0.02  # sticker centre within 2% of face width of the tracked landmark (issue 6)


def render(rc, pkg, image, tracking, t=0.0):
    with EffectStack(rc, pkg, (image.shape[1], image.shape[0])) as stack:
        return stack.render(image, tracking, time_s=t).image


def changed(out, image, threshold=12):
    return np.abs(out[..., :3].astype(int) - image.astype(int)).max(axis=2) > threshold


def test_sticker_on_nose_tip_lands_on_the_landmark(rc, tracked_portraits, tmp_path):
    disc_png(tmp_path / "p" / "dot.png", (0, 255, 0))
    pkg = package(tmp_path / "p", [{"type": "sticker", "image": "dot.png", "anchor": "face:nose_tip", "size": [0.08],
                                    "max_faces": 1}])
    for name in PORTRAITS:
        image, tracking = tracked_portraits[name]
        out = render(rc, pkg, image, tracking)
        size = (image.shape[1], image.shape[0])
        ff = face_frame(tracking.face, size)
        greenish = (out[..., 1].astype(int) - np.maximum(out[..., 0], out[..., 2]).astype(int) > 150) & changed(out, image)
        ys, xs = np.nonzero(greenish)
        assert len(xs) > 10, f"{name}: sticker not drawn"
        centre = np.array([xs.mean() + 0.5, ys.mean() + 0.5])
        error = np.linalg.norm(centre - ff.points[FaceLandmark.NOSE_TIP]) / ff.width
        assert error <= ANCHOR_LIMIT, f"{name}: sticker {error:.3%} of face width from the nose tip"


def hull_mask(points, shape):
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(points.astype(np.int32)), 1)
    return mask.astype(bool)


def test_full_face_paint_stays_inside_and_covers_the_face(rc, tracked_portraits, tmp_path):
    solid_png(tmp_path / "p" / "full.png", (255, 0, 255, 255), (256, 256))
    pkg = package(tmp_path / "p", [{"type": "facepaint", "texture": "full.png", "max_faces": 1}])
    for name in PORTRAITS:
        image, tracking = tracked_portraits[name]
        out = render(rc, pkg, image, tracking)
        size = (image.shape[1], image.shape[0])
        pts = tracking.face.landmarks[:468, :2] * size
        hull = hull_mask(pts, image.shape)
        grown = cv2.dilate(hull.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        painted = (out[..., 0] > 240) & (out[..., 1] < 15) & (out[..., 2] > 240)
        inside = (painted & grown).sum() / max(painted.sum(), 1)
        coverage = (painted & hull).sum() / hull.sum()
        assert inside >= 0.999, f"{name}: {1 - inside:.2%} of painted pixels outside the face hull"
        assert coverage >= 0.90, f"{name}: face paint covers only {coverage:.1%} of the face hull"


@pytest.mark.parametrize("layers", [
    [{"type": "lut", "file": "identity.cube"}],
    [{"type": "warp", "mode": "enlarge_eyes", "strength": 0.0}],
    [{"type": "warp", "mode": "slim_face", "strength": 0.0}],
    [{"type": "warp", "mode": "lift_smile", "strength": 0.0}],
    [{"type": "warp", "mode": "big_head", "strength": 0.0}],
    [{"type": "beauty", "smooth": 0.0, "whiten": 0.0, "brighten": 0.0}],
    [{"type": "color"}],
    [{"type": "lut", "file": "identity.cube"}, {"type": "warp", "strength": 0.0}, {"type": "color"},
     {"type": "beauty", "smooth": 0.0, "whiten": 0.0, "brighten": 0.0}],
], ids=["lut", "warp_eyes", "warp_slim", "warp_smile", "warp_head", "beauty", "color", "stack"])
def test_identity_layers_leave_the_frame_unchanged(rc, tracked_portraits, tmp_path, layers):
    (tmp_path / "p").mkdir()
    write_cube(tmp_path / "p" / "identity.cube", identity_lut(33))
    pkg = package(tmp_path / "p", layers)
    for name in ("obama.jpg", "painting_girl_with_a_pearl_earring.jpg"):
        image, tracking = tracked_portraits[name]
        out = render(rc, pkg, image, tracking)
        diff = np.abs(out[..., :3].astype(int) - image.astype(int)).max()
        assert diff <= 1, f"{name}: identity changed a pixel by {diff}"
        assert out[..., 3].min() == 255


def test_nonzero_warp_and_beauty_do_change_the_face(rc, tracked_portraits, tmp_path):
    image, tracking = tracked_portraits["obama.jpg"]
    for layer in ({"type": "warp", "mode": "enlarge_eyes", "strength": 1.0},
                  {"type": "beauty", "smooth": 1.0, "whiten": 1.0, "brighten": 0.5}):
        out = render(rc, package(tmp_path / layer["type"], [layer]), image, tracking)
        moved = changed(out, image, 8)
        oval = hull_mask(tracking.face.landmarks[list(FACE_OVAL), :2] * (image.shape[1], image.shape[0]), image.shape)
        assert moved[oval].mean() > 0.02, f"{layer['type']}: almost nothing changed on the face"
        assert moved[~cv2.dilate(oval.astype(np.uint8), np.ones((61, 61), np.uint8)).astype(bool)].mean() < 0.001


def test_known_lut_matches_numpy_reference(rc, tracked_portraits, tmp_path):
    lut_path = LIBRARY / "film_look" / "teal_orange.cube"
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "look.cube").write_bytes(lut_path.read_bytes())
    pkg = package(tmp_path / "p", [{"type": "lut", "file": "look.cube"}])
    image, tracking = tracked_portraits["obama.jpg"]
    out = render(rc, pkg, image, tracking)
    expected = apply_lut_reference(image, read_cube(lut_path))
    diff = np.abs(out[..., :3].astype(float) - expected)
    assert diff.mean() < 0.6 and diff.max() <= 2.0, (diff.mean(), diff.max())
    assert np.abs(out[..., :3].astype(int) - image.astype(int)).mean() > 3  # the LUT does something


@pytest.mark.parametrize("size", [2, 5, 17])
def test_random_luts_of_any_size_match_numpy_reference(rc, tracked_portraits, tmp_path, size):
    """Steep random LUTs of small and odd sizes (the 3D texture's texel-centre mapping depends on
    the size) give the trilinear reference within 2 levels."""
    from effects.lut import write_cube

    lut = np.random.default_rng(size).random((size, size, size, 3)).astype(np.float32)
    (tmp_path / "p").mkdir()
    write_cube(tmp_path / "p" / "random.cube", lut)
    pkg = package(tmp_path / "p", [{"type": "lut", "file": "random.cube"}])
    image, tracking = tracked_portraits["obama.jpg"]
    out = render(rc, pkg, image, tracking)
    expected = apply_lut_reference(image, read_cube(tmp_path / "p" / "random.cube"))
    diff = np.abs(out[..., :3].astype(float) - expected)
    assert diff.max() <= 2.0, (size, diff.mean(), diff.max())


@pytest.mark.parametrize("color_first", [False, True])
def test_lut_and_color_in_one_pass_match_two_passes(rc, tracked_portraits, tmp_path, color_first):
    """Adjacent lut + color layers are drawn as one pass; the result equals the two passes (a
    no-op warp between them keeps them apart) up to the 8-bit rounding between passes."""
    from effects.layers.color import grading_groups

    for folder in ("p", "q"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "look.cube").write_bytes((LIBRARY / "film_look" / "teal_orange.cube").read_bytes())
    grading = [{"type": "lut", "file": "look.cube", "strength": 0.8},
               {"type": "color", "exposure": 0.3, "contrast": 1.2, "saturation": 0.7, "temperature": 0.4,
                "vignette": 0.6, "grain": 0.3}]
    if color_first:
        grading.reverse()
    fused = package(tmp_path / "p", grading)
    apart = package(tmp_path / "q", [grading[0], {"type": "warp", "strength": 0.0}, grading[1]])
    image, tracking = tracked_portraits["obama.jpg"]
    with EffectStack(rc, fused, (image.shape[1], image.shape[0])) as stack:
        assert len(grading_groups(stack.layers)) == 1
        one_pass = stack.render(image, tracking, time_s=0.5).image
    two_passes = render(rc, apart, image, tracking, t=0.5)
    diff = np.abs(one_pass.astype(int) - two_passes.astype(int))
    # Two passes round to 8 bits in between; exposure x contrast (1.48) amplifies that rounding.
    assert diff.max() <= 3 and diff.mean() < 0.5, (diff.max(), diff.mean())
    assert np.abs(one_pass[..., :3].astype(int) - image.astype(int)).mean() > 5  # both steps did something


def test_background_replace_and_remove_respect_the_person(rc, tracked_portraits, tmp_path):
    solid_png(tmp_path / "p" / "bg.png", (0, 0, 255, 255), (64, 36))
    replace = package(tmp_path / "p", [{"type": "background", "mode": "replace", "image": "bg.png"}])
    remove = package(tmp_path / "q", [{"type": "background", "mode": "remove"}])
    for name in ("obama.jpg", "biden.jpg", "sergey.png"):
        image, tracking = tracked_portraits[name]
        mask = cv2.resize(tracking.mask.mask, (image.shape[1], image.shape[0]))
        out = render(rc, replace, image, tracking)
        replaced = (out[..., 2] > 240) & (out[..., 0] < 15) & (out[..., 1] < 15) & changed(out, image)
        assert replaced.any()
        assert (mask[replaced] < 0.65).mean() > 0.999, f"{name}: replaced pixels inside the person"
        person = mask > 0.9
        assert np.abs(out[person][:, :3].astype(int) - image[person].astype(int)).max() <= 1
        assert replaced[mask < 0.1].mean() > 0.98, f"{name}: background not replaced"
        cut = render(rc, remove, image, tracking)
        assert cut[..., 3][person].min() == 255, f"{name}: person not opaque in alpha output"
        assert cut[..., 3][mask < 0.1].max() == 0, f"{name}: background not transparent"


def test_background_layers_without_a_mask_leave_the_frame(rc, tracked_portraits, tmp_path):
    image, tracking = tracked_portraits["obama.jpg"]
    no_mask = Tracking(timestamp_s=0.0, faces=tracking.faces, frame_size=tracking.frame_size)
    pkg = package(tmp_path / "p", [{"type": "background", "mode": "remove"}, {"type": "zoom_cutout"}])
    out = render(rc, pkg, image, no_mask)
    assert np.abs(out[..., :3].astype(int) - image.astype(int)).max() == 0


def test_particles_are_time_driven_and_deterministic(rc, tracked_portraits, tmp_path):
    disc_png(tmp_path / "p" / "dot.png", (255, 255, 0))
    pkg = package(tmp_path / "p", [{"id": "fx", "type": "particles", "texture": "dot.png", "anchor": "face:mouth_center",
                                    "rate": 30, "life_s": 1.0, "speed": [0.1, 0.2]}])
    image, tracking = tracked_portraits["obama.jpg"]
    size = (image.shape[1], image.shape[0])
    with EffectStack(rc, pkg, size) as a, EffectStack(rc, pkg, size) as b:
        # Different frame rates reach the same time: the image at t = 1.5 s must be identical.
        for t in np.arange(0, 1.5, 1 / 30):
            a.render(image, tracking, time_s=float(t))
        for t in np.arange(0, 1.5, 1 / 144):
            b.render(image, tracking, time_s=float(t))
        ia = a.render(image, tracking, time_s=1.5).image
        ib = b.render(image, tracking, time_s=1.5).image
    assert np.array_equal(ia, ib)
    assert changed(ia, image).sum() > 200


def test_one_instance_per_face(rc, tracked_portraits, tmp_path):
    disc_png(tmp_path / "p" / "dot.png", (0, 255, 0))
    pkg = package(tmp_path / "p", [{"type": "sticker", "image": "dot.png", "anchor": "face:nose_tip", "size": [0.1]}])
    image, tracking = tracked_portraits["two_people.jpg"]
    assert len(tracking.faces) == 2
    out = render(rc, pkg, image, tracking)
    blobs = (out[..., 1].astype(int) - np.maximum(out[..., 0], out[..., 2]).astype(int) > 150) & changed(out, image)
    count, _labels = cv2.connectedComponents(blobs.astype(np.uint8))
    assert count - 1 == 2


@pytest.mark.parametrize("effect", sorted(p.parent.name for p in LIBRARY.glob("*/effect.json")))
def test_every_builtin_effect_renders_on_every_portrait(rc, tracked_portraits, effect):
    from effects.package import load_package
    from effects.preview import fire_all
    pkg = load_package(LIBRARY / effect)
    any_change = False
    for name in PORTRAITS:
        image, tracking = tracked_portraits[name]
        with EffectStack(rc, pkg, (image.shape[1], image.shape[0])) as stack:
            fire_all(stack, 0.1)
            out = stack.render(image, tracking, time_s=0.6).image
        assert out.shape == image.shape[:2] + (4,)
        any_change |= bool(changed(out, image).mean() > 0.002)
    assert any_change, f"{effect} changed nothing on any portrait"


def test_animated_sticker_follows_time(rc, tracked_portraits, tmp_path):
    solid_png(tmp_path / "p" / "a.png", (255, 0, 0, 255))
    solid_png(tmp_path / "p" / "b.png", (0, 0, 255, 255))
    pkg = package(tmp_path / "p", [{"type": "sticker", "frames": ["a.png", "b.png"], "fps": 2, "anchor": "screen",
                                    "position": [0.5, 0.5], "size": [0.1]}])
    image, tracking = tracked_portraits["obama.jpg"]
    h, w = image.shape[:2]
    with EffectStack(rc, pkg, (w, h)) as stack:
        first = stack.render(image, tracking, time_s=0.2).image[h // 2, w // 2]
        second = stack.render(image, tracking, time_s=0.7).image[h // 2, w // 2]
        third = stack.render(image, tracking, time_s=1.2).image[h // 2, w // 2]
    assert tuple(first[:3]) == (255, 0, 0) and tuple(second[:3]) == (0, 0, 255) and tuple(third[:3]) == (255, 0, 0)


def test_sticker_on_a_body_landmark(rc, test_data, tmp_path):
    from capture.pipeline import PipelineOptions, TrackingPipeline
    from capture.types import Frame, PoseLandmark
    from tests.effects.conftest import load_scaled
    image = load_scaled(test_data / "bodies/pixabay_businessman.jpeg")
    with TrackingPipeline(PipelineOptions(face=False, body=True, still_images=True)) as pipeline:
        tracking = pipeline.process(Frame(image, 0.0, 0))
    assert tracking.bodies, "no body tracked"
    disc_png(tmp_path / "p" / "dot.png", (0, 255, 0))
    pkg = package(tmp_path / "p", [{"type": "sticker", "image": "dot.png", "anchor": "body:left_shoulder",
                                    "size": [0.15], "max_faces": 1}])
    out = render(rc, pkg, image, tracking)
    blob = (out[..., 1].astype(int) - np.maximum(out[..., 0], out[..., 2]).astype(int) > 150) & changed(out, image)
    ys, xs = np.nonzero(blob)
    target = tracking.bodies[0].landmarks[PoseLandmark.LEFT_SHOULDER, :2] * (image.shape[1], image.shape[0])
    assert np.hypot(xs.mean() + 0.5 - target[0], ys.mean() + 0.5 - target[1]) < 2.0


def test_background_replaced_by_a_looping_video(rc, tracked_portraits, tmp_path):
    from render.video_writer import VideoOptions, VideoWriter
    folder = tmp_path / "p"
    folder.mkdir()
    writer = VideoWriter(folder / "bg.mp4", 64, 36, VideoOptions(fps=10.0))
    for i in range(20):  # 1 s red, 1 s blue
        writer.write(np.full((36, 64, 3), (220, 20, 20) if i < 10 else (20, 20, 220), np.uint8))
    writer.close()
    pkg = package(folder, [{"type": "background", "mode": "replace", "video": "bg.mp4"}])
    image, tracking = tracked_portraits["obama.jpg"]
    mask = cv2.resize(tracking.mask.mask, (image.shape[1], image.shape[0]))
    background = mask < 0.05
    with EffectStack(rc, pkg, (image.shape[1], image.shape[0])) as stack:
        colours = [np.median(stack.render(image, tracking, time_s=t).image[background][:, :3], axis=0)
                   for t in (0.25, 1.45, 2.3, 0.5)]  # red, blue, red again (looped), back in time
    red, blue = np.array([220, 20, 20]), np.array([20, 20, 220])
    for got, want in zip(colours, (red, blue, red, red)):
        assert np.abs(got - want).max() < 30, (got, want)


def test_zoom_cutout_moves_person_and_backdrop_in_opposite_directions(rc, tracked_portraits, tmp_path):
    from capture.types import FaceTracking
    folder = tmp_path / "p"
    folder.mkdir()
    stripes = np.zeros((360, 640, 4), np.uint8)
    stripes[..., 3] = 255
    stripes[:, :, 1] = np.where((np.arange(640) // 100) % 2 == 0, 255, 0)[None, :]  # green / black columns
    from PIL import Image
    Image.fromarray(stripes).save(folder / "stripes.png")
    pkg = package(folder, [{"type": "zoom_cutout", "backdrop": "stripes.png", "strength": 0.3, "zoom": 0.0, "turn": 0.0}])
    image, tracking = tracked_portraits["obama.jpg"]
    h, w = image.shape[:2]
    face = tracking.face

    def with_x(dx_cm):
        m = np.array(face.head_matrix, np.float64)
        m[0, 3] += dx_cm
        moved = FaceTracking(face.landmarks, face.blendshapes, readonly(m), face.timestamp_s)
        return Tracking(timestamp_s=0.0, faces=(moved,), frame_size=tracking.frame_size, mask=tracking.mask)

    def measure(out):
        backdrop = (out[..., 1] > 200) & (out[..., 0] < 40) & (out[..., 2] < 40)
        person = np.abs(out[..., :3].astype(int) - image.astype(int)).max(axis=2) < 8
        person &= ~backdrop
        row = out[5, :, 1].astype(float)  # a top row: backdrop only
        return np.nonzero(person)[1].mean(), row

    with EffectStack(rc, pkg, (w, h)) as stack:
        left_person, left_row = measure(stack.render(image, with_x(-6.0)).image)
        right_person, right_row = measure(stack.render(image, with_x(6.0)).image)
    # Person: follows the head (to the right for +x). Backdrop: cross-correlation lag of the
    # stripes between the two renders must point the other way.
    lags = range(-90, 91)
    scores = [np.dot(np.roll(left_row, k), right_row) for k in lags]
    backdrop_shift = lags[int(np.argmax(scores))]
    assert right_person > left_person + 5
    assert backdrop_shift < -5, f"backdrop moved by {backdrop_shift} px"


def readonly(a):
    from capture.types import readonly_f32
    return readonly_f32(a)


def test_3d_avatar_head_covers_the_face_and_follows_the_jaw(rc, tracked_portraits):
    from capture.types import Blendshape, FaceTracking, readonly_f32
    from effects.package import load_package
    image, tracking = tracked_portraits["sergey.png"]
    size = (image.shape[1], image.shape[0])
    face = tracking.face
    pkg = load_package(LIBRARY / "avatar_mask")

    def with_jaw(value):
        bs = np.array(face.blendshapes)
        bs[Blendshape.JAW_OPEN] = value
        f = FaceTracking(face.landmarks, readonly_f32(bs), face.head_matrix, face.timestamp_s)
        return Tracking(timestamp_s=0.0, faces=(f,), frame_size=tracking.frame_size)

    closed = render(rc, pkg, image, with_jaw(0.0))
    opened = render(rc, pkg, image, with_jaw(1.0))
    oval = hull_mask(face.landmarks[list(FACE_OVAL), :2] * size, image.shape)
    assert changed(closed, image)[oval].mean() > 0.9, "the avatar head does not cover the face"
    mouth = face.landmarks[[13, 14], :2].mean(axis=0) * size
    r = int(0.25 * face_frame(face, size).width)
    y, x = int(mouth[1]), int(mouth[0])
    region = np.abs(opened[y - r:y + 2 * r, x - r:x + r, :3].astype(int) - closed[y - r:y + 2 * r, x - r:x + r, :3].astype(int))
    assert (region.max(axis=2) > 30).mean() > 0.05, "jawOpen did not move the avatar's mouth"


def test_particles_emit_from_every_face(rc, tracked_portraits, tmp_path):
    disc_png(tmp_path / "p" / "dot.png", (0, 255, 0))
    pkg = package(tmp_path / "p", [{"type": "particles", "texture": "dot.png", "anchor": "face:nose_tip",
                                    "rate": 20, "life_s": 0.5, "speed": [0.0, 0.0], "size": [0.01, 0.01]}])
    image, tracking = tracked_portraits["two_people.jpg"]
    out = render(rc, pkg, image, tracking, t=1.0)
    blobs = (out[..., 1].astype(int) - np.maximum(out[..., 0], out[..., 2]).astype(int) > 100) & changed(out, image)
    ys, xs = np.nonzero(blobs)
    size = (image.shape[1], image.shape[0])
    for face in tracking.faces:
        nose = face.landmarks[FaceLandmark.NOSE_TIP, :2] * size
        assert (np.hypot(xs - nose[0], ys - nose[1]) < 6).sum() > 3, "no particles at one of the faces"
