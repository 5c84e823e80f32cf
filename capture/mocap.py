"""Mocap clips (.vmcap): record a Tracking stream to a compact versioned file and replay it exactly.

File format, version 1: a zip archive (deflate) with
  header.json   {"format": "vivid-mocap", "version": 1, "frames": T, "age_keys": [...], "meta": {...}}
  <name>.npy    numpy arrays (listed below); float values are stored at their original precision
                (float32 landmarks/blendshapes, float64 timestamps) so replay is bit-exact.
  external.json per-frame external (VMC) data, or null.
Arrays: t (T,) f64; frame_size (T,2) i32; ages (T,K) f64 (NaN = absent);
face_count (T,) i32, face_nlm (F,) i32, face_landmarks (sum nlm,3) f32, face_blendshapes (F,52) f32,
face_matrix (F,4,4) f32, face_t (F,) f64; body_count, body_landmarks (B,33,3), body_world (B,33,3),
body_visibility (B,33), body_t; hand_count, hand_landmarks (H,21,3), hand_world (H,21,3),
hand_right (H,) u8 (1 = person's right hand), hand_score (H,) f64, hand_t (H,) f64.
Person masks are not recorded (they are images; a clip would grow to a video's size).
"""
from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from assets.errors import AssetError
from capture.types import (NUM_BLENDSHAPES, BodyTracking, BonePose, ExternalTracking,
                           FaceTracking, HandTracking, Tracking, readonly_f32)

CLIP_FORMAT = "vivid-mocap"
CLIP_VERSION = 1
CLIP_SUFFIX = ".vmcap"


def _external_to_json(ext: ExternalTracking | None) -> dict | None:
    if ext is None:
        return None

    def bone(b: BonePose) -> list[list[float]]:
        return [b.position.tolist(), b.rotation.tolist()]

    return {"bones": {k: bone(v) for k, v in ext.bones.items()},
            "root": bone(ext.root) if ext.root is not None else None,
            "blendshapes": dict(ext.blendshapes)}


def _external_from_json(data: dict | None) -> ExternalTracking | None:
    if data is None:
        return None

    def bone(v: list) -> BonePose:
        return BonePose(readonly_f32(v[0], (3,)), readonly_f32(v[1], (4,)))

    return ExternalTracking(bones={k: bone(v) for k, v in data["bones"].items()},
                            root=bone(data["root"]) if data["root"] is not None else None,
                            blendshapes={k: float(v) for k, v in data["blendshapes"].items()})


class ClipRecorder:
    """Collects Tracking snapshots; save() writes the .vmcap file."""

    def __init__(self, meta: dict | None = None) -> None:
        self.meta = dict(meta or {})
        self.frames: list[Tracking] = []

    def add(self, tracking: Tracking) -> None:
        if self.frames and tracking.timestamp_s <= self.frames[-1].timestamp_s:
            raise AssetError(f"mocap clip timestamps must increase: {tracking.timestamp_s} s "
                             f"after {self.frames[-1].timestamp_s} s")
        self.frames.append(tracking)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        frames = self.frames
        age_keys = sorted({k for f in frames for k in f.ages_s})
        faces = [face for f in frames for face in f.faces]
        bodies = [b for f in frames for b in f.bodies]
        hands = [h for f in frames for h in f.hands]

        def stack(items: list, attr: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
            if not items:
                return np.zeros((0, *shape), dtype)
            return np.stack([np.asarray(getattr(x, attr), dtype) for x in items])

        arrays = {
            "t": np.array([f.timestamp_s for f in frames], np.float64),
            "frame_size": np.array([f.frame_size for f in frames], np.int32).reshape(-1, 2),
            "ages": np.array([[f.ages_s.get(k, np.nan) for k in age_keys] for f in frames],
                             np.float64).reshape(len(frames), len(age_keys)),
            "face_count": np.array([len(f.faces) for f in frames], np.int32),
            "face_nlm": np.array([len(x.landmarks) for x in faces], np.int32),
            "face_landmarks": (np.concatenate([np.asarray(x.landmarks, np.float32).reshape(-1, 3)
                                               for x in faces]) if faces
                               else np.zeros((0, 3), np.float32)),
            "face_blendshapes": stack(faces, "blendshapes", (NUM_BLENDSHAPES,), np.float32),
            "face_matrix": stack(faces, "head_matrix", (4, 4), np.float32),
            "face_t": np.array([x.timestamp_s for x in faces], np.float64),
            "body_count": np.array([len(f.bodies) for f in frames], np.int32),
            "body_landmarks": stack(bodies, "landmarks", (33, 3), np.float32),
            "body_world": stack(bodies, "world_landmarks", (33, 3), np.float32),
            "body_visibility": stack(bodies, "visibility", (33,), np.float32),
            "body_t": np.array([x.timestamp_s for x in bodies], np.float64),
            "hand_count": np.array([len(f.hands) for f in frames], np.int32),
            "hand_landmarks": stack(hands, "landmarks", (21, 3), np.float32),
            "hand_world": stack(hands, "world_landmarks", (21, 3), np.float32),
            "hand_right": np.array([x.handedness == "Right" for x in hands], np.uint8),
            "hand_score": np.array([x.score for x in hands], np.float64),
            "hand_t": np.array([x.timestamp_s for x in hands], np.float64),
        }
        header = {"format": CLIP_FORMAT, "version": CLIP_VERSION, "frames": len(frames),
                  "age_keys": age_keys, "meta": self.meta}
        external = [_external_to_json(f.external) for f in frames]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("header.json", json.dumps(header, indent=1))
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.ascontiguousarray(array),
                                          allow_pickle=False)
                archive.writestr(f"{name}.npy", buffer.getvalue())
            if any(e is not None for e in external):
                archive.writestr("external.json", json.dumps(external))
        return path


def load_clip(path: str | Path) -> "Clip":
    """Read a .vmcap file (AssetError naming the file and field when it is not one)."""
    path = Path(path)
    if not path.is_file():
        raise AssetError(f"mocap clip {path} does not exist")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise AssetError(f"{path} is not a Vivid mocap clip (.vmcap is a zip archive)") from exc
    with archive:
        names = set(archive.namelist())
        if "header.json" not in names:
            raise AssetError(f"{path} is not a Vivid mocap clip: header.json missing")
        header = json.loads(archive.read("header.json"))
        if header.get("format") != CLIP_FORMAT:
            raise AssetError(f"{path}: header field 'format' is {header.get('format')!r}, "
                             f"expected {CLIP_FORMAT!r}")
        if header.get("version") != CLIP_VERSION:
            raise AssetError(f"{path}: clip version {header.get('version')!r} not supported "
                             f"(this build reads version {CLIP_VERSION}); update Vivid Studio")
        arrays = {}
        for name in names:
            if name.endswith(".npy"):
                arrays[name[:-4]] = np.lib.format.read_array(io.BytesIO(archive.read(name)),
                                                             allow_pickle=False)
        external = (json.loads(archive.read("external.json")) if "external.json" in names
                    else [None] * header["frames"])
    return Clip(_decode(header, arrays, external), header.get("meta", {}))


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


def _decode(header: dict, a: dict[str, np.ndarray], external: list) -> list[Tracking]:
    keys = header["age_keys"]
    frames = []
    fi = bi = hi = li = 0
    for i in range(header["frames"]):
        faces = []
        for _ in range(int(a["face_count"][i])):
            n = int(a["face_nlm"][fi])
            faces.append(FaceTracking(landmarks=_ro(a["face_landmarks"][li:li + n]),
                                      blendshapes=_ro(a["face_blendshapes"][fi]),
                                      head_matrix=_ro(a["face_matrix"][fi]),
                                      timestamp_s=float(a["face_t"][fi])))
            li += n
            fi += 1
        bodies = []
        for _ in range(int(a["body_count"][i])):
            bodies.append(BodyTracking(landmarks=_ro(a["body_landmarks"][bi]),
                                       world_landmarks=_ro(a["body_world"][bi]),
                                       visibility=_ro(a["body_visibility"][bi]),
                                       timestamp_s=float(a["body_t"][bi])))
            bi += 1
        hands = []
        for _ in range(int(a["hand_count"][i])):
            hands.append(HandTracking(landmarks=_ro(a["hand_landmarks"][hi]),
                                      world_landmarks=_ro(a["hand_world"][hi]),
                                      handedness="Right" if a["hand_right"][hi] else "Left",
                                      score=float(a["hand_score"][hi]),
                                      timestamp_s=float(a["hand_t"][hi])))
            hi += 1
        ages = {k: float(v) for k, v in zip(keys, a["ages"][i]) if not np.isnan(v)}
        frames.append(Tracking(timestamp_s=float(a["t"][i]), faces=tuple(faces),
                               bodies=tuple(bodies), hands=tuple(hands),
                               frame_size=(int(a["frame_size"][i][0]), int(a["frame_size"][i][1])),
                               ages_s=ages, external=_external_from_json(external[i])))
    return frames


class Clip:
    """A loaded clip: `frames` in time order; `at(t)` and `play()` replay it."""

    def __init__(self, frames: list[Tracking], meta: dict | None = None) -> None:
        self.frames = frames
        self.meta = meta or {}
        self._times = np.array([f.timestamp_s for f in frames], np.float64)

    @property
    def duration_s(self) -> float:
        return float(self._times[-1] - self._times[0]) if len(self._times) else 0.0

    def __len__(self) -> int:
        return len(self.frames)

    def at(self, timestamp_s: float) -> Tracking | None:
        """The latest recorded Tracking at or before `timestamp_s` (None before the first)."""
        i = int(np.searchsorted(self._times, timestamp_s, side="right")) - 1
        return self.frames[i] if i >= 0 else None

    def play(self, speed: float = 1.0, clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> Iterator[Tracking]:
        """Yield the recorded Trackings at their original timing (scaled by `speed`), each
        exactly as recorded. A consumer that falls behind gets frames late, never skipped."""
        if not self.frames:
            return
        start_wall = clock()
        t0 = self.frames[0].timestamp_s
        for frame in self.frames:
            due = start_wall + (frame.timestamp_s - t0) / speed
            wait = due - clock()
            if wait > 0:
                sleep(wait)
            yield frame
