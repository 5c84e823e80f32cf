"""Named poses for humanoid rigs (VRM bone names), as deltas on a T-pose rest.

Left/right are the avatar's own: its left arm points to +X when it faces +Z."""
from __future__ import annotations

from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg


def _arms(left_z: float, right_z: float, left_elbow: float = 0.0, right_elbow: float = 0.0) -> dict:
    return {
        "leftUpperArm": quat_from_euler_deg(0, 0, left_z),
        "rightUpperArm": quat_from_euler_deg(0, 0, -right_z),
        "leftLowerArm": quat_from_euler_deg(0, -left_elbow, 0),
        "rightLowerArm": quat_from_euler_deg(0, right_elbow, 0),
    }


POSE_PRESETS: dict[str, Pose] = {
    "rest": Pose(),
    "relaxed": Pose(rotations=_arms(-68, -68, 12, 12)),
    "arms_raised": Pose(rotations=_arms(70, 70)),
    "wave": Pose(rotations={**_arms(-68, 60, 12, 0), "rightLowerArm": quat_from_euler_deg(0, 0, -70),
                            "head": quat_from_euler_deg(0, -8, 4)}),
    "thinking": Pose(rotations={**_arms(-68, -50, 12, 130), "head": quat_from_euler_deg(8, 10, 6)}),
}


def pose_preset(name: str) -> Pose:
    from assets.errors import AssetError

    try:
        return POSE_PRESETS[name]
    except KeyError:
        raise AssetError(f"unknown pose '{name}'; choose one of {', '.join(sorted(POSE_PRESETS))}") from None
