"""Face morph targets: the ARKit 52 (MediaPipe's names + tongueOut) built from a few motions.

Motions: the jaw rotates about its pivot; lid shells and lash lines rotate about the eye
centre (so a blink closes along the eyeball, never through it); eyeballs rotate for gaze;
everything else moves by smooth, local Gaussian regions (brows, lip corners, cheeks, nose).
Left means the avatar's left (+X). Deltas are metres in glTF axes.
"""
from __future__ import annotations

import numpy as np

from . import face_layout as F
from .eyes import lower_edge, spherical, upper_edge
from .errors import AvatarBuildError
from .geometry import Part, rotation_matrix, smoothstep
from .mouth_seal import PARTING_MOUTH, seal, teeth_shown
from .skeleton import BONE_INDEX

ARKIT_NAMES: tuple[str, ...] = (
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight",
    "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft",
    "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight",
    "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight",
    "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)

# The white turns with the iris although it is a sphere: morphs blend linearly, so part way
# through a turn every vertex cuts the chord and sinks toward the eye's centre (2.6% of the radius
# half way through 26 degrees), and an iris sinking under a white that stays put vanished at
# eyeLook* weights of 0.2-0.8. The same linear map on both keeps the iris above the white.
EYE_PARTS = ("eye_white", "iris", "iris_light", "pupil", "highlight")
GAUSS_CUT = 0.10
GAZE_PITCH = np.radians(22.0)  # eyeLookUp/Down = 1 rotates the eyeball this far
GAZE_YAW = np.radians(26.0)  # eyeLookIn/Out = 1
SKIN_KINDS = ("head_skin", "lips", "mouth_bag")
BAG_FOLLOW = np.array([1.0, 0.95, 0.8, 0.55, 0.3, 0.15, 0.05, 0.0, 0.0])  # how far bag rings follow the lips
# Targets only used on top of another (ARKit: mouthClose with jawOpen): their normal offsets are
# measured there, so the sum shades like the shape it makes (alone, mouthClose is not a face).
NORMALS_ON_TOP = {"mouthClose": "jawOpen"}


class FaceRig:
    """Per-part views used by the motions: positions, jaw weight, how much each vertex follows the lips."""

    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self.jaw = []
        self.lip_follow = []
        for part in parts:
            n = len(part.positions)
            if part.kind in ("head_skin", "lips", "mouth_bag"):
                self.jaw.append(_jaw_of(part))
                follow = np.ones(n) if part.kind == "head_skin" else BAG_FOLLOW[np.clip(part.extra["ring"], 0, 8)]
                self.lip_follow.append(follow)
            elif part.kind in ("teeth_lower", "tongue"):
                self.jaw.append(np.ones(n))
                self.lip_follow.append(np.zeros(n))
            else:
                self.jaw.append(np.zeros(n))
                self.lip_follow.append(np.zeros(n))

    def zeros(self) -> list[np.ndarray]:
        return [np.zeros_like(p.positions) for p in self.parts]


def _jaw_of(part: Part) -> np.ndarray:
    j = part.joints
    w = part.weights
    return np.sum(np.where(j == BONE_INDEX["jaw"], w, 0.0), axis=1)


def _gauss(p: np.ndarray, cx: float, cy: float, sx: float, sy: float) -> np.ndarray:
    front = smoothstep(F.HEAD_C[2] + 0.03, F.HEAD_C[2] + 0.06, p[:, 2])
    g = np.exp(-(((p[:, 0] - cx) / sx) ** 2 + ((p[:, 1] - cy) / sy) ** 2))
    # Compact support: the tail below GAUSS_CUT is cut (and the rest rescaled) so a morph
    # touches only the vertices it visibly moves (smaller sparse targets).
    return front * np.clip((g - GAUSS_CUT) / (1.0 - GAUSS_CUT), 0.0, 1.0)


def _region(rig: FaceRig, vec, cx, cy, sx, sy, kinds=SKIN_KINDS, side_mask=None) -> list[np.ndarray]:
    """Translate skin/lip vertices by vec * Gaussian(x, y) (bag rings follow less)."""
    out = rig.zeros()
    for i, part in enumerate(rig.parts):
        if part.kind not in kinds:
            continue
        g = _gauss(part.positions, cx, cy, sx, sy)
        if part.kind in SKIN_KINDS:
            g = g * np.where(part.kind == "head_skin", 1.0, rig.lip_follow[i])
        if side_mask == "upper":
            g = g * (1.0 - rig.jaw[i])
        elif side_mask == "lower":
            g = g * rig.jaw[i]
        out[i] = g[:, None] * np.asarray(vec, dtype=np.float64)
    return out


def _add(*lists: list[np.ndarray], scale: list[float] | None = None) -> list[np.ndarray]:
    scale = scale or [1.0] * len(lists)
    return [sum(s * l[i] for s, l in zip(scale, lists)) for i in range(len(lists[0]))]


def _jaw_rotate(rig: FaceRig, angle: float) -> list[np.ndarray]:
    out = rig.zeros()
    for i, part in enumerate(rig.parts):
        w = rig.jaw[i]
        if not np.any(w > 0):
            continue
        rel = part.positions - F.JAW_PIVOT
        a = angle * w
        c, s = np.cos(a), np.sin(a)
        y = rel[:, 1] * c - rel[:, 2] * s
        z = rel[:, 1] * s + rel[:, 2] * c
        out[i] = np.stack([np.zeros_like(y), y - rel[:, 1], z - rel[:, 2]], 1)
    return out


def _jaw_translate(rig: FaceRig, vec) -> list[np.ndarray]:
    return [rig.jaw[i][:, None] * np.asarray(vec, dtype=np.float64) for i in range(len(rig.parts))]


def _eye_side(kind: str) -> float:
    return 1.0 if kind.endswith("_L") else -1.0


def _eye_scale(side: float) -> np.ndarray:
    s = F.EYE_R * F.EYE_SCALE
    return s * np.array([side, 1.0, 1.0])


def _lids(rig: FaceRig, side: float, upper_to, lower_to) -> list[np.ndarray]:
    """Rotate lid shells and lash lines about the eye: new edge elevation given per azimuth.

    upper_to / lower_to: functions beta -> elevation change (radians) at the lid edge; the change
    fades to zero toward the far end of each shell (u = 1).
    """
    out = rig.zeros()
    suffix = "_L" if side > 0 else "_R"
    for i, part in enumerate(rig.parts):
        if not part.kind.endswith(suffix):
            continue
        base = part.kind[:-2]
        if base not in ("lid_upper", "lid_lower", "lash_upper", "lash_lower"):
            continue
        fn = upper_to if base.endswith("upper") else lower_to
        if fn is None:
            continue
        unit = part.extra["unit"]
        rho = np.linalg.norm(unit, axis=1)
        alpha = np.arcsin(np.clip(unit[:, 1] / rho, -1, 1))
        beta = np.arctan2(unit[:, 0], unit[:, 2])
        if base.startswith("lid"):
            u = part.extra["u"]
            beta_edge = part.extra["beta"]
        else:
            u = np.zeros(len(unit))
            beta_edge = beta
        delta_alpha = fn(beta_edge) * (1.0 - u)
        new = spherical(alpha + delta_alpha, beta, rho)
        out[i] = (new - unit) * _eye_scale(side)
    return out


def _gaze(rig: FaceRig, side: float, pitch: float, yaw_out: float) -> list[np.ndarray]:
    """Rotate one eyeball: pitch > 0 looks up, yaw_out > 0 looks away from the nose."""
    out = rig.zeros()
    suffix = "_L" if side > 0 else "_R"
    rot = rotation_matrix([0, 1, 0], yaw_out) @ rotation_matrix([1, 0, 0], -pitch)
    for i, part in enumerate(rig.parts):
        if part.kind.endswith(suffix) and part.kind[:-2] in EYE_PARTS:
            unit = part.extra["unit"]
            out[i] = (unit @ rot.T - unit) * _eye_scale(side)
    return out


def _brow(rig: FaceRig, side: float, inner: float, outer: float, z: float = 0.0) -> list[np.ndarray]:
    """Raise (metres, + up) the inner and outer ends of one brow, with the forehead skin under it."""
    out = rig.zeros()
    suffix = "_L" if side > 0 else "_R"
    for i, part in enumerate(rig.parts):
        if part.kind == f"brow{suffix}":
            t = part.extra["t"]
            dy = inner * (1 - t) + outer * t
            out[i] = np.stack([np.zeros_like(t), dy, np.full_like(t, z)], 1)
    skin_in = _region(rig, [0, inner * 0.7, z * 0.5], side * 0.016, F.BROW_Y, 0.012, 0.011, kinds=("head_skin",))
    skin_out = _region(rig, [0, outer * 0.7, z * 0.5], side * 0.045, F.BROW_Y - 0.003, 0.014, 0.011, kinds=("head_skin",))
    return _add(out, skin_in, skin_out)


def _blink_targets(side: float, amount_upper: float, amount_lower: float):
    def meet(beta):
        return lower_edge(beta) + 0.28 * (upper_edge(beta) - lower_edge(beta))

    # Clipped so that where the shells overlap past the eye corners nothing moves the wrong way.
    def up(beta):
        return amount_upper * np.minimum(meet(beta) - np.radians(1.5) - upper_edge(beta), 0.0)

    def low(beta):
        return amount_lower * np.maximum(meet(beta) - lower_edge(beta), 0.0)

    return up, low


def _corner(rig: FaceRig, side: float, vec) -> list[np.ndarray]:
    hw = F.MOUTH_HALF_WIDTH
    return _region(rig, vec, side * hw, F.MOUTH_Y, 0.011, 0.010)


def _mouth_close(rig: FaceRig) -> list[np.ndarray]:
    """Undo the jaw's rotation on the mouth, so jawOpen + mouthClose is a shut mouth over a dropped chin.

    The lips, the mouth bag, the lower teeth and the tongue go back to rest as one piece (so the
    teeth and tongue stay inside the bag, never through the chin); the skin follows them fully
    along the slit and its corners and less toward the chin and the cheeks, stretching between.
    """
    hw = F.MOUTH_HALF_WIDTH
    opened = _jaw_rotate(rig, F.JAW_OPEN_ANGLE)
    out = rig.zeros()
    for i, part in enumerate(rig.parts):
        if part.kind == "head_skin":
            p = part.positions
            front = smoothstep(F.HEAD_C[2] + 0.03, F.HEAD_C[2] + 0.06, p[:, 2])
            across = smoothstep(3.0 * hw, 1.5 * hw, np.abs(p[:, 0]))
            below = np.maximum(F.MOUTH_Y - 0.0015 - p[:, 1], 0.0)  # 0 along the lower lip's edge
            out[i] = -opened[i] * (front * across * np.exp(-((below / 0.010) ** 2)))[:, None]
        elif part.kind in ("lips", "mouth_bag", "teeth_lower", "tongue"):
            out[i] = -opened[i]
    return out


def _lip_motions(rig: FaceRig) -> dict[str, list[np.ndarray]]:
    """The ARKit targets as the skin, lips, eyes and jaw move; mouth_seal.py then places the teeth."""
    m: dict[str, list[np.ndarray]] = {}
    for side, name in ((1.0, "Left"), (-1.0, "Right")):
        m[f"browDown{name}"] = _brow(rig, side, -0.0060, -0.0015, -0.0008)
        m[f"browOuterUp{name}"] = _brow(rig, side, 0.0005, 0.0060)
        m[f"cheekSquint{name}"] = _add(
            _region(rig, [0, 0.0030, 0.0008], side * 0.036, 1.437, 0.015, 0.011, kinds=("head_skin",)),
            _lids(rig, side, None, lambda b: np.full_like(b, np.radians(7.0))))
        up, low = _blink_targets(side, 1.0, 1.0)
        m[f"eyeBlink{name}"] = _lids(rig, side, up, low)
        m[f"eyeLookDown{name}"] = _add(_gaze(rig, side, -GAZE_PITCH, 0.0),
                                       _lids(rig, side, lambda b: np.full_like(b, np.radians(-9.0)), lambda b: np.full_like(b, np.radians(-4.0))))
        m[f"eyeLookUp{name}"] = _add(_gaze(rig, side, GAZE_PITCH, 0.0),
                                     _lids(rig, side, lambda b: np.full_like(b, np.radians(7.0)), lambda b: np.full_like(b, np.radians(4.0))))
        m[f"eyeLookIn{name}"] = _gaze(rig, side, 0.0, -GAZE_YAW)
        m[f"eyeLookOut{name}"] = _gaze(rig, side, 0.0, GAZE_YAW)
        up_s, low_s = _blink_targets(side, 0.15, 0.5)
        m[f"eyeSquint{name}"] = _add(_lids(rig, side, up_s, low_s),
                                     _region(rig, [0, 0.0015, 0], side * 0.034, 1.442, 0.014, 0.008, kinds=("head_skin",)))
        m[f"eyeWide{name}"] = _lids(rig, side, lambda b: np.full_like(b, np.radians(13.0)), lambda b: np.full_like(b, np.radians(-5.0)))
        m[f"mouthDimple{name}"] = _corner(rig, side, [side * 0.0020, 0.0003, -0.0025])
        m[f"mouthFrown{name}"] = _corner(rig, side, [side * 0.0008, -0.0045, -0.0004])
        m[f"mouthLowerDown{name}"] = _region(rig, [0, -0.0042, 0.0004], side * 0.008, F.MOUTH_Y - 0.002, 0.011, 0.008, side_mask="lower")
        m[f"mouthUpperUp{name}"] = _region(rig, [0, 0.0040, 0.0004], side * 0.008, F.MOUTH_Y + 0.002, 0.011, 0.008, side_mask="upper")
        m[f"mouthPress{name}"] = _add(_corner(rig, side, [side * 0.0015, 0.0, -0.0008]),
                                      _region(rig, [0, 0.0007, -0.0006], side * 0.007, F.MOUTH_Y - 0.002, 0.010, 0.004, side_mask="lower"),
                                      _region(rig, [0, -0.0004, -0.0006], side * 0.007, F.MOUTH_Y + 0.002, 0.010, 0.004, side_mask="upper"))
        m[f"mouthSmile{name}"] = _add(_corner(rig, side, [side * 0.0030, 0.0050, -0.0020]),
                                      _region(rig, [0, 0.0020, 0.0006], side * 0.034, 1.425, 0.014, 0.012, kinds=("head_skin",)))
        m[f"mouthStretch{name}"] = _corner(rig, side, [side * 0.0050, -0.0012, -0.0012])
        m[f"noseSneer{name}"] = _add(_region(rig, [0, 0.0025, -0.0003], side * 0.008, F.NOSE_TIP[1] + 0.006, 0.007, 0.008, kinds=("head_skin",)),
                                     _brow(rig, side, -0.0012, 0.0))
    m["browInnerUp"] = _add(_brow(rig, 1.0, 0.0060, 0.0005), _brow(rig, -1.0, 0.0060, 0.0005))
    m["cheekPuff"] = _add(_region(rig, [0.0045, 0, 0.0025], 0.042, 1.418, 0.017, 0.017, kinds=("head_skin",)),
                          _region(rig, [-0.0045, 0, 0.0025], -0.042, 1.418, 0.017, 0.017, kinds=("head_skin",)))
    m["jawOpen"] = _jaw_rotate(rig, F.JAW_OPEN_ANGLE)
    m["jawForward"] = _jaw_translate(rig, [0, 0, 0.0055])
    m["jawLeft"] = _jaw_translate(rig, [0.0055, 0, 0])
    m["jawRight"] = _jaw_translate(rig, [-0.0055, 0, 0])
    m["mouthClose"] = _mouth_close(rig)
    m["mouthFunnel"] = _add(
        _region(rig, [0, 0, 0.0040], 0.0, F.MOUTH_Y, 0.016, 0.011),
        _region(rig, [0, 0.0022, 0], 0.0, F.MOUTH_Y + 0.001, 0.010, 0.006, side_mask="upper"),
        _region(rig, [0, -0.0030, 0], 0.0, F.MOUTH_Y - 0.001, 0.010, 0.006, side_mask="lower"),
        _corner(rig, 1.0, [-0.0035, 0, 0]), _corner(rig, -1.0, [0.0035, 0, 0]))
    m["mouthPucker"] = _add(
        _region(rig, [0, 0, 0.0028], 0.0, F.MOUTH_Y, 0.013, 0.008),
        _corner(rig, 1.0, [-0.0060, 0, 0.0010]), _corner(rig, -1.0, [0.0060, 0, 0.0010]))
    m["mouthLeft"] = _region(rig, [0.0055, 0, 0], 0.0, F.MOUTH_Y, 0.024, 0.014)
    m["mouthRight"] = _region(rig, [-0.0055, 0, 0], 0.0, F.MOUTH_Y, 0.024, 0.014)
    m["mouthRollLower"] = _region(rig, [0, 0.0008, -0.0022], 0.0, F.MOUTH_Y - 0.002, 0.014, 0.004, side_mask="lower")
    m["mouthRollUpper"] = _region(rig, [0, -0.0006, -0.0022], 0.0, F.MOUTH_Y + 0.002, 0.014, 0.004, side_mask="upper")
    m["mouthShrugLower"] = _region(rig, [0, 0.0030, 0.0012], 0.0, F.MOUTH_Y - 0.008, 0.018, 0.012, side_mask="lower")
    m["mouthShrugUpper"] = _region(rig, [0, 0.0022, 0.0006], 0.0, F.MOUTH_Y + 0.003, 0.015, 0.007)  # both lips: stays shut
    m["tongueOut"] = _add(_jaw_rotate(rig, F.JAW_OPEN_ANGLE * 0.45), _tongue_out(rig))
    missing = [n for n in ARKIT_NAMES if n not in m]
    if missing:
        raise AvatarBuildError(f"morphs not built: {missing}")
    return {name: m[name] for name in ARKIT_NAMES}


def _tongue_out(rig: FaceRig) -> list[np.ndarray]:
    out = rig.zeros()
    for i, part in enumerate(rig.parts):
        if part.kind == "tongue":
            z = part.positions[:, 2]
            s = smoothstep(z.min(), z.max(), z)
            out[i] = np.stack([np.zeros_like(z), 0.0030 + 0.0015 * s, 0.0120 + 0.0090 * s], 1)
    return out


# VRM 1.0 presets as mixes of the ARKit targets (baked into their own targets too).
VRM_PRESETS: dict[str, dict[str, float]] = {
    "aa": {"jawOpen": 0.85, "mouthLowerDownLeft": 0.25, "mouthLowerDownRight": 0.25},
    "ih": {"jawOpen": 0.25, "mouthStretchLeft": 0.55, "mouthStretchRight": 0.55, "mouthUpperUpLeft": 0.2, "mouthUpperUpRight": 0.2},
    "ou": {"jawOpen": 0.22, "mouthPucker": 0.9, "mouthFunnel": 0.45},
    "ee": {"jawOpen": 0.2, "mouthStretchLeft": 0.6, "mouthStretchRight": 0.6, "mouthSmileLeft": 0.35, "mouthSmileRight": 0.35},
    "oh": {"jawOpen": 0.55, "mouthFunnel": 0.8, "mouthPucker": 0.25},
    "blink": {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0},
    "blinkLeft": {"eyeBlinkLeft": 1.0},
    "blinkRight": {"eyeBlinkRight": 1.0},
    "happy": {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0, "cheekSquintLeft": 0.7, "cheekSquintRight": 0.7,
              "eyeSquintLeft": 0.6, "eyeSquintRight": 0.6, "browInnerUp": 0.2, "jawOpen": 0.12},
    "angry": {"browDownLeft": 1.0, "browDownRight": 1.0, "eyeSquintLeft": 0.35, "eyeSquintRight": 0.35,
              "mouthFrownLeft": 0.7, "mouthFrownRight": 0.7, "noseSneerLeft": 0.35, "noseSneerRight": 0.35},
    "sad": {"browInnerUp": 1.0, "mouthFrownLeft": 0.8, "mouthFrownRight": 0.8, "eyeBlinkLeft": 0.2, "eyeBlinkRight": 0.2,
            "mouthShrugLower": 0.4},
    "relaxed": {"eyeBlinkLeft": 0.38, "eyeBlinkRight": 0.38, "mouthSmileLeft": 0.45, "mouthSmileRight": 0.45},
    "surprised": {"eyeWideLeft": 1.0, "eyeWideRight": 1.0, "browInnerUp": 0.8, "browOuterUpLeft": 0.8,
                  "browOuterUpRight": 0.8, "jawOpen": 0.45, "mouthFunnel": 0.3},
    "lookUp": {"eyeLookUpLeft": 1.0, "eyeLookUpRight": 1.0},
    "lookDown": {"eyeLookDownLeft": 1.0, "eyeLookDownRight": 1.0},
    # VRM 1.0: lookLeft turns the eyes toward the avatar's left (+X).
    "lookLeft": {"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0},
    "lookRight": {"eyeLookInLeft": 1.0, "eyeLookOutRight": 1.0},
    "neutral": {},
}


def build_all(parts: list[Part]) -> dict[str, list[np.ndarray]]:
    """Every face morph (ARKit then VRM presets), each a list of per-part (N, 3) deltas."""
    rig = FaceRig(parts)
    motions = _lip_motions(rig)
    arkit = seal(parts, rig.lip_follow, motions)
    out = dict(arkit)
    for name, mix in VRM_PRESETS.items():
        # A preset with parted lips shows its teeth fully and where its lips frame them (a smile
        # lifts the upper lip off the upper teeth); one with shut lips takes the sealed targets.
        parted = any(source in PARTING_MOUTH for source in mix)
        deltas = teeth_shown(parts, 1.0, 1.0) if parted else rig.zeros()
        for source, k in mix.items():
            deltas = [d + k * s for d, s in zip(deltas, (motions if parted else arkit)[source])]
        out[name] = deltas
    return out
