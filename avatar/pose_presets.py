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
    # The hand at head height, inside a waist-up (medium) shot.
    "wave": Pose(rotations={**_arms(-68, -15, 12, 0), "rightLowerArm": quat_from_euler_deg(0, 0, -110),
                            "head": quat_from_euler_deg(0, -8, 4)}),
    # The right hand at the chin: the upper arm down and forward, the forearm folded up to the face
    # (found by searching the angles for the hand-to-chin distance on the built-in avatar).
    "thinking": Pose(rotations={**_arms(-68, 0, 12, 0), "rightUpperArm": quat_from_euler_deg(0, 80, 50),
                                "rightLowerArm": quat_from_euler_deg(75, 130, 0), "head": quat_from_euler_deg(8, 10, 6)}),
}


def pose_preset(name: str) -> Pose:
    from assets.errors import AssetError

    try:
        return POSE_PRESETS[name]
    except KeyError:
        raise AssetError(f"unknown pose '{name}'; choose one of {', '.join(sorted(POSE_PRESETS))}") from None
