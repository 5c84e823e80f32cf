"""Vivid Studio, the desktop app (PyQt6): composition and widgets only; the engine is
render/live/ (no Qt) and the GL widget is render/qt_surface.py.

`vivid studio` starts it. This module imports Qt only when the studio runs (`vivid --help` stays
Qt-free), so every widget class is defined by `ui()`, once, on first use; one class per panel:

    MainWindow ─┬─ SourceBar (source picker) + outputs toolbar (record, alpha, snapshot, vcam, VMC)
                ├─ ErrorBanner + preview (GlPreview = QtSurface, or SoftwarePreview) + HUD
                ├─ mode tabs: AvatarPanel, EffectsPanel, PhotoPanel, ScriptPanel
                ├─ LiveControls (calibrate, mirror, smoothing, hotkeys, debug) + DebugPanel
                └─ HotkeyDialog
"""
from __future__ import annotations

import argparse
import functools
import logging
import re
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

from assets.errors import VividError
from render.live.modes import ModeKind

log = logging.getLogger(__name__)

WINDOW_SIZE = (1366, 768)  # the smallest common laptop screen; the layout is checked at this size
TICK_MS = 4  # poll timer: a new tracked frame is drawn within ~4 ms; StudioEngine.should_render paces
HUD_MS = 250  # HUD, debug panel and error polling: 4 Hz is readable and cheap
VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.webm *.avi *.m4v)"
PHOTO_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff)"
AVATAR_FILTER = "Avatars (*.vrm *.glb *.gltf)"
MOCAP_FILTER = "Mocap clips (*.vmcap)"
AUDIO_FILTER = "Audio (*.wav *.flac *.ogg *.mp3)"
# The script renderer runs in a child process: its own GL context, and Cancel can stop it.
RENDER_CHILD = ("import sys\n"
                "from render.timeline.render_script import RenderOptions, render_script\n"
                "render_script(sys.argv[1], sys.argv[2], RenderOptions(progress=True))\n")
SCRIPT_FILTER = "Scripts (*.yaml *.yml)"
AVATAR_SUFFIXES = (".vrm", ".glb", ".gltf")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
SCRIPT_SUFFIXES = (".yaml", ".yml")
EFFECT_FILTER = "Effect packages (effect.json *.zip)"  # effect.json picks its folder
EFFECT_MANIFEST = "effect.json"


@dataclass(frozen=True)
class StudioLaunch:
    """Command-line overrides of the restored session (None = keep what was saved).
    software_preview: draw the preview through a CPU copy instead of the OpenGL widget (for
    platforms without OpenGL widgets, e.g. QT_QPA_PLATFORM=offscreen)."""

    source: str | None = None
    avatar: str | None = None
    mode: str | None = None
    config_dir: str | None = None
    software_preview: bool = False


# ---------------------------------------------------------------------------------------------- CLI
def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("studio", help="the desktop studio: live avatar, AR effects, living photo, scripts",
                       description="Open the Vivid Studio window. Settings and the last session are "
                                   "restored; these options override them for this start.")
    p.add_argument("--source", help="webcam:INDEX, a video file, a photo or a .vmcap mocap clip")
    p.add_argument("--avatar", help="'builtin' or a .vrm/.glb/.gltf file")
    p.add_argument("--mode", choices=[m.value for m in ModeKind], help="the mode to open in")
    p.add_argument("--config-dir", help="settings folder (default: the platform's config folder)")
    p.add_argument("--software-preview", action="store_true",
                   help="show the preview through a CPU copy (when the OpenGL widget is unavailable)")
    p.set_defaults(func=cmd_studio)


def cmd_studio(args: argparse.Namespace) -> int:
    launch = StudioLaunch(source=args.source, avatar=args.avatar, mode=args.mode,
                          config_dir=args.config_dir, software_preview=args.software_preview)
    return run_studio(launch)


def run_studio(launch: StudioLaunch) -> int:
    from render.display import no_display_reason

    problem = no_display_reason("vivid studio")
    if problem is not None:
        raise VividError(problem)
    if launch.source and "://" not in launch.source and not launch.source.startswith(("webcam", "vmc:")) \
            and not Path(launch.source).exists():
        raise VividError(f"--source {launch.source}: file not found; give a video, a photo, a .vmcap clip or webcam:INDEX")
    from PyQt6.QtGui import QGuiApplication
    from PyQt6.QtWidgets import QApplication

    from render.live.settings import SettingsStore
    from render.qt_surface import request_core_profile

    request_core_profile()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Vivid Studio")
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        launch = replace(launch, software_preview=True)  # no OpenGL widgets on these platforms
    window = ui().MainWindow(SettingsStore(launch.config_dir), launch)
    window.show()
    return int(app.exec())


# ---------------------------------------------------------------------------------------------- UI
@functools.cache
def ui() -> SimpleNamespace:
    """Define the Qt classes (imports PyQt6). Cached: classes are created once per process."""
    import render.script as script_api
    from PyQt6.QtCore import QProcess, QProcessEnvironment, QSize, Qt, QTimer, pyqtSignal
    from PyQt6.QtGui import QAction, QColor, QIcon, QImage, QKeySequence, QPainter, QShortcut
    from PyQt6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QDialog,
                                 QDialogButtonBox, QFileDialog, QFormLayout, QFrame, QHBoxLayout,
                                 QLabel, QListWidget, QListWidgetItem, QMainWindow, QPlainTextEdit,
                                 QProgressBar, QPushButton, QSlider, QSplitter, QTableWidget,
                                 QTabWidget, QToolBar, QToolButton, QVBoxLayout, QWidget, QKeySequenceEdit,
                                 QInputDialog, QMenu)

    from assets.paths import EFFECTS_DIR
    from capture.sources import IMAGE_EXTENSIONS, list_cameras
    from capture.mocap import CLIP_SUFFIX
    from capture.vmc.address import parse_target
    from capture.vmc.channels import CHANNELS as VMC_CHANNELS, format_channels, parse_channels
    from render.context import RenderContext
    from render.live.avatar_layer import AvatarView, BackgroundKind
    from render.live.engine import EngineOptions, StudioEngine
    from render.live.modes import mode_statuses
    from render.live.outputs import VIRTUALCAM_HELP, virtualcam_available
    from render.live.settings import ACTIONS, SettingsStore, StudioSettings, action_problem
    from render.live.sources import SourceSpec
    from render.qt_surface import QtSurface
    from render.stage import Shot
    from render.surface import AlphaOutput

    MODES = list(ModeKind)

    def status_label(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setObjectName("modeStatus")
        label.setStyleSheet("background:#1f3b2c;color:#cfe;padding:6px;border-radius:4px;")
        return label

    # ------------------------------------------------------------------ previews
    class GlPreview(QtSurface):
        """The preview as a QOpenGLWidget: the engine draws into its framebuffer on the GPU."""

        engine_ready = pyqtSignal()
        failed = pyqtSignal(str)

        def __init__(self, options: EngineOptions, report) -> None:
            super().__init__()
            self.engine: StudioEngine | None = None
            self._options = options
            self._report = report
            self.on_init = self._init_engine
            self.on_paint = self._paint
            self.on_release = self._close_engine
            self.on_error = self.failed.emit
            self.kind = "OpenGL widget (no CPU copy)"

        def _init_engine(self, rc: RenderContext) -> None:
            self.engine = StudioEngine(rc, self._options)
            self.engine_ready.emit()

        def _paint(self, surface: QtSurface) -> None:
            engine = self.engine
            if engine is None:
                return
            try:
                step = engine.step()
                engine.present(surface, step.captured_at, finish=False)
            except Exception as exc:  # the frame boundary: show it, keep the window alive
                log.exception("frame failed")
                self._report(f"preview could not draw: {type(exc).__name__}: {exc}")

        def _close_engine(self) -> None:
            if self.engine is not None:
                self.engine.close()

        def tick(self) -> None:
            self.update()

        def gl_call(self, fn):
            """Run `fn()` with the GL context current (engine calls from outside paintGL)."""
            self.makeCurrent()
            try:
                return fn()
            finally:
                self.doneCurrent()

        def shutdown(self) -> None:
            self.release()

    class SoftwarePreview(QWidget):
        """Fallback preview: headless GL, then a CPU copy painted by QPainter. Used where Qt has
        no OpenGL widgets (offscreen tests) or the GL widget failed."""

        engine_ready = pyqtSignal()

        def __init__(self, options: EngineOptions, report) -> None:
            super().__init__()
            self.kind = "software preview (CPU copy)"
            self._report = report
            self._image: QImage | None = None
            self._buffer = None
            self.engine: StudioEngine | None = None
            self._options = options
            self.rc: RenderContext | None = None
            QTimer.singleShot(0, self._start)

        def _start(self) -> None:
            try:
                self.rc = RenderContext.headless()
            except VividError as exc:
                self._report(str(exc))
                return
            self.engine = StudioEngine(self.rc, self._options)
            self.engine_ready.emit()

        def tick(self) -> None:
            engine = self.engine
            if engine is None:
                return
            try:
                step = engine.step()
                self._buffer = engine.output.read(AlphaOutput.PREMULTIPLIED)
            except Exception as exc:  # the frame boundary: show it, keep the window alive
                log.exception("frame failed")
                self._report(f"preview could not draw: {type(exc).__name__}: {exc}")
                return
            h, w = self._buffer.shape[:2]
            self._image = QImage(self._buffer.data, w, h, 4 * w, QImage.Format.Format_RGBA8888_Premultiplied)
            self.update()
            engine.stats.presented(time.monotonic(), step.captured_at)

        def paintEvent(self, event) -> None:
            painter = QPainter(self)
            painter.fillRect(self.rect(), QColor(0, 0, 0))
            if self._image is not None:
                scaled = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
                x, y = (self.width() - scaled.width()) // 2, (self.height() - scaled.height()) // 2
                painter.drawImage(x, y, self._image.scaled(scaled, transformMode=Qt.TransformationMode.SmoothTransformation))
            painter.end()

        def gl_call(self, fn):
            return fn()

        def shutdown(self) -> None:
            if self.engine is not None:
                self.engine.close()
                self.engine = None
            if self.rc is not None:
                self.rc.release()
                self.rc = None

    class ErrorBanner(QFrame):
        """Errors in the window: the newest one with a count; nothing is modal, the preview runs on."""

        def __init__(self) -> None:
            super().__init__()
            self.setStyleSheet("background:#5c1a1a;color:white;border-radius:4px;")
            layout = QHBoxLayout(self)
            layout.setContentsMargins(8, 4, 8, 4)
            self.label = QLabel()
            self.label.setWordWrap(True)
            self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            dismiss = QPushButton("&Dismiss")
            dismiss.clicked.connect(self.clear)
            layout.addWidget(self.label, 1)
            layout.addWidget(dismiss)
            self.messages: list[str] = []
            self.hide()

        def show_error(self, message: str) -> None:
            self.messages.append(message)
            more = f"  ({len(self.messages)} errors; see Messages)" if len(self.messages) > 1 else ""
            self.label.setText(message + more)
            self.show()

        def text(self) -> str:
            return "\n".join(self.messages)

        def clear(self) -> None:
            self.messages.clear()
            self.hide()

    # ------------------------------------------------------------------ mode panels
    class AvatarPanel(QWidget):
        def __init__(self, window: "MainWindow", status) -> None:
            super().__init__()
            self.window = window
            layout = QVBoxLayout(self)
            layout.addWidget(status_label(status.summary))
            form = QFormLayout()
            self.avatar = QComboBox()
            self.avatar.addItem("Built-in presenter", "builtin")
            self.avatar.activated.connect(lambda i: window.load_avatar(self.avatar.itemData(i)))
            open_button = QPushButton("&Open avatar…")
            open_button.clicked.connect(self._open)
            row = QHBoxLayout()
            row.addWidget(self.avatar, 1)
            row.addWidget(open_button)
            form.addRow("Avatar", row)
            self.current = QLabel("none loaded")
            self.current.setWordWrap(True)
            form.addRow("Showing", self.current)
            self.background = QComboBox()
            for kind in BackgroundKind:
                self.background.addItem(kind.value.capitalize(), kind.value)
            self.background.activated.connect(lambda _i: self._apply())
            form.addRow("Background", self.background)
            color_row = QHBoxLayout()
            self.color_button = QPushButton("Colour…")
            self.color_button.clicked.connect(self._pick_color)
            self.image_button = QPushButton("Image…")
            self.image_button.clicked.connect(self._pick_image)
            self.video_button = QPushButton("Video…")
            self.video_button.setToolTip("A video looped behind the avatar")
            self.video_button.clicked.connect(self._pick_video)
            color_row.addWidget(self.color_button)
            color_row.addWidget(self.image_button)
            color_row.addWidget(self.video_button)
            form.addRow("", color_row)
            self.shot = QComboBox()
            for shot in Shot:
                self.shot.addItem(shot.value.capitalize(), shot.value)
            self.shot.activated.connect(lambda _i: self._apply())
            form.addRow("Framing", self.shot)
            self.mouth_from_audio = QCheckBox("Mouth from &audio")
            self.mouth_from_audio.setToolTip(
                "Lip-sync the avatar to the sound chosen in Recording audio (the microphone or an audio "
                "file): while you speak it drives the mouth instead of the camera; in silence the "
                "tracked mouth shows again")
            self.mouth_from_audio.toggled.connect(window.set_mouth_from_audio)
            form.addRow("Lip sync", self.mouth_from_audio)
            layout.addLayout(form)
            hint = QLabel("Expressions: hotkeys (Ctrl+1..4 by default, change them in Hotkeys…) hold "
                          "VRM expressions or morphs on the avatar.")
            hint.setWordWrap(True)
            layout.addWidget(hint)
            layout.addStretch(1)

        def _open(self) -> None:
            path, _ = QFileDialog.getOpenFileName(self, "Open avatar", "", AVATAR_FILTER)
            if path:
                self.window.load_avatar(path)

        def remember(self, spec: str) -> None:
            index = self.avatar.findData(spec)
            if index < 0:
                self.avatar.addItem(Path(spec).name, spec)
                index = self.avatar.count() - 1
            self.avatar.setCurrentIndex(index)

        def _pick_color(self) -> None:
            r, g, b = self.window.settings.background_color
            color = QColorDialog.getColor(QColor.fromRgbF(r, g, b), self, "Background colour")
            if color.isValid():
                self.window.change_avatar_view(background_color=(color.redF(), color.greenF(), color.blueF()),
                                               background="color")

        def _pick_image(self) -> None:
            path, _ = QFileDialog.getOpenFileName(self, "Background image", "", PHOTO_FILTER)
            if path:
                self.window.change_avatar_view(background_image=path, background="image")

        def _pick_video(self) -> None:
            path, _ = QFileDialog.getOpenFileName(self, "Background video", "", VIDEO_FILTER)
            if path:
                self.window.change_avatar_view(background_video=path, background="video")

        def sync(self, s: StudioSettings) -> None:
            self.background.setCurrentIndex(max(0, self.background.findData(s.background)))
            self.shot.setCurrentIndex(max(0, self.shot.findData(s.shot)))

        def show_mouth_from_audio(self, on: bool) -> None:
            self.mouth_from_audio.blockSignals(True)
            self.mouth_from_audio.setChecked(on)
            self.mouth_from_audio.blockSignals(False)

        def _apply(self) -> None:
            self.window.change_avatar_view(background=self.background.currentData(), shot=self.shot.currentData())

    class EffectsPanel(QWidget):
        """Effect browser (built-in packages with thumbnails) and the stack with per-effect strength."""

        def __init__(self, window: "MainWindow", status) -> None:
            super().__init__()
            self.window = window
            layout = QVBoxLayout(self)
            layout.addWidget(status_label(status.summary))
            self.browser = QListWidget()
            self.browser.setViewMode(QListWidget.ViewMode.IconMode)
            self.browser.setIconSize(QSize(72, 72))
            self.browser.setResizeMode(QListWidget.ResizeMode.Adjust)
            self.browser.itemActivated.connect(lambda item: window.add_effect(item.data(Qt.ItemDataRole.UserRole)))
            layout.addWidget(QLabel("Effect browser (double-click or Enter adds to the stack)"))
            layout.addWidget(self.browser, 2)
            layout.addWidget(QLabel("Stack (applied top to bottom)"))
            self.stack = QListWidget()
            self.stack.currentRowChanged.connect(self._selected)
            layout.addWidget(self.stack, 1)
            self.strength = QSlider(Qt.Orientation.Horizontal)
            self.strength.setRange(0, 100)
            self.strength.setValue(100)
            self.strength.setAccessibleName("Effect strength")
            self.strength.valueChanged.connect(self._strength_changed)
            form = QFormLayout()
            form.addRow("Strength", self.strength)
            layout.addLayout(form)
            row = QHBoxLayout()
            remove = QPushButton("Remove")
            remove.clicked.connect(lambda: window.remove_effect(self.stack.currentRow()))
            open_button = QPushButton("Open effect &package…")
            open_button.clicked.connect(self._open)
            row.addWidget(remove)
            row.addWidget(open_button)
            layout.addLayout(row)
            self._fill_browser()

        def _fill_browser(self) -> None:
            if not EFFECTS_DIR.is_dir():
                return
            for folder in sorted(p for p in EFFECTS_DIR.iterdir() if (p / "effect.json").is_file()):
                item = QListWidgetItem(folder.name.replace("_", " "))
                thumb = folder / "thumbnail.png"
                if thumb.is_file():
                    item.setIcon(QIcon(str(thumb)))
                item.setData(Qt.ItemDataRole.UserRole, str(folder))
                self.browser.addItem(item)

        def refresh(self, slots) -> None:
            row = self.stack.currentRow()
            self.stack.clear()
            for slot in slots:
                self.stack.addItem(f"{slot.name}  ({round(slot.strength * 100)}%)")
            if slots:
                self.stack.setCurrentRow(min(max(row, 0), len(slots) - 1) if row >= 0 else len(slots) - 1)

        def _selected(self, row: int) -> None:
            slots = self.window.engine.effects.slots if self.window.engine else []
            if 0 <= row < len(slots):
                self.strength.blockSignals(True)
                self.strength.setValue(round(slots[row].strength * 100))
                self.strength.blockSignals(False)

        def _strength_changed(self, value: int) -> None:
            row = self.stack.currentRow()
            if row >= 0:
                self.window.set_effect_strength(row, value / 100.0)

        def _open(self) -> None:
            # A file dialog, so that a .zip can be picked; a folder package is opened by its effect.json.
            path, _ = QFileDialog.getOpenFileName(self, "Open effect package", "", EFFECT_FILTER)
            if path:
                self.window.add_effect(path)

    class PhotoPanel(QWidget):
        """Open a portrait, tick motions (they loop in order) or drive it from the camera."""

        def __init__(self, window: "MainWindow", status) -> None:
            super().__init__()
            self.window = window
            layout = QVBoxLayout(self)
            layout.addWidget(status_label(status.summary))
            open_button = QPushButton("Open &photo…")
            open_button.clicked.connect(self._open)
            layout.addWidget(open_button)
            self.current = QLabel("no photo opened")
            self.current.setWordWrap(True)
            layout.addWidget(self.current)
            self.motions = QListWidget()
            from effects.photo.motion import PRESETS
            for name, preset in PRESETS.items():
                item = QListWidgetItem(name.replace("_", " "))
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setToolTip(preset.description)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.motions.addItem(item)
            self.motions.itemChanged.connect(lambda _item: self._apply())
            layout.addWidget(QLabel("Motions (ticked ones loop in order)"))
            layout.addWidget(self.motions, 1)
            self.drive = QCheckBox("&Drive from the camera")
            self.drive.toggled.connect(lambda _on: self._apply())
            layout.addWidget(self.drive)

        def chosen(self) -> list[str]:
            return [self.motions.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.motions.count())
                    if self.motions.item(i).checkState() == Qt.CheckState.Checked]

        def set_chosen(self, names) -> None:
            self.motions.blockSignals(True)
            for i in range(self.motions.count()):
                item = self.motions.item(i)
                checked = item.data(Qt.ItemDataRole.UserRole) in names
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.motions.blockSignals(False)

        def _apply(self) -> None:
            self.window.set_photo_motion(self.chosen(), self.drive.isChecked())

        def _open(self) -> None:
            path, _ = QFileDialog.getOpenFileName(self, "Open photo", "", PHOTO_FILTER)
            if path:
                self.window.open_photo(path)

    class ScriptPanel(QWidget):
        """A YAML editor checked as you type (debounced); rendering waits for render/script."""

        def __init__(self, window: "MainWindow", status) -> None:
            super().__init__()
            self.window = window
            self.path: str = ""
            layout = QVBoxLayout(self)
            layout.addWidget(status_label(status.summary))
            row = QHBoxLayout()
            for text, slot in (("Open…", self._open), ("Save", self.save)):
                button = QPushButton(text)
                button.clicked.connect(slot)
                row.addWidget(button)
            layout.addLayout(row)
            self.editor = QPlainTextEdit()
            self.editor.setPlaceholderText("# a presenter script (YAML)\n")
            self.editor.setTabChangesFocus(True)  # keyboard users can leave the editor with Tab
            layout.addWidget(self.editor, 1)
            self.validation = QLabel("")
            self.validation.setWordWrap(True)
            layout.addWidget(self.validation)
            self._debounce = QTimer(self)
            self._debounce.setSingleShot(True)
            self._debounce.setInterval(300)
            self._debounce.timeout.connect(self.validate)
            self.editor.textChanged.connect(self._debounce.start)
            self.script = None
            self.timeline = None
            self._job: dict | None = None
            self._thread: threading.Thread | None = None
            self._poll = QTimer(self)
            self._poll.setInterval(100)
            self._poll.timeout.connect(self._check_job)
            self.progress = QProgressBar()
            self.progress.setRange(0, 1)
            self.plan_label = QLabel("")
            self.plan_label.setWordWrap(True)
            render_row = QHBoxLayout()
            self.plan_button = QPushButton("&Plan (TTS timing)")
            self.plan_button.setEnabled(False)
            self.plan_button.clicked.connect(self.plan)
            self.render_button = QPushButton("&Render video")
            self.render_button.setEnabled(False)
            self.render_button.clicked.connect(lambda: self.render())
            self.process: QProcess | None = None
            self.render_output: Path | None = None
            self.cancel_button = QPushButton("Cancel")
            self.cancel_button.setEnabled(False)
            self.cancel_button.clicked.connect(self.cancel)
            for button in (self.plan_button, self.render_button, self.cancel_button):
                render_row.addWidget(button)
            layout.addWidget(self.progress)
            layout.addWidget(self.plan_label)
            layout.addLayout(render_row)

        def load(self, path: str) -> None:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                self.window.report(f"script {path} could not be read: {exc}")
                return
            self.path = path
            self.editor.setPlainText(text)
            self.validate()

        def _open(self) -> None:
            path, _ = QFileDialog.getOpenFileName(self, "Open script", "", SCRIPT_FILTER)
            if path:
                self.window.open_script(path)

        def save(self) -> None:
            if not self.path:
                self.path, _ = QFileDialog.getSaveFileName(self, "Save script", "script.yaml", SCRIPT_FILTER)
            if self.path:
                Path(self.path).write_text(self.editor.toPlainText(), encoding="utf-8")

        def validate(self) -> bool:
            """Check the text against the script schema (issues with line numbers)."""
            text = self.editor.toPlainText()
            file = Path(self.path) if self.path else Path.cwd() / "untitled.yaml"
            try:
                self.script = script_api.parse_script(text, file)
            except script_api.ScriptError as exc:
                self.script = None
                lines = [f"line {i.line}: {i.message}" if i.line else i.message for i in exc.issues[:6]]
                more = f" (+{len(exc.issues) - 6} more)" if len(exc.issues) > 6 else ""
                return self._show(False, "\n".join(lines) + more)
            except VividError as exc:  # a referenced file or voice that cannot be used
                self.script = None
                return self._show(False, str(exc))
            beats = len(self.script.beats)
            return self._show(True, f"Script OK: {beats} beats. Plan it to hear the timing.")

        def _show(self, ok: bool, text: str) -> bool:
            self.validation.setText(text)
            self.validation.setStyleSheet("color:#2a2;" if ok else "color:#c33;")
            self.plan_button.setEnabled(ok and self._job is None)
            self.render_button.setEnabled(ok and self.process is None)
            return ok

        def plan(self) -> None:
            """Synthesize the speech and time every beat on a worker thread (progress + cancel)."""
            if self.script is None or self._job is not None:
                return
            script = self.script
            job = {"result": None, "error": None, "cancelled": False}

            def work() -> None:
                try:
                    job["result"] = script_api.plan_timeline(script)
                except (VividError, OSError) as exc:
                    job["error"] = str(exc)

            self._job = job
            self._thread = threading.Thread(target=work, name="script-plan", daemon=True)
            self._thread.start()
            self.progress.setRange(0, 0)  # busy: plan_timeline reports no per-beat progress
            self.cancel_button.setEnabled(True)
            self.plan_button.setEnabled(False)
            self._poll.start()

        def cancel(self) -> None:
            if self.process is not None:
                self._cancelled = True
                self.process.kill()  # the finished handler deletes the partial file
            elif self._job is not None:
                self._job["cancelled"] = True  # the worker cannot be interrupted; its result is dropped
                self._finish("Planning cancelled.")

        def render(self, output: str | Path | None = None) -> bool:
            """Render the (saved) script to video in a child process: its own GL context, a
            progress bar fed from its progress output, and Cancel that stops it."""
            if not self.validate() or self.process is not None:
                return False
            self.save()
            if not self.path:
                return False
            stem = Path(self.path).stem
            target = Path(output) if output else (self.window.settings.resolved_output_dir()
                                                   / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.mp4")
            target.parent.mkdir(parents=True, exist_ok=True)
            self.render_output = target
            self._cancelled = False
            self._stderr = ""
            process = QProcess(self)
            env = QProcessEnvironment.systemEnvironment()
            root = str(Path(__file__).resolve().parent)
            env.insert("PYTHONPATH", root + (":" + env.value("PYTHONPATH") if env.value("PYTHONPATH") else ""))
            process.setProcessEnvironment(env)
            process.setWorkingDirectory(root)
            process.readyReadStandardError.connect(self._render_progress)
            process.finished.connect(self._render_finished)
            self.process = process
            self.progress.setRange(0, 100)
            self.progress.setValue(0)
            self.cancel_button.setEnabled(True)
            self.render_button.setEnabled(False)
            self.plan_label.setText(f"Rendering to {target}…")
            process.start(sys.executable, ["-c", RENDER_CHILD, self.path, str(target)])
            return True

        def _render_progress(self) -> None:
            text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
            self._stderr = (self._stderr + text)[-4000:]
            found = re.findall(r"(\d+)/(\d+)", text)
            if found:
                done, total = (int(v) for v in found[-1])
                self.progress.setValue(int(100 * done / max(total, 1)))

        def _render_finished(self, code: int, _status) -> None:
            target = self.render_output
            self.process = None
            self.cancel_button.setEnabled(False)
            self.render_button.setEnabled(self.script is not None)
            if self._cancelled:
                partial = target.with_name(f".{target.stem}.partial{target.suffix}")
                partial.unlink(missing_ok=True)  # the writer's temp file (render/video_writer.py)
                self.plan_label.setText("Render cancelled; no file written.")
                self.progress.setValue(0)
            elif code == 0 and target.is_file():
                self.progress.setValue(100)
                self.plan_label.setText(f"Rendered: {target}")
            else:
                last = self._stderr.strip().splitlines()[-1:] or ["no output"]
                self.window.report(f"script render failed (exit {code}): {last[0]}")
                self.plan_label.setText("Render failed.")

        def _check_job(self) -> None:
            if self._job is None or self._thread.is_alive():
                return
            job = self._job
            if job["error"]:
                self.window.report(f"script planning failed: {job['error']}")
                self._finish("Planning failed.")
            else:
                timeline = job["result"]
                self.timeline = timeline
                spoken = len(timeline.speech_segments())
                self._finish(f"Timeline: {timeline.duration_s:.1f} s, {spoken} spoken lines, "
                             f"{len(timeline.cues)} subtitle cues.")

        def _finish(self, text: str) -> None:
            self._poll.stop()
            self._job = None
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
            self.cancel_button.setEnabled(False)
            self.plan_button.setEnabled(self.script is not None)
            self.plan_label.setText(text)

    # ------------------------------------------------------------------ live controls
    class LiveControls(QWidget):
        def __init__(self, window: "MainWindow") -> None:
            super().__init__()
            self.window = window
            layout = QHBoxLayout(self)
            layout.setContentsMargins(4, 0, 4, 0)
            calibrate = QPushButton("&Calibrate neutral")
            calibrate.setToolTip("Relax your face and look at the camera for 3 seconds")
            calibrate.clicked.connect(lambda: window.run_action("calibrate"))
            self.mirror = QCheckBox("&Mirror")
            self.mirror.toggled.connect(window.set_mirror)
            self.smoothing = QSlider(Qt.Orientation.Horizontal)
            self.smoothing.setRange(0, 100)
            self.smoothing.setMaximumWidth(160)
            self.smoothing.setAccessibleName("Smoothing strength")
            self.smoothing.valueChanged.connect(lambda v: window.set_smoothing(v / 100.0))
            hotkeys = QPushButton("&Hotkeys…")
            hotkeys.clicked.connect(window.edit_hotkeys)
            self.debug = QCheckBox("De&bug panel")
            self.debug.toggled.connect(window.show_debug)
            self.hud = QCheckBox("HU&D")
            self.hud.setChecked(True)
            self.hud.toggled.connect(lambda on: window.hud.setVisible(on))
            for w in (calibrate, self.mirror, QLabel("Smoothing"), self.smoothing, hotkeys, self.debug, self.hud):
                layout.addWidget(w)
            layout.addStretch(1)

        def sync(self, s: StudioSettings) -> None:
            self.mirror.setChecked(s.mirror)
            self.smoothing.setValue(round(s.smoothing * 100))

    class HotkeyDialog(QDialog):
        """Key sequence -> action table; the result is saved in the settings."""

        def __init__(self, parent: QWidget, hotkeys: dict[str, str]) -> None:
            super().__init__(parent)
            self.setWindowTitle("Hotkeys")
            layout = QVBoxLayout(self)
            layout.addWidget(QLabel("Actions: " + ", ".join(ACTIONS) + ", expression:NAME, effect:ID"))
            self.table = QTableWidget(0, 2)
            self.table.setHorizontalHeaderLabels(["Key", "Action"])
            self.table.horizontalHeader().setStretchLastSection(True)
            layout.addWidget(self.table)
            for key, action in hotkeys.items():
                self.add_row(key, action)
            row = QHBoxLayout()
            add = QPushButton("&Add")
            add.clicked.connect(lambda: self.add_row("", "snapshot"))
            remove = QPushButton("&Remove")
            remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
            row.addWidget(add)
            row.addWidget(remove)
            layout.addLayout(row)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
            buttons.accepted.connect(self.accept)
            buttons.rejected.connect(self.reject)
            self.problem = QLabel()
            self.problem.setWordWrap(True)
            self.problem.setStyleSheet("color:#f88;")
            self.problem.hide()
            layout.addWidget(self.problem)
            layout.addWidget(buttons)
            self.resize(460, 360)

        def problems(self) -> list[str]:
            """Rows that cannot be saved: an action that is not valid (a row with no key is skipped)."""
            out = []
            for r in range(self.table.rowCount()):
                key = self.table.cellWidget(r, 0).keySequence().toString()
                action = self.table.cellWidget(r, 1).currentText().strip()
                if key:
                    problem = action_problem(key, action)
                    if problem:
                        out.append(problem)
            return out

        def accept(self) -> None:
            """OK keeps the dialog open while a row names an unknown action, and says which."""
            problems = self.problems()
            if problems:
                self.problem.setText("\n".join(problems))
                self.problem.show()
                return
            super().accept()

        def add_row(self, key: str, action: str) -> None:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setCellWidget(r, 0, QKeySequenceEdit(QKeySequence(key)))
            combo = QComboBox()
            combo.setEditable(True)
            combo.addItems(list(ACTIONS) + ["expression:happy", "expression:aa", "expression:blink"])
            combo.setCurrentText(action)
            self.table.setCellWidget(r, 1, combo)

        def hotkeys(self) -> dict[str, str]:
            out = {}
            for r in range(self.table.rowCount()):
                key = self.table.cellWidget(r, 0).keySequence().toString()
                action = self.table.cellWidget(r, 1).currentText().strip()
                if key and action_problem(key, action) is None:
                    out[key] = action
            return out

    class DebugPanel(QPlainTextEdit):
        def __init__(self) -> None:
            super().__init__()
            self.setReadOnly(True)
            self.setMaximumBlockCount(200)
            self.setStyleSheet("font-family:monospace;font-size:11px;")
            self.setMinimumWidth(300)

    # ------------------------------------------------------------------ main window
    class MainWindow(QMainWindow):
        cameras_found = pyqtSignal(list)  # emitted by the camera scan thread

        def __init__(self, store: SettingsStore, launch: StudioLaunch = StudioLaunch()) -> None:
            super().__init__()
            self.setWindowTitle("Vivid Studio")
            self.store = store
            self.settings = store.load()
            self.launch = launch
            self.statuses = mode_statuses()
            self._shortcuts: list[QShortcut] = []
            self._closing = False
            self.engine: StudioEngine | None = None
            self._effects_version = 0  # engine.effects.version the panel and settings show
            self._cameras: list = []  # CameraInfo from the last scan (scanning opens each camera: slow)
            self._camera_scan: threading.Thread | None = None
            self.cameras_found.connect(self._cameras_listed)
            self.setAcceptDrops(True)
            self.resize(*WINDOW_SIZE)

            # outputs + source toolbar
            bar = QToolBar("Source and outputs")
            bar.setObjectName("mainToolbar")
            self.addToolBar(bar)
            bar.addWidget(QLabel(" Source "))
            self.source_box = QComboBox()
            self.source_box.setMinimumWidth(260)
            self.source_box.setAccessibleName("Source")
            self.source_box.activated.connect(self._source_chosen)
            bar.addWidget(self.source_box)
            refresh = QAction("Find cameras", self)
            refresh.triggered.connect(self.find_cameras)
            bar.addAction(refresh)
            bar.addSeparator()
            self.audio_box = QComboBox()
            self.audio_box.setAccessibleName("Recording audio")
            self.audio_box.setToolTip("Sound recorded with the video: none, the microphone, or an audio file "
                                      "played as a voice-over while recording")
            self.audio_box.activated.connect(self._record_audio_chosen)
            bar.addWidget(self.audio_box)
            self._fill_audio_box()
            self.record_action = self._action(bar, "Record MP4", lambda on: self.toggle_recording(on, False), True)
            self.alpha_action = self._action(bar, "Record alpha (.mov)", lambda on: self.toggle_recording(on, True), True)
            self._action(bar, "Snapshot", lambda _=False: self.snapshot(), False)
            self.vcam_action = self._action(bar, "Virtual camera", self.toggle_virtualcam, True)
            if not virtualcam_available():
                self.vcam_action.setToolTip("Not installed: " + VIRTUALCAM_HELP)
            self.vmc_action = self._action(bar, "VMC out", self.toggle_vmc, True)
            self._build_vmc_menu(bar)

            # centre: banner + preview | mode tabs
            self.banner = ErrorBanner()
            options = EngineOptions()
            preview_cls = SoftwarePreview if launch.software_preview else GlPreview
            self.preview = preview_cls(options, self.report)
            self.preview.engine_ready.connect(self._engine_ready)
            if isinstance(self.preview, GlPreview):
                self.preview.failed.connect(self._gl_failed)
            self.preview.setMinimumSize(480, 270)
            self.preview_box = QWidget()
            box = QVBoxLayout(self.preview_box)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(self.banner)
            box.addWidget(self.preview, 1)
            self.hud = QLabel(self.preview)
            self.hud.setStyleSheet("background:rgba(0,0,0,150);color:#9f9;font-family:monospace;padding:3px;")
            self.hud.move(6, 6)
            self.hud.setText("starting…")
            self.hud.adjustSize()

            self.tabs = QTabWidget()
            self.avatar_panel = AvatarPanel(self, self.statuses[ModeKind.AVATAR])
            self.effects_panel = EffectsPanel(self, self.statuses[ModeKind.AR])
            self.photo_panel = PhotoPanel(self, self.statuses[ModeKind.PHOTO])
            self.script_panel = ScriptPanel(self, self.statuses[ModeKind.SCRIPT])
            for mode, panel in zip(MODES, (self.avatar_panel, self.effects_panel, self.photo_panel, self.script_panel)):
                index = self.tabs.addTab(panel, mode.title)
                self.tabs.setTabToolTip(index, self.statuses[mode].summary)
            self.tabs.currentChanged.connect(lambda i: self.set_mode(MODES[i]))
            self.tabs.setMinimumWidth(320)
            self.debug_panel = DebugPanel()
            self.debug_panel.hide()
            self.messages = QListWidget()
            self.messages.setMaximumHeight(90)
            self.messages.hide()

            side = QSplitter(Qt.Orientation.Vertical)
            side.addWidget(self.tabs)
            side.addWidget(self.debug_panel)
            split = QSplitter(Qt.Orientation.Horizontal)
            split.addWidget(self.preview_box)
            split.addWidget(side)
            split.setStretchFactor(0, 3)
            split.setStretchFactor(1, 1)
            split.setSizes([960, 400])
            self.controls = LiveControls(self)
            central = QWidget()
            layout = QVBoxLayout(central)
            layout.setContentsMargins(4, 4, 4, 4)
            layout.addWidget(split, 1)
            layout.addWidget(self.controls)
            layout.addWidget(self.messages)
            self.setCentralWidget(central)
            self.statusBar().showMessage(f"Preview: {self.preview.kind}")

            for i in range(4):  # Alt+1..4 switch modes from the keyboard
                shortcut = QShortcut(QKeySequence(f"Alt+{i + 1}"), self)
                shortcut.activated.connect(functools.partial(self.tabs.setCurrentIndex, i))
            self.controls.sync(self.settings)
            self.avatar_panel.sync(self.settings)
            self.apply_hotkeys(self.settings.hotkeys)
            if self.settings.window_geometry:
                try:
                    self.restoreGeometry(bytes.fromhex(self.settings.window_geometry))
                except ValueError:
                    self.report(f"{store.path}: field 'window_geometry' is not hex; the window size "
                                f"was not restored")
            self.refresh_sources()
            self.find_cameras()
            for problem in store.problems:
                self.report(problem)

            self.timer = QTimer(self)
            self.timer.setInterval(TICK_MS)
            self.timer.timeout.connect(self._tick)
            self.hud_timer = QTimer(self)
            self.hud_timer.setInterval(HUD_MS)
            self.hud_timer.timeout.connect(self._update_hud)

        def _action(self, bar: QToolBar, text: str, slot, checkable: bool) -> QAction:
            action = QAction(text, self)
            action.setCheckable(checkable)
            (action.toggled if checkable else action.triggered).connect(slot)
            bar.addAction(action)
            return action

        # -------------------------------------------------------------- start-up
        def _engine_ready(self) -> None:
            """Restore the session. Each step is guarded: one that fails (a bad saved value, a
            missing file) is reported and the rest still runs; the frame timer always starts."""
            self.engine = self.preview.engine
            s = self.settings
            try:
                self._restore_step("mirror and smoothing", lambda: (self.engine.set_mirror(s.mirror),
                                                                    self.engine.set_smoothing(s.smoothing)))
                self._restore_step("mode", lambda: self._restore_mode(self.launch.mode or s.mode))
                self._restore_step("avatar", lambda: self.load_avatar(self.launch.avatar or s.avatar))
                if s.mouth_from_audio:
                    self._restore_step("mouth from audio", lambda: self.set_mouth_from_audio(True, save=False))
                for effect in s.effects:
                    self._restore_step(f"effect {effect}", functools.partial(
                        self.add_effect, effect, s.effect_strengths.get(effect, 1.0), save=False))
                self._restore_step("photo", lambda: self._restore_photo(s))
                if s.script and Path(s.script).is_file():
                    self._restore_step("script", lambda: self.script_panel.load(s.script))
                source = self.launch.source or s.source
                if source:
                    self._restore_step(f"source {source}", lambda: self.choose_source(source))
            finally:
                self.timer.start()
                self.hud_timer.start()

        def _restore_step(self, what: str, fn) -> None:
            try:
                fn()
            except Exception as exc:  # the start-up boundary: report, go on with the next step
                log.exception("restoring %s failed", what)
                self.report(f"could not restore the {what} from the last session: {type(exc).__name__}: {exc}")

        def _restore_mode(self, mode: str) -> None:
            values = [m.value for m in MODES]
            if mode not in values:
                mode = ModeKind.AVATAR.value
            self.tabs.setCurrentIndex(values.index(mode))
            self.set_mode(ModeKind(mode))

        def _restore_photo(self, s: StudioSettings) -> None:
            self.photo_panel.set_chosen(s.photo_motions)
            self.photo_panel.drive.blockSignals(True)
            self.photo_panel.drive.setChecked(s.photo_drive)
            self.photo_panel.drive.blockSignals(False)
            if s.photo:
                self.open_photo(s.photo)

        def _gl_failed(self, message: str) -> None:
            """No OpenGL widget here: swap in the software preview and say so."""
            self.report(message + "; using the software preview instead")
            old = self.preview
            self.preview = SoftwarePreview(EngineOptions(), self.report)
            self.preview.engine_ready.connect(self._engine_ready)
            self.preview_box.layout().replaceWidget(old, self.preview)
            self.hud.setParent(self.preview)
            self.hud.show()
            old.deleteLater()
            self.statusBar().showMessage(f"Preview: {self.preview.kind}")

        # -------------------------------------------------------------- errors and settings
        def report(self, message: str) -> None:
            log.warning("%s", message)
            self.banner.show_error(message)
            self.messages.addItem(time.strftime("%H:%M:%S ") + message)
            self.messages.show()

        def update_settings(self, **changes) -> None:
            self.settings = replace(self.settings, **changes)
            try:
                self.store.save(self.settings)
            except OSError as exc:
                self.report(f"settings could not be saved to {self.store.path}: {exc}")

        def _gl(self, fn):
            """Call an engine method that touches GL with the preview's context current;
            VividError and OSError are shown in the window. Returns fn()'s result or None."""
            if self.engine is None:
                self.report("the preview is still starting; try again in a moment")
                return None
            try:
                return self.preview.gl_call(fn)
            except (VividError, OSError) as exc:
                self.report(str(exc))
                return None

        # -------------------------------------------------------------- sources
        def refresh_sources(self) -> None:
            box = self.source_box
            box.clear()
            box.addItem("(no source)", "")
            for cam in self._cameras:
                box.addItem(f"Camera {cam.index} ({cam.width}x{cam.height})", f"webcam:{cam.index}")
            current = self.settings.source
            if current.startswith("webcam:") and box.findData(current) < 0:  # busy (ours), so the scan missed it
                box.addItem(f"Camera {current.split(':', 1)[1]}", current)
            for recent in self.settings.recent_sources:
                if not recent.startswith("webcam:"):
                    box.addItem(Path(recent).name, recent)
            box.addItem("Video file…", "?video")
            box.addItem("Photo…", "?photo")
            box.addItem("Mocap clip…", "?mocap")
            current = box.findData(self.settings.source)
            box.setCurrentIndex(max(0, current))

        def find_cameras(self) -> None:
            """List the cameras on a thread: checking each one opens it, which can take seconds."""
            if self._camera_scan is not None and self._camera_scan.is_alive():
                return
            self.statusBar().showMessage("Looking for cameras…")

            def scan() -> None:
                try:
                    found = list_cameras()
                except Exception:  # the thread boundary: no cameras listed beats a dead scan
                    log.exception("camera scan failed")
                    found = []
                try:
                    self.cameras_found.emit(found)
                except RuntimeError:  # the window was closed meanwhile
                    pass

            self._camera_scan = threading.Thread(target=scan, name="camera-scan", daemon=True)
            self._camera_scan.start()

        def _cameras_listed(self, cameras: list) -> None:
            self._cameras = cameras
            self.refresh_sources()
            self.statusBar().showMessage(f"{len(cameras)} camera(s) found" if cameras else
                                         "No camera found: plug one in and use Find cameras, or open a video")

        def _source_chosen(self, index: int) -> None:
            data = self.source_box.itemData(index)
            filters = {"?video": VIDEO_FILTER, "?photo": PHOTO_FILTER, "?mocap": MOCAP_FILTER}
            if data in filters:
                path, _ = QFileDialog.getOpenFileName(self, "Open source", "", filters[data])
                if path:
                    self.choose_source(path)
                else:
                    self.refresh_sources()
            elif data:
                self.choose_source(data)
            elif self.engine is not None:
                self.engine.cancel_pending_source()
                self.engine.close_source()
                self.update_settings(source="")

        def choose_source(self, text: str) -> bool:
            """Start opening a source (webcam:N or a path) without blocking the window: the old
            source keeps playing until the new one delivers its first frame (`_source_settled`).
            False when it cannot even start (a missing file, a bad camera spec)."""
            if self.engine is None:
                self.report("the preview is still starting; try again in a moment")
                return False
            try:
                self.engine.request_source(SourceSpec.parse(text))
            except (VividError, OSError) as exc:
                self.report(str(exc))
                self.refresh_sources()
                return False
            self.statusBar().showMessage(f"Opening {text}…")
            return True

        def _source_settled(self) -> None:
            """Finish `choose_source` once the engine knows: switch the settings, or report."""
            outcome = self.engine.poll_source()
            if outcome is None:
                return
            if outcome.error is not None:
                self.report(outcome.error)
                self.refresh_sources()
                return
            text = outcome.spec.text()
            self.settings = self.settings.with_recent(text)
            self.update_settings()
            self.refresh_sources()
            self.statusBar().showMessage(f"Source: {text}")

        # -------------------------------------------------------------- modes and content
        def set_mode(self, mode: ModeKind) -> None:
            if self.engine is not None:
                self.engine.set_mode(mode)
            self.update_settings(mode=mode.value)

        def load_avatar(self, spec: str) -> bool:
            layer = self._gl(lambda: self.engine.load_avatar(spec))
            if layer is None:
                return False
            self.avatar_panel.remember(spec)
            self.avatar_panel.current.setText(f"{layer.name} ({len(layer.bone_names())} bones)")
            self.update_settings(avatar=spec)
            self.apply_avatar_view()
            return True

        def apply_avatar_view(self) -> bool:
            """Show the background and framing the settings hold."""
            return self.change_avatar_view()

        def change_avatar_view(self, **changes) -> bool:
            """Show the avatar view with `changes` (settings fields: background, background_image,
            background_video, background_color, shot) and save them. A file that cannot be shown is
            reported; the previous view stays on screen and in the settings."""
            s = replace(self.settings, **changes)
            view = AvatarView(background=BackgroundKind(s.background), color=tuple(s.background_color),
                              image=s.background_image, video=s.background_video, shot=Shot(s.shot))
            shown = self.engine is None or self._gl(lambda: self.engine.set_avatar_view(view) or True)
            if shown and changes:
                self.update_settings(**changes)
            self.avatar_panel.sync(self.settings)
            return bool(shown)

        def set_mouth_from_audio(self, on: bool, save: bool = True) -> bool:
            """Lip-sync the avatar from the Recording audio input (mouth from audio), or stop. An
            input that cannot start is reported and the option goes off (`save`: remember it)."""
            audio = self.settings.record_audio
            ok = not on
            if on and not audio:
                self.report("Mouth from audio needs a sound: choose the microphone or an audio file in the "
                            "Recording audio box first")
            elif on:
                ok = self._gl(lambda: self.engine.start_lip_sync(audio)) is not None
            if (not on or not ok) and self.engine is not None:
                self.engine.stop_lip_sync()  # the tracked mouth
            self.avatar_panel.show_mouth_from_audio(on and ok)
            if save:
                self.update_settings(mouth_from_audio=on and ok)
            return ok

        def open_photo(self, path: str) -> bool:
            """Open a portrait (a photo without a usable face is reported; the old one stays)."""
            if not self._gl(lambda: self.engine.set_photo(path) or True):
                return False
            self.photo_panel.current.setText(path)
            self.update_settings(photo=path)
            self.set_photo_motion(self.photo_panel.chosen(), self.photo_panel.drive.isChecked())
            return True

        def set_photo_motion(self, motions: list[str], drive: bool) -> None:
            layer = self.engine.photo_layer if self.engine is not None else None
            if layer is not None:
                layer.set_motions(motions)
                if drive != layer.drive:
                    layer.set_drive(drive)
            self.update_settings(photo_motions=tuple(motions), photo_drive=drive)

        def open_script(self, path: str) -> None:
            self.script_panel.load(path)
            self.update_settings(script=path)
            self.tabs.setCurrentIndex(MODES.index(ModeKind.SCRIPT))

        def add_effect(self, path: str, strength: float = 1.0, save: bool = True) -> bool:
            """Stack an effect package (a folder, a .zip, or a folder's effect.json); a broken one is
            reported and the stack stays as it was."""
            if Path(path).name == EFFECT_MANIFEST:
                path = str(Path(path).parent)  # saved and shown as the package folder
            if self._gl(lambda: self.engine.add_effect(path, strength)) is None:
                return False
            self._effects_changed(save)
            return True

        def remove_effect(self, index: int) -> None:
            if self.engine is not None and 0 <= index < len(self.engine.effects.slots):
                self._gl(lambda: self.engine.remove_effect(index) or True)
                self._effects_changed(True)

        def set_effect_strength(self, index: int, strength: float) -> None:
            if self.engine is not None and 0 <= index < len(self.engine.effects.slots):
                self.engine.effects.slots[index].strength = strength
                self._effects_changed(True)

        def _effects_changed(self, save: bool) -> None:
            slots = self.engine.effects.slots
            self._effects_version = self.engine.effects.version
            self.effects_panel.refresh(slots)
            if save:
                self.update_settings(effects=tuple(str(s.path) for s in slots),
                                     effect_strengths={str(s.path): s.strength for s in slots})

        # -------------------------------------------------------------- live controls
        def set_mirror(self, on: bool) -> None:
            if self.engine is not None:
                self.engine.set_mirror(on)
            self.update_settings(mirror=on)

        def set_smoothing(self, strength: float) -> None:
            if self.engine is not None:
                self.engine.set_smoothing(strength)
            self.update_settings(smoothing=strength)

        def show_debug(self, on: bool) -> None:
            self.debug_panel.setVisible(on)

        def apply_hotkeys(self, hotkeys: dict[str, str]) -> None:
            for shortcut in self._shortcuts:
                shortcut.setEnabled(False)
                shortcut.deleteLater()
            self._shortcuts = []
            for key, action in hotkeys.items():
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.activated.connect(functools.partial(self.run_action, action))
                self._shortcuts.append(shortcut)

        def edit_hotkeys(self) -> None:
            dialog = HotkeyDialog(self, self.settings.hotkeys)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.set_hotkeys(dialog.hotkeys())

        def set_hotkeys(self, hotkeys: dict[str, str]) -> bool:
            """Save and bind; refused (nothing changes) with a message when an action is unknown."""
            problems = [p for key, action in hotkeys.items() if (p := action_problem(key, action))]
            if problems:
                for problem in problems:
                    self.report(problem)
                return False
            self.update_settings(hotkeys=dict(hotkeys))
            self.apply_hotkeys(hotkeys)
            return True

        def run_action(self, action: str) -> None:
            problem = action_problem("", action)
            if problem is not None:
                self.report(problem.replace("hotkey (no key): ", ""))
                return
            kind, _, arg = action.partition(":")
            if action == "snapshot":
                self.snapshot()
            elif action in ("record", "record_alpha"):
                target = self.record_action if action == "record" else self.alpha_action
                target.toggle()
            elif action == "calibrate":
                if self._gl(lambda: self.engine.calibrate() or True):
                    self.statusBar().showMessage("Calibrating: relax your face for 3 seconds…", 4000)
            elif action == "mirror":
                self.controls.mirror.toggle()
            elif kind == "expression":
                if self.engine is None:
                    self.report("the preview is still starting; try again in a moment")
                    return
                on = self.engine.toggle_override(arg)
                self.statusBar().showMessage(f"Expression {arg} {'on' if on else 'off'}", 2000)
            elif kind == "effect":
                self.toggle_effect(arg)

        def toggle_effect(self, name: str) -> None:
            """Hotkey: remove the effect if stacked (by folder name or path), else add it."""
            if self.engine is not None:
                for i, slot in enumerate(self.engine.effects.slots):
                    if name in (slot.path.name, str(slot.path)):
                        self.remove_effect(i)
                        return
            path = Path(name) if Path(name).is_dir() else EFFECTS_DIR / name
            self.add_effect(str(path))

        # -------------------------------------------------------------- outputs
        def _output_path(self, suffix: str) -> Path:
            return self.settings.resolved_output_dir() / f"vivid-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"

        def snapshot(self, path: str | Path | None = None) -> Path | None:
            target = Path(path) if path else self._output_path(".png")
            saved = self._gl(lambda: self.engine.snapshot(target))
            if saved is not None:
                self.statusBar().showMessage(f"Snapshot saved: {saved}", 5000)
            return saved

        def _fill_audio_box(self) -> None:
            box, chosen = self.audio_box, self.settings.record_audio
            box.clear()
            box.addItem("No audio", "")
            box.addItem("Microphone", "mic")
            if chosen and not chosen.startswith("mic"):
                box.addItem(f"Voice-over: {Path(chosen).name}", chosen)
            box.addItem("Audio file…", "?audio")
            box.setCurrentIndex(max(0, box.findData(chosen)))

        def _record_audio_chosen(self, index: int) -> None:
            data = self.audio_box.itemData(index)
            if data == "?audio":
                path, _ = QFileDialog.getOpenFileName(self, "Voice-over for recordings", "", AUDIO_FILTER)
                data = path or self.settings.record_audio
            self.update_settings(record_audio=data)
            self._fill_audio_box()
            if self.engine is not None and self.engine.mouth is not None and data != self.engine.lip_sync_spec:
                self.set_mouth_from_audio(True)  # the mouth follows the newly chosen input

        def start_recording(self, path: str | Path | None = None, alpha: bool = False) -> bool:
            target = Path(path) if path else self._output_path(".mov" if alpha else ".mp4")
            audio = self.settings.record_audio or None
            if self._gl(lambda: self.engine.start_recording(target, alpha=alpha, audio=audio)) is None:
                return False
            sound = f" with {self.engine.recorder.audio.description}" if self.engine.recorder.audio else ""
            self.statusBar().showMessage(f"Recording to {target}{sound}…")
            return True

        def stop_recording(self) -> Path | None:
            saved = self._gl(lambda: self.engine.stop_recording())
            if saved is not None:
                self.statusBar().showMessage(f"Recording saved: {saved}", 8000)
            return saved

        def toggle_recording(self, on: bool, alpha: bool) -> None:
            action = self.alpha_action if alpha else self.record_action
            if on:
                if not self.start_recording(alpha=alpha):
                    action.blockSignals(True)
                    action.setChecked(False)
                    action.blockSignals(False)
            else:
                self.stop_recording()

        def toggle_virtualcam(self, on: bool) -> None:
            if on:
                cam = self._gl(lambda: self.engine.start_virtualcam())
                if cam is None:
                    self.vcam_action.blockSignals(True)
                    self.vcam_action.setChecked(False)
                    self.vcam_action.blockSignals(False)
                else:
                    self.statusBar().showMessage(f"Virtual camera on: {cam.device}", 5000)
            elif self.engine is not None:
                self.engine.stop_virtualcam()

        def toggle_vmc(self, on: bool) -> None:
            if on:
                s = self.settings
                channels = parse_channels(s.vmc_channels)
                if self._gl(lambda: self.engine.start_vmc(s.vmc_host, s.vmc_port, channels)):
                    self.statusBar().showMessage(
                        f"VMC out to {s.vmc_host}:{s.vmc_port} ({format_channels(channels)})", 5000)
                else:
                    self._set_checked(self.vmc_action, False)
            elif self.engine is not None:
                self.engine.stop_vmc()

        def _build_vmc_menu(self, bar: QToolBar) -> None:
            """VMC out's drop-down: where to send, and which channels (other trackers can own the rest)."""
            menu = QMenu("VMC out", self)
            menu.addAction("Send to…").triggered.connect(self._ask_vmc_target)
            menu.addSeparator()
            labels = {"root": "Root position", "body": "Body (spine, arms, legs)", "head": "Head and neck",
                      "eyes": "Eyes", "hands": "Hands and fingers", "face": "Face (blendshapes)"}
            chosen = parse_channels(self.settings.vmc_channels)
            self.vmc_channel_actions = {}
            for name in VMC_CHANNELS:
                action = menu.addAction(labels[name])
                action.setCheckable(True)
                action.setChecked(name in chosen)
                action.toggled.connect(lambda _on, n=name: self._vmc_channels_changed(n))
                self.vmc_channel_actions[name] = action
            self.vmc_action.setMenu(menu)
            self.vmc_action.setToolTip(f"Send the avatar (Avatar mode) or the tracked face over VMC to "
                                       f"{self.settings.vmc_host}:{self.settings.vmc_port}")
            button = bar.widgetForAction(self.vmc_action)
            if isinstance(button, QToolButton):
                button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

        def _vmc_channels_changed(self, name: str) -> None:
            chosen = frozenset(n for n, a in self.vmc_channel_actions.items() if a.isChecked())
            if not chosen:
                self._set_checked(self.vmc_channel_actions[name], True)
                self.report("VMC out needs at least one channel")
                return
            self.update_settings(vmc_channels=format_channels(chosen))
            if self.engine is not None and self.engine.vmc is not None:
                self.engine.vmc.sender.channels = chosen

        def _ask_vmc_target(self) -> None:
            current = f"{self.settings.vmc_host}:{self.settings.vmc_port}"
            text, ok = QInputDialog.getText(self, "VMC out", "Send to HOST:PORT (VSeeFace, Warudo, "
                                            "VMC-enabled apps; usually 39539 or 39540)", text=current)
            if ok:
                self.set_vmc_target(text)

        def set_vmc_target(self, text: str) -> bool:
            """Parse HOST:PORT, save it, and restart VMC out there if it is on."""
            try:
                host, port = parse_target(text)
            except VividError as error:
                self.report(f"VMC target {error}")
                return False
            self.update_settings(vmc_host=host, vmc_port=port)
            self.vmc_action.setToolTip(f"Send the avatar (Avatar mode) or the tracked face over VMC to {host}:{port}")
            if self.vmc_action.isChecked():
                self.toggle_vmc(True)
            return True

        @staticmethod
        def _set_checked(action: QAction, on: bool) -> None:
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)

        # -------------------------------------------------------------- per frame / HUD
        def _tick(self) -> None:
            if self.engine is None:
                return
            self._source_settled()
            if self.engine.should_render():
                self.preview.tick()

        def _update_hud(self) -> None:
            engine = self.engine
            if engine is None:
                return
            for message in engine.poll_errors():
                self.report(message)
            if engine.effects.version != self._effects_version:  # the engine dropped a broken effect
                self._effects_changed(True)
            if self.vmc_action.isChecked() and engine.vmc is None:  # stopped after a network error
                self._set_checked(self.vmc_action, False)
            if self.vcam_action.isChecked() and engine.virtualcam is None:  # stopped after a device error
                self._set_checked(self.vcam_action, False)
            self.hud.setText(engine.hud().text())
            self.hud.adjustSize()
            if self.debug_panel.isVisible():
                self.debug_panel.setPlainText("\n".join(engine.debug_lines()))

        # -------------------------------------------------------------- drag and drop
        def dragEnterEvent(self, event) -> None:
            if event.mimeData().hasUrls():
                event.acceptProposedAction()

        def dropEvent(self, event) -> None:
            for url in event.mimeData().urls():
                self.open_path(url.toLocalFile())
            event.acceptProposedAction()

        def open_path(self, path: str) -> None:
            """What a dropped file does, by its kind."""
            p = Path(path)
            suffix = p.suffix.lower()
            if suffix in AVATAR_SUFFIXES:
                self.tabs.setCurrentIndex(MODES.index(ModeKind.AVATAR))
                self.load_avatar(path)
            elif suffix in IMAGE_EXTENSIONS:
                self.tabs.setCurrentIndex(MODES.index(ModeKind.PHOTO))
                self.open_photo(path)
            elif suffix in SCRIPT_SUFFIXES:
                self.open_script(path)
            elif suffix in VIDEO_SUFFIXES or suffix == CLIP_SUFFIX:
                self.choose_source(path)
            elif p.is_dir() or suffix == ".zip" or p.name == EFFECT_MANIFEST:
                self.tabs.setCurrentIndex(MODES.index(ModeKind.AR))
                self.add_effect(path)
            else:
                self.report(f"{path}: don't know what to do with '{suffix or 'no extension'}' files; drop "
                            f"an avatar ({', '.join(AVATAR_SUFFIXES)}), a photo, a video, a .vmcap clip, "
                            f"a script (.yaml) or an effect package (a folder, a .zip or its {EFFECT_MANIFEST})")

        # -------------------------------------------------------------- shutdown
        def closeEvent(self, event) -> None:
            if not self._closing:
                self._closing = True
                self.timer.stop()
                self.hud_timer.stop()
                self.update_settings(window_geometry=bytes(self.saveGeometry()).hex())
                if self.engine is not None and self.engine.recorder is not None:
                    saved = self.stop_recording()
                    if saved is not None:
                        log.info("recording finalized on exit: %s", saved)
                self.preview.shutdown()  # stops threads, releases the camera, frees GL
                self.engine = None
            super().closeEvent(event)

    return SimpleNamespace(GlPreview=GlPreview, SoftwarePreview=SoftwarePreview, ErrorBanner=ErrorBanner,
                           AvatarPanel=AvatarPanel, EffectsPanel=EffectsPanel, PhotoPanel=PhotoPanel,
                           ScriptPanel=ScriptPanel, LiveControls=LiveControls, HotkeyDialog=HotkeyDialog,
                           DebugPanel=DebugPanel, MainWindow=MainWindow)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="desktop_app")
    register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(["studio", *sys.argv[1:]])
    sys.exit(parsed.func(parsed))
