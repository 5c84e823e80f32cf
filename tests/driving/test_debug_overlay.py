"""The --debug-overlay picture: the same driven frame rendered with and without the overlay; the
blendshape and expression bars are where they belong and as long as their weights, and the
avatar's bones are drawn on the projected joints, left and right in their own colours."""
from __future__ import annotations

import argparse

import av
import numpy as np
import pytest

from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver, DriverOptions
from avatar.driving.overlay import BAR_COLOR, EXPRESSION_COLOR, draw_debug
from avatar.driving.overlay_bones import LEFT_COLOR, RIGHT_COLOR, BoneProjection, shoulder_tilt_deg
from avatar.driving.qmath import qeuler_deg
from avatar.posing import Pose
from capture.types import NUM_BLENDSHAPES, Blendshape as B
from render.context import RenderContext
from render.drive_view import DriveShot, DriveView
from render.stage import StageOptions
from tests.driving import synthetic as syn

SIZE = (480, 360)
LEAN_DEG = 12.0
POSE = Pose(rotations={"spine": qeuler_deg(0, 0, LEAN_DEG),
                       "leftUpperArm": qeuler_deg(0, 0, 50), "leftLowerArm": qeuler_deg(0, -60, 0),
                       "rightUpperArm": qeuler_deg(0, 0, -35), "rightLowerArm": qeuler_deg(0, 70, 0)})
ARM_BONES = (("leftUpperArm", "leftLowerArm"), ("leftLowerArm", "leftHand"),
             ("rightUpperArm", "rightLowerArm"), ("rightLowerArm", "rightHand"))
COLOR_TOL = 40  # anti-aliased edges blend into the render; the line's core keeps its colour


@pytest.fixture(scope="module")
def rc():
    context = RenderContext.headless()
    yield context
    context.release()


@pytest.fixture(scope="module")
def godette(test_data):
    return load_drivable(test_data / "vrm/Godette_vrm_v4.vrm")


def _tracking(avatar, t: float = 0.0):
    b = np.zeros(NUM_BLENDSHAPES)
    b[B.MOUTH_SMILE_LEFT] = 0.8  # the strongest blendshape bar
    b[B.JAW_OPEN] = 0.5  # the second
    return syn.tracking(t, faces=[syn.face(qeuler_deg(0, 20, 0), t, b)], bodies=[syn.body(avatar.rig, POSE, t)])


def _pixels(view_projection: np.ndarray, world: np.ndarray, width: int, height: int) -> np.ndarray:
    """World points -> pixels (row 0 at the top), computed here independently of the overlay."""
    clip = np.c_[world, np.ones(len(world))] @ view_projection.T
    ndc = clip[:, :2] / clip[:, 3:]
    return np.c_[(ndc[:, 0] + 1) / 2 * width, (1 - ndc[:, 1]) / 2 * height]


def _has_color(img: np.ndarray, xy: np.ndarray, color: tuple[int, int, int], radius: int = 2) -> bool:
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = img[max(0, y - radius):y + radius + 1, max(0, x - radius):x + radius + 1].astype(int)
    return bool((np.abs(patch - np.array(color)).max(axis=2) <= COLOR_TOL).any())


def _bar_lengths(img: np.ndarray, color: tuple[int, int, int]) -> list[int]:
    """Filled length of each bar of `color`, top to bottom (one band of rows per bar)."""
    mask = np.abs(img.astype(int) - np.array(color)).max(axis=2) <= 2
    rows = np.flatnonzero(mask.any(axis=1))
    bands = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    return [int(mask[band].sum(axis=1).max()) for band in bands if len(band)]


@pytest.fixture(scope="module")
def rendered(godette, rc):
    frame = AvatarDriver(godette, DriverOptions(use_idle=False)).update(_tracking(godette))
    width, height = SIZE
    with DriveView(godette, StageOptions(width=width, height=height), DriveShot.MEDIUM, rc=rc) as view:
        plain = view.render(frame)[..., :3]
        vp = view.stage.scene.camera.view_projection(width / height)
        body = _tracking(godette).bodies[0]
        overlay = draw_debug(plain, frame, BoneProjection(godette.rig, view.view_projection()), body)
        mirrored = draw_debug(plain, frame, None, body, mirror=True)
    return frame, plain, overlay, mirrored, vp


def test_bars_show_the_strongest_blendshapes_and_expressions(rendered):
    frame, plain, overlay, _, _ = rendered
    width = SIZE[0]
    left_half, right_half = overlay[:, : width // 2], overlay[:, width // 2:]
    assert not _bar_lengths(plain, BAR_COLOR) and not _bar_lengths(plain, EXPRESSION_COLOR)
    # Blendshape bars, top left: smile 0.8 first, jawOpen 0.5 second, lengths in that ratio.
    smile, jaw = _bar_lengths(left_half, BAR_COLOR)[:2]
    assert smile / jaw == pytest.approx(0.8 / 0.5, rel=0.1)
    # Expression bars, top right half: aa (jaw) above happy (a one-sided smile), same ratio.
    aa, happy = frame.pose.morphs["aa"], frame.pose.morphs["happy"]
    assert aa > happy > 0.1
    first, second = _bar_lengths(right_half, EXPRESSION_COLOR)[:2]
    assert first / second == pytest.approx(aa / happy, rel=0.1)
    assert not _bar_lengths(overlay[SIZE[1] // 2:], BAR_COLOR), "the bars belong in the top half"


def test_bone_lines_lie_on_the_projected_arm_joints(godette, rendered):
    frame, plain, overlay, _, vp = rendered
    rig = godette.rig
    names = sorted({n for pair in ARM_BONES for n in pair})
    world = np.array([frame.node_world[rig.node(n)][:3, 3] for n in names], np.float64)
    at = dict(zip(names, _pixels(vp, world, *SIZE)))
    # The avatar's left hand is on the screen's right (it faces the camera).
    assert at["leftHand"][0] > at["rightHand"][0] + 50
    for parent, child in ARM_BONES:
        color = LEFT_COLOR if child.startswith("left") else RIGHT_COLOR
        other = RIGHT_COLOR if color == LEFT_COLOR else LEFT_COLOR
        for u in (0.0, 0.25, 0.5, 0.75, 1.0):  # both joints' dots and points along the line
            p = at[parent] + (at[child] - at[parent]) * u
            assert 0 <= p[0] < SIZE[0] and 0 <= p[1] < SIZE[1], f"{child} is out of the shot"
            assert _has_color(overlay, p, color), f"no {child} bone at {p.round()} (u={u})"
            assert not _has_color(overlay, p, other, radius=1), f"{child} drawn in the other side's colour"
            assert not _has_color(plain, p, color), "the render itself has the bone colour there"
    # Away from the skeleton and the text the render is untouched.
    assert np.array_equal(overlay[SIZE[1] // 2 - 20:SIZE[1] // 2 + 20, :40], plain[SIZE[1] // 2 - 20:SIZE[1] // 2 + 20, :40])


def test_tracked_body_inset_shows_the_lean_and_the_sides(godette, rendered):
    _, plain, overlay, mirrored, _ = rendered
    body = _tracking(godette).bodies[0]
    assert shoulder_tilt_deg(body) == pytest.approx(LEAN_DEG, abs=0.5)
    assert shoulder_tilt_deg(body, mirror=True) == pytest.approx(-LEAN_DEG, abs=0.5)
    corner = (slice(SIZE[1] // 2, None), slice(SIZE[0] * 2 // 3, None))  # the bottom-right inset

    def where(img, color) -> tuple[float, int]:
        """(mean x, top y) of the inset's pixels of one side's colour."""
        mask = np.abs(img[corner].astype(int) - np.array(color)).max(axis=2) <= 2
        assert mask.sum() > 10, f"no {color} landmarks in the inset"
        ys, xs = np.nonzero(mask)
        return xs.mean(), ys.min()

    assert not np.array_equal(overlay[corner], plain[corner])
    # Placed as the avatar shows them: its left (green) on the screen's right. The person's left
    # hand is the higher one: the avatar's left unmirrored, its right when mirrored.
    (left_x, left_top), (right_x, right_top) = where(overlay, LEFT_COLOR), where(overlay, RIGHT_COLOR)
    assert left_x > right_x + 5 and left_top < right_top - 2
    (left_x, left_top), (right_x, right_top) = where(mirrored, LEFT_COLOR), where(mirrored, RIGHT_COLOR)
    assert left_x > right_x + 5 and right_top < left_top - 2


def test_drive_command_draws_the_overlay_on_the_avatar(godette, test_data, rc, tmp_path):
    """`vivid avatar drive --debug-overlay` wires the bones and bars into the written video."""
    from avatar.driving.commands import register_drive_command
    from capture.mocap import ClipRecorder

    recorder = ClipRecorder()
    for i in range(3):
        recorder.add(_tracking(godette, i / 30))
    clip = recorder.save(tmp_path / "lean.vmcap")
    width, height = 320, 240
    videos = {}
    for name, extra in (("plain", []), ("overlay", ["--debug-overlay"])):
        parser = argparse.ArgumentParser(prog="vivid")
        register_drive_command(parser.add_subparsers().add_parser("avatar").add_subparsers())
        out = tmp_path / f"{name}.mp4"
        args = parser.parse_args(["avatar", "drive", str(test_data / "vrm/Godette_vrm_v4.vrm"), "--input", str(clip),
                                  "-o", str(out), "--size", f"{width}x{height}", "--shot", "medium", *extra])
        assert args.func(args) == 0
        with av.open(str(out)) as container:
            videos[name] = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    diff = np.abs(videos["overlay"] - videos["plain"]).max(axis=2)
    assert diff[:40, :100].max() > 100, "no blendshape bars"
    frame = AvatarDriver(godette, DriverOptions()).update(_tracking(godette))  # the command's first frame
    with DriveView(godette, StageOptions(width=width, height=height), DriveShot.MEDIUM, rc=rc) as view:
        vp = view.view_projection()
    for parent, child in ARM_BONES:
        ends = np.array([frame.node_world[godette.rig.node(b)][:3, 3] for b in (parent, child)], np.float64)
        x, y = _pixels(vp, ends, width, height).mean(axis=0).round().astype(int)
        assert diff[y - 2:y + 3, x - 2:x + 3].max() > 100, f"no {child} bone line in the video"


def test_overlay_is_opaque_on_a_transparent_render(rendered):
    """--transparent: the bars and text stay visible, the untouched background stays clear."""
    frame, plain, *_ = rendered
    out = draw_debug(np.dstack([plain, np.zeros(plain.shape[:2], np.uint8)]), frame)
    bars = np.abs(out[..., :3].astype(int) - np.array(BAR_COLOR)).max(axis=2) <= 2
    assert bars.sum() > 50 and (out[..., 3][bars] == 255).all()
    untouched = (out[..., :3] == plain).all(axis=2)
    assert untouched.mean() > 0.5 and out[..., 3][untouched].max() == 0
