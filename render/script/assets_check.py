"""Checks on files a script refers to: avatar animations, mocap clips, background images and
videos, recorded audio, Piper voices. `vivid script check` runs them so that a script it passes
does not fail later in `render` because of a file."""
from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np

AVATAR_SUFFIXES = (".vrm", ".glb", ".gltf")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
CLIP_SUFFIX = ".vmcap"
# An equirectangular panorama is twice as wide as tall; allow 5% for cropped exports.
PANORAMA_ASPECT = 2.0
PANORAMA_ASPECT_TOLERANCE = 0.05


class CheckFailed(ValueError):
    """A referenced file is unusable; the message says why (the loader adds line and field)."""


def gltf_json(path: Path) -> dict:
    """The glTF JSON of a .gltf, or of the JSON chunk of a .glb/.vrm."""
    data = path.read_bytes()
    if path.suffix.lower() == ".gltf":
        return json.loads(data.decode("utf-8"))
    if len(data) < 20 or data[:4] != b"glTF":
        raise CheckFailed(f"{path.name} is not a binary glTF (no 'glTF' magic)")
    declared = struct.unpack_from("<I", data, 8)[0]
    if len(data) < declared:
        raise CheckFailed(f"truncated GLB: the header declares {declared} bytes but the file has {len(data)}; "
                          f"copy or export the file again")
    chunk_len, chunk_type = struct.unpack_from("<II", data, 12)
    if chunk_type != 0x4E4F534A:  # "JSON"
        raise CheckFailed(f"{path.name}: first GLB chunk is not JSON")
    return json.loads(data[20:20 + chunk_len].decode("utf-8"))


def animation_durations(doc: dict) -> dict[str, float]:
    """name -> seconds, from the ``max`` of each animation's sampler input accessors (required by glTF)."""
    out: dict[str, float] = {}
    accessors = doc.get("accessors", [])
    for i, anim in enumerate(doc.get("animations", [])):
        name = anim.get("name") or f"animation_{i}"
        ends = []
        for sampler in anim.get("samplers", []):
            acc = accessors[sampler["input"]] if sampler.get("input", -1) < len(accessors) else {}
            if acc.get("max"):
                ends.append(float(acc["max"][0]))
        out[name] = max(ends) if ends else 0.0
    return out


def clip_duration(path: Path) -> float:
    """Length in seconds of a .vmcap mocap clip (zip with header.json and t.npy, see capture/mocap.py)."""
    try:
        with zipfile.ZipFile(path) as archive:
            header = json.loads(archive.read("header.json"))
            if header.get("format") != "vivid-mocap":
                raise CheckFailed(f"{path.name} is not a Vivid mocap clip (header format {header.get('format')!r})")
            t = np.load(io.BytesIO(archive.read("t.npy")), allow_pickle=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        if isinstance(exc, CheckFailed):
            raise
        raise CheckFailed(f"{path.name} is not a readable .vmcap clip ({exc}); record one with `vivid track`") from exc
    return float(t[-1] - t[0]) if len(t) > 1 else 0.0


def check_image(path: Path, panorama: bool) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            width, height = im.size
    except (UnidentifiedImageError, OSError) as exc:
        raise CheckFailed(f"{path.name} is not a readable image ({exc})") from exc
    if panorama:
        aspect = width / max(height, 1)
        if abs(aspect - PANORAMA_ASPECT) > PANORAMA_ASPECT * PANORAMA_ASPECT_TOLERANCE:
            raise CheckFailed(
                f"{path.name} is {width}x{height}; a 360 panorama must be equirectangular (2:1, e.g. 4096x2048)"
            )


def check_video(path: Path) -> None:
    """A video PyAV can open, with a video stream whose first frame decodes."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise CheckFailed(f"{path.name} has no video stream")
            next(container.decode(video=0))
    except StopIteration:
        raise CheckFailed(f"{path.name} has no decodable video frame") from None
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise CheckFailed(f"{path.name} is not a readable video ({exc})") from exc


def check_audio(path: Path) -> None:
    """A sound file libsndfile can read, with at least one sample."""
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (RuntimeError, OSError) as exc:  # soundfile raises LibsndfileError (a RuntimeError)
        raise CheckFailed(f"{path.name} is not a readable audio file ({exc})") from exc
    if info.frames <= 0:
        raise CheckFailed(f"{path.name} holds no audio")


def check_piper_voice(path: Path) -> None:
    """A Piper voice is a .onnx model with its .onnx.json config next to it."""
    config = Path(str(path) + ".json")
    if not config.is_file():
        raise CheckFailed(f"{path.name} has no config {config.name} next to it; download both files of the voice")
