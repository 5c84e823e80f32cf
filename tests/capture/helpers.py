"""Test helpers: a small reader for MediaPipe's text-proto landmark files."""
from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np


def parse_pbtxt_landmarks(text: str, block: str | None = None) -> list[SimpleNamespace]:
    """Landmarks (x, y, z[, visibility]) from MediaPipe text protos; `block` selects a named
    top-level message (e.g. "world_landmarks", "left_hand_landmarks")."""
    if block is not None:
        start = re.search(rf"^{block} {{", text, re.M)
        if start is None:
            raise ValueError(f"no block {block!r}")
        depth, i = 0, start.end() - 1
        for i in range(start.end() - 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                break
        text = text[start.end():i]
    points = []
    for body in re.findall(r"landmark \{([^}]*)\}", text):
        values = dict(re.findall(r"(\w+):\s*([-+0-9.eE]+)", body))
        points.append(SimpleNamespace(x=float(values.get("x", 0.0)), y=float(values.get("y", 0.0)),
                                      z=float(values.get("z", 0.0)),
                                      visibility=float(values["visibility"])
                                      if "visibility" in values else None))
    return points


def landmarks_np(points: list[SimpleNamespace]) -> np.ndarray:
    return np.array([(p.x, p.y, p.z) for p in points], np.float32)
