"""VMC receiver: blendshapes and bones from other VTuber apps and phone trackers into Tracking.

A background thread reads UDP datagrams, parses OSC (python-osc), and keeps the latest state:
bones (/VMC/Ext/Bone/Pos), root (/VMC/Ext/Root/Pos) and blendshapes, which become visible
only at /VMC/Ext/Blend/Apply (so a frame is never half-applied). Datagrams that are not valid
OSC, and known messages with wrong arguments, are counted and ignored. When a sender stalls, the
last state is kept (not reset to a rest pose) and Tracking.ages_s["vmc"] grows.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import numpy as np
from pythonosc.osc_packet import OscPacket, ParseError

from assets.errors import SourceError
from capture.types import (NUM_BLENDSHAPES, BonePose, ExternalTracking, FaceTracking, Tracking,
                           readonly_f32)
from capture.vmc.coords import position_unity_to_gltf, quat_unity_to_gltf
from capture.vmc.protocol import (ADDR_BLEND_APPLY, ADDR_BLEND_VAL, ADDR_BONE, ADDR_ROOT,
                                  ARKIT_INDEX, DEFAULT_PORT, LOOPBACK)

_RECV_TIMEOUT_S = 0.1  # how often the reader thread checks for close()
_EMPTY_LANDMARKS = readonly_f32(np.zeros((0, 3)))
_NAN_MATRIX = readonly_f32(np.full((4, 4), np.nan))


@dataclass(frozen=True)
class VmcStats:
    packets: int
    frames: int  # Blend/Apply commits
    malformed_packets: int  # datagrams that are not OSC
    malformed_messages: int  # VMC messages with wrong argument count/types


def _floats(args: list, start: int, count: int) -> np.ndarray | None:
    values = args[start:start + count]
    if len(values) != count or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                       for v in values):
        return None
    return np.array(values, np.float64)


class VmcReceiver:
    """Listens on host:port (default 127.0.0.1:39539; port=0 picks a free port, see .port)."""

    def __init__(self, host: str = LOOPBACK, port: int = DEFAULT_PORT) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((host, port))
        except OSError as exc:
            self._sock.close()
            raise SourceError(f"cannot listen for VMC on {host}:{port}: {exc}. Is another app "
                              f"(or another Vivid) already receiving on that port?") from exc
        self._sock.settimeout(_RECV_TIMEOUT_S)
        self.host, self.port = self._sock.getsockname()[:2]
        self._cond = threading.Condition()
        self._bones: dict[str, BonePose] = {}
        self._root: BonePose | None = None
        self._pending: dict[str, float] = {}
        self._applied: dict[str, float] = {}
        self._t0 = time.monotonic()
        self._last_apply_s: float | None = None
        self._packets = self._frames = self._bad_packets = self._bad_messages = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vmc-receiver", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, _addr = self._sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return  # socket closed
            self.handle_datagram(data)

    def handle_datagram(self, data: bytes) -> None:
        """Parse one datagram and update the state (public for feeding recorded traffic)."""
        try:
            messages = [timed.message for timed in OscPacket(data).messages]
        except (ParseError, ValueError, IndexError, TypeError):
            with self._cond:
                self._packets += 1
                self._bad_packets += 1
            return
        with self._cond:
            self._packets += 1
            for msg in messages:
                if not self._handle(msg.address, list(msg.params)):
                    self._bad_messages += 1
            self._cond.notify_all()

    def _handle(self, address: str, args: list) -> bool:
        """Apply one message; False when a known address has bad arguments."""
        if address in (ADDR_BONE, ADDR_ROOT):
            if not args or not isinstance(args[0], str):
                return False
            pos, rot = _floats(args, 1, 3), _floats(args, 4, 4)
            if pos is None or rot is None or not np.isfinite(rot).all() or not rot.any():
                return False
            pose = BonePose(readonly_f32(position_unity_to_gltf(pos)),
                            readonly_f32(quat_unity_to_gltf(rot / np.linalg.norm(rot))))
            if address == ADDR_BONE:
                self._bones[args[0]] = pose
            else:
                self._root = pose
        elif address == ADDR_BLEND_VAL:
            if (len(args) != 2 or not isinstance(args[0], str)
                    or _floats(args, 1, 1) is None):
                return False
            self._pending[args[0]] = float(args[1])
        elif address == ADDR_BLEND_APPLY:
            self._applied.update(self._pending)
            self._pending.clear()
            self._frames += 1
            self._last_apply_s = time.monotonic() - self._t0
        return True  # other /VMC addresses (OK, T, Cam, ...) are valid and not needed here

    @property
    def stats(self) -> VmcStats:
        with self._cond:
            return VmcStats(self._packets, self._frames, self._bad_packets, self._bad_messages)

    def wait_for_frames(self, count: int, timeout_s: float = 2.0) -> bool:
        """Block until `count` frames (Apply commits) have arrived in total."""
        with self._cond:
            return self._cond.wait_for(lambda: self._frames >= count, timeout=timeout_s)

    def wait_for_packets(self, count: int, timeout_s: float = 2.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._packets >= count, timeout=timeout_s)

    def latest(self) -> Tracking | None:
        """The current state as a Tracking (None before the first frame).

        ARKit-named blendshapes (any case) fill FaceTracking.blendshapes (others 0); that face has
        no landmarks ((0, 3) array) and an all-NaN head_matrix (VMC sends the head as the "Head"
        bone, see Tracking.external.bones). Every value received is in external.blendshapes.
        """
        with self._cond:
            if self._last_apply_s is None and not self._bones:
                return None
            now = time.monotonic() - self._t0
            stamp = self._last_apply_s if self._last_apply_s is not None else now
            faces: tuple[FaceTracking, ...] = ()
            arkit = {ARKIT_INDEX[k.lower()]: v for k, v in self._applied.items()
                     if k.lower() in ARKIT_INDEX}
            if arkit:
                blend = np.zeros(NUM_BLENDSHAPES, np.float32)
                for index, value in arkit.items():
                    blend[index] = value
                faces = (FaceTracking(landmarks=_EMPTY_LANDMARKS, blendshapes=readonly_f32(blend),
                                      head_matrix=_NAN_MATRIX, timestamp_s=stamp),)
            external = ExternalTracking(bones=dict(self._bones), root=self._root,
                                        blendshapes=dict(self._applied))
            return Tracking(timestamp_s=now, faces=faces, ages_s={"vmc": now - stamp},
                            external=external)

    def close(self) -> None:
        """Stop listening (idempotent)."""
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=1.0)

    def __enter__(self) -> "VmcReceiver":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
