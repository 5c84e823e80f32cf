"""Avatar mode's picture: an avatar driven by avatar/driving's AvatarDriver (retargeting,
expression mixer with VRM override rules, look-at, spring bones, idle life, hotkey expressions),
rendered on a transparent stage and composited over a background (colour, image, a looping video,
the camera frame, or transparent for alpha output), all on the GPU. Lip-sync weights (mouth from
audio) go to the driver's viseme channel."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Mapping

import numpy as np

from assets.errors import AssetError
from avatar.gltf.document import GltfDocument
from avatar.asset import load_avatar as load_asset
from avatar.loading import resolve_avatar_path
from avatar.driving.avatar_model import avatar_from_document
from avatar.driving.driver import AvatarDriver, DrivenFrame, DriverOptions
from avatar.driving.retarget import RetargetOptions
from avatar.posing import Pose
from avatar.vrm.types import VrmModel
from capture.types import Tracking
from render.context import RenderContext
from render.image_io import read_image
from render.live.compositor import Compositor, Fit, ImageTexture
from render.live.video_background import VideoBackground
from render.stage import AvatarStage, Shot, StageOptions
from render.surface import OffscreenSurface


class BackgroundKind(Enum):
    COLOR = "color"
    IMAGE = "image"
    VIDEO = "video"  # a looping video file, decoded ahead on its own thread
    CAMERA = "camera"  # the live source frame behind the avatar
    TRANSPARENT = "transparent"  # alpha 0: for OBS through the .mov/.webm alpha recorder


@dataclass(frozen=True)
class AvatarView:
    """background: what is behind the avatar; color: straight RGB in [0, 1]; image: a file for
    BackgroundKind.IMAGE; video: a file for BackgroundKind.VIDEO; shot: camera framing."""

    background: BackgroundKind = BackgroundKind.COLOR
    color: tuple[float, float, float] = (0.12, 0.13, 0.16)
    image: str = ""
    video: str = ""
    shot: Shot = Shot.MEDIUM


def bone_node_indices(doc: GltfDocument, vrm: VrmModel | None) -> dict[str, int]:
    """Humanoid bone -> node index (VRM humanoid map, whatever the nodes are called, if anything;
    plain glTF: nodes named like the bones)."""
    if vrm is not None:
        return {bone: int(i) for bone, i in vrm.humanoid.bones.items()}
    return {node.name: i for i, node in enumerate(doc.nodes) if node.name}


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


class AvatarLayer:
    """Renders the avatar into its own transparent stage, then composites it over the background
    into `out` (all on the GPU)."""

    def __init__(self, rc: RenderContext, spec: str, size: tuple[int, int], compositor: Compositor,
                 samples: int = 4) -> None:
        self.rc = rc
        self.spec = spec
        self.doc, self.vrm = load_avatar(spec)
        self.bone_nodes = bone_node_indices(self.doc, self.vrm)
        # DrivingError names what is missing when the file cannot be driven.
        self.drivable = avatar_from_document(self.doc, Path(str(spec)))
        self.avatar_driver: AvatarDriver | None = None
        self._neutral_key: tuple | None = None
        options = StageOptions(width=size[0], height=size[1], samples=samples, transparent=True)
        self.stage = AvatarStage(self.doc, options, rc, bone_nodes=self.bone_nodes)
        self.compositor = compositor
        self.view = AvatarView()
        self._bg_image = ImageTexture(rc)
        self._camera = ImageTexture(rc)
        self._bg_path = ""
        self._bg_video: VideoBackground | None = None  # decoding only while the video is shown
        self.last_pose: Pose = Pose()
        self.last_expressions: dict[str, float] = {}
        self.last_driven: DrivenFrame | None = None  # for VMC out
        # The driver's node matrices include the +Z root transform (VRM 0.x turned around), so
        # the camera always looks from +Z; frame the avatar as the driver shows it.
        self._yaw = 0.0
        self._drive(None, 0.0, None, {})
        self.set_view(self.view)

    @property
    def name(self) -> str:
        return self.vrm.meta.name if self.vrm is not None and self.vrm.meta.name else Path(str(self.spec)).name

    @property
    def perfect_sync(self) -> bool:
        """True when the avatar has ARKit mouth shapes (lip sync drives those instead of aa..oh)."""
        return bool(self.drivable.binding.perfect_sync)

    @property
    def video_error(self) -> str | None:
        return self._bg_video.error if self._bg_video is not None else None

    def set_view(self, view: AvatarView) -> None:
        """Show `view`; a background file that cannot be read raises AssetError (naming it) and the
        current view stays."""
        if view.background is BackgroundKind.IMAGE and view.image and view.image != self._bg_path:
            rgba = read_image(view.image)  # AssetError names the file
            self._bg_image.upload(rgba)
            self._bg_path = view.image
        if view.background is BackgroundKind.VIDEO and view.video:
            if self._bg_video is None or self._bg_video.path != view.video:
                video = VideoBackground(self.rc, view.video)  # AssetError: the old one keeps playing
                self._close_video()
                self._bg_video = video
        else:
            self._close_video()
        self.stage.scene.camera = self.stage.shot_camera(view.shot, yaw_deg=self._yaw)
        self.view = view

    def _close_video(self) -> None:
        if self._bg_video is not None:
            self._bg_video.release()
            self._bg_video = None

    def _drive(self, tracking: Tracking | None, t: float, head_neutral: np.ndarray | None,
               overrides: dict[str, float], visemes: Mapping[str, float] | None = None) -> None:
        """Retarget, look-at, expression mixer, spring bones (avatar/driving), then set the pose."""
        key = tuple(np.round(head_neutral, 6)) if head_neutral is not None else None
        if self.avatar_driver is None or key != self._neutral_key:  # calibration changed
            self._neutral_key = key
            options = DriverOptions(retarget=RetargetOptions(neutral_head=key))
            self.avatar_driver = AvatarDriver(self.drivable, options)
        driven = self.avatar_driver.update(tracking, time_s=t, visemes=visemes, hotkeys=overrides or None)
        self.last_pose = driven.pose
        self.last_driven = driven
        self.last_expressions = {k: float(v) for k, v in driven.pose.morphs.items()}
        self.stage.model.set_pose(driven.node_world, driven.node_weights)
        self.stage.model.set_material_overrides(driven.materials)

    def render(self, out: OffscreenSurface, tracking: Tracking | None, image: np.ndarray | None,
               t: float, head_neutral: np.ndarray | None, overrides: dict[str, float],
               visemes: Mapping[str, float] | None = None) -> None:
        """visemes: lip-sync mouth weights (None: no speech, the tracked mouth shows)."""
        self._drive(tracking, t, head_neutral, overrides, visemes)
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
        elif view.background is BackgroundKind.VIDEO and self._bg_video is not None:
            self.compositor.draw(self._bg_video.texture(), out.size, Fit.COVER, flip_y=True)
        elif view.background is BackgroundKind.CAMERA and image is not None:
            self.compositor.draw(self._camera.upload(image), out.size, Fit.COVER, flip_y=True)
        self.compositor.draw(avatar, out.size, Fit.CONTAIN)

    def bone_names(self) -> list[str]:
        return sorted(self.bone_nodes)

    def release(self) -> None:
        self.stage.release()
        self._close_video()
        self._bg_image.release()
        self._camera.release()
