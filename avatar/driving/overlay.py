"""Blendshape / bone debug overlay drawn onto an RGB(A) frame: the strongest tracked blendshapes
and final expression weights as bars, and the tracked head/gaze angles and part confidences."""
from __future__ import annotations

import math

import cv2
import numpy as np

from avatar.driving.driver import DrivenFrame
from avatar.driving.qmath import qrot
from capture.types import BLENDSHAPE_NAMES

BAR_COUNT = 12  # rows of each bar list
_WHITE = (235, 235, 235)
_BAR = (70, 170, 250)
_EXPR = (250, 190, 70)


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


def draw_debug(image: np.ndarray, frame: DrivenFrame) -> np.ndarray:
    """A copy of `image` (H, W, 3|4 uint8) with the debug overlay."""
    img = np.ascontiguousarray(image[..., :3]).copy()
    scale = max(0.6, img.shape[0] / 720)
    r = frame.retarget
    if r.blendshapes is not None:
        top = sorted(((BLENDSHAPE_NAMES[i], float(v)) for i, v in enumerate(r.blendshapes) if i),
                     key=lambda kv: -kv[1])[:BAR_COUNT]
        _bars(img, 10, 10, top, _BAR, scale)
    expressions = sorted(((n, v) for n, v in frame.pose.morphs.items() if v > 0.01), key=lambda kv: -kv[1])[:BAR_COUNT]
    _bars(img, img.shape[1] // 2, 10, expressions, _EXPR, scale)
    lines = [f"gaze yaw {frame.gaze[0]:+.0f} pitch {frame.gaze[1]:+.0f}"]
    if "head" in frame.pose.rotations:
        yaw, pitch = head_angles_deg(frame.pose.rotations["head"])
        lines.append(f"head yaw {yaw:+.0f} pitch {pitch:+.0f}")
    lines.append(" ".join(f"{p}:{w:.1f}" for p, w in r.weights.items()))
    for i, text in enumerate(lines):
        cv2.putText(img, text, (10, img.shape[0] - 10 - int(20 * scale) * (len(lines) - 1 - i)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45 * scale, _WHITE, 1, cv2.LINE_AA)
    if image.shape[2] == 4:
        return np.concatenate([img, image[..., 3:]], axis=2)
    return img
