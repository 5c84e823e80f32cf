"""Lip sync into the mixer's viseme channel: a tts_bridge `VisemeTrack` sampled at a time, as VRM
mouth presets (aa/ih/ou/ee/oh) or, for perfect-sync avatars, ARKit mouth shapes. Outside the
track's duration it returns None (the channel fades out and tracking owns the mouth again)."""
from __future__ import annotations

import numpy as np

from tts_bridge.viseme_table import ARKIT_MOUTH_NAMES, VRMMouth
from tts_bridge.viseme_track import VisemeTrack


def viseme_weights(track: VisemeTrack, time_s: float, perfect_sync: bool) -> dict[str, float] | None:
    if time_s < 0.0 or time_s > track.duration_s:
        return None
    t = np.array([time_s])
    if perfect_sync:
        return {name: float(v) for name, v in zip(ARKIT_MOUTH_NAMES, track.arkit(t)[0])}
    return {m.name: float(v) for m, v in zip(VRMMouth, track.vrm(t)[0])}
