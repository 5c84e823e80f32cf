"""The four studio modes and, for each, whether its engine backend is on this build. The UI shows
`ModeStatus.summary` in the mode's panel, so a mode whose backend has not landed says so."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from enum import Enum


class ModeKind(Enum):
    AVATAR = "avatar"
    AR = "ar"
    PHOTO = "photo"
    SCRIPT = "script"

    @property
    def title(self) -> str:
        return {"avatar": "Avatar", "ar": "AR effects", "photo": "Living photo", "script": "Script"}[self.value]


@dataclass(frozen=True)
class ModeStatus:
    """wired: the mode drives a real engine backend in this build. summary: one plain sentence
    for the UI on what works and what is missing."""

    kind: ModeKind
    wired: bool
    summary: str


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package itself is missing
        return False


def effects_available() -> bool:
    """The AR effects engine (effect packages + EffectStack) is on this build."""
    return _present("effects.stack") and _present("effects.package")


def mode_statuses() -> dict[ModeKind, ModeStatus]:
    """What each mode can do on this build (probes packages; imports nothing heavy)."""
    avatar = ModeStatus(ModeKind.AVATAR, True,
                        "Renders the chosen VRM/glTF avatar live with background and framing, driven by "
                        "avatar/driving: head, body and hands retargeted from tracking, expressions with "
                        "VRM override rules, look-at, spring bones, idle life; hotkeys hold expressions.")
    effects = effects_available()
    ar = ModeStatus(ModeKind.AR, effects,
                    "Effects from effects/ are stacked on the camera in order, each with a strength; "
                    "pick them in the browser (or drop a package folder)." if effects else
                    "The AR effects engine (effects/) has not landed on main yet: the camera passes "
                    "through unchanged and no effects can be stacked.")
    photo_backend = _present("effects.photo.animator")
    photo = ModeStatus(ModeKind.PHOTO, photo_backend,
                       "Open a portrait: it comes alive with the motions you tick (looping), or "
                       "follows your face when 'Drive from the camera' is on (effects/photo)." if photo_backend else
                       "The living-photo animator (effects/photo) has not landed on main yet: the "
                       "opened photo is shown still, not animated.")
    script_format = _present("render.script.loader")
    script_renderer = _present("render.timeline.render_script")
    script = ModeStatus(ModeKind.SCRIPT, script_format and script_renderer,
                        "Scripts are checked against the script schema as you type, their TTS timing "
                        "can be planned, and Render video renders them to MP4 with progress and "
                        "Cancel (render/script, render/timeline, tts_bridge)." if script_format and script_renderer else
                        "Scripts are checked against the script schema as you type and their TTS timing "
                        "can be planned (render/script, tts_bridge); rendering a script to video has not "
                        "landed on main yet." if script_format else
                        "The script format and TTS (render/script, tts_bridge) have not landed on main "
                        "yet: the editor checks YAML syntax only and cannot render.")
    return {s.kind: s for s in (avatar, ar, photo, script)}
