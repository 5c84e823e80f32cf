"""VMC sender: our avatar's bones and blendshapes out to other VTuber apps, one OSC bundle per
frame (VSeeFace users asked for exactly that: receivers see a consistent frame, never half)."""
from __future__ import annotations

import socket
from typing import Mapping

import numpy as np
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from assets.errors import VividError
from capture.vmc.channels import ALL_CHANNELS, select_bones
from capture.vmc.coords import position_gltf_to_unity, quat_gltf_to_unity
from capture.vmc.protocol import (ADDR_BLEND_APPLY, ADDR_BLEND_VAL, ADDR_BONE, ADDR_OK,
                                  ADDR_ROOT, ADDR_TIME, DEFAULT_PORT, LOOPBACK)

MAX_DATAGRAM_BYTES = 65507  # the largest UDP payload over IPv4

BoneTransform = tuple[np.ndarray, np.ndarray]  # (position xyz metres, rotation xyzw), glTF frame


def _message(address: str, *args: object) -> object:
    builder = OscMessageBuilder(address=address)
    for arg in args:
        if isinstance(arg, str):
            builder.add_arg(arg, "s")
        elif isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
            builder.add_arg(int(arg), "i")
        else:
            builder.add_arg(float(arg), "f")
    return builder.build()


def _bone_args(name: str, transform: BoneTransform) -> list[object]:
    pos = position_gltf_to_unity(transform[0])
    rot = quat_gltf_to_unity(transform[1])
    return [name, *pos.tolist(), *rot.tolist()]


def build_frame_bundle(bones: Mapping[str, BoneTransform], blendshapes: Mapping[str, float] | None,
                       root: BoneTransform | None = None, time_s: float | None = None) -> bytes:
    """One OSC bundle: OK, T, Root, every Bone, every Blend/Val, then Blend/Apply.

    bones: Unity HumanBodyBones name -> (position, xyzw rotation) in glTF coordinates (local to
    the parent, as VMC expects); converted to Unity's left-handed frame here.
    blendshapes: None sends no Blend messages at all (not even Apply), so a receiver keeps the
    face another sender drives.
    """
    bundle = OscBundleBuilder(IMMEDIATELY)
    bundle.add_content(_message(ADDR_OK, 1))
    if time_s is not None:
        bundle.add_content(_message(ADDR_TIME, float(time_s)))
    if root is not None:
        bundle.add_content(_message(ADDR_ROOT, *_bone_args("root", root)))
    for name, transform in bones.items():
        bundle.add_content(_message(ADDR_BONE, *_bone_args(name, transform)))
    if blendshapes is not None:
        for name, value in blendshapes.items():
            bundle.add_content(_message(ADDR_BLEND_VAL, name, float(value)))
        bundle.add_content(_message(ADDR_BLEND_APPLY))
    data = bundle.build().dgram
    if len(data) > MAX_DATAGRAM_BYTES:
        raise VividError(f"VMC frame is {len(data)} bytes, over the UDP limit "
                         f"{MAX_DATAGRAM_BYTES}; send fewer bones/blendshapes per frame")
    return data


class VmcSender:
    """Sends one bundle per frame to host:port over UDP (default 127.0.0.1:39539), with only the
    chosen channels (capture/vmc/channels.py; default all)."""

    def __init__(self, host: str = LOOPBACK, port: int = DEFAULT_PORT, channels: frozenset[str] = ALL_CHANNELS) -> None:
        host = host.strip()
        if host.startswith("[") and host.endswith("]"):  # "[::1]" as written in HOST:PORT targets
            host = host[1:-1]
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise VividError(f"VMC port {port!r} must be from 1 to 65535 (usually 39539 or 39540)")
        self.address = (host, port)
        self.channels = channels
        family = socket.AF_INET6 if ":" in host else socket.AF_INET  # an IPv6 literal
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self.frames_sent = 0

    def send_frame(self, bones: Mapping[str, BoneTransform], blendshapes: Mapping[str, float],
                   root: BoneTransform | None = None, time_s: float | None = None) -> int:
        """Send one frame (the chosen channels of it); returns the datagram size in bytes."""
        data = build_frame_bundle(select_bones(bones, self.channels),
                                  blendshapes if "face" in self.channels else None,
                                  root if "root" in self.channels else None, time_s)
        self._sock.sendto(data, self.address)
        self.frames_sent += 1
        return len(data)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> "VmcSender":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
