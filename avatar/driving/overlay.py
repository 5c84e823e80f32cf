"""Blendshape / bone debug overlay drawn onto an RGB(A) frame: the strongest tracked blendshapes
and final expression weights as bars, the tracked head/gaze angles and part confidences, and the
bone view (overlay_bones.py): the avatar's skeleton over its render and the tracked body."""
from __future__ import annotations

import math

import cv2
import numpy as np

from avatar.driving.driver import DrivenFrame
from avatar.driving.overlay_bones import BoneProjection, draw_skeleton, draw_tracked_body
from avatar.driving.qmath import qrot
from capture.types import BLENDSHAPE_NAMES, BodyTracking

BAR_COUNT = 12  # rows of each bar list
_WHITE = (235, 235, 235)
BAR_COLOR = (70, 170, 250)  # RGB: tracked blendshapes
EXPRESSION_COLOR = (250, 190, 70)  # RGB: final expression weights


def _bars(img: np.ndarray, x: int, y: int, items: list[tuple[str, float]], color: tuple[int, int, int], scale: float) -> None:
    row = int(18 * scale)
    width = int(110 * scale)
    for i, (name, value) in enumerate(items):
        yy = y + i * row
        cv2.rectangle(img, (x, yy + 3), (x + width, yy + row - 3), (40, 40, 40), -1)
        cv2.rectangle(img, (x, yy + 3), (x + int(width * max(0.0, min(1.0, value))), yy + row - 3), color, -1)
        cv2.putText(img, f"{name} {value:.2f}", (x + width + 6, yy + row - 5), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 * scale, _WHITE, 1, cv2.LINE_AA)


def head_angles_deg(q: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) of a head rotation: +yaw toward the avatar's left, +pitch up."""
    f = qrot(np.asarray(q, np.float64), np.array([0.0, 0.0, 1.0]))
    return math.degrees(math.atan2(f[0], f[2])), math.degrees(math.asin(max(-1.0, min(1.0, f[1]))))


def draw_debug(image: np.ndarray, frame: DrivenFrame, bones: BoneProjection | None = None,
               body: BodyTracking | None = None, mirror: bool = False) -> np.ndarray:
    """A copy of `image` (H, W, 3|4 uint8: the avatar render) with the debug overlay.
    bones: draw the avatar's skeleton projected with the render's camera; body: the tracked body
    shown in an inset (mirror: as the retargeter's mirror flag shows it)."""
    img = np.ascontiguousarray(image[..., :3]).copy()
    scale = max(0.6, img.shape[0] / 720)
    if bones is not None:  # first: the bars and text stay on top of the skeleton
        draw_skeleton(img, bones, frame.node_world, scale)
    if body is not None:
        draw_tracked_body(img, body, scale, mirror)
    r = frame.retarget
    if r.blendshapes is not None:
        top = sorted(((BLENDSHAPE_NAMES[i], float(v)) for i, v in enumerate(r.blendshapes) if i),
                     key=lambda kv: -kv[1])[:BAR_COUNT]
        _bars(img, 10, 10, top, BAR_COLOR, scale)
    expressions = sorted(((n, v) for n, v in frame.pose.morphs.items() if v > 0.01), key=lambda kv: -kv[1])[:BAR_COUNT]
    _bars(img, img.shape[1] // 2, 10, expressions, EXPRESSION_COLOR, scale)
    lines = [f"gaze yaw {frame.gaze[0]:+.0f} pitch {frame.gaze[1]:+.0f}"]
    if "head" in frame.pose.rotations:
        yaw, pitch = head_angles_deg(frame.pose.rotations["head"])
        lines.append(f"head yaw {yaw:+.0f} pitch {pitch:+.0f}")
    lines.append(" ".join(f"{p}:{w:.1f}" for p, w in r.weights.items()))
    for i, text in enumerate(lines):
        cv2.putText(img, text, (10, img.shape[0] - 10 - int(20 * scale) * (len(lines) - 1 - i)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45 * scale, _WHITE, 1, cv2.LINE_AA)
    if image.shape[2] == 4:  # a transparent render: what the overlay drew is opaque
        alpha = np.where((img != image[..., :3]).any(axis=2), 255, image[..., 3]).astype(image.dtype)
        return np.concatenate([img, alpha[..., None]], axis=2)
    return img
