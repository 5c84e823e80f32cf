"""The `blow` gesture: pursed lips AND puffed cheeks, with the puff measured from the landmarks.

MediaPipe's cheekPuff blendshape stays near 0 on real faces (google-ai-edge/mediapipe#4436; at
most 0.0013 over the 1008 frames of the expressions video), so the puff is measured from the
geometry: air in the mouth pushes the cheeks outwards, so the face gets wider across the cheeks
while its width at the eyes (bone) stays. The ratio of the two is taken along the eye line in
MediaPipe's 3D landmark space (x, y in pixels, z at x's scale), which cancels head roll and scale
and, to first order, yaw; it is compared with the same face's relaxed ratio (the median over the
last seconds of frames with a relaxed mouth), or with a population prior until the face has been
seen relaxed. So no calibration step is needed. cheekPuff still counts, should a model report it.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from capture.types import Blendshape as B, Tracking
from effects.landmarks import FaceLandmark as L, head_angles_deg

# Outer-cheek landmark pairs (person's right, left) at nose, mid-cheek and mouth-corner height
# (canonical face y = -0.5, -1.9 and -3.2 cm; x = +-6.2 cm): where a puff bulges.
CHEEK_PAIRS: tuple[tuple[int, int], ...] = ((123, 352), (147, 376), (213, 433))
# Mean cheek width / face-edge width (234-454, at the eyes) of a relaxed face: the per-person
# median was 0.859-0.871 on the five face videos in ../shared/data/video (5 people).
PRIOR_RELAXED_RATIO = 0.865
# Cheek widening over the relaxed ratio that scores 1.0. On those videos a kiss (pursed lips, no
# air) narrows the cheeks by 2-4 % and an O mouth reads -0.5..+2 %; the one candidate puff
# (expressions video frames 966-967) reads about +3 %. So air must beat the pucker's pull: on
# that video's kiss frames cheeks pushed out 6 mm a side fire (tests/effects/test_blow.py).
PUFF_FULL_WIDENING = 0.025
CHEEK_PUFF_FULL = 0.3  # the cheekPuff blendshape, when a model reports it, scores 1.0 here
LIPS_FULL = 0.5  # max(mouthPucker, mouthFunnel) - smile that scores 1.0: lips clearly pursed
# A mouth counts as relaxed (a baseline sample) when every jaw and mouth blendshape is below this:
# smiles and stretches widen the cheeks, an open jaw or a pucker narrows them.
RELAXED_MAX = 0.3
_MOUTH_CHANNELS = list(range(B.JAW_FORWARD, B.MOUTH_UPPER_UP_RIGHT + 1))
# Beyond this head yaw / pitch the ratio drifts (0.1-0.2 % per degree on the videos): not measured.
MAX_POSE_DEG = 20.0
BASELINE_WINDOW_S = 10.0  # relaxed samples kept for the face's own baseline
BASELINE_MIN_S = 0.3  # relaxed samples must span this long before they replace the prior
# The score is the median over this window, so a one-frame landmark glitch (a fast head turn) or
# the frame where wide cheeks from a grin meet the first pursed lips does not fire.
# 0.09 s = 3 frames at 25-30 fps.
SCORE_WINDOW_S = 0.09


def cheek_width_ratio(landmarks: np.ndarray, frame_size: tuple[int, int]) -> float | None:
    """Mean outer-cheek width / face width at the eyes, along the eye line; None if degenerate.
    `landmarks` (478, 3) normalized; `frame_size` (w, h) puts x and y in the same unit."""
    w, h = frame_size if frame_size[0] > 0 and frame_size[1] > 0 else (1, 1)
    p = np.asarray(landmarks, np.float64)[:, :3] * (w, h, w)
    eye_line = p[L.LEFT_EYE_OUTER] - p[L.RIGHT_EYE_OUTER]
    length = float(np.linalg.norm(eye_line))
    if not length > 1e-9:
        return None
    axis = eye_line / length
    reference = float((p[L.LEFT_FACE_EDGE] - p[L.RIGHT_FACE_EDGE]) @ axis)
    if not reference > 1e-9:
        return None
    cheeks = np.mean([(p[left] - p[right]) @ axis for right, left in CHEEK_PAIRS])
    return float(cheeks / reference)


class BlowDetector:
    """Blow score of the primary face, updated once per frame: min(lips, cheeks), each 1.0 at
    'clearly', as the median over SCORE_WINDOW_S. Keeps the face's relaxed cheek ratio."""

    def __init__(self) -> None:
        self.relaxed: deque[tuple[float, float]] = deque()  # (time, ratio)
        self.recent: deque[tuple[float, float]] = deque()  # (time, raw score)
        self.widening = 0.0  # this frame's cheek widening over the baseline (0.02 = 2 % wider)

    def baseline(self) -> float:
        """The face's relaxed ratio: its own once seen for BASELINE_MIN_S, else the prior."""
        if self.relaxed and self.relaxed[-1][0] - self.relaxed[0][0] >= BASELINE_MIN_S:
            return float(np.median([r for _t, r in self.relaxed]))
        return PRIOR_RELAXED_RATIO

    def update(self, tracking: Tracking) -> None:
        t = tracking.timestamp_s
        while self.relaxed and self.relaxed[0][0] < t - BASELINE_WINDOW_S:
            self.relaxed.popleft()
        while self.recent and self.recent[0][0] <= t - SCORE_WINDOW_S:
            self.recent.popleft()
        self.recent.append((t, self._raw_score(tracking)))

    def _raw_score(self, tracking: Tracking) -> float:
        self.widening = 0.0
        face = tracking.face
        if face is None:
            return 0.0
        bs = np.nan_to_num(np.asarray(face.blendshapes, np.float64))
        ratio = None
        if not np.isnan(face.head_matrix).any():
            pitch, yaw, _ = head_angles_deg(face.head_matrix)
            if max(abs(pitch), abs(yaw)) <= MAX_POSE_DEG:
                ratio = cheek_width_ratio(face.landmarks, tracking.frame_size)
        if ratio is not None:
            if bs[_MOUTH_CHANNELS].max() < RELAXED_MAX:
                self.relaxed.append((tracking.timestamp_s, ratio))
            self.widening = ratio / self.baseline() - 1.0
        # Pursed lips do not smile: MediaPipe reads pucker 0.4 on some smiles (talking-woman video
        # frame 182), and a smile widens the cheeks as a puff does.
        smile = 0.5 * (bs[B.MOUTH_SMILE_LEFT] + bs[B.MOUTH_SMILE_RIGHT])
        lips = (max(bs[B.MOUTH_PUCKER], bs[B.MOUTH_FUNNEL]) - smile) / LIPS_FULL
        cheeks = max(self.widening / PUFF_FULL_WIDENING, bs[B.CHEEK_PUFF] / CHEEK_PUFF_FULL)
        return max(0.0, float(min(lips, cheeks)))

    def score(self) -> float:
        return float(np.median([s for _t, s in self.recent])) if self.recent else 0.0
