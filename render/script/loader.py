"""Script loading: YAML -> shorthand expansion -> JSON-schema validation -> file checks -> ``Script``.

Every problem is reported with the script's file, line and field path, all at once.
"""
from __future__ import annotations

import copy
from pathlib import Path

import jsonschema

from assets.errors import AssetError

from render.script.assets_check import (
    AVATAR_SUFFIXES, CLIP_SUFFIX, IMAGE_SUFFIXES, VIDEO_SUFFIXES, CheckFailed, animation_durations,
    check_audio, check_image, check_piper_voice, check_video, clip_duration, gltf_json,
)
from render.script.errors import ScriptError, ScriptIssue, format_path
from render.script.model import (
    Avatar, Background, BackgroundKind, Beat, Camera, Expression, Gesture, GestureKind, Look, Output, Pause,
    Say, Script, Subtitle,
)
from render.script.schema import BEAT_KINDS, BUILTIN_GESTURES, SCRIPT_SCHEMA, SHORTHAND_FIELDS
from render.script.yaml_lines import line_of, load_with_lines
from tts_bridge.ssml import split_pauses
from tts_bridge.types import TTSError, VoiceOptions

# Default length of a mocap clip or animation when the file gives none (seconds).
DEFAULT_CLIP_S = 2.0
# Default length of a smooth camera move (seconds).
DEFAULT_MOVE_S = 1.5
ANIMATION_PREFIX = "anim:"

_VOICE_KEYS = {"language": "language", "voice": "voice", "rate": "rate_wpm", "pitch": "pitch", "volume": "volume",
               "model": "model_path"}


def _expand(data: object) -> object:
    """Shorthand -> long form (``gesture: wave`` -> ``gesture: {name: wave}``); same field paths."""
    if not isinstance(data, dict):
        return data
    data = copy.deepcopy(data)
    out = data.get("output")
    if isinstance(out, dict) and isinstance(out.get("size"), str) and "x" in out["size"]:
        w, _, h = out["size"].lower().partition("x")
        if w.strip().isdigit() and h.strip().isdigit():
            out["size"] = [int(w), int(h)]
    if isinstance(data.get("background"), str) and data["background"].startswith("#"):
        data["background"] = {"color": data["background"]}
    if isinstance(data.get("camera"), str):
        data["camera"] = {"shot": data["camera"]}
    beats = data.get("beats")
    if isinstance(beats, list):
        for i, beat in enumerate(beats):
            if isinstance(beat, dict) and len(beat) == 1:
                (kind, value), = beat.items()
                if kind in SHORTHAND_FIELDS and not isinstance(value, dict):
                    beats[i] = {kind: {SHORTHAND_FIELDS[kind]: value}}
    return data


def _describe(error: jsonschema.ValidationError) -> tuple[tuple, str]:
    """A message that teaches, and the path it belongs to."""
    path = tuple(error.absolute_path)
    v, schema, inst = error.validator, error.schema, error.instance
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list(schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed]
        if path and path[0] == "beats" and len(path) == 2:
            return path + (extra[0],), f"unknown beat '{extra[0]}'; a beat is one of: {', '.join(BEAT_KINDS)}"
        return path + (extra[0],), f"unknown field '{extra[0]}'; valid fields here: {', '.join(allowed)}"
    if v in ("minProperties", "maxProperties") and path[:1] == ("beats",):
        return path, f"a beat needs exactly one action ({', '.join(BEAT_KINDS)}); got {', '.join(inst) or 'none'}"
    if v in ("minProperties", "maxProperties") and path[:1] == ("background",):
        return path, f"give exactly one background: color, image, video or panorama; got {', '.join(inst) or 'none'}"
    if v == "enum":
        what = {"name": path[-2] if len(path) > 1 else "value", "shot": "camera shot", "at": "look target",
                "move": "camera move"}.get(str(path[-1]), str(path[-1]))
        return path, f"unknown {what} {inst!r}; choose one of {', '.join(map(str, schema['enum']))}"
    if v == "type":
        expected = schema["type"] if isinstance(schema["type"], str) else " or ".join(schema["type"])
        return path, f"must be {'an' if expected[0] in 'aeiou' else 'a'} {expected}, got {type(inst).__name__} {inst!r}"
    if v == "required":
        missing = [k for k in schema.get("required", []) if k not in inst]
        return path, f"missing field '{missing[0]}'"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[v]
        return path, f"{inst!r} is out of range: must be {op} {schema[v]}"
    if v == "pattern":
        return path, f"{inst!r} is not a colour like '#1a2b3c'"
    if v == "minItems" and path == ("beats",):
        return path, "the script needs at least one beat"
    if v in ("minItems", "maxItems") and path[-1:] == ("size",):
        return path, f"size must be [width, height] or 'WIDTHxHEIGHT', got {inst!r}"
    if v == "anyOf" and path[-1:] == ("say",):
        return path, "missing field 'text': give the words to say, or audio: a recording to play"
    if v == "const":
        return path, f"must be {schema['const']!r}, got {inst!r}"
    if v == "minLength":
        return path, "must not be empty"
    return path, error.message


class _Issues:
    def __init__(self, file: Path, lines: dict[tuple, int]) -> None:
        self.file, self.lines, self.items = file, lines, []

    def add(self, path: tuple, message: str) -> None:
        # Name the field as the user wrote it: "gesture: wavee" is beats[3].gesture, not .gesture.name.
        shown = tuple(path)
        while shown and shown not in self.lines:
            shown = shown[:-1]
        self.items.append(ScriptIssue(str(self.file), line_of(self.lines, path), shown if shown else tuple(path), message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ScriptError(sorted(self.items, key=lambda i: (i.line or 0, format_path(i.path))))


def load_script(path: str | Path, languages: tuple[str, ...] | None = None) -> Script:
    """Read, validate and resolve a script. ``languages``: valid TTS language codes (default: espeak-ng's)."""
    file = Path(path)
    if not file.is_file():
        raise ScriptError.single(file, None, (), "script file not found")
    text = file.read_text(encoding="utf-8")
    return parse_script(text, file, languages)


def parse_script(text: str, file: Path, languages: tuple[str, ...] | None = None) -> Script:
    """Like ``load_script`` for text already read; relative paths resolve against ``file``'s folder."""
    data, lines = load_with_lines(text, file)
    issues = _Issues(file, lines)
    if not isinstance(data, dict):
        issues.add((), "the script must be a mapping with a 'beats' list; see docs/script.md")
        issues.raise_if_any()
    data = _expand(data)
    validator = jsonschema.Draft202012Validator(SCRIPT_SCHEMA)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        p, message = _describe(error)
        issues.add(p, message)
    issues.raise_if_any()
    return _resolve(data, file.resolve().parent, file, issues, languages)


def _file(base: Path, value: str, path: tuple, issues: _Issues, what: str, suffixes: tuple[str, ...]) -> Path | None:
    p = (base / value).expanduser()
    if not p.is_file():
        issues.add(path, f"{what} file not found: {value} (looked in {base})")
        return None
    if p.suffix.lower() not in suffixes:
        issues.add(path, f"{what} must be one of {', '.join(suffixes)}, got {p.name}")
        return None
    return p.resolve()


def _checked(issues: _Issues, path: tuple, check, *args) -> bool:
    """Run an assets_check check; a failure becomes an issue at `path`. True when it passed."""
    try:
        check(*args)
    except CheckFailed as exc:
        issues.add(path, str(exc))
        return False
    return True


def _voice(base_voice: VoiceOptions, raw: dict | None, path: tuple, base: Path, issues: _Issues,
           languages: tuple[str, ...] | None) -> VoiceOptions:
    fields = {f: getattr(base_voice, f) for f in ("language", "voice", "rate_wpm", "pitch", "volume", "model_path")}
    for key, value in (raw or {}).items():
        if key == "model" and value:
            model = _file(base, value, path + ("model",), issues, "Piper voice model", (".onnx",))
            if model is not None and not _checked(issues, path + ("model",), check_piper_voice, model):
                model = None
            value = str(model) if model else None
        fields[_VOICE_KEYS[key]] = value
    voice = VoiceOptions(**fields)
    if raw and "language" in raw and not voice.model_path and not voice.voice:
        valid = languages if languages is not None else _espeak_languages()
        if voice.language.lower() not in valid:
            issues.add(path + ("language",), f"unsupported language {voice.language!r}; valid: {', '.join(valid)}")
    return voice


def _espeak_languages() -> tuple[str, ...]:
    from tts_bridge.espeak import EspeakBackend

    return EspeakBackend().languages()


def _resolve(data: dict, base: Path, file: Path, issues: _Issues, languages: tuple[str, ...] | None) -> Script:
    out = data.get("output", {})
    size = out.get("size", [Output.width, Output.height])
    for axis, value in zip(("width", "height"), size):
        if value % 2:
            issues.add(("output", "size"), f"{axis} {value} must be even (H.264 uses 2x2 chroma blocks)")
    output = Output(int(size[0]), int(size[1]), float(out.get("fps", Output.fps)), bool(out.get("subtitles", Output.subtitles)),
                    float(out.get("lead_in", Output.lead_in_s)), float(out.get("tail", Output.tail_s)))

    background = Background()
    bg = data.get("background")
    if bg:
        (kind, value), = bg.items()
        if kind == "color":
            rgb = tuple(int(value[i:i + 2], 16) / 255.0 for i in (1, 3, 5))
            background = Background(BackgroundKind.COLOR, rgb)  # type: ignore[arg-type]
        else:
            suffixes = VIDEO_SUFFIXES if kind == "video" else IMAGE_SUFFIXES
            p = _file(base, value, ("background", kind), issues, f"background {kind}", suffixes)
            if p is not None and kind == "video":
                _checked(issues, ("background", kind), check_video, p)
            elif p is not None:
                _checked(issues, ("background", kind), check_image, p, kind == "panorama")
            background = Background(BackgroundKind(kind), path=p)

    avatar = Avatar()
    animations: dict[str, float] | None = {}  # None: the avatar file itself is broken (already reported)
    if data.get("avatar", "builtin") != "builtin":
        animations = None
        p = _file(base, data["avatar"], ("avatar",), issues, "avatar", AVATAR_SUFFIXES)
        if p is not None:
            try:
                animations = animation_durations(gltf_json(p))
                avatar = Avatar(p, tuple(animations))
            except (CheckFailed, ValueError, OSError) as exc:
                issues.add(("avatar",), f"cannot read {p.name} as glTF/VRM: {exc}")

    effects = tuple(p for i, name in enumerate(data.get("effects", ()))
                    if (p := _effect(base, name, ("effects", i), issues)) is not None)
    voice = _voice(VoiceOptions(), data.get("voice"), ("voice",), base, issues, languages)
    beats: list[Beat] = []
    for i, raw in enumerate(data["beats"]):
        (kind, body), = raw.items()
        path = ("beats", i, kind)
        line = line_of(issues.lines, ("beats", i)) or 0
        beat = _beat(kind, body, i, line, path, base, voice, avatar, animations, issues, languages)
        if beat is not None:
            beats.append(beat)
    issues.raise_if_any()
    return Script(file.resolve(), str(data.get("title", file.stem)), output, background, avatar, voice,
                  data.get("camera", {}).get("shot", "medium"), bool(data.get("idle", True)), tuple(beats), effects)


def _effect(base: Path, name: str, path: tuple, issues: _Issues) -> Path | None:
    """A built-in effect name (assets/effects/<name>) or a package folder / .zip relative to the
    script; the package is loaded here so a broken one is reported with the script's line."""
    from assets.paths import EFFECTS_DIR
    from effects.errors import EffectPackageError
    from effects.package import load_package

    builtin = EFFECTS_DIR / name
    candidate = builtin if (builtin / "effect.json").exists() else (base / name)
    if not candidate.exists():
        names = sorted(p.name for p in EFFECTS_DIR.iterdir() if (p / "effect.json").exists())
        issues.add(path, f"effect {name!r} not found: not a built-in effect ({', '.join(names)}) "
                         f"and no package at {candidate}")
        return None
    try:
        load_package(candidate)
    except (EffectPackageError, AssetError) as exc:
        issues.add(path, f"effect package {name!r} is broken: {exc}")
        return None
    return candidate.resolve()


def _beat(kind: str, body: dict, i: int, line: int, path: tuple, base: Path, voice: VoiceOptions, avatar: Avatar,
          animations: dict[str, float] | None, issues: _Issues, languages: tuple[str, ...] | None) -> Beat | None:
    if kind == "say":
        return _say(body, i, line, path, base, voice, issues, languages)
    if kind == "pause":
        return Pause(i, line, float(body["duration"]))
    if kind == "expression":
        return Expression(i, line, body["name"], float(body.get("intensity", 1.0)),
                          float(body.get("duration", Expression.duration_s)), bool(body.get("wait", False)))
    if kind == "gesture":
        return _gesture(body, i, line, path, base, avatar, animations, issues)
    if kind == "look":
        return Look(i, line, body["at"])
    if kind == "camera":
        move = body.get("move", "cut")
        duration = float(body.get("duration", DEFAULT_MOVE_S if move == "smooth" else 0.0))
        if move == "cut" and "duration" in body:
            issues.add(path + ("duration",), "a cut is instant; remove duration or set move: smooth")
        return Camera(i, line, body["shot"], move, duration, bool(body.get("wait", False)))
    if kind == "subtitle":
        return Subtitle(i, line, bool(body["on"]))
    raise AssertionError(f"schema let through beat kind {kind!r}")


def _say(body: dict, i: int, line: int, path: tuple, base: Path, voice: VoiceOptions, issues: _Issues,
         languages: tuple[str, ...] | None) -> Beat | None:
    text = body.get("text", "")
    beat_voice = _voice(voice, body.get("voice"), path + ("voice",), base, issues, languages)
    try:
        spoken = [s for s in split_pauses(text) if s.text]
    except TTSError as exc:
        issues.add(path + ("text",), str(exc))
        return None
    if not spoken and "audio" not in body:
        issues.add(path + ("text",), "empty text: give the words to say (pauses alone are not speech)")
        return None
    audio = None
    if "audio" in body:
        audio = _file(base, body["audio"], path + ("audio",), issues, "recorded audio", (".wav", ".flac", ".ogg"))
        if audio is not None and not _checked(issues, path + ("audio",), check_audio, audio):
            audio = None
    # A recording without words is played as it is: no transcript, so "" (see Say).
    return Say(i, line, text if spoken else "", beat_voice, audio)


def _gesture(body: dict, i: int, line: int, path: tuple, base: Path, avatar: Avatar,
             animations: dict[str, float] | None, issues: _Issues) -> Beat | None:
    name = body["name"]
    wait = bool(body.get("wait", False))
    given = float(body["duration"]) if "duration" in body else None
    if name.startswith(ANIMATION_PREFIX):
        anim = name[len(ANIMATION_PREFIX):]
        if animations is None:
            return None  # the avatar could not be read; that error is already reported
        if avatar.builtin:
            issues.add(path + ("name",), f"{name!r}: the built-in avatar has no glTF animations; use a built-in "
                       f"gesture ({', '.join(BUILTIN_GESTURES)}) or set avatar: to a .glb/.vrm with animations")
            return None
        if anim not in animations:
            issues.add(path + ("name",), f"the avatar {avatar.path.name} has no animation {anim!r}; it has: "
                       f"{', '.join(animations) or 'none'}")
            return None
        return Gesture(i, line, GestureKind.ANIMATION, anim, given or animations[anim] or DEFAULT_CLIP_S, None, wait)
    if name.lower().endswith(CLIP_SUFFIX):
        p = _file(base, name, path + ("name",), issues, "mocap clip", (CLIP_SUFFIX,))
        if p is None:
            return None
        try:
            length = clip_duration(p)
        except CheckFailed as exc:
            issues.add(path + ("name",), str(exc))
            return None
        return Gesture(i, line, GestureKind.CLIP, p.name, given or length or DEFAULT_CLIP_S, p, wait)
    if name not in BUILTIN_GESTURES:
        issues.add(path + ("name",), f"unknown gesture {name!r}; choose one of {', '.join(BUILTIN_GESTURES)} "
                   f"(or a .vmcap clip path, or {ANIMATION_PREFIX}<glTF animation name>)")
        return None
    return Gesture(i, line, GestureKind.BUILTIN, name, given or BUILTIN_GESTURES[name], None, wait)
