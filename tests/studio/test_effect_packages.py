"""Effect packages in the window: a folder, a .zip (issue 6: "a folder (or .zip)") or a folder's
effect.json, opened by path, by a real drop event and by the Open effect package… dialog."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assets.paths import EFFECTS_DIR
from render.live.modes import ModeKind
from render.live.settings import SettingsStore


@pytest.fixture
def zipped_cat_ears(tmp_path: Path) -> Path:
    """A .zip of the built-in cat_ears package (its folder inside, as a designer zips it)."""
    archive = shutil.make_archive(str(tmp_path / "cat_ears"), "zip", root_dir=EFFECTS_DIR, base_dir="cat_ears")
    return Path(archive)


def stacked(window) -> list[str]:
    return [str(slot.path) for slot in window.engine.effects.slots]


def drop(window, path: Path) -> None:
    """Drop `path` on the window as Qt does: a drag entering with the file's URL (Qt delivers a drop
    only to the widget that accepted it), then the QDropEvent."""
    from PyQt6.QtCore import QCoreApplication, QMimeData, QPoint, QPointF, Qt, QUrl
    from PyQt6.QtGui import QDragEnterEvent, QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, keys = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    QCoreApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    assert QCoreApplication.sendEvent(window, event)


def test_a_zipped_package_opens_by_path_and_is_restored(qtbot, open_window, zipped_cat_ears, config_dir):
    window = open_window()
    window.open_path(str(zipped_cat_ears))
    assert window.banner.isHidden(), window.banner.text()
    assert stacked(window) == [str(zipped_cat_ears)]
    assert window.engine.effects.slots[0].package.zip_path == zipped_cat_ears
    assert window.engine.mode is ModeKind.AR
    assert SettingsStore(config_dir).load().effects == (str(zipped_cat_ears),)
    window.close()
    second = open_window()
    assert stacked(second) == [str(zipped_cat_ears)]


def test_a_zipped_package_dropped_on_the_window_is_stacked(qtbot, open_window, zipped_cat_ears):
    window = open_window()
    drop(window, zipped_cat_ears)
    assert window.banner.isHidden(), window.banner.text()
    assert stacked(window) == [str(zipped_cat_ears)]
    assert window.effects_panel.stack.count() == 1


def test_an_effect_json_opens_its_folder_package(qtbot, open_window):
    window = open_window()
    drop(window, EFFECTS_DIR / "cat_ears" / "effect.json")
    assert stacked(window) == [str(EFFECTS_DIR / "cat_ears")]  # saved and shown as the folder


def test_the_open_dialog_offers_zips(qtbot, open_window, zipped_cat_ears, monkeypatch):
    from PyQt6.QtWidgets import QFileDialog

    offered = []

    def pick(parent, caption, directory, filter_):
        offered.append(filter_)
        return str(zipped_cat_ears), filter_
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(pick))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))  # a folder-only dialog
    window = open_window()
    window.effects_panel._open()
    assert offered and "*.zip" in offered[0] and "effect.json" in offered[0]
    assert stacked(window) == [str(zipped_cat_ears)]


def test_a_broken_zip_is_reported_and_the_stack_stays(qtbot, open_window, tmp_path):
    window = open_window()
    broken = tmp_path / "not_a_package.zip"
    broken.write_bytes(b"PK\x03\x04 truncated")
    drop(window, broken)
    assert "not_a_package.zip" in window.banner.text() and "not a zip file" in window.banner.text()
    assert stacked(window) == []
