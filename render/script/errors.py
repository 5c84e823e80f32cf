"""Script errors that point at the YAML line and field."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assets.errors import AssetError

Path_ = tuple  # a field path: ("beats", 3, "gesture", "name")


def format_path(path: tuple) -> str:
    """("beats", 3, "gesture") -> 'beats[3].gesture'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


@dataclass(frozen=True)
class ScriptIssue:
    file: str
    line: int | None
    path: tuple
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {format_path(self.path)}: {self.message}"


class ScriptError(AssetError):
    """One or more problems in a script; ``issues`` holds each with its line and field path."""

    def __init__(self, issues: list[ScriptIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @classmethod
    def single(cls, file: str | Path, line: int | None, path: tuple, message: str) -> "ScriptError":
        return cls([ScriptIssue(str(file), line, path, message)])
