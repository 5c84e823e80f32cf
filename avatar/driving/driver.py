"""`AvatarDriver`: one call per frame runs the fixed update order (ARCHITECTURE.md):
tracking -> retarget (normalized rig) -> idle blend -> look-at -> expressions (idle, tracking,
visemes, hotkeys merged by priority, then VRM override rules) -> spring bones -> node world
matrices + morph weights, ready for `ModelInstance.set_pose`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from avatar.driving.arkit_map import arkit_weights, vrm_preset_weights
from avatar.driving.avatar_model import DrivableAvatar
from avatar.driving.look_at import LookAtApplier
from avatar.driving.mixer import Channel, ExpressionMixer, MixerOptions, resolve_overrides
from avatar.driving.qmath import IDENTITY, qinv, qmul, qnorm, qslerp
from avatar.driving.retarget import RetargetOptions, RetargetResult, Retargeter
from avatar.driving.spring import SpringBoneSimulator, SpringOptions
from avatar.idle import IdleMotion, IdleOptions
from avatar.posing import MaterialOverrides, Pose
from capture.calibration import NeutralCalibration
from capture.types import BLENDSHAPE_NAMES, Tracking

EYE_LOOK_NAMES = tuple(n for n in BLENDSHAPE_NAMES if n.startswith("eyeLook"))
# The tracking channel takes over expressions once the head is at least this confident.
TRACKING_EXPRESSION_MIN = 0.5


@dataclass(frozen=True)
class DriverOptions:
    """idle: idle life used where tracking is missing (set use_idle=False for a still rest pose).
    calibration: neutral-face calibration applied to the blendshapes here (leave None when the
    capture pipeline already applied it)."""

    retarget: RetargetOptions = field(default_factory=RetargetOptions)
    idle: IdleOptions = field(default_factory=IdleOptions)
    use_idle: bool = True
    springs: SpringOptions = field(default_factory=SpringOptions)
    mixer: MixerOptions = field(default_factory=MixerOptions)
    calibration: NeutralCalibration | None = None


@dataclass(frozen=True)
class DrivenFrame:
    time_s: float
    pose: Pose  # normalized rotations; morphs = the final (resolved) expression weights
    node_world: np.ndarray  # (N, 4, 4) float32, root transform included
    node_weights: dict[int, np.ndarray]
    materials: MaterialOverrides | None  # the expressions' material colour / texture binds
    retarget: RetargetResult
    gaze: tuple[float, float]


class AvatarDriver:
    def __init__(self, avatar: DrivableAvatar, options: DriverOptions = DriverOptions()) -> None:
        self.avatar = avatar
        self.options = options
        self.retargeter = Retargeter(avatar.rig, options.retarget)
        self.idle = IdleMotion(options.idle)
        self.mixer = ExpressionMixer(options.mixer)
        self.look_at = LookAtApplier(avatar.look_at, avatar.rig.has("leftEye") and avatar.rig.has("rightEye"))
        self.springs = SpringBoneSimulator(avatar.rig, avatar.springs, options.springs)
        self.perfect_sync = avatar.binding.perfect_sync

    def _tracking_weights(self, blendshapes: np.ndarray) -> dict[str, float]:
        if self.options.calibration is not None:
            blendshapes = self.options.calibration.apply(blendshapes)
        # Perfect sync: the ARKit shapes alone (VRM presets on top would drive the same morphs twice).
        weights = arkit_weights(blendshapes) if self.perfect_sync else vrm_preset_weights(blendshapes)
        if self.perfect_sync and self.look_at.kind is not None:
            # Gaze goes through the look-at (one gaze for both eyes, winks excluded), not through
            # per-eye eyeLook morphs, which would move the eyes a second time and bring back the
            # lazy eye.
            for name in EYE_LOOK_NAMES:
                weights[name] = 0.0
        weights["blink"] = 0.0  # own the idle blink while tracking
        return weights

    def _idle_weights(self, blink: float) -> dict[str, float]:
        if self.perfect_sync:  # the same eyelid morphs the tracking channel drives
            return {"eyeBlinkLeft": blink, "eyeBlinkRight": blink}
        return {"blink": blink}

    def _keep_head_world(self, tracked: dict[str, np.ndarray], idle: Pose, result: RetargetResult) -> None:
        """The head was solved on the tracked torso (or none); idle breathing and sway, or a torso
        still fading, would tilt it: re-base the first neck/head bone on the torso shown."""
        first = next((b for b in ("neck", "head") if b in tracked and self.avatar.rig.has(b)), None)
        if first is None:
            return
        shown = IDENTITY
        torso_w = result.weights.get("torso", 0.0)
        for bone in ("spine", "chest", "upperChest"):
            if not self.avatar.rig.has(bone):
                continue
            base = np.asarray(idle.rotations.get(bone, IDENTITY), np.float64)
            t = result.rotations.get(bone)
            q = base if t is None or torso_w <= 0 else qslerp(base, t, torso_w)
            shown = qmul(shown, q)
        tracked[first] = qnorm(qmul(qinv(shown), qmul(result.head_parent_world, tracked[first])))

    def update(self, tracking: Tracking | None, time_s: float | None = None,
               visemes: Mapping[str, float] | None = None, hotkeys: Mapping[str, float] | None = None) -> DrivenFrame:
        """visemes: mouth-group weights from lip sync (aa/ih/ou/ee/oh), or None when silent.
        hotkeys: expression weights held by the user (e.g. {"happy": 1}), or None."""
        t = float(tracking.timestamp_s if tracking is not None and time_s is None else time_s)
        result = self.retargeter.update(tracking if tracking is not None else Tracking(timestamp_s=t))
        idle = self.idle.pose_at(t) if self.options.use_idle else Pose()
        rotations: dict[str, np.ndarray] = {}
        tracked_rotations = dict(result.rotations)
        self._keep_head_world(tracked_rotations, idle, result)
        for bone in set(idle.rotations) | set(tracked_rotations):
            base = np.asarray(idle.rotations.get(bone, IDENTITY), np.float64)
            tracked = tracked_rotations.get(bone)
            w = result.weights.get(result.bone_part.get(bone, ""), 0.0) if tracked is not None else 0.0
            rotations[bone] = base if w <= 0.0 else tracked if w >= 1.0 else qslerp(base, tracked, w)
        idle_gaze = self.idle.gaze(t) if self.options.use_idle else (0.0, 0.0)
        head_w = result.weights.get("head", 0.0)
        gaze = idle_gaze
        if result.gaze is not None and head_w > 0:
            gaze = (idle_gaze[0] + (result.gaze[0] - idle_gaze[0]) * head_w,
                    idle_gaze[1] + (result.gaze[1] - idle_gaze[1]) * head_w)
        full = self.options.retarget.gaze_range_deg
        look = self.look_at.apply_fraction(gaze[0] / full, gaze[1] / full)
        rotations.update(look.rotations)

        blink = float(idle.morphs.get("blink", 0.0))
        self.mixer.set(Channel.IDLE, self._idle_weights(blink))
        if result.blendshapes is not None and head_w >= TRACKING_EXPRESSION_MIN:
            self.mixer.set(Channel.TRACKING, self._tracking_weights(result.blendshapes))
        else:
            self.mixer.set(Channel.TRACKING, None)
        self.mixer.set(Channel.VISEME, visemes)
        self.mixer.set(Channel.HOTKEY, hotkeys)
        mixed = self.mixer.mix(t)
        mixed.update(look.expressions)
        resolved = resolve_overrides(mixed, self.avatar.binding.expressions)

        pose = Pose(rotations=rotations, morphs=resolved, root_offset=idle.root_offset)
        world = self.avatar.rig.pose_world(pose)
        world = self.springs.update(t, world)
        weights = self.avatar.binding.node_weights(resolved)
        materials = self.avatar.binding.material_overrides(resolved)
        return DrivenFrame(t, pose, world.astype(np.float32), weights, materials, result, gaze)
