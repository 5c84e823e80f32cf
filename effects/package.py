"""Effect packages: a folder (or .zip) with effect.json and its assets, loaded and validated.

A pure loader (STYLE.md point 5): parse JSON -> check the schema -> check names, anchors and
asset files -> one frozen `EffectPackage`. Every error is an EffectPackageError naming the
package file and the JSON path, e.g.
  cat_ears/effect.json: layers[2].anchor: unknown landmark 'nose_tipp'; choose one of ...
"""
from __future__ import annotations

import atexit
import difflib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jsonschema

from assets.paths import EFFECTS_DIR
from effects.anchors import parse_anchor
from effects.errors import EffectPackageError, json_path
from effects.layers import LAYER_TYPES
from effects.layers.base import LayerSpec, params_from
from effects.schema_def import layer_schema, top_schema

MANIFEST = "effect.json"


@dataclass(frozen=True)
class EffectPackage:
    root: Path  # folder holding effect.json and the assets
    label: str  # how errors name the package ("cat_ears" or "cat_ears.zip")
    name: str
    description: str
    layers: tuple[LayerSpec, ...]
    triggers: tuple[dict, ...]
    variants: dict[str, tuple[str, ...]]
    default_variant: str | None
    raw: dict
    zip_path: Path | None = None  # the .zip it was loaded from (None for a folder)
    extracted_to: Path | None = None  # the temporary folder the zip was extracted into

    @property
    def manifest_label(self) -> str:
        return f"{self.label}/{MANIFEST}"

    def layer(self, layer_id: str) -> LayerSpec:
        for spec in self.layers:
            if spec.id == layer_id:
                return spec
        raise KeyError(layer_id)


# Temporary folders of extracted zips still in use; whatever is not released is removed at exit.
_EXTRACTED: set[Path] = set()


def _remove_extracted(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    _EXTRACTED.discard(folder)


@atexit.register
def _remove_all_extracted() -> None:
    for folder in list(_EXTRACTED):
        _remove_extracted(folder)


def _extract_zip(path: Path) -> tuple[Path, Path]:
    """(folder holding effect.json, temporary folder to remove when done)."""
    target = Path(tempfile.mkdtemp(prefix=f"vivid-effect-{path.stem}-"))
    _EXTRACTED.add(target)
    try:
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise EffectPackageError(path.name, "", f"unsafe path '{member}' in the zip")
            z.extractall(target)
        inner = [p.parent for p in target.rglob(MANIFEST)]
        if not inner:
            raise EffectPackageError(path.name, "", f"no {MANIFEST} inside the zip")
    except zipfile.BadZipFile as exc:
        _remove_extracted(target)
        raise EffectPackageError(path.name, "", f"not a zip file ({exc})") from exc
    except EffectPackageError:
        _remove_extracted(target)
        raise
    return min(inner, key=lambda p: len(p.parts)), target


def release_package(package: EffectPackage) -> None:
    """Remove the temporary folder of a package loaded from a .zip (nothing for a folder). Call it
    once nothing reads the package's files any more (its EffectStack is released); idempotent."""
    if package.extracted_to is not None:
        _remove_extracted(package.extracted_to)


def zip_member(package: EffectPackage, relative: str) -> str:
    """The name inside the package's .zip of the file `relative` to its root (the zip may hold the
    package in a sub-folder)."""
    if package.extracted_to is None:
        raise ValueError(f"{package.label} was not loaded from a .zip")
    prefix = package.root.relative_to(package.extracted_to)
    return (prefix / relative).as_posix()


def replace_zip_member(zip_path: Path, member: str, data: bytes) -> None:
    """Write `data` as `member` of the zip (replacing it, or adding it), keeping every other
    member as it is. A new zip is written next to it and renamed over it, so a failure leaves the
    original untouched."""
    partial = zip_path.with_name(f".{zip_path.name}.partial")
    try:
        with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if info.filename != member:
                    dst.writestr(info, src.read(info))  # keeps each member's date and compression
            dst.writestr(member, data)
        os.replace(partial, zip_path)
    finally:
        partial.unlink(missing_ok=True)


def _schema_error(label: str, error: jsonschema.ValidationError, prefix: list) -> EffectPackageError:
    path = prefix + list(error.absolute_path)
    message = error.message
    if error.validator == "enum" and path and path[-1] == "type":
        message = (f"unknown layer type {error.instance!r}; choose one of "
                   f"{', '.join(sorted(LAYER_TYPES))}")
    elif error.validator in ("enum", "const"):
        choices = error.validator_value if error.validator == "enum" else [error.validator_value]
        message = f"{error.instance!r} is not valid; choose one of {', '.join(map(str, choices))}"
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        message = _unknown_fields(error.instance, error.schema)
    return EffectPackageError(label, json_path(path), message)


def _unknown_fields(instance: dict, schema: dict) -> str:
    """'unknown field 'ancor' (did you mean 'anchor'?); valid fields: ...' for a typo."""
    known = sorted(schema.get("properties", {}))
    parts = []
    for name in sorted(set(instance) - set(known)):
        close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
        parts.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return f"unknown field {', '.join(parts)}; valid fields: {', '.join(known)}"


def _first_error(validator: jsonschema.protocols.Validator, data: Any) -> jsonschema.ValidationError | None:
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(list(e.absolute_path)), str(e.absolute_path)))
    return errors[0] if errors else None


def _check_asset(root: Path, label: str, path: str, rel: str) -> None:
    target = (root / rel).resolve()
    if root.resolve() not in target.parents:
        raise EffectPackageError(label, path, f"'{rel}' points outside the package; keep assets inside it")
    if not target.is_file():
        raise EffectPackageError(label, path, f"asset file '{rel}' not found in the package "
                                              f"({root}); add it or fix the name")


def parse_manifest(root: Path, label: str, data: Any) -> EffectPackage:
    manifest = f"{label}/{MANIFEST}"
    top = jsonschema.Draft202012Validator(top_schema(detailed_layers=False))
    err = _first_error(top, data)
    if err is not None:
        raise _schema_error(manifest, err, [])
    specs: list[LayerSpec] = []
    ids: set[str] = set()
    for i, layer in enumerate(data["layers"]):
        cls = LAYER_TYPES[layer["type"]]
        err = _first_error(jsonschema.Draft202012Validator(layer_schema(layer["type"])), layer)
        if err is not None:
            raise _schema_error(manifest, err, ["layers", i])
        layer_id = layer.get("id", f"{layer['type']}_{i}")
        if layer_id in ids:
            raise EffectPackageError(manifest, json_path(["layers", i, "id"]),
                                     f"duplicate layer id '{layer_id}'; ids must be unique")
        ids.add(layer_id)
        anchor_text = layer.get("anchor", cls.DEFAULT_ANCHOR)
        try:
            anchor = parse_anchor(anchor_text)
        except ValueError as exc:
            raise EffectPackageError(manifest, json_path(["layers", i, "anchor"]), str(exc)) from None
        if anchor.kind not in cls.ANCHORS:
            raise EffectPackageError(manifest, json_path(["layers", i, "anchor"]),
                                     f"a {cls.type_name} layer cannot anchor to '{anchor_text}'; "
                                     f"use one of the anchor kinds {', '.join(cls.ANCHORS)}")
        for fld in cls.ASSET_FIELDS:
            value = layer.get(fld)
            values = value if isinstance(value, list) else [value] if value is not None else []
            for k, rel in enumerate(values):
                p = ["layers", i, fld] + ([k] if isinstance(value, list) else [])
                _check_asset(root, manifest, json_path(p), rel)
        params = params_from(cls.PARAMS, {k: v for k, v in layer.items()})
        check = getattr(cls, "check_params", None)
        if check is not None:
            try:
                check(params)
            except ValueError as exc:
                raise EffectPackageError(manifest, json_path(["layers", i]), str(exc)) from None
        specs.append(LayerSpec(id=layer_id, type=layer["type"], index=i,
                               enabled=layer.get("enabled", True), opacity=float(layer.get("opacity", 1.0)),
                               anchor=anchor, max_faces=int(layer.get("max_faces", 4)), params=params))
    variants = {k: tuple(v) for k, v in data.get("variants", {}).items()}
    for name, members in variants.items():
        for k, layer_id in enumerate(members):
            if layer_id not in ids:
                raise EffectPackageError(manifest, json_path(["variants", name, k]),
                                         f"unknown layer id '{layer_id}'; choose one of {', '.join(sorted(ids))}")
    default_variant = data.get("default_variant")
    if default_variant is not None and default_variant not in variants:
        raise EffectPackageError(manifest, "default_variant", f"unknown variant '{default_variant}'; "
                                 f"choose one of {', '.join(sorted(variants)) or '(none defined)'}")
    triggers = data.get("triggers", [])
    for t, trig in enumerate(triggers):
        when = trig["when"]
        kinds = [k for k in ("gesture", "blendshape", "timer_s", "tap") if k in when]
        if len(kinds) != 1:
            raise EffectPackageError(manifest, json_path(["triggers", t, "when"]),
                                     "give exactly one of gesture, blendshape, timer_s, tap")
        if "blendshape" in when:
            on, off = when.get("on", 0.5), when.get("off", when.get("on", 0.5) * 0.7)
            if off > on:
                raise EffectPackageError(manifest, json_path(["triggers", t, "when", "off"]),
                                         f"off threshold {off} is above on threshold {on}; "
                                         "hysteresis needs off <= on")
        for group in ("actions", "on_release"):
            for a, action in enumerate(trig.get(group, [])):
                where = ["triggers", t, group, a]
                if action["do"] in ("start", "stop", "toggle", "burst"):
                    if action.get("layer") not in ids:
                        raise EffectPackageError(manifest, json_path(where + ["layer"]),
                                                 f"unknown layer id {action.get('layer')!r}; choose one of "
                                                 f"{', '.join(sorted(ids))}")
                    if action["do"] == "burst" and LAYER_TYPES[next(
                            s.type for s in specs if s.id == action["layer"])].type_name != "particles":
                        raise EffectPackageError(manifest, json_path(where + ["layer"]),
                                                 "burst needs a particles layer")
                elif action["do"] == "variant":
                    if action.get("name") not in variants:
                        raise EffectPackageError(manifest, json_path(where + ["name"]),
                                                 f"unknown variant {action.get('name')!r}; choose one of "
                                                 f"{', '.join(sorted(variants)) or '(none defined)'}")
                elif action["do"] == "sound":
                    if "file" not in action:
                        raise EffectPackageError(manifest, json_path(where), "sound needs a 'file'")
                    _check_asset(root, manifest, json_path(where + ["file"]), action["file"])
    return EffectPackage(root=root, label=label, name=data["name"], description=data.get("description", ""),
                         layers=tuple(specs), triggers=tuple(triggers), variants=variants,
                         default_variant=default_variant, raw=data)


def builtin_effect_names() -> list[str]:
    """The effects that ship with Vivid Studio (assets/effects/<name>/effect.json)."""
    if not EFFECTS_DIR.is_dir():
        return []
    return sorted(p.name for p in EFFECTS_DIR.iterdir() if (p / MANIFEST).is_file())


def resolve_package_path(path: str | Path) -> Path:
    """`path` as given, or the built-in effect of that name when no such file or folder exists
    (so `cat_ears` works from any folder, also from an installed copy)."""
    path = Path(path)
    if not path.exists() and len(path.parts) == 1 and (EFFECTS_DIR / path.name / MANIFEST).is_file():
        return EFFECTS_DIR / path.name
    return path


def load_package(path: str | Path) -> EffectPackage:
    """Load and validate an effect package: a folder, a .zip, a path to its effect.json, or the
    name of a built-in effect."""
    path = resolve_package_path(path)
    if path.name == MANIFEST:
        path = path.parent
    label = path.name
    if path.is_file() and path.suffix.lower() == ".zip":
        root, extracted = _extract_zip(path)
        package = None
        try:
            package = replace(_load_folder(root, label), zip_path=path, extracted_to=extracted)
        finally:
            if package is None:  # invalid (or Ctrl-C): no caller will release the folder
                _remove_extracted(extracted)
        return package
    if path.is_dir():
        return _load_folder(path, label)
    raise EffectPackageError(label, "", f"no effect package at {path}; give a folder with "
                                        f"{MANIFEST}, a .zip of one, or a built-in effect: "
                                        f"{', '.join(builtin_effect_names())}")


def _load_folder(root: Path, label: str) -> EffectPackage:
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise EffectPackageError(label, "", f"{MANIFEST} not found in {root}")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EffectPackageError(f"{label}/{MANIFEST}", "", f"invalid JSON at line {exc.lineno} "
                                 f"column {exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise EffectPackageError(f"{label}/{MANIFEST}", "", f"not UTF-8 text ({exc})") from None
    return parse_manifest(root, label, data)
