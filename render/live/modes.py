"""The four studio modes and the one-line summary each mode's panel shows."""
from __future__ import annotations

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
    """summary: one plain sentence for the UI on what the mode does."""

    kind: ModeKind
    summary: str


_SUMMARIES = {
    ModeKind.AVATAR: "Renders the chosen VRM/glTF avatar live with background (colour, image, video, "
                     "camera, transparent) and framing, driven by avatar/driving: head, body and hands "
                     "retargeted from tracking, expressions with VRM override rules, look-at, spring "
                     "bones, idle life; hotkeys hold expressions; Mouth from audio lip-syncs it.",
    ModeKind.AR: "Effects from effects/ are stacked on the camera in order, each with a strength; "
                 "pick them in the browser (or drop a package folder or .zip).",
    ModeKind.PHOTO: "Open a portrait: it comes alive with the motions you tick (looping), or "
                    "follows your face when 'Drive from the camera' is on (effects/photo).",
    ModeKind.SCRIPT: "Scripts are checked against the script schema as you type, their TTS timing "
                     "can be planned, and Render video renders them to MP4 with progress and "
                     "Cancel (render/script, render/timeline, tts_bridge).",
}


def mode_statuses() -> dict[ModeKind, ModeStatus]:
    """What each mode does, for its panel."""
    return {kind: ModeStatus(kind, _SUMMARIES[kind]) for kind in ModeKind}
