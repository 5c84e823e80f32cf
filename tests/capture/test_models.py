"""Model manager: registry hashes, search order, helpful errors, verified download."""
from __future__ import annotations

import pytest

from assets.errors import AssetError, ModelNotFoundError
from capture import models
from capture.trackers import FaceTracker, FaceTrackerOptions, PoseTracker, PoseTrackerOptions

IN_SHARED_DATA = ("face_landmarker.task", "pose_landmarker_lite.task", "selfie_segmenter.tflite",
                  "blaze_face_short_range.tflite")


@pytest.mark.parametrize("name", IN_SHARED_DATA)
def test_registry_hashes_match_the_official_files_in_the_test_data(name, model_dir):
    result = models.verify(name)
    assert result.ok, result.reason
    assert result.path == model_dir / name


def test_every_registry_entry_is_pinned_to_an_official_url_with_a_hash():
    for spec in models.MODELS.values():
        assert spec.url.startswith("https://storage.googleapis.com/mediapipe-models/")
        assert spec.url.endswith("/" + spec.filename)
        assert spec.sha256 is not None and len(spec.sha256) == 64 and spec.size > 100_000


def test_search_order_env_first_then_user_cache(tmp_path, monkeypatch, model_dir):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert models.search_dirs() == [model_dir, cache / "vivid-studio" / "models"]
    monkeypatch.delenv(models.MODEL_DIR_ENV)
    target = cache / "vivid-studio" / "models" / "face_landmarker.task"
    target.parent.mkdir(parents=True)
    target.write_bytes((model_dir / "face_landmarker.task").read_bytes())
    assert models.resolve("face_landmarker.task") == target


def test_offline_without_the_model_names_file_places_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(models.MODEL_DIR_ENV, str(tmp_path / "empty"))
    with pytest.raises(ModelNotFoundError) as info:
        PoseTracker(PoseTrackerOptions(model="heavy"))
    message = str(info.value)
    assert "pose_landmarker_heavy.task not found" in message
    assert str(tmp_path / "empty" / "pose_landmarker_heavy.task") in message
    assert "vivid models fetch pose_landmarker_heavy.task" in message
    assert "pose_landmarker_heavy/float16/1/pose_landmarker_heavy.task" in message
    assert isinstance(info.value, FileNotFoundError)


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(AssetError, match="unknown model 'face.task'; known models: .*"
                                         "face_landmarker.task"):
        models.resolve("face.task")


def test_a_file_that_is_not_a_model_is_rejected_clearly(tmp_path, test_data):
    fake_task = tmp_path / "face_landmarker.task"
    fake_task.write_bytes((test_data / "faces/obama-240p.jpg").read_bytes())
    with pytest.raises(AssetError, match="not a MediaPipe .task bundle"):
        FaceTracker(FaceTrackerOptions(model=str(fake_task)))
    fake_tflite = tmp_path / "selfie_segmenter.tflite"
    fake_tflite.write_text("hello")
    with pytest.raises(AssetError, match="not a TFLite model"):
        models.check_model_file(fake_tflite)
    empty = tmp_path / "x.task"
    empty.write_bytes(b"")
    with pytest.raises(AssetError, match="empty \\(0 bytes\\)"):
        models.check_model_file(empty)
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        FaceTracker(FaceTrackerOptions(model=str(tmp_path / "nope.task")))


def test_fetch_verifies_before_keeping(tmp_path, monkeypatch, model_dir):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real = models.MODELS["blaze_face_short_range.tflite"]
    source = model_dir / real.filename
    good = models.ModelSpec(real.filename, source.as_uri(), real.sha256, real.size, "")
    path = models.fetch_spec(good)
    assert path == models.cache_dir() / real.filename
    assert models.verify_file(path, good).ok
    path.unlink()
    tampered = models.ModelSpec(real.filename, source.as_uri(), "0" * 64, real.size, "")
    with pytest.raises(AssetError, match="failed verification: sha256"):
        models.fetch_spec(tampered)
    assert not path.exists() and not list(models.cache_dir().glob("*.part"))
    offline = models.ModelSpec(real.filename, (tmp_path / "gone.tflite").as_uri(),
                               real.sha256, real.size, "")
    with pytest.raises(ModelNotFoundError, match="could not download"):
        models.fetch_spec(offline)


def test_first_use_downloads_into_the_cache_and_verifies(tmp_path, monkeypatch, model_dir):
    """With no VIVID_MODEL_DIR, a missing model is downloaded once (here from a file:// mirror of
    the official file) and checked against its sha256 before it is used."""
    from dataclasses import replace

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(models.MODEL_DIR_ENV)
    monkeypatch.delenv(models.NO_DOWNLOAD_ENV, raising=False)
    name = "face_landmarker.task"
    mirror = (model_dir / name).resolve().as_uri()
    monkeypatch.setitem(models.MODELS, name, replace(models.MODELS[name], url=mirror))
    path = models.resolve(name)
    assert path == tmp_path / "cache" / "vivid-studio" / "models" / name
    assert models.verify_file(path, models.MODELS[name]).ok


def test_first_use_download_failure_says_what_to_do(tmp_path, monkeypatch):
    from dataclasses import replace

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(models.MODEL_DIR_ENV)
    name = "pose_landmarker_lite.task"
    monkeypatch.setitem(models.MODELS, name, replace(models.MODELS[name], url=(tmp_path / "gone.task").as_uri()))
    with pytest.raises(ModelNotFoundError, match=r"and the download from .* failed .*vivid models fetch pose_landmarker_lite.task"):
        models.resolve(name)
    monkeypatch.setenv(models.NO_DOWNLOAD_ENV, "1")
    with pytest.raises(ModelNotFoundError, match="pose_landmarker_lite.task not found; looked in"):
        models.resolve(name)
    assert not list((tmp_path / "cache" / "vivid-studio" / "models").glob("*.part")), "no partial download left"
