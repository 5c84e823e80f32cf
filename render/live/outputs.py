"""Live outputs besides recording: a virtual camera (pyvirtualcam, optional) and VMC out."""
from __future__ import annotations

import importlib.util
from typing import Mapping

import numpy as np

from assets.errors import VividError
from capture.smoothing import matrix_to_quat_translation
from capture.types import BLENDSHAPE_NAMES, Tracking
from capture.vmc.channels import ALL_CHANNELS
from capture.vmc.protocol import DEFAULT_PORT, LOOPBACK
from capture.vmc.sender import VmcSender

VIRTUALCAM_HELP = (
    "the virtual camera needs the optional package pyvirtualcam: pip install 'vivid-studio[virtualcam]' "
    "(or pip install pyvirtualcam). It also needs a system backend: Linux: v4l2loopback "
    "(sudo apt-get install v4l2loopback-dkms && sudo modprobe v4l2loopback devices=1 "
    "exclusive_caps=1); Windows and macOS: install OBS Studio once (it provides the OBS Virtual "
    "Camera device)."
)


class OutputUnavailable(VividError, RuntimeError):
    """An optional output cannot run on this system; the message says how to enable it."""


def virtualcam_available() -> bool:
    return importlib.util.find_spec("pyvirtualcam") is not None


class VirtualCamera:
    """Sends RGB frames to a system virtual camera through pyvirtualcam."""

    def __init__(self, width: int, height: int, fps: float = 30.0) -> None:
        if not virtualcam_available():
            raise OutputUnavailable(VIRTUALCAM_HELP)
        import pyvirtualcam  # optional dependency, imported only when asked for

        try:
            self._cam = pyvirtualcam.Camera(width=width, height=height, fps=fps)
        except RuntimeError as exc:  # pyvirtualcam raises RuntimeError when no backend device exists
            raise OutputUnavailable(f"no virtual camera device: {exc}. {VIRTUALCAM_HELP}") from exc
        self.device = self._cam.device

    def send(self, rgb: np.ndarray) -> None:
        self._cam.send(np.ascontiguousarray(rgb[..., :3]))

    def close(self) -> None:
        self._cam.close()


class VmcOut:
    """VMC out, one bundle a frame, only the chosen channels (capture/vmc/channels.py): the driven
    avatar (`send_avatar`: every humanoid bone, expressions with VRM clip names) in Avatar mode,
    else the tracked face (`send`: ARKit blendshapes and the head rotation)."""

    def __init__(self, host: str = LOOPBACK, port: int = DEFAULT_PORT, channels: frozenset[str] = ALL_CHANNELS) -> None:
        self.sender = VmcSender(host, port, channels)

    def send_avatar(self, rig, driven) -> int:
        """`rig`: the avatar's HumanoidRig; `driven`: its latest DrivenFrame."""
        from avatar.driving.vmc_out import vmc_blendshapes, vmc_bones

        return self.sender.send_frame(vmc_bones(rig, driven), vmc_blendshapes(driven), time_s=driven.time_s)

    def send(self, tracking: Tracking | None, extra_blendshapes: Mapping[str, float], time_s: float) -> int:
        blend: dict[str, float] = {}
        bones = {}
        face = tracking.face if tracking is not None else None
        if face is not None:
            values = np.asarray(face.blendshapes, np.float32)
            blend = {name: float(values[i]) for i, name in enumerate(BLENDSHAPE_NAMES) if i > 0}
            q, _ = matrix_to_quat_translation(face.head_matrix)
            bones["Head"] = (np.zeros(3, np.float32), np.asarray(q, np.float32))
        blend.update(extra_blendshapes)
        return self.sender.send_frame(bones, blend, time_s=time_s)

    def close(self) -> None:
        self.sender.close()
