"""Model manager: the official MediaPipe model files, where they are cached, and how to get them.

Search order for a model file (first hit wins):
1. ``$VIVID_MODEL_DIR`` (tests and CI point it at ``../shared/data/models``),
2. the user cache dir (``platformdirs.user_cache_dir("vivid-studio") / "models"``).

Hashes: every sha256 below is the official file's, cross-checked against Git-LFS pointer files
(``oid sha256:...``) of repositories that vendor the official downloads (torinmb/mediapipe-
touchdesigner and others) and, for face/pose-lite/segmenter/blazeface, against byte-identical copies
in the shared test data (see ../shared/data/MANIFEST.md).
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from assets.errors import AssetError, ModelNotFoundError

MODEL_DIR_ENV = "VIVID_MODEL_DIR"
_BASE_URL = "https://storage.googleapis.com/mediapipe-models"
_DOWNLOAD_TIMEOUT_S = 60.0  # per network read; the largest file (heavy pose) is ~30 MB

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """One downloadable model: file name, official URL, sha256 and size in bytes."""

    filename: str
    url: str
    sha256: str | None  # None would mean "not verified" (size check only); all are verified now
    size: int
    description: str

    @property
    def is_task_bundle(self) -> bool:
        """`.task` files are zip bundles of .tflite members; `.tflite` are flatbuffers."""
        return self.filename.endswith(".task")


MODELS: dict[str, ModelSpec] = {
    spec.filename: spec
    for spec in (
        ModelSpec(
            "face_landmarker.task",
            f"{_BASE_URL}/face_landmarker/face_landmarker/float16/1/face_landmarker.task",
            "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
            3758596,
            "FaceLandmarker: 478 landmarks, 52 blendshapes, transformation matrix",
        ),
        ModelSpec(
            "pose_landmarker_lite.task",
            f"{_BASE_URL}/pose_landmarker/pose_landmarker_lite/float16/1/pose_landmarker_lite.task",
            "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",
            5777746,
            "PoseLandmarker lite: 33 landmarks + world landmarks (fastest)",
        ),
        ModelSpec(
            "pose_landmarker_full.task",
            f"{_BASE_URL}/pose_landmarker/pose_landmarker_full/float16/1/pose_landmarker_full.task",
            "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
            9398198,
            "PoseLandmarker full: 33 landmarks (balanced)",
        ),
        ModelSpec(
            "pose_landmarker_heavy.task",
            f"{_BASE_URL}/pose_landmarker/pose_landmarker_heavy/float16/1/pose_landmarker_heavy.task",
            "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",
            30664242,
            "PoseLandmarker heavy: 33 landmarks (most accurate, slowest)",
        ),
        ModelSpec(
            "hand_landmarker.task",
            f"{_BASE_URL}/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task",
            "fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1",
            7819105,
            "HandLandmarker: 21 landmarks per hand, handedness, world landmarks",
        ),
        ModelSpec(
            "selfie_segmenter.tflite",
            f"{_BASE_URL}/image_segmenter/selfie_segmenter/float16/latest/selfie_segmenter.tflite",
            "191ac9529ae506ee0beefa6b2c945a172dab9d07d1e802a290a4e4038226658b",
            249537,
            "ImageSegmenter selfie model: person mask (256x256)",
        ),
        ModelSpec(
            "blaze_face_short_range.tflite",
            f"{_BASE_URL}/face_detector/blaze_face_short_range/float16/1/blaze_face_short_range.tflite",
            "b4578f35940bf5a1a655214a1cce5cab13eba73c1297cd78e1a04c2380b0152f",
            229746,
            "FaceDetector BlazeFace short range (boxes only)",
        ),
    )
}
POSE_MODELS = {"lite": "pose_landmarker_lite.task", "full": "pose_landmarker_full.task",
               "heavy": "pose_landmarker_heavy.task"}


def cache_dir() -> Path:
    """The per-user model cache (created on first fetch)."""
    return Path(platformdirs.user_cache_dir("vivid-studio", appauthor=False)) / "models"


NO_DOWNLOAD_ENV = "VIVID_NO_DOWNLOAD"  # set to any value: never download models on first use


def search_dirs() -> list[Path]:
    """Where models are looked for, in order."""
    dirs = []
    env = os.environ.get(MODEL_DIR_ENV)
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(cache_dir())
    return dirs


def spec_for(name: str) -> ModelSpec:
    """The registry entry for a file name; AssetError listing the known names otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise AssetError(
            f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}"
        ) from None


def resolve(name: str) -> Path:
    """The path of a model by file name (a registry name) or an explicit path to a file.

    Raises ModelNotFoundError naming the file, every place searched and the exact fix.
    """
    as_path = Path(name).expanduser()
    if as_path.suffix and (as_path.is_absolute() or as_path.parent != Path(".")):
        if as_path.is_file():
            return as_path
        raise ModelNotFoundError(f"model file {as_path} does not exist (given as a path)")
    spec = spec_for(name)
    searched = []
    for directory in search_dirs():
        candidate = directory / spec.filename
        searched.append(str(candidate))
        if candidate.is_file():
            return candidate
    fix = (f"Fix: run `vivid models fetch {spec.filename}` (downloads {spec.url} into {cache_dir()}), "
           f"or download that URL yourself into a folder and set {MODEL_DIR_ENV} to it.")
    if os.environ.get(MODEL_DIR_ENV) or os.environ.get(NO_DOWNLOAD_ENV):
        # The user manages the models (or asked for no network): say exactly what to do.
        raise ModelNotFoundError(f"model {spec.filename} not found; looked in: {', '.join(searched)}. {fix}")
    # First use with the default cache: download it once, verified against its sha256.
    log.warning("downloading %s (%.1f MB) from %s into %s", spec.filename, spec.size / 1e6, spec.url, cache_dir())
    try:
        return fetch_spec(spec)
    except ModelNotFoundError as exc:
        reason = exc.__cause__ or exc  # the network error itself, without the nested advice
        raise ModelNotFoundError(f"model {spec.filename} not found in {', '.join(searched)} and the download "
                                 f"from {spec.url} failed ({reason}). {fix}") from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    filename: str
    path: Path | None
    ok: bool
    reason: str  # "ok", "missing", "size ...", "sha256 ..."


def verify_file(path: Path, spec: ModelSpec) -> VerifyResult:
    """Check size then sha256 (size first: cheap and catches truncated downloads)."""
    size = path.stat().st_size
    if size != spec.size:
        return VerifyResult(spec.filename, path, False, f"size {size} B, expected {spec.size} B")
    if spec.sha256 is not None:
        actual = sha256_of(path)
        if actual != spec.sha256:
            return VerifyResult(spec.filename, path, False,
                                f"sha256 {actual[:16]}..., expected {spec.sha256[:16]}...")
    return VerifyResult(spec.filename, path, True, "ok")


def verify(name: str) -> VerifyResult:
    spec = spec_for(name)
    try:
        path = resolve(name)
    except ModelNotFoundError:
        return VerifyResult(spec.filename, None, False, "missing")
    return verify_file(path, spec)


def check_model_file(path: Path) -> None:
    """Fail early with a clear AssetError when a file cannot be a MediaPipe model (MediaPipe's
    own message for a bad file is a bare status code). `.task` must be a zip of .tflite files;
    `.tflite` must be a TFLite flatbuffer (identifier "TFL3" at byte 4)."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise AssetError(f"model file {path} is empty (0 bytes); re-download it with "
                         f"`vivid models fetch {path.name}`")
    if path.suffix == ".task":
        if not zipfile.is_zipfile(path):
            raise AssetError(f"model file {path} is not a MediaPipe .task bundle (not a zip); "
                             f"re-download it with `vivid models fetch {path.name}`")
        with zipfile.ZipFile(path) as bundle:
            if not any(n.endswith(".tflite") for n in bundle.namelist()):
                raise AssetError(f"model file {path} is a zip without .tflite members; "
                                 f"not a MediaPipe model")
    else:
        with open(path, "rb") as handle:
            head = handle.read(8)
        if head[4:8] != b"TFL3":
            raise AssetError(f"model file {path} is not a TFLite model (no 'TFL3' identifier); "
                             f"re-download it with `vivid models fetch {path.name}`")


def find_verified(spec: ModelSpec) -> Path | None:
    """The first copy of the model in the search dirs whose size and sha256 match, or None."""
    for directory in search_dirs():
        candidate = directory / spec.filename
        if candidate.is_file() and verify_file(candidate, spec).ok:
            return candidate
    return None


def downloads_disabled() -> bool:
    """True when the user set VIVID_NO_DOWNLOAD: no code may touch the network for models."""
    return bool(os.environ.get(NO_DOWNLOAD_ENV))


@dataclass(frozen=True)
class FetchResult:
    """Where a fetched model is, and whether it was downloaded now (False: a verified copy was
    already there)."""

    path: Path
    downloaded: bool


def fetch(name: str, force: bool = False) -> FetchResult:
    """Make a model available: a verified copy already in the search dirs is kept (unless `force`),
    otherwise it is downloaded into the user cache and verified before it is kept.

    Raises ModelNotFoundError (offline, or VIVID_NO_DOWNLOAD set, with the URL to fetch by hand)
    or AssetError (bad hash).
    """
    spec = spec_for(name)
    present = None if force else find_verified(spec)
    if present is not None:
        return FetchResult(present, downloaded=False)
    if downloads_disabled():
        why = ("--force asks for a new download" if force else
               f"no verified copy is in {', '.join(str(d) for d in search_dirs())}")
        raise ModelNotFoundError(
            f"{spec.filename}: {why}, but {NO_DOWNLOAD_ENV} is set, so nothing is downloaded. Fix: "
            f"download {spec.url} by hand into a folder and set {MODEL_DIR_ENV} to it, or unset "
            f"{NO_DOWNLOAD_ENV}.")
    return FetchResult(fetch_spec(spec, force), downloaded=True)


def fetch_spec(spec: ModelSpec, force: bool = False) -> Path:
    """fetch() for an explicit spec (any URL urllib opens, e.g. a local mirror's file://)."""
    target = cache_dir() / spec.filename
    if target.is_file() and not force and verify_file(target, spec).ok:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(spec.url, timeout=_DOWNLOAD_TIMEOUT_S) as response:
                    shutil.copyfileobj(response, out, 1 << 20)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                raise ModelNotFoundError(
                    f"could not download {spec.filename} from {spec.url}: {exc}. Fix: check the "
                    f"network, or download that URL by hand into a folder and set "
                    f"{MODEL_DIR_ENV} to it."
                ) from exc
        result = verify_file(tmp, spec)
        if not result.ok:
            raise AssetError(f"downloaded {spec.filename} from {spec.url} failed verification: "
                             f"{result.reason}; the file was discarded")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
