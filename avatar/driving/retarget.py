"""`Retargeter`: Tracking -> normalized-rig rotations, eye gaze and per-part confidence.

- head and neck from the facial transformation matrix: the head's world rotation is the tracked
  one (relative to the calibrated neutral head, if given), split between neck and head and limited;
- torso lean and twist from the shoulder line (body tracking);
- arms from pose world landmarks: the person's reach and elbow direction, two-bone IK on the
  avatar's own arm lengths with the elbow landmark as pole, and the elbow hinge kept in the plane
  of the arm (no sideways lean);
- hands and fingers from hand landmarks (hands.py);
- eye gaze per eye from the eyeLook blendshapes, each eye weighted by how open it is, so a wink
  does not drag the other eye along (no "lazy eye");
- confidence gating: each part fades in when it is tracked and out to rest when it is lost or
  not visible, holding its last rotation while it fades (never flails);
- mirror: the whole result is mirrored left/right (mirror.py) when `RetargetOptions.mirror`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from avatar.driving.arkit_map import BLINK_CLOSED, BLINK_OPEN, remap
from avatar.driving.hands import finger_rotations, hand_world_rotation
from avatar.driving.landmarks import to_model_frame
from avatar.driving.mirror import mirror_name, mirror_rotations
from avatar.driving.qmath import (IDENTITY, cross, vlen, mirror_quat, qaxis, qclamp, qfrom_frames, qfrom_matrix, qfrom_to, qinv,
                                  qmul, qnorm, qrot, qslerp)
from avatar.driving.rig import HumanoidRig
from capture.types import Blendshape as B, PoseLandmark as P, Tracking

PARTS = ("head", "torso", "leftArm", "rightArm", "leftHand", "rightHand")


@dataclass(frozen=True)
class RetargetOptions:
    """mirror: show the person as in a mirror (their left drives the avatar's right).
    neck_share: fraction of the head rotation done by the neck (the rest by the head).
    neck_max_deg / head_max_deg / torso_max_deg: rotation limits (comfortable human ranges).
    gaze_range_deg: eye rotation at eyeLook* = 1 (MediaPipe saturates near 25-30 deg of gaze).
    visibility_min: pose landmark visibility below this counts as not seen (MediaPipe's
    examples draw landmarks above 0.5).
    max_age_s: a tracker result older than this counts as lost.
    fade_in_s / fade_out_s: time constants of a part easing to tracked / back to rest.
    limb_max_speed_deg_s: arm and hand bones turn at most this fast; MediaPipe's depth (z) jitter
    can swing a forearm's plane by 50 deg between two frames, real presenter gestures stay
    well under 600 deg/s.
    neutral_head: (4,) xyzw resting head rotation in camera space from capture calibration.
    """

    mirror: bool = False
    neck_share: float = 0.35
    neck_max_deg: float = 45.0
    head_max_deg: float = 60.0
    torso_max_deg: float = 25.0
    gaze_range_deg: float = 25.0
    visibility_min: float = 0.5
    max_age_s: float = 0.5
    fade_in_s: float = 0.12
    fade_out_s: float = 0.4
    neutral_head: tuple[float, float, float, float] | None = None
    limb_max_speed_deg_s: float = 600.0


@dataclass(frozen=True)
class RetargetResult:
    """rotations: normalized local rotation per bone, as last tracked (held while fading out).
    weights: part -> 0..1 confidence after easing; `bone_part` says which part owns a bone.
    gaze: (yaw, pitch) degrees (+yaw = the avatar's left, +pitch = up), or None when unknown.
    blendshapes: (52,) of the face (mirrored when the option is set), or None."""

    rotations: Mapping[str, np.ndarray]
    weights: Mapping[str, float]
    gaze: tuple[float, float] | None
    blendshapes: np.ndarray | None
    bone_part: Mapping[str, str] = field(default_factory=dict)
    head_parent_world: np.ndarray = field(default_factory=lambda: IDENTITY.copy())  # torso the head was solved on


def _part_of(bone: str) -> str:
    if bone in ("neck", "head"):
        return "head"
    if bone in ("spine", "chest", "upperChest"):
        return "torso"
    side = "left" if bone.startswith("left") else "right"
    if bone.endswith(("UpperArm", "LowerArm")):
        return f"{side}Arm"
    return f"{side}Hand"


class Retargeter:
    def __init__(self, rig: HumanoidRig, options: RetargetOptions = RetargetOptions()) -> None:
        self.rig = rig
        self.options = options
        self._held: dict[str, np.ndarray] = {}
        self._weights = {p: 0.0 for p in PARTS}
        self._time: float | None = None
        self._gaze: tuple[float, float] | None = None
        self._arm_normal: dict[str, np.ndarray] = {}
        self._arm_length_cache: dict[str, tuple[float, float]] = {}

    # ------------------------------------------------------------------ head and eyes
    def _head(self, matrix: np.ndarray, torso_world: np.ndarray) -> dict[str, np.ndarray]:
        o = self.options
        r = qfrom_matrix(np.asarray(matrix, np.float64)[:3, :3])
        if o.neutral_head is not None:
            r = qnorm(qmul(r, qinv(np.asarray(o.neutral_head, np.float64))))
        rel = qnorm(qmul(qinv(torso_world), r))
        out = {}
        if self.rig.has("neck"):
            neck = qclamp(qslerp(IDENTITY, rel, o.neck_share), math.radians(o.neck_max_deg))
            out["neck"] = neck
            rel = qnorm(qmul(qinv(neck), rel))
        out["head"] = qclamp(rel, math.radians(o.head_max_deg))
        return out

    def _gaze_from(self, b: np.ndarray) -> tuple[float, float] | None:
        open_l = 1.0 - remap(float(b[B.EYE_BLINK_LEFT]), BLINK_OPEN, BLINK_CLOSED)
        open_r = 1.0 - remap(float(b[B.EYE_BLINK_RIGHT]), BLINK_OPEN, BLINK_CLOSED)
        w_l, w_r = open_l ** 2, open_r ** 2
        if w_l + w_r < 0.05:  # both eyes closed: keep the last gaze instead of reading the lids
            return self._gaze
        # +yaw = toward the person's (and avatar's) left: the left eye looks "out", the right "in".
        yaw_l = float(b[B.EYE_LOOK_OUT_LEFT] - b[B.EYE_LOOK_IN_LEFT])
        yaw_r = float(b[B.EYE_LOOK_IN_RIGHT] - b[B.EYE_LOOK_OUT_RIGHT])
        pitch_l = float(b[B.EYE_LOOK_UP_LEFT] - b[B.EYE_LOOK_DOWN_LEFT])
        pitch_r = float(b[B.EYE_LOOK_UP_RIGHT] - b[B.EYE_LOOK_DOWN_RIGHT])
        yaw = (w_l * yaw_l + w_r * yaw_r) / (w_l + w_r)
        pitch = (w_l * pitch_l + w_r * pitch_r) / (w_l + w_r)
        r = self.options.gaze_range_deg
        return (yaw * r, pitch * r)

    # ------------------------------------------------------------------ body
    def _torso(self, pts: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        across = pts[P.LEFT_SHOULDER] - pts[P.RIGHT_SHOULDER]
        roll = math.atan2(across[1], math.hypot(across[0], across[2]))
        yaw = math.atan2(-across[2], across[0])
        total = qclamp(qmul(qaxis((0, 1, 0), yaw), qaxis((0, 0, 1), roll)), math.radians(self.options.torso_max_deg))
        chain = [b for b in ("spine", "chest", "upperChest") if self.rig.has(b)]
        share = qslerp(IDENTITY, total, 1.0 / len(chain)) if chain else IDENTITY
        return {b: share for b in chain}, total if chain else IDENTITY

    def _arm_lengths(self, side: str) -> tuple[float, float]:
        """Rest lengths of the avatar's upper and lower arm on one side (cached: they never change)."""
        lengths = self._arm_length_cache.get(side)
        if lengths is None:
            bones = self.rig.bones
            upper, lower, hand = (bones[f"{side}{b}"].rest_position for b in ("UpperArm", "LowerArm", "Hand"))
            lengths = self._arm_length_cache[side] = (vlen(lower - upper), vlen(hand - lower))
        return lengths

    def _arm(self, side: str, pts: np.ndarray, parent_world: np.ndarray) -> dict[str, np.ndarray]:
        rig = self.rig
        upper, lower, hand = f"{side}UpperArm", f"{side}LowerArm", f"{side}Hand"
        rest_u, rest_l = rig.rest_direction(upper), rig.rest_direction(lower)
        if rest_u is None or rest_l is None:
            return {}
        up = P.LEFT_SHOULDER if side == "left" else P.RIGHT_SHOULDER
        el = P.LEFT_ELBOW if side == "left" else P.RIGHT_ELBOW
        wr = P.LEFT_WRIST if side == "left" else P.RIGHT_WRIST
        s, e, w = pts[up], pts[el], pts[wr]
        l1, l2 = self._arm_lengths(side)
        person = float(vlen(e - s) + vlen(w - e))
        reach = float(vlen(w - s))
        if person < 1e-6 or reach < 1e-6:
            return {}
        t_dir = (w - s) / reach
        d = min(reach / person, 0.9999) * (l1 + l2)
        d = max(d, abs(l1 - l2) + 1e-4)
        # Two-bone IK: elbow on the circle of the law of cosines, on the pole's side.
        cos_a = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
        sin_a = math.sqrt(max(0.0, 1.0 - cos_a * cos_a))
        pole = (e - s) - t_dir * float(np.dot(e - s, t_dir))
        if vlen(pole) < 1e-6:
            pole = np.array([0.0, -1.0, 0.0]) - t_dir * -t_dir[1]
        pole = pole / max(vlen(pole), 1e-12)
        elbow = t_dir * (l1 * cos_a) + pole * (l1 * sin_a)
        du, dl = elbow, t_dir * d - elbow
        # Hinge normal: from the bend when there is one, else the rest hinge carried by the swing.
        # The elbow hinge of a T-pose is vertical (the forearm folds forward, toward +Z).
        n_rest = np.array([0.0, -1.0 if rest_u[0] > 0 else 1.0, 0.0])
        n_swing = qrot(qfrom_to(rest_u, du), n_rest)
        threshold = math.sin(math.radians(15.0))  # below 15 deg of bend the hinge is noise

        def hinge(a: np.ndarray) -> np.ndarray:
            c = cross(a, dl)
            bend = float(vlen(c) / (vlen(a) * vlen(dl)))
            if bend < 1e-6:
                return n_swing
            k = min(1.0, bend / threshold)
            return (c / vlen(c)) * k + n_swing * (1.0 - k)

        # The hinge is perpendicular to the forearm's rest direction carried by the upper arm and to
        # its tracked direction; refine it a few times from the plain upper/lower cross product
        # (exact when the rest upper and lower arm are collinear).
        n = hinge(du)
        if vlen(cross(rest_u, rest_l)) > 1e-6:  # a bent rest arm: the first guess is not exact yet
            for _ in range(3):
                uw = qfrom_frames(rest_u, n_rest, du, n)
                n = hinge(qrot(uw, rest_l))
        uw = qfrom_frames(rest_u, n_rest, du, n)
        lw = qnorm(qmul(qfrom_to(qrot(uw, rest_l), dl), uw))
        return {upper: qnorm(qmul(qinv(parent_world), uw)), lower: qnorm(qmul(qinv(uw), lw)),
                f"_{side}LowerArmWorld": lw}

    # ------------------------------------------------------------------ update
    def _ease(self, part: str, seen: bool, dt: float) -> None:
        o = self.options
        tau = o.fade_in_s if seen else o.fade_out_s
        target = 1.0 if seen else 0.0
        w = self._weights[part]
        self._weights[part] = target if dt <= 0 and self._time is None else w + (target - w) * (1 - math.exp(-dt / tau))

    def update(self, tracking: Tracking) -> RetargetResult:
        o = self.options
        t = tracking.timestamp_s
        dt = 0.0 if self._time is None else max(0.0, t - self._time)
        first = self._time is None
        self._time = t
        ages = tracking.ages_s
        seen = {p: False for p in PARTS}
        rot: dict[str, np.ndarray] = {}
        torso_world = IDENTITY
        body = tracking.bodies[0] if tracking.bodies and ages.get("body", 0.0) <= o.max_age_s else None
        if body is not None:
            pts = to_model_frame(body.world_landmarks)
            vis = np.asarray(body.visibility)
            if min(vis[P.LEFT_SHOULDER], vis[P.RIGHT_SHOULDER]) >= o.visibility_min:
                torso, torso_world = self._torso(pts)
                rot.update(torso)
                seen["torso"] = bool(torso)
            for side in ("left", "right"):
                ids = ((P.LEFT_SHOULDER, P.LEFT_ELBOW, P.LEFT_WRIST) if side == "left"
                       else (P.RIGHT_SHOULDER, P.RIGHT_ELBOW, P.RIGHT_WRIST))
                if min(vis[i] for i in ids) < o.visibility_min:
                    continue
                parent = torso_world
                arm = self._arm(side, pts, parent)
                arm.pop(f"_{side}LowerArmWorld", None)
                if arm:
                    rot.update(arm)
                    seen[f"{side}Arm"] = True
        face = tracking.face if ages.get("face", 0.0) <= o.max_age_s else None
        blendshapes = None
        if face is not None:
            rot.update(self._head(face.head_matrix, torso_world))
            seen["head"] = True
            blendshapes = np.asarray(face.blendshapes, np.float32)
            self._gaze = self._gaze_from(blendshapes)
        if tracking.hands and ages.get("hands", 0.0) <= o.max_age_s:
            for hand in tracking.hands:
                side = "left" if hand.handedness.lower() == "left" else "right"
                pts = to_model_frame(hand.world_landmarks)
                hw = hand_world_rotation(self.rig, side, pts)
                if hw is None:
                    continue
                fingers = finger_rotations(self.rig, side, pts, hw)
                if seen[f"{side}Arm"]:
                    lower_world = self._lower_arm_world(side, rot, torso_world)
                    rot[f"{side}Hand"] = qclamp(qnorm(qmul(qinv(lower_world), hw)), math.radians(100.0))
                rot.update(fingers)
                seen[f"{side}Hand"] = True
        max_step = math.radians(o.limb_max_speed_deg_s) * dt
        for bone, q in rot.items():
            previous = self._held.get(bone)
            if previous is not None and dt > 0 and _part_of(bone) not in ("head", "torso") and \
                    self._weights[_part_of(bone)] > 0.0:
                angle = 2.0 * math.acos(min(1.0, abs(float(np.dot(previous, q)))))
                if angle > max_step:
                    q = qslerp(previous, q, max_step / angle)
            self._held[bone] = q
        for part in PARTS:
            if first:
                self._weights[part] = 1.0 if seen[part] else 0.0
            else:
                self._ease(part, seen[part], dt)
        rotations = dict(self._held)
        weights = dict(self._weights)
        gaze = self._gaze
        if o.mirror:
            rotations = mirror_rotations(rotations)
            weights = {mirror_name(p): w for p, w in weights.items()}
            gaze = None if gaze is None else (-gaze[0], gaze[1])
            if blendshapes is not None:
                blendshapes = mirror_blendshapes(blendshapes)
        if o.mirror:
            torso_world = mirror_quat(torso_world)
        return RetargetResult(rotations, weights, gaze, blendshapes,
                              {b: _part_of(b) for b in rotations}, torso_world)

    def _lower_arm_world(self, side: str, rot: Mapping[str, np.ndarray], torso_world: np.ndarray) -> np.ndarray:
        w = torso_world
        for b in (f"{side}Shoulder", f"{side}UpperArm", f"{side}LowerArm"):
            if b in rot:
                w = qnorm(qmul(w, rot[b]))
        return w


def mirror_blendshapes(b: np.ndarray) -> np.ndarray:
    from capture.types import BLENDSHAPE_NAMES

    index = {n: i for i, n in enumerate(BLENDSHAPE_NAMES)}
    out = np.array(b, np.float32)
    for i, name in enumerate(BLENDSHAPE_NAMES):
        other = mirror_name(name)
        if other != name and other in index:
            out[i] = b[index[other]]
    # eyeLookIn/Out keep their meaning per eye once the eyes are swapped.
    return out
