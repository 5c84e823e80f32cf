"""Events read off a blendshape stream (used by tests, triggers and the studio HUD)."""
from __future__ import annotations

import numpy as np

# Hysteresis thresholds on mean(eyeBlinkLeft, eyeBlinkRight). Measured on the shared talking-head
# clip talking_head_man_d12.mp4 (3 blinks verified by eye): open eyes read 0.01-0.31, closed
# eyes 0.52-0.74. A blink starts above BLINK_ON and ends below BLINK_OFF.
BLINK_ON = 0.40
BLINK_OFF = 0.25


def detect_blinks(timestamps_s: np.ndarray, blink: np.ndarray, on: float = BLINK_ON,
                  off: float = BLINK_OFF) -> list[tuple[float, float]]:
    """(start_s, end_s) of each blink in a blink-score series (NaN = no face, counts as open)."""
    events = []
    start: float | None = None
    for t, v in zip(np.asarray(timestamps_s, np.float64), np.nan_to_num(blink, nan=0.0)):
        if start is None and v > on:
            start = float(t)
        elif start is not None and v < off:
            events.append((start, float(t)))
            start = None
    if start is not None:
        events.append((start, float(timestamps_s[-1])))
    return events
