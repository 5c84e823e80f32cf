"""Checks on an output file name, made before any work starts: a render that fails at its last
step because of a typo in `-o` wastes the user's time."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from assets.errors import VividError


class OutputPathError(VividError, ValueError):
    """An output file name that cannot be written; the message names the file and the fix."""


def check_output_path(path: str | Path, suffixes: Sequence[str], what: str) -> Path:
    """`path` if it can be written as `what` (e.g. "a video"): its extension is one of `suffixes` (with the
    dot, lower case), it is not a folder, and its folder exists (or can be created) and is
    writable. Creates the folder."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        got = f"'{suffix}'" if suffix else "no extension"
        raise OutputPathError(f"{path}: unsupported extension {got} for {what}; use {' or '.join(suffixes)}")
    if path.is_dir():
        raise OutputPathError(f"{path}: is a folder; give a file name such as {path / ('out' + suffixes[0])}")
    folder = path.parent
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise OutputPathError(f"{path}: cannot create the folder, {blocker} is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"{path}: cannot create the folder {folder} ({exc.strerror or exc})") from exc
    if not os.access(folder, os.W_OK):
        raise OutputPathError(f"{path}: the folder {folder} is not writable; choose another output folder")
    return path
