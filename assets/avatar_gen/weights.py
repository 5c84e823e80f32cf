"""Skin weights: each piece blends along its bone chain with smooth transitions at the joints.

A vertex's position along the chain axis (arm: x, leg: -y, finger: its direction) picks the
bone; within `blend` metres of a joint it crossfades (smoothstep) between the two bones, so
elbows, knees, knuckles and the jaw bend smoothly instead of creasing.
"""
from __future__ import annotations

import numpy as np

from . import face_layout as F
from .errors import AvatarBuildError
from .geometry import Part, smoothstep
from .skeleton import BONE_INDEX, bone_head

MAX_INFLUENCES = 4


def chain_weights(points: np.ndarray, bones: list[str], axis: np.ndarray, blends: list[float],
                  starts: list[float] | None = None) -> dict[str, np.ndarray]:
    """Weights along a straight chain: bone i owns the span from joint i to joint i+1.

    `starts` overrides where each transition happens (distance along `axis` from bones[0]'s head).
    """
    axis = np.asarray(axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
    origin = bone_head(bones[0])
    s = (points - origin) @ axis
    joints = starts if starts is not None else [float((bone_head(b) - origin) @ axis) for b in bones[1:]]
    t = [smoothstep(j - h, j + h, s) for j, h in zip(joints, blends)]
    out = {bones[0]: 1.0 - t[0]}
    for i in range(1, len(bones)):
        nxt = t[i] if i < len(t) else 0.0
        out[bones[i]] = t[i - 1] - nxt
    return out


def _mix(a: dict[str, np.ndarray], b: dict[str, np.ndarray], k: np.ndarray) -> dict[str, np.ndarray]:
    """(1 - k) * a + k * b"""
    out: dict[str, np.ndarray] = {}
    for name, w in a.items():
        out[name] = out.get(name, 0.0) + (1.0 - k) * w
    for name, w in b.items():
        out[name] = out.get(name, 0.0) + k * w
    return out


def jaw_field(p: np.ndarray, side: np.ndarray | None = None) -> np.ndarray:
    """How much a face vertex follows the jaw (0 above the mouth line, 1 on the lower lip and chin).

    `side` (1 lower, 0 upper, 0.5 corner, NaN unknown) pins vertices on the two lips of the slit,
    which share positions at rest and must split cleanly.
    """
    ax = np.abs(p[:, 0])
    hw = F.MOUTH_HALF_WIDTH
    width = 0.0016 + 0.018 * smoothstep(0.7 * hw, 2.4 * hw, ax)
    line = F.MOUTH_Y - 0.0018 - 0.012 * smoothstep(hw, 3.5 * hw, ax)
    vertical = smoothstep(line + width, line - width, p[:, 1])
    front = smoothstep(F.JAW_PIVOT[2] + 0.020, F.JAW_PIVOT[2] + 0.060, p[:, 2])  # the front of the lower face only
    w = vertical * front
    if side is not None:
        w = np.where(side > 0.75, front, np.where(side < 0.25, 0.0, w))
    return w


def _face_weights(part: Part) -> dict[str, np.ndarray]:
    kind = part.kind
    n = len(part.positions)
    if kind.endswith("_L") and kind.split("_")[0] in ("eye", "iris", "pupil", "highlight"):
        return {"leftEye": np.ones(n)}
    if kind.endswith("_R") and kind.split("_")[0] in ("eye", "iris", "pupil", "highlight"):
        return {"rightEye": np.ones(n)}
    if kind in ("teeth_lower", "tongue"):
        return {"jaw": np.ones(n)}
    if kind in ("head_skin", "lips", "mouth_bag"):
        side = part.extra.get("side")
        if kind == "head_skin":
            side = np.where(part.extra["lower_lip_edge"], 1.0, np.nan)
        elif side is not None:
            side = np.where(part.extra["ring"] == 0, np.where(side > 0.75, 1.0, np.where(side < 0.25, 0.0, np.nan)), side)
        w = jaw_field(part.positions, side)
        return {"head": 1.0 - w, "jaw": w}
    return {"head": np.ones(n)}


def _body_weights(part: Part) -> dict[str, np.ndarray]:
    p = part.positions
    kind = part.kind
    n = len(p)
    side = "left" if kind.endswith("_L") else "right"
    sgn = 1.0 if side == "left" else -1.0
    if kind == "hair":
        return {"head": np.ones(n)}
    if kind == "neck":
        return chain_weights(p, ["upperChest", "neck", "head"], [0, 1, 0], [0.018, 0.02])
    if kind == "torso":
        spine = chain_weights(p, ["hips", "spine", "chest", "upperChest"], [0, 1, 0], [0.035, 0.04, 0.035])
        ax = np.abs(p[:, 0])
        for s, name in ((1.0, "left"), (-1.0, "right")):
            on_side = (p[:, 0] * s) > 0
            shoulder = smoothstep(0.06, 0.13, ax) * smoothstep(1.17, 1.25, p[:, 1]) * on_side
            arm = smoothstep(0.125, 0.17, ax) * smoothstep(1.20, 1.26, p[:, 1]) * on_side
            spine = _mix(spine, {f"{name}Shoulder": np.ones(n)}, shoulder * (1 - arm))
            spine = _mix(spine, {f"{name}UpperArm": np.ones(n)}, arm * 0.8)
            leg = smoothstep(0.86, 0.80, p[:, 1]) * smoothstep(0.0, 0.05, ax) * on_side
            spine = _mix(spine, {f"{name}UpperLeg": np.ones(n)}, leg)
        if "neck" not in spine:
            neck = smoothstep(1.32, 1.35, p[:, 1])
            spine = _mix(spine, {"neck": np.ones(n)}, neck)
        return spine
    if kind.startswith("arm_"):
        bones = ["upperChest", f"{side}Shoulder", f"{side}UpperArm", f"{side}LowerArm", f"{side}Hand"]
        return chain_weights(p, bones, [sgn, 0, 0], [0.02, 0.03, 0.035, 0.018])
    if kind.startswith("palm_"):
        return chain_weights(p, [f"{side}LowerArm", f"{side}Hand"], [sgn, 0, 0], [0.02],
                             starts=[float(abs(bone_head(f"{side}Hand")[0] - bone_head(f"{side}LowerArm")[0]))])
    if kind.startswith("finger_"):
        finger = kind.split("_")[1]
        joints = ("Metacarpal", "Proximal", "Distal") if finger == "Thumb" else ("Proximal", "Intermediate", "Distal")
        names = [f"{side}Hand"] + [f"{side}{finger}{j}" for j in joints]
        axis = bone_head(names[3]) - bone_head(names[1])
        blends = [0.008, 0.006, 0.005] if finger != "Thumb" else [0.012, 0.008, 0.006]
        origin = bone_head(names[0])
        a = axis / np.linalg.norm(axis)
        starts = [float((bone_head(b) - origin) @ a) for b in names[1:]]
        return chain_weights(p, names, axis, blends, starts=starts)
    if kind.startswith("leg_"):
        bones = ["hips", f"{side}UpperLeg", f"{side}LowerLeg", f"{side}Foot"]
        return chain_weights(p, bones, [0, -1, 0], [0.04, 0.045, 0.025])
    if kind.startswith("shoe_"):
        return chain_weights(p, [f"{side}Foot", f"{side}Toes"], [0, 0, 1], [0.025])
    raise AvatarBuildError(f"no skin weight rule for part kind {kind!r} (part {part.name})")


def assign_weights(part: Part) -> None:
    """Fill part.joints / part.weights: the 4 strongest influences, normalized to sum 1."""
    table = _face_weights(part) if part.mesh == "face" else _body_weights(part)
    n = len(part.positions)
    names = sorted(table, key=lambda b: BONE_INDEX[b])
    dense = np.zeros((n, len(names)))
    for k, name in enumerate(names):
        dense[:, k] = np.clip(np.broadcast_to(table[name], (n,)), 0.0, None)
    order = np.argsort(-dense, axis=1, kind="stable")[:, :MAX_INFLUENCES]
    top = np.take_along_axis(dense, order, axis=1)
    if top.shape[1] < MAX_INFLUENCES:
        pad = MAX_INFLUENCES - top.shape[1]
        top = np.pad(top, ((0, 0), (0, pad)))
        order = np.pad(order, ((0, 0), (0, pad)))
    total = top.sum(axis=1, keepdims=True)
    if np.any(total <= 1e-9):
        raise AvatarBuildError(f"part {part.name}: {int(np.sum(total <= 1e-9))} vertices have no bone influence")
    top = top / total
    index = np.array([BONE_INDEX[b] for b in names])[order]
    index[top == 0.0] = 0  # unused slots point at bone 0 with weight 0 (the glTF convention)
    part.joints = index
    part.weights = top
