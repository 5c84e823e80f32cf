"""A private view of espeak-ng's data folder that adds our ``vivid`` voice variant.

Why: espeak-ng's wave generator keeps a pitch "flutter" phase counter (and an echo buffer) across
utterances, so the same text gives slightly different audio (a few ms) depending on what was
spoken before in the process. Our variant sets ``flutter 0`` and ``echo 0 0``, which makes every
utterance depend only on its own text and options: the determinism the offline renderer needs.

espeak-ng only reads variants from ``<data>/voices/!v/``, so we build, once per user, a folder of
symbolic links to the system data with that one extra file, and initialise espeak-ng on it.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import platformdirs

VARIANT_NAME = "vivid"
VARIANT_TEXT = "language variant\nname vivid\nflutter 0\nroughness 0\necho 0 0\n"

log = logging.getLogger(__name__)


def find_system_data(reported: str | None) -> Path | None:
    """espeak-ng's own data folder: as reported, $ESPEAK_DATA_PATH, or next to the loaded library."""
    candidates: list[Path] = []
    if reported:
        candidates.append(Path(reported))
    if os.environ.get("ESPEAK_DATA_PATH"):
        candidates.append(Path(os.environ["ESPEAK_DATA_PATH"]) / "espeak-ng-data")
    try:  # where the dynamic loader found libespeak-ng (Linux)
        for line in Path("/proc/self/maps").read_text().splitlines():
            if "libespeak-ng" in line:
                candidates.append(Path(line.split()[-1]).resolve().parent / "espeak-ng-data")
                break
    except OSError:
        pass
    candidates += [Path("/usr/share/espeak-ng-data"), Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data")]
    for c in candidates:
        if (c / "phontab").is_file():
            return c
    return None


def _link_children(src: Path, dst: Path, skip: str) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for entry in src.iterdir():
        if entry.name == skip:
            continue
        link = dst / entry.name
        if not link.exists() and not link.is_symlink():
            link.symlink_to(entry)


def private_data_root(system_data: Path, cache_dir: Path | None = None) -> Path | None:
    """Folder containing an ``espeak-ng-data`` with our variant, or None if it cannot be built."""
    key = hashlib.sha1(str(system_data.resolve()).encode()).hexdigest()[:10]
    root = Path(cache_dir or platformdirs.user_cache_dir("vivid-studio", appauthor=False)) / f"espeak-ng-{key}"
    data = root / "espeak-ng-data"
    variant = data / "voices" / "!v" / VARIANT_NAME
    try:
        if variant.is_file() and variant.read_text() == VARIANT_TEXT:
            return root
        _link_children(system_data, data, skip="voices")
        _link_children(system_data / "voices", data / "voices", skip="!v")
        _link_children(system_data / "voices" / "!v", data / "voices" / "!v", skip=VARIANT_NAME)
        tmp = variant.with_name(f".{VARIANT_NAME}.{os.getpid()}")
        tmp.write_text(VARIANT_TEXT)
        tmp.replace(variant)
    except OSError as exc:
        log.warning("cannot build espeak-ng data view in %s (%s); speech may vary by a few ms between runs", root, exc)
        return None
    return root
