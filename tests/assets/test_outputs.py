"""Output file names are checked before any work starts."""
from __future__ import annotations

import pytest

from assets.outputs import OutputPathError, check_output_path


def test_a_good_name_passes_and_its_folder_is_made(tmp_path):
    out = tmp_path / "new" / "deeper" / "clip.MP4"
    assert check_output_path(out, (".mp4", ".mov"), "video") == out
    assert out.parent.is_dir()


@pytest.mark.parametrize("name, message", [
    ("photo.jpg", "unsupported extension '.jpg' for an image; use .png"),
    ("photo", "unsupported extension no extension for an image; use .png"),
])
def test_wrong_extensions_name_the_choices(tmp_path, name, message):
    with pytest.raises(OutputPathError, match=message.replace("(", r"\(")):
        check_output_path(tmp_path / name, (".png",), "an image")


def test_folders_and_files_in_the_way(tmp_path):
    (tmp_path / "clip.mp4").mkdir()
    with pytest.raises(OutputPathError, match="is a folder; give a file name"):
        check_output_path(tmp_path / "clip.mp4", (".mp4",), "video")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(OutputPathError, match="notes.txt is a file"):
        check_output_path(tmp_path / "notes.txt" / "sub" / "a.mp4", (".mp4",), "video")
    with pytest.raises(OutputPathError, match="cannot create the folder /proc/vivid"):
        check_output_path("/proc/vivid/a.mp4", (".mp4",), "video")
