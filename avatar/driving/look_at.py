"""Look-at: gaze (yaw, pitch; +yaw = the avatar's left, +pitch = up) -> eye bone
rotations (VRM lookAt type "bone") or lookUp/Down/Left/Right weights (type "expression"), through
the model's range maps (VRM 1.0 lookAt spec; three-vrm VRMLookAtBoneApplier /
VRMLookAtExpressionApplier)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from avatar.driving.qmath import qeuler_deg
from avatar.vrm.types import LookAt, LookAtType, RangeMap

# Used when the model gives no look-at (plain glTF with eye bones): 1:1 up to 20 deg, a
# comfortable eye-in-head range.
DEFAULT_RANGE = RangeMap(input_max_value_deg=20.0, output_scale=20.0)


def map_range(range_map: RangeMap, angle_deg: float) -> float:
    if range_map.input_max_value_deg <= 0:
        return 0.0
    return min(abs(angle_deg), range_map.input_max_value_deg) / range_map.input_max_value_deg * range_map.output_scale


@dataclass(frozen=True)
class LookAtOutput:
    rotations: dict[str, np.ndarray]  # leftEye / rightEye normalized local rotations
    expressions: dict[str, float]  # lookUp / lookDown / lookLeft / lookRight


class LookAtApplier:
    def __init__(self, look_at: LookAt | None, has_eye_bones: bool) -> None:
        self.look_at = look_at
        self.kind = look_at.type if look_at is not None else (LookAtType.BONE if has_eye_bones else None)

    def apply_fraction(self, yaw: float, pitch: float) -> LookAtOutput:
        """Gaze given as a fraction of the eyes' full range (-1..1; MediaPipe's eyeLook* are
        exactly that): 1 reaches each range map's output scale."""
        def scaled(range_map: RangeMap, u: float) -> float:
            return math.copysign(min(abs(u), 1.0) * range_map.input_max_value_deg, u)

        la = self.look_at
        if la is None:
            return self.apply(scaled(DEFAULT_RANGE, yaw), scaled(DEFAULT_RANGE, pitch))
        # Pick the map each direction uses (outer for +yaw on the left eye, as in `apply`); the
        # maps of one model share their input range in practice (90 deg), so one scale serves.
        horizontal = la.horizontal_outer
        vertical = la.vertical_up if pitch > 0 else la.vertical_down
        return self.apply(scaled(horizontal, yaw), scaled(vertical, pitch))

    def apply(self, yaw_deg: float, pitch_deg: float) -> LookAtOutput:
        if self.kind is None:
            return LookAtOutput({}, {})
        la = self.look_at
        if self.kind is LookAtType.EXPRESSION:
            outer = la.horizontal_outer if la else DEFAULT_RANGE
            return LookAtOutput({}, {
                "lookLeft": map_range(outer, yaw_deg) if yaw_deg > 0 else 0.0,
                "lookRight": map_range(outer, yaw_deg) if yaw_deg < 0 else 0.0,
                "lookUp": map_range(la.vertical_up if la else DEFAULT_RANGE, pitch_deg) if pitch_deg > 0 else 0.0,
                "lookDown": map_range(la.vertical_down if la else DEFAULT_RANGE, pitch_deg) if pitch_deg < 0 else 0.0,
            })
        inner = la.horizontal_inner if la else DEFAULT_RANGE
        outer = la.horizontal_outer if la else DEFAULT_RANGE
        up = la.vertical_up if la else DEFAULT_RANGE
        down = la.vertical_down if la else DEFAULT_RANGE
        pitch = map_range(up, pitch_deg) if pitch_deg > 0 else -map_range(down, pitch_deg)
        sign = 1.0 if yaw_deg >= 0 else -1.0
        # +yaw turns both eyes to the avatar's left: outward for the left eye, inward for the right.
        left_yaw = sign * map_range(outer if yaw_deg >= 0 else inner, yaw_deg)
        right_yaw = sign * map_range(inner if yaw_deg >= 0 else outer, yaw_deg)
        return LookAtOutput({"leftEye": qeuler_deg(-pitch, left_yaw, 0.0),
                             "rightEye": qeuler_deg(-pitch, right_yaw, 0.0)}, {})
