"""The effect.json JSON schema, built from the layer registry (one source of truth).

`python -m effects.schema_def` rewrites the published copy effects/schema/effect.schema.json
(a test checks the copy is current)."""
from __future__ import annotations

import json
from pathlib import Path

from capture.types import BLENDSHAPE_NAMES
from effects.triggers import GESTURES as TRIGGER_GESTURES

FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "effect.schema.json"

GESTURES = tuple(TRIGGER_GESTURES)

COMMON_LAYER_PROPERTIES: dict = {
    "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "description": "unique name, used by triggers"},
    "type": {"type": "string"},
    "enabled": {"type": "boolean", "default": True, "description": "on at start (triggers may change it)"},
    "opacity": {"type": "number", "minimum": 0, "maximum": 1, "default": 1},
    "anchor": {"type": "string", "description": "face:<landmark> | head | face_mesh | hand:<name> | body:<name> | screen"},
    "max_faces": {"type": "integer", "minimum": 1, "maximum": 8, "default": 4,
                  "description": "faces that get their own instance"},
}

ACTION_SCHEMA = {
    "type": "object",
    "required": ["do"],
    "properties": {
        "do": {"enum": ["start", "stop", "toggle", "burst", "variant", "sound"]},
        "layer": {"type": "string"},
        "count": {"type": "integer", "minimum": 1, "maximum": 2000},
        "name": {"type": "string"},
        "file": {"type": "string"},
    },
    "additionalProperties": False,
}

CONDITION_SCHEMA = {
    "type": "object",
    "properties": {
        "gesture": {"enum": list(GESTURES)},
        "blendshape": {"enum": list(BLENDSHAPE_NAMES[1:])},
        "on": {"type": "number", "minimum": 0, "maximum": 1},
        "off": {"type": "number", "minimum": 0, "maximum": 1},
        "timer_s": {"type": "number", "exclusiveMinimum": 0},
        "tap": {"const": True},
    },
    "additionalProperties": False,
    "minProperties": 1,
}

TRIGGER_SCHEMA = {
    "type": "object",
    "required": ["when"],
    "properties": {
        "id": {"type": "string"},
        "when": CONDITION_SCHEMA,
        "hold_s": {"type": "number", "minimum": 0, "maximum": 10, "default": 0},
        "cooldown_s": {"type": "number", "minimum": 0, "maximum": 60, "default": 0},
        "actions": {"type": "array", "items": ACTION_SCHEMA},
        "on_release": {"type": "array", "items": ACTION_SCHEMA},
    },
    "additionalProperties": False,
}


def layer_schema(type_name: str) -> dict:
    from effects.layers import LAYER_TYPES
    cls = LAYER_TYPES[type_name]
    return {
        "type": "object", "additionalProperties": False,
        "required": ["type", *cls.REQUIRED],
        "properties": {**COMMON_LAYER_PROPERTIES, **cls.SCHEMA, "type": {"const": type_name}},
    }


def top_schema(detailed_layers: bool) -> dict:
    from effects.layers import LAYER_TYPES
    names = sorted(LAYER_TYPES)
    layer_item: dict = {"type": "object", "required": ["type"],
                        "properties": {"type": {"enum": names}}}
    if detailed_layers:
        layer_item["allOf"] = [{"if": {"properties": {"type": {"const": n}}},
                                "then": layer_schema(n)} for n in names]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://vivid.studio/schema/effect.schema.json",
        "title": "Vivid Studio effect package (effect.json)",
        "type": "object",
        "required": ["format", "version", "name", "layers"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": "vivid-effect"},
            "version": {"const": FORMAT_VERSION},
            "name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "author": {"type": "string"},
            "license": {"type": "string"},
            "thumbnail": {"type": "string"},
            "layers": {"type": "array", "minItems": 1, "maxItems": 32, "items": layer_item},
            "triggers": {"type": "array", "items": TRIGGER_SCHEMA},
            "variants": {"type": "object",
                         "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "default_variant": {"type": "string"},
        },
    }


def write_published_schema() -> Path:
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(json.dumps(top_schema(True), indent=2) + "\n", encoding="utf-8")
    return SCHEMA_PATH


if __name__ == "__main__":
    print(write_published_schema())
