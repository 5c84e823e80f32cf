"""The script's JSON schema (applied after shorthand forms are expanded) and its vocabularies;
`editor_schema()` also accepts the shorthand forms, for editors validating YAML as it is written."""
from __future__ import annotations

import copy

from avatar.gestures import GESTURES

# Built-in gesture clips and their default length in seconds, from the renderer's own library
# (one list: a gesture the schema accepts is one the renderer can play).
BUILTIN_GESTURES: dict[str, float] = {name: g.duration_s for name, g in GESTURES.items()}
# VRM 1.0 emotion presets (VRM 0.x joy/angry/sorrow/fun map onto them) plus neutral.
EXPRESSIONS = ("happy", "angry", "sad", "relaxed", "surprised", "neutral")
SHOTS = ("wide", "medium", "close-up")
CAMERA_MOVES = ("cut", "smooth")
LOOK_TARGETS = ("camera", "left", "right")
BACKGROUND_KINDS = ("color", "image", "video", "panorama")
BEAT_KINDS = ("say", "pause", "expression", "gesture", "look", "camera", "subtitle")

_SECONDS = {"type": "number", "exclusiveMinimum": 0, "maximum": 600}
_PATH = {"type": "string", "minLength": 1}

VOICE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "language": {"type": "string", "minLength": 1},
        "voice": {"type": ["string", "null"]},
        "rate": {"type": "integer", "minimum": 80, "maximum": 450},
        "pitch": {"type": "integer", "minimum": 0, "maximum": 100},
        "volume": {"type": "integer", "minimum": 0, "maximum": 200},
        "model": {"type": ["string", "null"]},
    },
}


def _obj(required: list[str], **properties: dict) -> dict:
    return {"type": "object", "additionalProperties": False, "required": required, "properties": properties}


BEAT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        # Text, a recording, or both (the text is then the recording's transcript).
        "say": {**_obj([], text={"type": "string"}, voice=VOICE_SCHEMA, audio=_PATH),
                "anyOf": [{"required": ["text"]}, {"required": ["audio"]}]},
        "pause": _obj(["duration"], duration=_SECONDS),
        "expression": _obj(
            ["name"], name={"enum": list(EXPRESSIONS)},
            intensity={"type": "number", "minimum": 0, "maximum": 1}, duration=_SECONDS, wait={"type": "boolean"},
        ),
        "gesture": _obj(["name"], name={"type": "string", "minLength": 1}, duration=_SECONDS, wait={"type": "boolean"}),
        "look": _obj(["at"], at={"enum": list(LOOK_TARGETS)}),
        "camera": _obj(
            ["shot"], shot={"enum": list(SHOTS)}, move={"enum": list(CAMERA_MOVES)}, duration=_SECONDS,
            wait={"type": "boolean"},
        ),
        "subtitle": _obj(["on"], on={"type": "boolean"}),
    },
}

SCRIPT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Vivid Studio presenter script",
    "type": "object",
    "additionalProperties": False,
    "required": ["beats"],
    "properties": {
        "version": {"const": 1},
        "title": {"type": "string"},
        "output": _obj(
            [],
            size={"type": "array", "items": {"type": "integer", "minimum": 16, "maximum": 7680}, "minItems": 2, "maxItems": 2},
            fps={"type": "number", "exclusiveMinimum": 0, "maximum": 120},
            subtitles={"type": "boolean"},
            lead_in={"type": "number", "minimum": 0, "maximum": 10},
            tail={"type": "number", "minimum": 0, "maximum": 10},
        ),
        "background": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                "image": _PATH,
                "video": _PATH,
                "panorama": _PATH,
            },
        },
        "avatar": _PATH,
        "effects": {"type": "array", "items": _PATH, "maxItems": 8},
        "voice": VOICE_SCHEMA,
        "camera": _obj([], shot={"enum": list(SHOTS)}),
        "idle": {"type": "boolean"},
        "beats": {"type": "array", "minItems": 1, "items": BEAT_SCHEMA},
    },
}

# A beat written as `kind: value` means `kind: {field: value}` (`gesture: wave`).
SHORTHAND_FIELDS = {"say": "text", "pause": "duration", "expression": "name", "gesture": "name", "look": "at",
                    "camera": "shot", "subtitle": "on"}
_SIZE_TEXT = {"type": "string", "pattern": "^[0-9]+ *[xX] *[0-9]+$"}  # "1280x720"


def editor_schema() -> dict:
    """SCRIPT_SCHEMA plus the short forms the loader expands (`size: 1280x720`, `background:
    "#112233"`, `camera: close-up`, `gesture: wave`, ...), so that an editor validating a script
    accepts exactly what `vivid script check` accepts (files and languages aside)."""
    schema = copy.deepcopy(SCRIPT_SCHEMA)
    props = schema["properties"]
    output = props["output"]["properties"]
    output["size"] = {"anyOf": [output["size"], _SIZE_TEXT]}
    props["background"] = {"anyOf": [props["background"], props["background"]["properties"]["color"]]}
    props["camera"] = {"anyOf": [props["camera"], props["camera"]["properties"]["shot"]]}
    beats = props["beats"]["items"]["properties"]
    for kind, field in SHORTHAND_FIELDS.items():
        beats[kind] = {"anyOf": [beats[kind], beats[kind]["properties"][field]]}
    # YAML 1.1 (our loader) reads `subtitle: off` as false; YAML 1.2 editors read the word.
    beats["subtitle"]["anyOf"].append({"enum": ["on", "off", "yes", "no"]})
    return schema
