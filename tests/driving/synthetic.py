"""Synthetic tracking built from known normalized-rig poses (forward kinematics of the avatar's
own rig), for known-answer retargeting tests."""
from __future__ import annotations

import numpy as np

from avatar.driving.hands import FINGER_CHAINS, FINGER_SEGMENTS, finger_rest_direction
from avatar.driving.landmarks import from_model_frame
from avatar.driving.qmath import IDENTITY, qmatrix, qrot
from avatar.driving.rig import HumanoidRig, normalized_world_rotations
from avatar.posing import Pose
from capture.types import (NUM_BLENDSHAPES, NUM_FACE_LANDMARKS, NUM_HAND_LANDMARKS, NUM_POSE_LANDMARKS,
                           BodyTracking, FaceTracking, HandLandmark as H, HandTracking, PoseLandmark as P,
                           Tracking, readonly_f32)


def head_matrix(q: np.ndarray) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = qmatrix(q)
    m[:3, 3] = (0.0, 0.0, -50.0)  # 50 cm in front of the camera
    return m


def face(q: np.ndarray, t: float, blendshapes: np.ndarray | None = None) -> FaceTracking:
    b = np.zeros(NUM_BLENDSHAPES) if blendshapes is None else blendshapes
    return FaceTracking(readonly_f32(np.full((NUM_FACE_LANDMARKS, 3), 0.5)), readonly_f32(b),
                        readonly_f32(head_matrix(q)), t)


def positions(rig: HumanoidRig, pose: Pose) -> dict[str, np.ndarray]:
    """World positions of every bone of the normalized rig under `pose` (model frame)."""
    rot = normalized_world_rotations(rig, pose)
    out: dict[str, np.ndarray] = {}

    def solve(name: str) -> np.ndarray:
        if name not in out:
            bone = rig.bones[name]
            if bone.parent is None:
                out[name] = bone.rest_position.copy()
            else:
                parent = rig.bones[bone.parent]
                out[name] = solve(bone.parent) + qrot(rot[bone.parent], bone.rest_position - parent.rest_position)
        return out[name]

    for name in rig.bones:
        solve(name)
    return out


def body(rig: HumanoidRig, pose: Pose, t: float, hide: tuple[int, ...] = ()) -> BodyTracking:
    pos = positions(rig, pose)
    pts = np.zeros((NUM_POSE_LANDMARKS, 3))
    for side, s, x in (("left", "LEFT", 0.1), ("right", "RIGHT", -0.1)):
        pts[P[f"{s}_SHOULDER"]] = pos[f"{side}UpperArm"]
        pts[P[f"{s}_ELBOW"]] = pos[f"{side}LowerArm"]
        pts[P[f"{s}_WRIST"]] = pos[f"{side}Hand"]
        # An avatar without legs (a half-body rig) still faces a person whose hips are tracked.
        pts[P[f"{s}_HIP"]] = pos.get(f"{side}UpperLeg", pos["hips"] + np.array([x, 0.0, 0.0]))
    pts -= (pts[P.LEFT_HIP] + pts[P.RIGHT_HIP]) / 2  # MediaPipe world landmarks are hip-centred
    vis = np.ones(NUM_POSE_LANDMARKS)
    vis[list(hide)] = 0.0
    world = from_model_frame(pts)
    return BodyTracking(readonly_f32(np.full((NUM_POSE_LANDMARKS, 3), 0.5)), readonly_f32(world), readonly_f32(vis), t)


def hand(rig: HumanoidRig, pose: Pose, side: str, t: float) -> HandTracking:
    pos = positions(rig, pose)
    rot = normalized_world_rotations(rig, pose)
    pts = np.zeros((NUM_HAND_LANDMARKS, 3))
    pts[H.WRIST] = pos[f"{side}Hand"]
    missing = []
    for chain in FINGER_CHAINS:
        if not rig.has(f"{side}{chain[0]}"):
            missing.append(chain)  # e.g. Godette has no ring finger: put it between middle and little
            continue
        for k, bone in enumerate(chain):
            a, b = FINGER_SEGMENTS[bone]
            name = f"{side}{bone}"
            pts[a] = pos[name]
            if k == len(chain) - 1:  # the tip: continue the distal bone by 80% of its parent's length
                parent_len = np.linalg.norm(pos[name] - pos[f"{side}{chain[k - 1]}"])
                pts[b] = pos[name] + qrot(rot[name], finger_rest_direction(rig, side, chain, k)) * parent_len * 0.8
    for chain in missing:
        for bone in chain:
            for a, b in (FINGER_SEGMENTS[bone],):
                pts[a] = (pts[a - 4] + pts[a + 4]) / 2
                pts[b] = (pts[b - 4] + pts[b + 4]) / 2
    pts -= pts.mean(axis=0)
    world = from_model_frame(pts)
    label = "Left" if side == "left" else "Right"
    return HandTracking(readonly_f32(np.full((NUM_HAND_LANDMARKS, 3), 0.5)), readonly_f32(world), label, 0.99, t)


def tracking(t: float, faces=(), bodies=(), hands=()) -> Tracking:
    ages = {}
    if faces:
        ages["face"] = 0.0
    if bodies:
        ages["body"] = 0.0
    if hands:
        ages["hands"] = 0.0
    return Tracking(timestamp_s=t, faces=tuple(faces), bodies=tuple(bodies), hands=tuple(hands), ages_s=ages)


def identity() -> np.ndarray:
    return IDENTITY.copy()
