"""Typed, path-aware reads from a glTF JSON tree.

Every read names the file and the JSON path of the field it failed on, so a broken asset
reports e.g. ``CesiumMan.glb: accessors[3].componentType: 5127 is not one of ...`` instead of
leaking a KeyError / IndexError / TypeError from deep inside the loader.
"""
from __future__ import annotations

from typing import Any, NoReturn

from assets.errors import AssetError


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class FieldReader:
    """Reads fields of one file's JSON; `name` is the file name used in every message."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, path: str, message: str) -> NoReturn:
        raise AssetError(f"{self.name}: {path}: {message}")

    # -- containers --------------------------------------------------------------------
    def obj(self, parent: dict[str, Any], key: str, path: str, *, required: bool = False) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(_join(path, key), "required object is missing")
            return {}
        if not isinstance(value, dict):
            self.fail(_join(path, key), f"expected a JSON object, got {type(value).__name__}")
        return value

    def array(self, parent: dict[str, Any], key: str, path: str, *, required: bool = False) -> list[Any]:
        value = parent.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.fail(where, "required array is missing")
            return []
        if not isinstance(value, list):
            self.fail(where, f"expected a JSON array, got {type(value).__name__}")
        return value

    def objects(self, parent: dict[str, Any], key: str, path: str, *, required: bool = False) -> list[dict[str, Any]]:
        items = self.array(parent, key, path, required=required)
        where = _join(path, key)
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                self.fail(f"{where}[{i}]", f"expected a JSON object, got {type(item).__name__}")
        return items

    # -- scalars -----------------------------------------------------------------------
    def int_(self, parent: dict[str, Any], key: str, path: str, default: int | None = None,
             *, minimum: int | None = None) -> int:
        value = parent.get(key, default)
        where = _join(path, key)
        if value is None:
            self.fail(where, "required integer is missing")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            self.fail(where, f"expected an integer, got {value!r}")
        value = int(value)
        if minimum is not None and value < minimum:
            self.fail(where, f"{value} is below the minimum {minimum}")
        return value

    def opt_int(self, parent: dict[str, Any], key: str, path: str) -> int | None:
        if parent.get(key) is None:
            return None
        return self.int_(parent, key, path)

    def float_(self, parent: dict[str, Any], key: str, path: str, default: float) -> float:
        value = parent.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(_join(path, key), f"expected a number, got {value!r}")
        return float(value)

    def bool_(self, parent: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = parent.get(key, default)
        if not isinstance(value, bool):
            self.fail(_join(path, key), f"expected true or false, got {value!r}")
        return value

    def str_(self, parent: dict[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = parent.get(key, default)
        if value is None:
            self.fail(_join(path, key), "required string is missing")
        if not isinstance(value, str):
            self.fail(_join(path, key), f"expected a string, got {value!r}")
        return value

    def floats(self, parent: dict[str, Any], key: str, path: str, length: int,
               default: tuple[float, ...] | None = None) -> tuple[float, ...]:
        value = parent.get(key)
        where = _join(path, key)
        if value is None:
            if default is None:
                self.fail(where, f"required array of {length} numbers is missing")
            return default
        if (not isinstance(value, list) or len(value) != length
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
            self.fail(where, f"expected an array of {length} numbers, got {value!r}")
        return tuple(float(v) for v in value)

    def index(self, parent: dict[str, Any], key: str, path: str, target: str, count: int,
              *, required: bool = True) -> int | None:
        """An index into the top-level array `target` (which has `count` entries)."""
        if parent.get(key) is None:
            if required:
                self.fail(_join(path, key), f"required index into {target} is missing")
            return None
        value = self.int_(parent, key, path)
        if not 0 <= value < count:
            self.fail(_join(path, key), f"index {value} is out of range: {target} has {count} entries")
        return value

    def index_value(self, value: Any, where: str, target: str, count: int) -> int:
        """A bare index (an element of an index array such as `children`) into `target`."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected an integer index into {target}, got {value!r}")
        if not 0 <= value < count:
            self.fail(where, f"index {value} is out of range: {target} has {count} entries")
        return value

    def choice(self, parent: dict[str, Any], key: str, path: str, choices: tuple[Any, ...], default: Any) -> Any:
        value = parent.get(key, default)
        if value not in choices:
            self.fail(_join(path, key), f"{value!r} is not one of {', '.join(map(repr, choices))}")
        return value
