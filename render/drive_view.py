"""Rendering a driven avatar: an `AvatarStage` fed with the driver's node matrices (root transform
included, so VRM 0.x faces the camera) and framed on the rig's head."""
from __future__ import annotations

from dataclasses import replace
from enum import Enum

import numpy as np

from avatar.driving.avatar_model import DrivableAvatar
from avatar.driving.driver import DrivenFrame
from avatar.posing import Pose, PosedFrame
from render.camera import Camera
from render.context import RenderContext
from render.stage import AvatarStage, StageOptions
from render.surface import AlphaOutput


class DriveShot(Enum):
    CLOSEUP = "closeup"  # head and shoulders: the webcam VTuber framing
    MEDIUM = "medium"  # waist up, for arm and hand tracking
    FULL = "full"


class DriveView:
    def __init__(self, avatar: DrivableAvatar, options: StageOptions = StageOptions(), shot: DriveShot = DriveShot.CLOSEUP,
                 rc: RenderContext | None = None) -> None:
        self.avatar = avatar
        bone_nodes = {name: bone.node for name, bone in avatar.rig.bones.items()}
        self.stage = AvatarStage(avatar.doc, options, rc, bone_nodes=bone_nodes)
        rest_world = avatar.rig.pose_world(Pose())
        self.stage.model.set_pose(rest_world.astype(np.float32), avatar.binding.base)
        self.stage.bounds = self.stage.measure_bounds()  # re-measured with the root transform (VRM 0.x faces +Z)
        self.stage.scene.camera = self.camera(shot)

    def camera(self, shot: DriveShot) -> Camera:
        lo, hi = self.stage.bounds
        rig = self.avatar.rig
        opts = self.stage.options
        aspect = opts.width / opts.height
        if shot is DriveShot.FULL or not rig.has("hips"):
            box_lo, box_hi = lo, hi
        else:
            head = rig.bones["head"].rest_position
            if shot is DriveShot.CLOSEUP:
                # Head and shoulders: from the head bone (the skull's base) up to the top of the model
                # (hair included) and half that height below it.
                top = min(float(hi[1]), head[1] + 0.45)
                h = max(top - head[1], 0.1)
                box_lo = np.array([head[0] - 0.6 * h, head[1] - 0.5 * h, head[2] - 0.4 * h])
                box_hi = np.array([head[0] + 0.6 * h, top, head[2] + 0.4 * h])
            else:
                hips = rig.bones["hips"].rest_position
                box_lo = np.array([head[0] - 0.45, hips[1] - 0.05, head[2] - 0.2])
                box_hi = np.array([head[0] + 0.45, hi[1], head[2] + 0.2])
        camera = Camera.framing(box_lo, box_hi, fov_y_deg=opts.fov_y_deg, aspect=aspect, margin=1.0,
                                direction=(0.0, 0.05, 1.0))
        distance = float(np.linalg.norm(np.subtract(camera.position, camera.target)))
        extent = float(np.linalg.norm(hi - lo))
        return replace(camera, near=max(0.01, distance * 0.05), far=distance + extent * 2 + 1.0)

    def view_projection(self) -> np.ndarray:
        """(4, 4) world -> clip matrix of the current camera (for drawing over the render)."""
        opts = self.stage.options
        return self.stage.scene.camera.view_projection(opts.width / opts.height)

    def render(self, frame: DrivenFrame, alpha: AlphaOutput = AlphaOutput.STRAIGHT) -> np.ndarray:
        return self.stage.render_posed(PosedFrame(frame.node_world, frame.node_weights, frame.materials), frame.time_s,
                                       alpha)

    def render_rest(self, alpha: AlphaOutput = AlphaOutput.STRAIGHT) -> np.ndarray:
        world = self.avatar.rig.pose_world(Pose()).astype(np.float32)
        return self.stage.render_posed(PosedFrame(world, self.avatar.binding.base), 0.0, alpha)

    def release(self) -> None:
        self.stage.release()

    def __enter__(self) -> "DriveView":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
