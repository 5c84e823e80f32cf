"""Studio settings and the last session, saved as JSON under the platform's config folder
(platformdirs: ~/.config/vivid-studio on Linux, %LOCALAPPDATA%/vivid-studio on Windows, ~/Library/Application
Support on macOS). VIVID_STUDIO_CONFIG_DIR overrides the folder (tests, portable installs)."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import platformdirs

from assets.errors import VividError
from capture.vmc.address import MAX_PORT, is_port
from capture.vmc.channels import parse_channels

APP_NAME = "vivid-studio"
SETTINGS_FILE = "studio.json"
SETTINGS_VERSION = 1
MODES = ("avatar", "ar", "photo", "script")

# Actions a hotkey can trigger. "expression:NAME" holds an expression (VRM preset or morph name)
# at full weight while toggled on; "effect:ID" toggles an effect in the AR stack.
ACTIONS = ("snapshot", "record", "record_alpha", "calibrate", "mirror")
DEFAULT_HOTKEYS = {
    "F2": "calibrate",
    "F3": "mirror",
    "F5": "snapshot",
    "F9": "record",
    "Ctrl+1": "expression:happy",
    "Ctrl+2": "expression:angry",
    "Ctrl+3": "expression:sad",
    "Ctrl+4": "expression:surprised",
}


def valid_action(action: str) -> bool:
    return action in ACTIONS or (action.partition(":")[0] in ("expression", "effect") and bool(action.partition(":")[2]))


def action_problem(key: str, action: object) -> str | None:
    """None for a valid hotkey action, else a message naming the key and the valid actions."""
    if isinstance(action, str) and valid_action(action):
        return None
    return (f"hotkey {key or '(no key)'}: unknown action {action!r}; valid actions: {', '.join(ACTIONS)}, "
            f"expression:NAME (e.g. expression:happy), effect:ID (e.g. effect:cat_ears)")


@dataclass(frozen=True)
class StudioSettings:
    """Everything restored on the next start. Paths are stored as given."""

    mode: str = "avatar"
    source: str = ""  # a SourceSpec text: webcam:N or a file path ("" = none chosen yet)
    avatar: str = "builtin"
    mirror: bool = True  # selfie view: what users expect from a front camera
    smoothing: float = 0.5  # 0 = raw, 1 = heaviest (render/live/tracking.py)
    background: str = "color"  # render/live/avatar_layer.BackgroundKind value
    background_color: tuple[float, float, float] = (0.12, 0.13, 0.16)
    background_image: str = ""
    background_video: str = ""  # looped behind the avatar when background is "video"
    shot: str = "medium"
    effects: tuple[str, ...] = ()  # effect ids stacked in AR mode, bottom first
    effect_strengths: dict[str, float] = field(default_factory=dict)
    photo: str = ""
    photo_motions: tuple[str, ...] = ("idle",)  # effects/photo presets looped in Living photo mode
    photo_drive: bool = False  # drive the photo from the camera instead
    script: str = ""
    hotkeys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HOTKEYS))
    vmc_host: str = "127.0.0.1"
    vmc_port: int = 39539
    vmc_channels: str = "all"  # what VMC out sends: capture/vmc/channels.py names, comma-separated
    output_dir: str = ""  # "" = platformdirs' videos folder / Vivid Studio
    record_audio: str = ""  # sound in recordings: "" none, "mic", "mic:DEVICE" or an audio file path
    mouth_from_audio: bool = False  # lip-sync the avatar from the record_audio input while speaking
    window_geometry: str = ""  # Qt saveGeometry() as hex
    recent_sources: tuple[str, ...] = ()

    def resolved_output_dir(self) -> Path:
        if self.output_dir:
            return Path(self.output_dir)
        return Path(platformdirs.user_videos_dir()) / "Vivid Studio"

    def with_recent(self, source: str, keep: int = 8) -> "StudioSettings":
        recent = (source,) + tuple(s for s in self.recent_sources if s != source)
        return replace(self, source=source, recent_sources=recent[:keep])


def config_dir() -> Path:
    override = os.environ.get("VIVID_STUDIO_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def _coerce(name: str, value: object, default: object) -> object:
    """The stored value converted to the field's type, or raise TypeError."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TypeError
        return value
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError
        if isinstance(default, int) and value != int(value):
            raise TypeError
        return type(default)(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise TypeError
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise TypeError
        return tuple(value)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise TypeError
        return dict(value)
    raise TypeError


def _strings(value: object) -> bool:
    return all(isinstance(v, str) for v in value)  # type: ignore[union-attr]


def _unit(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _check_value(name: str, value: object) -> str | None:
    """None when a value of the right type is also valid for `name`, else what was expected
    (the window uses these values as they are: an enum value it cannot parse must not reach it)."""
    from render.live.avatar_layer import BackgroundKind
    from render.stage import Shot

    enums = {"mode": MODES, "background": tuple(k.value for k in BackgroundKind),
             "shot": tuple(s.value for s in Shot)}
    if name in enums:
        plural = {"mode": "modes", "background": "backgrounds", "shot": "framings"}[name]
        return None if value in enums[name] else f"one of the valid {plural}: " + ", ".join(enums[name])
    if name in ("effects", "photo_motions", "recent_sources"):
        return None if _strings(value) else "a list of strings"
    if name == "effect_strengths":
        ok = _strings(value) and all(_unit(v) for v in value.values())  # type: ignore[union-attr]
        return None if ok else "an object of effect path -> strength from 0 to 1"
    if name == "background_color":
        ok = len(value) == 3 and all(_unit(v) for v in value)  # type: ignore[arg-type]
        return None if ok else "3 numbers from 0 to 1 (red, green, blue)"
    if name == "smoothing":
        return None if _unit(value) else "a number from 0 to 1"
    if name == "vmc_port":
        return None if is_port(value) else f"a port from 1 to {MAX_PORT}"
    if name in ("vmc_host", "avatar"):
        return None if value else "a non-empty string"
    if name == "window_geometry":
        return None if _is_hex(value) else "hex digits (Qt saveGeometry)"  # type: ignore[arg-type]
    return None


class SettingsStore:
    """load() never fails: a missing file gives defaults; a corrupt file or a bad field gives
    defaults for what it cannot read and a message in `problems` (shown in the window)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else config_dir()
        self.path = self.directory / SETTINGS_FILE
        self.problems: list[str] = []

    def load(self) -> StudioSettings:
        self.problems = []
        if not self.path.is_file():
            return StudioSettings()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.problems.append(f"{self.path}: settings could not be read ({exc}); using defaults "
                                 f"(the file is rewritten on exit)")
            return StudioSettings()
        if not isinstance(data, dict):
            self.problems.append(f"{self.path}: settings must be a JSON object; using defaults")
            return StudioSettings()
        defaults = StudioSettings()
        values = {}
        for f in fields(StudioSettings):
            if f.name not in data:
                continue
            default = getattr(defaults, f.name)
            try:
                values[f.name] = _coerce(f.name, data[f.name], default)
            except TypeError:
                self.problems.append(f"{self.path}: field '{f.name}' has {data[f.name]!r}, expected a "
                                     f"{type(default).__name__}; using the default {default!r}")
        for name, value in list(values.items()):
            expected = _check_value(name, value)
            if expected is not None:
                default = getattr(defaults, name)
                self.problems.append(f"{self.path}: field '{name}' has {data[name]!r}, expected {expected}; "
                                     f"using the default {default!r}")
                del values[name]
        settings = replace(defaults, **values)
        try:
            parse_channels(settings.vmc_channels)
        except VividError as exc:
            self.problems.append(f"{self.path}: field 'vmc_channels': {exc}; sending all")
            settings = replace(settings, vmc_channels="all")
        bad = {k: v for k, v in settings.hotkeys.items() if not isinstance(v, str) or not valid_action(v)}
        if bad:
            self.problems.append(f"{self.path}: hotkeys {bad} name unknown actions (valid: "
                                 f"{', '.join(ACTIONS)}, expression:NAME, effect:ID); they were dropped")
            settings = replace(settings, hotkeys={k: v for k, v in settings.hotkeys.items() if k not in bad})
        return settings

    def save(self, settings: StudioSettings) -> Path:
        """Write atomically (temp file + rename) so a crash never leaves half a settings file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {"version": SETTINGS_VERSION, **asdict(settings)}
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
        return self.path
