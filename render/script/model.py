"""The resolved script: frozen dataclasses with absolute paths and every default filled in."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from tts_bridge.types import VoiceOptions


@dataclass(frozen=True)
class Output:
    """width/height: pixels (even, for H.264). fps: frames per second. subtitles: burn-in at the start
    (subtitle beats switch it). lead_in_s: silence before the first beat. tail_s: after the last."""

    width: int = 1280
    height: int = 720
    fps: float = 30.0
    subtitles: bool = True
    lead_in_s: float = 0.3
    tail_s: float = 0.7


class BackgroundKind(str, Enum):
    COLOR = "color"
    IMAGE = "image"
    VIDEO = "video"
    PANORAMA = "panorama"


@dataclass(frozen=True)
class Background:
    """``color`` is (r, g, b) in 0..1 for COLOR; ``path`` is absolute for the others."""

    kind: BackgroundKind = BackgroundKind.COLOR
    color: tuple[float, float, float] = (0.16, 0.18, 0.22)
    path: Path | None = None


@dataclass(frozen=True)
class Avatar:
    """``path`` is None for the built-in avatar; else an absolute .vrm/.glb/.gltf path."""

    path: Path | None = None
    animations: tuple[str, ...] = ()

    @property
    def builtin(self) -> bool:
        return self.path is None


@dataclass(frozen=True)
class Beat:
    """Base of every beat: ``index`` in the script's beat list and its YAML ``line``."""

    index: int
    line: int


@dataclass(frozen=True)
class Say(Beat):
    """Speech. With ``audio`` (a recorded take) ``text`` is its transcript, or "" for none: the
    audio analyser then drives the mouth and the beat has no subtitles."""

    text: str
    voice: VoiceOptions
    audio: Path | None = None

    @property
    def untranscribed(self) -> bool:
        return self.audio is not None and not self.text


@dataclass(frozen=True)
class Pause(Beat):
    duration_s: float


@dataclass(frozen=True)
class Expression(Beat):
    name: str
    intensity: float = 1.0
    duration_s: float = 2.0
    wait: bool = False


class GestureKind(str, Enum):
    BUILTIN = "builtin"
    CLIP = "clip"  # a .vmcap mocap clip recorded with `vivid track`
    ANIMATION = "animation"  # a glTF animation in the avatar file


@dataclass(frozen=True)
class Gesture(Beat):
    kind: GestureKind
    name: str  # built-in name, animation name, or the clip's file name
    duration_s: float
    path: Path | None = None
    wait: bool = False


@dataclass(frozen=True)
class Look(Beat):
    at: str  # camera | left | right


@dataclass(frozen=True)
class Camera(Beat):
    shot: str  # wide | medium | close-up
    move: str = "cut"  # cut | smooth
    duration_s: float = 0.0  # length of a smooth move (0 for a cut)
    wait: bool = False


@dataclass(frozen=True)
class Subtitle(Beat):
    on: bool


@dataclass(frozen=True)
class Script:
    path: Path
    title: str
    output: Output
    background: Background
    avatar: Avatar
    voice: VoiceOptions
    camera_shot: str
    idle: bool
    beats: tuple[Beat, ...]
    effects: tuple[Path, ...] = ()  # AR effect packages applied to every frame, in order
