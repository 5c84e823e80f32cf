"""Avatar mode's picture: an avatar on a transparent stage, driven by tracking, composited over a
background (colour, image, the camera frame, or transparent for alpha output).

The driving here is the interim one the studio uses while avatar/driving has not landed on
main: idle motion, the head rotation from the face transform, ARKit-named morphs passed through,
VRM blink / mouth expressions from the eye and jaw blendshapes, and hotkey expressions. When
avatar/driving lands, its retargeter replaces `InterimDriver` (docs/studio.md)."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from assets.errors import AssetError
from avatar.gltf.document import GltfDocument
from avatar.asset import load_avatar as load_asset
from avatar.idle import IdleMotion
from avatar.loading import resolve_avatar_path
from avatar.posing import Pose, PosedFrame
from avatar.quaternions import quat_multiply
from avatar.vrm.rig import HumanoidRig
from avatar.vrm.types import VrmModel, VrmVersion
from capture.smoothing import matrix_to_quat_translation
from capture.types import BLENDSHAPE_NAMES, Blendshape, Tracking
from render.context import RenderContext
from render.image_io import read_image
from render.live.compositor import Compositor, Fit, ImageTexture
from render.stage import AvatarStage, Shot, StageOptions
from render.surface import OffscreenSurface


class BackgroundKind(Enum):
    COLOR = "color"
    IMAGE = "image"
    CAMERA = "camera"  # the live source frame behind the avatar
    TRANSPARENT = "transparent"  # alpha 0: for OBS through the .mov/.webm alpha recorder


@dataclass(frozen=True)
class AvatarView:
    """background: what is behind the avatar; color: straight RGB in [0, 1]; image: a file for
    BackgroundKind.IMAGE; shot: camera framing."""

    background: BackgroundKind = BackgroundKind.COLOR
    color: tuple[float, float, float] = (0.12, 0.13, 0.16)
    image: str = ""
    shot: Shot = Shot.MEDIUM


def _quat_inverse(q: np.ndarray) -> np.ndarray:
    return np.array([-q[0], -q[1], -q[2], q[3]], np.float32)


class _HumanoidStage(AvatarStage):
    """AvatarStage whose shot framing finds 'head' / 'hips' through the VRM humanoid map (VRM
    node names are the exporter's, e.g. Godette's head is not called 'head')."""

    def __init__(self, doc: GltfDocument, options: StageOptions, rc: RenderContext,
                 bone_nodes: dict[str, str]) -> None:
        self.bone_nodes = bone_nodes  # read by shot_camera during AvatarStage.__init__
        super().__init__(doc, options, rc=rc)

    def _bone_position(self, name: str) -> np.ndarray | None:
        return super()._bone_position(self.bone_nodes.get(name, name))


class InterimDriver:
    """Tracking -> Pose for the studio until avatar/driving lands (see module doc)."""

    # VRM expression <- blendshape: the two groups every VRM has and a webcam reads reliably.
    EXPRESSION_SOURCES = {
        "blinkLeft": (Blendshape.EYE_BLINK_LEFT,),
        "blinkRight": (Blendshape.EYE_BLINK_RIGHT,),
        "aa": (Blendshape.JAW_OPEN,),
    }

    def __init__(self, doc: GltfDocument, vrm: VrmModel | None) -> None:
        self.doc = doc
        self.vrm = vrm
        self.idle = IdleMotion()
        names = {i: node.name for i, node in enumerate(doc.nodes) if node.name}
        if vrm is not None:  # humanoid bone -> node name (nodes without a name cannot be posed by name)
            self.bone_nodes = {bone: names[i] for bone, i in vrm.humanoid.bones.items() if i in names}
        else:
            self.bone_nodes = {name: name for name in names.values()}
        self.expressions = {e.name: e for e in vrm.expressions} if vrm is not None else {}
        self.faces_minus_z = vrm is not None and vrm.version == VrmVersion.V0
        morph_names = {n for mesh in doc.meshes for n in mesh.target_names if n}
        # Avatars with ARKit morphs get the blendshapes directly; the others (most VRMs) get the
        # VRM blink / mouth expressions instead, never both (that would double the blink).
        self.has_arkit = "jawOpen" in morph_names and "eyeBlinkLeft" in morph_names
        # VRM: normalized-rig rotations (same meaning on every avatar) -> the file's raw bones.
        self.rig = HumanoidRig.of(vrm) if vrm is not None else None

    def _rotations(self, normalized: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Humanoid-bone normalized rotations -> Pose rotations (node name -> delta on the rest pose)."""
        if self.rig is None:  # plain glTF: bones are named as humanoid bones, rest = normalized
            return {self.bone_nodes[b]: q for b, q in normalized.items() if b in self.bone_nodes}
        bones = self.rig.model.humanoid.bones
        raw = self.rig.raw_local_rotations({b: q for b, q in normalized.items()
                                            if b in bones and b in self.bone_nodes})
        inverse_bones = {node: bone for bone, node in bones.items()}
        out = {}
        for node, q in raw.items():
            bone = inverse_bones[node]
            rest = np.asarray(self.rig.rest_local_rotation[bone], np.float32)
            out[self.bone_nodes[bone]] = quat_multiply(_quat_inverse(rest), q).astype(np.float32)
        return out

    def pose(self, tracking: Tracking | None, t: float, head_neutral: np.ndarray | None,
             overrides: dict[str, float]) -> tuple[Pose, dict[str, float]]:
        """(Pose with node-name rotations and morphs, VRM expression weights)."""
        idle = self.idle.pose_at(t)
        normalized = dict(idle.rotations)
        morphs = dict(idle.morphs)
        expressions = {"blink": idle.morphs.get("blink", 0.0)}
        face = tracking.face if tracking is not None else None
        if face is not None:
            q, _ = matrix_to_quat_translation(face.head_matrix)
            q = np.asarray(q, np.float32)
            if head_neutral is not None:
                q = quat_multiply(_quat_inverse(np.asarray(head_neutral, np.float32)), q)
            normalized["head"] = q
            blend = np.asarray(face.blendshapes, np.float32)
            if self.has_arkit:
                for i, name in enumerate(BLENDSHAPE_NAMES[1:], start=1):
                    # Gaze is for look-at on the eye bones (avatar/driving): MediaPipe's eyeLook*
                    # read ~0.5 on a webcam's downward view and would roll the irises away.
                    if not name.startswith("eyeLook"):
                        morphs[name] = float(blend[i])
                morphs["blink"] = 0.0
                expressions = {}
            else:
                expressions = {name: float(max(blend[int(i)] for i in idx))
                               for name, idx in self.EXPRESSION_SOURCES.items()}
                expressions["blink"] = 0.0
        rotations = self._rotations(normalized)
        for name, weight in overrides.items():
            if name in self.expressions:
                expressions[name] = weight
            else:
                morphs[name] = weight
        return Pose(rotations=rotations, morphs=morphs), expressions

    def apply_expressions(self, posed: PosedFrame, weights: dict[str, float]) -> PosedFrame:
        """Add VRM expression morph binds to the posed morph weights (clamped to [0, 1])."""
        if not self.expressions:
            return posed
        node_weights = {k: v.copy() for k, v in posed.node_weights.items()}
        for name, w in weights.items():
            expression = self.expressions.get(name)
            if expression is None or w <= 0.0:
                continue
            for bind in expression.morph_binds:
                for node_index, values in node_weights.items():
                    if self.doc.nodes[node_index].mesh == bind.mesh and bind.target < len(values):
                        values[bind.target] = min(1.0, values[bind.target] + w * bind.weight)
        return PosedFrame(posed.node_world, node_weights)


def load_avatar(spec: str) -> tuple[GltfDocument, VrmModel | None]:
    """'builtin' or a .glb/.gltf/.vrm path -> (document, VRM data when it is a VRM). A VRM with a
    missing required bone or a broken extension raises AssetError naming the file and field."""
    path = resolve_avatar_path(spec)
    if not Path(path).is_file():
        raise AssetError(f"{path}: the built-in avatar has not been generated yet; open a .vrm, "
                         f".glb or .gltf file in the Avatar panel (or drop one on the window)")
    asset = load_asset(path)
    doc, vrm = asset.document, asset.vrm
    if vrm is None and path.suffix.lower() == ".vrm":
        raise AssetError(f"{path}: has the .vrm extension but no VRM or VRMC_vrm extension data")
    return doc, vrm


def driving_available() -> bool:
    """avatar/driving (retargeting, expression mixer, look-at, spring bones) is on this build."""
    try:
        return importlib.util.find_spec("avatar.driving.driver") is not None
    except ModuleNotFoundError:
        return False


class AvatarLayer:
    """Renders the avatar into its own transparent stage, then composites it over the background
    into `out` (all on the GPU). Driven by avatar/driving's AvatarDriver when it is on this build,
    else by the InterimDriver above."""

    def __init__(self, rc: RenderContext, spec: str, size: tuple[int, int], compositor: Compositor,
                 samples: int = 4) -> None:
        self.rc = rc
        self.spec = spec
        self.doc, self.vrm = load_avatar(spec)
        self.driver = InterimDriver(self.doc, self.vrm)  # bone map + framing; drives when avatar/driving is absent
        self.drivable = None
        self.avatar_driver = None
        self._neutral_key: tuple | None = None
        if driving_available():
            from avatar.driving.avatar_model import avatar_from_document

            self.drivable = avatar_from_document(self.doc, Path(str(spec)))  # DrivingError names what is missing
        options = StageOptions(width=size[0], height=size[1], samples=samples, transparent=True)
        self.stage = _HumanoidStage(self.doc, options, rc, self.driver.bone_nodes)
        self.compositor = compositor
        self.view = AvatarView()
        self._bg_image = ImageTexture(rc)
        self._camera = ImageTexture(rc)
        self._bg_path = ""
        self.last_pose: Pose = Pose()
        self.last_expressions: dict[str, float] = {}
        # VRM 0.x faces -Z: orbit the camera to its front instead of seeing its back (the
        # AvatarDriver's node matrices include the +Z root transform, so then no orbit is needed).
        self._yaw = 180.0 if self.driver.faces_minus_z and self.drivable is None else 0.0
        if self.drivable is not None:
            self._drive(None, 0.0, None, {})  # frame the avatar as the driver shows it
        self.set_view(self.view)

    @property
    def name(self) -> str:
        return self.vrm.meta.name if self.vrm is not None and self.vrm.meta.name else Path(str(self.spec)).name

    def set_view(self, view: AvatarView) -> None:
        if view.background is BackgroundKind.IMAGE and view.image and view.image != self._bg_path:
            rgba = read_image(view.image)  # AssetError names the file
            self._bg_image.upload(rgba)
            self._bg_path = view.image
        self.stage.scene.camera = self.stage.shot_camera(view.shot, yaw_deg=self._yaw)
        self.view = view

    def _drive(self, tracking: Tracking | None, t: float, head_neutral: np.ndarray | None,
               overrides: dict[str, float]) -> None:
        """AvatarDriver path: retarget, look-at, expression mixer, spring bones (avatar/driving)."""
        from avatar.driving.driver import AvatarDriver, DriverOptions
        from avatar.driving.retarget import RetargetOptions

        key = tuple(np.round(head_neutral, 6)) if head_neutral is not None else None
        if self.avatar_driver is None or key != self._neutral_key:  # calibration changed
            self._neutral_key = key
            options = DriverOptions(retarget=RetargetOptions(neutral_head=key))
            self.avatar_driver = AvatarDriver(self.drivable, options)
        driven = self.avatar_driver.update(tracking, time_s=t, hotkeys=overrides or None)
        self.last_pose = driven.pose
        self.last_expressions = {k: float(v) for k, v in driven.pose.morphs.items()}
        self.stage.model.set_pose(driven.node_world, driven.node_weights)

    def render(self, out: OffscreenSurface, tracking: Tracking | None, image: np.ndarray | None,
               t: float, head_neutral: np.ndarray | None, overrides: dict[str, float]) -> None:
        if self.drivable is not None:
            self._drive(tracking, t, head_neutral, overrides)
        else:
            pose, expressions = self.driver.pose(tracking, t, head_neutral, overrides)
            posed = self.driver.apply_expressions(self.stage.poser.apply(pose), expressions)
            self.last_pose, self.last_expressions = pose, expressions
            self.stage.model.set_pose(posed.node_world, posed.node_weights)
        self.stage.scene.time_s = t
        view = self.view
        scene = self.stage.scene
        if self.stage.surface.samples == 0 and view.background in (BackgroundKind.COLOR, BackgroundKind.TRANSPARENT):
            # Single-sampled over a plain background: draw straight into `out`, no extra pass.
            alpha = 0.0 if view.background is BackgroundKind.TRANSPARENT else 1.0
            scene.background = (*view.color, alpha)
            self.stage.renderer.render(scene, out)
            return
        scene.background = (*view.color, 0.0)
        self.stage.renderer.render(scene, self.stage.surface)
        avatar = self.stage.surface.resolve()

        ctx = self.rc.ctx
        out.use()
        if view.background is BackgroundKind.TRANSPARENT:
            ctx.clear(0.0, 0.0, 0.0, 0.0)
        else:
            ctx.clear(*view.color, 1.0)
        if view.background is BackgroundKind.IMAGE and self._bg_image.texture is not None:
            self.compositor.draw(self._bg_image.texture, out.size, Fit.COVER, flip_y=True,
                                 straight_alpha=True)
        elif view.background is BackgroundKind.CAMERA and image is not None:
            self.compositor.draw(self._camera.upload(image), out.size, Fit.COVER, flip_y=True)
        self.compositor.draw(avatar, out.size, Fit.CONTAIN)

    def bone_names(self) -> list[str]:
        return sorted(self.driver.bone_nodes)

    def release(self) -> None:
        self.stage.release()
        self._bg_image.release()
        self._camera.release()
