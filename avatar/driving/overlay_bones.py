"""Bone view of the debug overlay: the avatar's humanoid skeleton projected into its render, and
the tracked body as a small front-view stick figure beside it, both with left and right in
different colours. Side by side they answer "my arm leans to one side": if the stick figure
leans, the tracking does; if only the skeleton leans, the retargeting does."""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from avatar.driving.landmarks import to_model_frame
from avatar.driving.rig import HumanoidRig
from capture.types import BodyTracking, PoseLandmark as P

# RGB. The avatar's (and the person's, unless mirrored) left is green, right magenta, the
# centre line (hips, spine, neck, head) yellow: three hues that stay apart on skin and clothes.
LEFT_COLOR = (60, 220, 90)
RIGHT_COLOR = (240, 80, 200)
CENTER_COLOR = (250, 220, 40)
_OUTLINE = (0, 0, 0)
_TEXT = (235, 235, 235)
# MediaPipe's own drawing utilities hide landmarks below this visibility.
VISIBILITY_MIN = 0.5
# The tracked-body inset: a fixed scale (not fitted per frame, so a lean is not zoomed away),
# metres around the hip centre it shows: +-0.8 m across, 1.0 m above the hips (raised hands) and
# 0.6 m below them (a seated streamer's knees).
INSET_HALF_WIDTH_M = 0.8
INSET_TOP_M = 1.0
INSET_BOTTOM_M = 0.6
INSET_FRACTION = 0.3  # inset height as a fraction of the image height

BODY_LINKS: tuple[tuple[P, P], ...] = (
    (P.LEFT_SHOULDER, P.RIGHT_SHOULDER), (P.LEFT_HIP, P.RIGHT_HIP),
    (P.LEFT_SHOULDER, P.LEFT_ELBOW), (P.LEFT_ELBOW, P.LEFT_WRIST), (P.LEFT_SHOULDER, P.LEFT_HIP),
    (P.LEFT_HIP, P.LEFT_KNEE), (P.LEFT_KNEE, P.LEFT_ANKLE),
    (P.RIGHT_SHOULDER, P.RIGHT_ELBOW), (P.RIGHT_ELBOW, P.RIGHT_WRIST), (P.RIGHT_SHOULDER, P.RIGHT_HIP),
    (P.RIGHT_HIP, P.RIGHT_KNEE), (P.RIGHT_KNEE, P.RIGHT_ANKLE),
)


@dataclass(frozen=True)
class BoneProjection:
    """What the skeleton view needs of the render: the rig and the camera's world -> clip matrix
    (`DriveView.view_projection()`), for an image of the render's size."""

    rig: HumanoidRig
    view_projection: np.ndarray  # (4, 4)


def side_color(name: str) -> tuple[int, int, int]:
    """Colour of a bone or landmark by the side it is on ('leftUpperArm', 'RIGHT_WRIST', 'spine')."""
    lower = name.lower()
    if lower.startswith("left"):
        return LEFT_COLOR
    if lower.startswith("right"):
        return RIGHT_COLOR
    return CENTER_COLOR


def project(view_projection: np.ndarray, points: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(k, 3) world points -> ((k, 2) pixel x, y with row 0 at the top, (k,) in front of the camera)."""
    p = np.c_[np.asarray(points, np.float64), np.ones(len(points))] @ np.asarray(view_projection, np.float64).T
    w = p[:, 3]
    front = w > 1e-6
    ndc = p[:, :2] / np.where(front, w, 1.0)[:, None]
    return np.c_[(ndc[:, 0] + 1) * 0.5 * width, (1 - ndc[:, 1]) * 0.5 * height], front


def skeleton_pixels(bones: BoneProjection, node_world: np.ndarray, width: int, height: int) -> dict[str, np.ndarray]:
    """Pixel position of every rig bone's joint in front of the camera, for the posed `node_world`."""
    names = list(bones.rig.bones)
    nodes = [bones.rig.bones[n].node for n in names]
    xy, front = project(bones.view_projection, np.asarray(node_world, np.float64)[nodes, :3, 3], width, height)
    return {n: xy[i] for i, n in enumerate(names) if front[i]}


def _line(img: np.ndarray, a: np.ndarray, b: np.ndarray, color: tuple[int, int, int], thickness: int) -> None:
    pa, pb = tuple(int(round(v)) for v in a), tuple(int(round(v)) for v in b)
    cv2.line(img, pa, pb, _OUTLINE, thickness + 2, cv2.LINE_AA)  # a dark rim keeps it readable on any colour
    cv2.line(img, pa, pb, color, thickness, cv2.LINE_AA)


def _dot(img: np.ndarray, p: np.ndarray, color: tuple[int, int, int], radius: int) -> None:
    c = tuple(int(round(v)) for v in p)
    cv2.circle(img, c, radius + 1, _OUTLINE, -1, cv2.LINE_AA)
    cv2.circle(img, c, radius, color, -1, cv2.LINE_AA)


def draw_skeleton(img: np.ndarray, bones: BoneProjection, node_world: np.ndarray, scale: float) -> None:
    """The avatar's bones over its render (in place): a line from each bone's parent joint to its
    joint, coloured by the bone's side, and a dot on each joint."""
    pixels = skeleton_pixels(bones, node_world, img.shape[1], img.shape[0])
    thickness = max(2, int(round(2 * scale)))  # thinner lines lose their colour to anti-aliasing
    for name, bone in bones.rig.bones.items():
        if bone.parent in pixels and name in pixels:
            _line(img, pixels[bone.parent], pixels[name], side_color(name), thickness)
    for name, p in pixels.items():
        _dot(img, p, side_color(name), max(2, int(round(3 * scale))))


def shoulder_tilt_deg(body: BodyTracking, mirror: bool = False) -> float:
    """Tilt of the tracked shoulder line in degrees, + when the avatar's left shoulder is higher
    (the lean the retargeter gives the torso)."""
    pts = to_model_frame(body.world_landmarks)
    across = pts[P.LEFT_SHOULDER] - pts[P.RIGHT_SHOULDER]
    tilt = math.degrees(math.atan2(across[1], math.hypot(across[0], across[2])))
    return -tilt if mirror else tilt


def draw_tracked_body(img: np.ndarray, body: BodyTracking, scale: float, mirror: bool = False) -> tuple[int, int, int, int]:
    """The tracked body's world landmarks as seen from the front, in an inset at the bottom right
    (in place), placed and coloured as the avatar should show them (the mirror flag swaps sides).
    Returns the inset box (x0, y0, x1, y1)."""
    h, w = img.shape[:2]
    size = int(h * INSET_FRACTION)
    per_m = size / (INSET_TOP_M + INSET_BOTTOM_M)
    box_w = int(2 * INSET_HALF_WIDTH_M * per_m)
    x0, y0 = w - box_w - 10, h - size - int(28 * scale)
    x1, y1 = x0 + box_w, y0 + size
    # Drawn on a copy of the box, so landmarks past its scale are cut at its edge.
    inset = np.ascontiguousarray(img[y0:y1, x0:x1] * 0.35, dtype=img.dtype)  # darkened: the figure stays readable
    pts = to_model_frame(body.world_landmarks)
    if mirror:
        pts = pts * np.array([-1.0, 1.0, 1.0])
    # Model frame seen from the front (the render's camera): +X (the avatar's left) to the right, +Y up.
    xy = np.c_[(pts[:, 0] + INSET_HALF_WIDTH_M) * per_m, (INSET_TOP_M - pts[:, 1]) * per_m]
    seen = np.asarray(body.visibility) >= VISIBILITY_MIN
    thickness = max(2, int(round(2 * scale)))  # thinner lines lose their colour to anti-aliasing

    def side(landmark: P) -> str:
        s = landmark.name.split("_")[0].lower()  # "left" / "right" (the person's own)
        return {"left": "right", "right": "left"}[s] if mirror else s

    for a, b in BODY_LINKS:
        if seen[a] and seen[b]:  # the shoulder and hip lines cross the middle: centre colour
            _line(inset, xy[a], xy[b], side_color(side(a)) if side(a) == side(b) else CENTER_COLOR, thickness)
    for lm in sorted({lm for link in BODY_LINKS for lm in link}):
        if seen[lm]:
            _dot(inset, xy[lm], side_color(side(lm)), max(2, int(round(2.5 * scale))))
    img[y0:y1, x0:x1] = inset
    cv2.rectangle(img, (x0, y0), (x1, y1), (90, 90, 90), 1)
    label = f"tracked body  shoulders {shoulder_tilt_deg(body, mirror):+.0f} deg"
    cv2.putText(img, label, (max(0, x0 - int(60 * scale)), y1 + int(18 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                0.4 * scale, _TEXT, 1, cv2.LINE_AA)
    return x0, y0, x1, y1
