"""StudioEngine: the studio's per-frame work on the GL thread, with no Qt. The window (or a
benchmark, or a test) calls `step()` then `present(surface)` once per display frame.

step: take the newest tracked frame (never waits) -> render the current mode into `output`
(1280x720 by default, GPU) -> hand a CPU copy to the recorder / virtual camera only when one
is running. present: draw `output` letterboxed into any surface (the Qt widget's framebuffer,
or an offscreen one) on the GPU. Mouth from audio: an AudioTap thread feeds an AudioMouth; each
frame samples it at the picture's time (render/live/audio_mouth.py)."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assets.errors import VividError
from capture.smoothing import matrix_to_quat_translation
from capture.types import BLENDSHAPE_NAMES, Tracking
from capture.vmc.channels import ALL_CHANNELS
from render.context import RenderContext
from render.image_io import write_png
from render.live.avatar_layer import AvatarLayer, AvatarView
from render.live.compositor import Compositor, Fit, ImageTexture
from render.live.effects_chain import EffectChain
from render.live.photo_layer import PhotoLayer
from render.live.modes import ModeKind
from render.live.outputs import VirtualCamera, VmcOut
from render.live.audio_input import AudioInput, is_microphone, open_audio_input
from render.live.audio_mouth import AudioMouth
from render.live.audio_tap import AudioTap
from render.live.recorder import MAX_CAPTURE_LAG_S, Recorder
from render.live.sources import PROBE_TIMEOUT_S, SourceReader, SourceSpec
from render.live.stats import FrameStats, HudStats
from render.live.tracking import DEFAULT_STRENGTH, TrackedFrame, TrackerWorker
from render.surface import AlphaOutput, OffscreenSurface, Surface

log = logging.getLogger(__name__)

NO_SOURCE_COLOR = (0.08, 0.08, 0.1, 1.0)
# Frame pacing of the GL thread (the caller polls `should_render` often, e.g. every 4 ms):
MAX_FRAME_INTERVAL_S = 1 / 60  # idle motion and effects animate at up to 60 fps without new frames
MIN_FRAME_INTERVAL_S = 1 / 120  # a new tracked frame is drawn at once, but not above 120 fps
# Audio blocks for lip sync: a block is delivered once all of it was heard, so its length adds to the
# mouth's latency (analyser look-ahead 16 ms + block + one frame); 5 ms keeps the sum under 50 ms.
LIP_SYNC_BLOCK_S = 0.005


@dataclass(frozen=True)
class EngineOptions:
    """width/height: the output picture (recordings, snapshots, virtual camera); the preview
    scales it. record_fps: constant frame rate of recordings. face_tracking: run the face tracker.
    samples: MSAA 4x costs 27 ms vs 5 ms a frame at 720p on llvmpipe (benchmarks/studio.py run
    notes), which alone would break 30 fps, so software rasterizers render single-sampled."""

    width: int = 1280
    height: int = 720
    record_fps: float = 30.0
    face_tracking: bool = True
    samples: int | None = None  # avatar MSAA; None = 4 on a GPU, 0 on a software rasterizer


@dataclass(frozen=True)
class PendingSource:
    reader: SourceReader  # started, not yet showing
    deadline: float  # time.monotonic() by which it must deliver its first frame


@dataclass(frozen=True)
class SourceOutcome:
    """How a `request_source` ended: `error` is None when the engine switched to `spec`."""

    spec: SourceSpec
    error: str | None


@dataclass(frozen=True)
class StepResult:
    new_frame: bool  # a source frame not shown before
    captured_at: float | None


def euler_deg(q: np.ndarray) -> tuple[float, float, float]:
    """(pitch about X, yaw about Y, roll about Z) in degrees of an xyzw quaternion, for display."""
    x, y, z, w = (float(v) for v in q)
    pitch = math.degrees(math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y)))
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x)))))
    roll = math.degrees(math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))
    return pitch, yaw, roll


class StudioEngine:
    def __init__(self, rc: RenderContext, options: EngineOptions = EngineOptions()) -> None:
        self.rc = rc
        self.options = options
        self.size = (options.width, options.height)
        self.output = OffscreenSurface(rc, options.width, options.height, samples=0)
        self.compositor = Compositor(rc)
        self._camera = ImageTexture(rc)
        self._photo = ImageTexture(rc)
        self.effects = EffectChain(rc)
        self.photo_layer: PhotoLayer | None = None
        self.photo_path = ""
        self.stats = FrameStats()
        self.mode = ModeKind.AVATAR
        self.avatar: AvatarLayer | None = None
        self.avatar_view = AvatarView()
        self.reader: SourceReader | None = None
        self.tracker: TrackerWorker | None = None
        self.source: SourceSpec | None = None
        self.mirror = True
        self.smoothing = DEFAULT_STRENGTH
        self.overrides: dict[str, float] = {}  # hotkey expressions held on
        self.latest: TrackedFrame | None = None
        self.recorder: Recorder | None = None
        self.virtualcam: VirtualCamera | None = None
        self.vmc: VmcOut | None = None
        self.mouth: AudioMouth | None = None  # mouth from audio, fed by _lip_tap's thread
        self._lip_tap: AudioTap | None = None
        self._errors: list[str] = []
        self._pending: PendingSource | None = None  # a source opening in the background
        self._reported: set[str] = set()
        self._t0 = time.monotonic()
        self._last_render = -1.0
        self._consumed = 0
        self._closed = False

    # ------------------------------------------------------------------ errors
    def report(self, message: str) -> None:
        self._errors.append(message)

    def poll_errors(self) -> list[str]:
        """New error messages since the last call (thread errors are reported once each)."""
        for worker in (self.reader, self.tracker):
            if worker is not None and worker.error and worker.error not in self._reported:
                self._reported.add(worker.error)
                self._errors.append(worker.error)
        if self.tracker is not None:
            expired = self.tracker.expire_calibration()
            if expired:
                self._errors.append(expired)
        for error in (self.recorder.error if self.recorder is not None else None,
                      self._lip_tap.error if self._lip_tap is not None else None,
                      self.avatar.video_error if self.avatar is not None else None):
            if error and error not in self._reported:
                self._reported.add(error)
                self._errors.append(error)
        out, self._errors = self._errors, []
        return out

    # ------------------------------------------------------------------ source
    def open_source(self, spec: SourceSpec) -> None:
        """Switch to a new source, waiting up to PROBE_TIMEOUT_S for its first frame. On failure
        (missing file, corrupt video, no camera) the old source keeps running and SourceError is
        raised. The window uses `request_source` instead, which never blocks."""
        self.request_source(spec)
        reader, self._pending = self._pending.reader, None
        reader.probe()  # the first frame, or SourceError: nothing switched yet
        self._switch_to(reader)

    def request_source(self, spec: SourceSpec) -> None:
        """Start opening `spec` in the background while the current source keeps playing;
        `poll_source()` says how it went. A missing file raises SourceError at once. A newer
        request replaces an older one still opening."""
        reader = SourceReader(spec, mirror=self.mirror)
        self.cancel_pending_source()
        self._pending = PendingSource(reader, time.monotonic() + PROBE_TIMEOUT_S)

    @property
    def opening_source(self) -> SourceSpec | None:
        """The source `request_source` is still opening, if any."""
        return self._pending.reader.spec if self._pending is not None else None

    def cancel_pending_source(self) -> None:
        if self._pending is not None:
            self._pending.reader.stop()
            self._pending = None

    def poll_source(self, now: float | None = None) -> SourceOutcome | None:
        """Finish a `request_source`: once its first frame arrived, switch to it; once it failed
        or stayed silent past its deadline, drop it. None while it is still opening (or none is)."""
        pending = self._pending
        if pending is None:
            return None
        now = time.monotonic() if now is None else now
        timed_out = now >= pending.deadline
        if not pending.reader.settled and not timed_out:
            return None
        self._pending = None
        failure = pending.reader.start_failure(timed_out=timed_out)
        if failure is None:
            self._switch_to(pending.reader)
        return SourceOutcome(pending.reader.spec, failure)

    def _switch_to(self, reader: SourceReader) -> None:
        spec = reader.spec
        self.close_source()
        self.reader = reader
        self.tracker = TrackerWorker(reader, face=self.options.face_tracking,
                                     smoothing_strength=self.smoothing)
        self._update_tracker_needs()
        self.source = spec
        self.latest = None

    def close_source(self) -> None:
        """Stop the current source (a source still opening is left alone)."""
        if self.tracker is not None:
            self.tracker.stop()
        if self.reader is not None:
            self.reader.stop()
        self.reader = self.tracker = None
        self.source = None

    def set_mirror(self, mirror: bool) -> None:
        self.mirror = mirror
        for reader in (self.reader, self._pending.reader if self._pending is not None else None):
            if reader is not None:
                reader.mirror = mirror

    def set_smoothing(self, strength: float) -> None:
        self.smoothing = strength
        if self.tracker is not None:
            self.tracker.set_smoothing(strength)

    def calibrate(self, duration_s: float = 3.0) -> None:
        if self.tracker is None:
            raise VividError("calibration needs a live source with a face: pick a camera or video first")
        self.tracker.start_calibration(duration_s)

    # ------------------------------------------------------------------ content
    def set_mode(self, mode: ModeKind) -> None:
        self.mode = mode

    def load_avatar(self, spec: str) -> AvatarLayer:
        """Load and show an avatar; on failure the previous one stays and the error is raised."""
        samples = self.options.samples
        if samples is None:
            samples = 0 if self.rc.info.is_software else 4
        layer = AvatarLayer(self.rc, spec, self.size, self.compositor, samples=samples)
        try:
            layer.set_view(self.avatar_view)
        except VividError:
            layer.release()
            raise
        if self.avatar is not None:
            self.avatar.release()
        self.avatar = layer
        return layer

    def set_avatar_view(self, view: AvatarView) -> None:
        if self.avatar is not None:
            self.avatar.set_view(view)  # may raise for an unreadable background image
        self.avatar_view = view

    def set_photo(self, path: str) -> None:
        """Open a photo for Living photo mode (PhotoError when no face is found: the previous
        photo stays)."""
        layer = PhotoLayer(self.rc, path)
        if self.photo_layer is not None:
            layer.set_motions(self.photo_layer.motions)
            layer.set_drive(self.photo_layer.drive)
            self.photo_layer.release()
        self.photo_layer = layer
        self.photo_path = path

    def add_effect(self, path: str | Path, strength: float = 1.0):
        """Stack an effect package in AR mode (EffectPackageError names the file and field)."""
        slot = self.effects.add(path, strength, size=self.size)  # compiled now: a bad shader is refused
        self._update_tracker_needs()
        return slot

    def remove_effect(self, index: int) -> None:
        self.effects.remove(index)
        self._update_tracker_needs()

    def _update_tracker_needs(self) -> None:
        needs = self.effects.needs() if self.effects.slots else None
        if self.tracker is not None:
            self.tracker.set_needs(*(needs.mask, needs.body, needs.hands) if needs else (False, False, False))

    # ------------------------------------------------------------------ mouth from audio
    def start_lip_sync(self, audio: str | AudioInput) -> AudioMouth:
        """Drive the avatar's mouth from `audio`: 'mic', 'mic:DEVICE', an audio file (played from
        now) or an AudioInput. AudioInputError when it cannot start; the previous one then stays."""
        source = open_audio_input(audio, block_s=LIP_SYNC_BLOCK_S) if isinstance(audio, str) else audio
        try:
            mouth = AudioMouth(source.sample_rate)
            tap = AudioTap(source, audio if isinstance(audio, str) else source.description)
            tap.listen(mouth.push)
            tap.start()
        except BaseException:
            source.close()
            raise
        self.stop_lip_sync()
        self.mouth, self._lip_tap = mouth, tap
        return mouth

    def stop_lip_sync(self) -> None:
        """The tracked mouth again. A recording sharing the input keeps its sound until it stops."""
        if self._lip_tap is not None and self.mouth is not None:
            self._lip_tap.release(self.mouth.push)
        self.mouth = self._lip_tap = None

    @property
    def lip_sync_spec(self) -> str | None:
        return self._lip_tap.spec if self._lip_tap is not None else None

    def _picture_time(self, now: float) -> float:
        """The moment the picture shows: its camera frame's capture time (the clock the recorder
        places it on, so a recording keeps the mouth on its sound and the head), else now."""
        captured = self.latest.frame.captured_at if self.latest is not None else None
        if captured is not None and 0.0 <= now - captured <= MAX_CAPTURE_LAG_S:
            return captured
        return now

    def _visemes(self, now: float) -> dict[str, float] | None:
        if self.mouth is None or self.avatar is None:
            return None
        return self.mouth.visemes_at(self._picture_time(now), self.avatar.perfect_sync)

    def toggle_override(self, name: str, weight: float = 1.0) -> bool:
        """Hotkey expressions: toggle `name` on/off; returns the new state."""
        if name in self.overrides:
            del self.overrides[name]
            return False
        self.overrides[name] = weight
        return True

    # ------------------------------------------------------------------ per frame
    def should_render(self, now: float | None = None) -> bool:
        """Draw now? Yes as soon as a new tracked frame is waiting (lower latency than a fixed
        60 Hz tick, which adds up to 16 ms), else at 60 Hz for animation."""
        now = time.monotonic() if now is None else now
        since = now - self._last_render
        fresh = self.tracker is not None and self.tracker.produced > self._consumed
        return since >= MAX_FRAME_INTERVAL_S or (fresh and since >= MIN_FRAME_INTERVAL_S)

    def step(self, now: float | None = None) -> StepResult:
        """Render one frame into `output`. Never blocks on the source or the tracker."""
        now = time.monotonic() if now is None else now
        self._last_render = now
        new = None
        if self.tracker is not None:
            self._consumed = self.tracker.produced
            new = self.tracker.slot.get(timeout_s=0)
        if new is not None:
            self.latest = new
            self.stats.add_stage("decode", new.frame.decode_ms, now)
            self.stats.add_stage("track", new.track_ms, now)
            if self.reader is not None:
                self.stats.dropped = self.reader.slot.dropped + (self.tracker.slot.dropped if self.tracker else 0)
        start = time.monotonic()
        try:
            self._render_mode(now)
        except Exception as exc:  # the frame boundary: a broken layer must not stop the preview
            log.exception("render failed in %s mode", self.mode.value)
            message = f"{self.mode.title} mode could not draw: {type(exc).__name__}: {exc}"
            if self.mode in (ModeKind.AVATAR, ModeKind.SCRIPT) and self.avatar is not None:
                self.avatar.release()
                self.avatar = None
                message += " (the avatar was unloaded; open another one)"
            elif self.mode is ModeKind.AR and self.effects.slots:
                names = ", ".join(slot.name for slot in self.effects.slots)
                self.effects.release()
                self._update_tracker_needs()
                message += f" (the effect stack was cleared: {names})"
            self.report(message)
            self._draw_passthrough()
        if self.effects.dropped:  # slots the chain removed alone (rebuild at a new size, draw error)
            for message in self.effects.take_dropped():
                self.report(message)
            self._update_tracker_needs()
        self.stats.add_stage("render", (time.monotonic() - start) * 1000.0, now)
        if self.recorder is not None or self.virtualcam is not None:
            self._feed_outputs(now)
        if self.vmc is not None:
            self._send_vmc(now)
        return StepResult(new is not None, new.frame.captured_at if new is not None else None)

    def _send_vmc(self, now: float) -> None:
        """The driven avatar in Avatar mode, else the tracked face. A network error stops VMC out
        with a message instead of stopping the preview."""
        assert self.vmc is not None
        try:
            avatar = self.avatar if self.mode in (ModeKind.AVATAR, ModeKind.SCRIPT) else None
            if avatar is not None and avatar.last_driven is not None:
                self.vmc.send_avatar(avatar.drivable.rig, avatar.last_driven)
            else:
                self.vmc.send(self.latest.tracking if self.latest else None, self.overrides, now - self._t0)
        except (OSError, VividError, OverflowError, ValueError) as exc:  # bad target or network
            target = "%s:%d" % self.vmc.sender.address[:2]
            self.stop_vmc()
            self.report(f"VMC out to {target} stopped: {exc}")

    def _frame_image(self) -> np.ndarray | None:
        return self.latest.frame.image if self.latest is not None else None

    def _tracking(self) -> Tracking | None:
        return self.latest.tracking if self.latest is not None else None

    def _draw_passthrough(self) -> None:
        self.output.use()
        self.rc.ctx.clear(*NO_SOURCE_COLOR)
        image = self._frame_image()
        if image is not None:
            self.compositor.draw(self._camera.upload(image), self.size, Fit.CONTAIN, flip_y=True)

    def _render_mode(self, now: float) -> None:
        t = now - self._t0
        if self.mode in (ModeKind.AVATAR, ModeKind.SCRIPT) and self.avatar is not None:
            neutral = None
            if self.tracker is not None and self.tracker.calibration is not None:
                neutral = self.tracker.calibration.head_rotation
            self.avatar.render(self.output, self._tracking(), self._frame_image(), t, neutral, self.overrides,
                               self._visemes(now))
        elif self.mode is ModeKind.PHOTO and self.photo_layer is not None:
            frame = self.photo_layer.render(self._tracking(), t)
            self.output.use()
            self.rc.ctx.clear(*NO_SOURCE_COLOR)
            self.compositor.draw(self._photo.upload(frame), self.size, Fit.CONTAIN, flip_y=True, straight_alpha=True)
        elif self.mode is ModeKind.AR and self.effects.slots:
            tracking = self._tracking()
            image = self._frame_image()
            if image is None or tracking is None:
                self._draw_passthrough()
                return
            start = time.monotonic()
            processed = self.effects.render_texture(image, tracking, t)  # stays on the GPU
            self.stats.add_stage("effects", (time.monotonic() - start) * 1000.0, now)
            self.output.use()
            self.rc.ctx.clear(*NO_SOURCE_COLOR)
            shown = processed if processed is not None else self._camera.upload(image)
            self.compositor.draw(shown, self.size, Fit.CONTAIN, flip_y=True)
        else:  # AR mode with no effect stacked (passthrough), or nothing loaded yet
            self._draw_passthrough()

    def _feed_outputs(self, now: float) -> None:
        start = time.monotonic()
        alpha = self.recorder is not None and self.recorder.alpha
        image = self.output.read(AlphaOutput.STRAIGHT if alpha else AlphaOutput.PREMULTIPLIED)
        self.stats.add_stage("readback", (time.monotonic() - start) * 1000.0, now)
        if self.recorder is not None:
            # Placed by its camera frame's capture time, the microphone's clock (recorder.py).
            captured_at = self.latest.frame.captured_at if self.latest is not None else None
            self.recorder.submit(image, now, captured_at)
        if self.virtualcam is not None:
            try:
                self.virtualcam.send(image)
            except Exception as exc:  # a device that went away must not stop the preview
                log.exception("virtual camera failed")
                camera, self.virtualcam = self.virtualcam, None
                try:
                    camera.close()
                except Exception:  # already broken; closing is best effort
                    log.debug("closing the failed virtual camera", exc_info=True)
                self.report(f"virtual camera stopped: {type(exc).__name__}: {exc}")

    def present(self, target: Surface, captured_at: float | None, finish: bool = True) -> float:
        """Draw `output` letterboxed into `target` (GPU only). Returns the presented time."""
        start = time.monotonic()
        target.use()
        self.rc.ctx.clear(0.0, 0.0, 0.0, 1.0)
        self.compositor.draw(self.output.color_texture, target.size, Fit.CONTAIN, blend=False)
        if finish:
            self.rc.finish()  # "presented" means the pixels are in the target, not queued
        done = time.monotonic()
        self.stats.add_stage("present", (done - start) * 1000.0, done)
        self.stats.presented(done, captured_at)
        self.rc.gc()
        return done

    def hud(self, now: float | None = None) -> HudStats:
        return self.stats.snapshot(time.monotonic() if now is None else now)

    # ------------------------------------------------------------------ debug panel
    def debug_lines(self, top: int = 12) -> list[str]:
        """Text for the debug panel: strongest blendshapes, head angles, driven bones/expressions."""
        lines: list[str] = []
        tracking = self._tracking()
        face = tracking.face if tracking is not None else None
        if face is None:
            lines.append("no face tracked")
        else:
            q, _ = matrix_to_quat_translation(face.head_matrix)
            p, y, r = euler_deg(q)
            lines.append(f"head  pitch {p:+6.1f}  yaw {y:+6.1f}  roll {r:+6.1f} deg")
            values = np.asarray(face.blendshapes, np.float32)
            order = np.argsort(values[1:])[::-1][:top] + 1
            for i in order:
                bar = "#" * int(round(float(values[i]) * 20))
                lines.append(f"{BLENDSHAPE_NAMES[i]:<20} {values[i]:.2f} {bar}")
        if self.tracker is not None:
            state = "capturing..." if self.tracker.calibrating else ("on" if self.tracker.calibration else "off")
            lines.append(f"neutral calibration: {state}")
        if self.avatar is not None and self.mode in (ModeKind.AVATAR, ModeKind.SCRIPT):
            lines.append(f"avatar {self.avatar.name}: {len(self.avatar.bone_names())} bones")
            for node, q in list(self.avatar.last_pose.rotations.items())[:8]:
                p, y, r = euler_deg(np.asarray(q))
                lines.append(f"  {node:<18} {p:+5.1f} {y:+5.1f} {r:+5.1f}")
            active = {k: v for k, v in self.avatar.last_expressions.items() if v > 0.01}
            lines.append("expressions: " + (", ".join(f"{k} {v:.2f}" for k, v in active.items()) or "none"))
        if self.mouth is not None:
            frame = self.mouth.frame_at(time.monotonic())
            state = "no sound" if frame is None else ("speaking" if frame.speaking else "silent")
            lines.append(f"mouth from audio: {state}" + (f", open {frame.openness:.2f}" if frame else ""))
        return lines

    # ------------------------------------------------------------------ outputs
    def snapshot(self, path: str | Path) -> Path:
        """PNG of the current output picture (straight alpha; transparent background stays transparent)."""
        return write_png(path, self.output.read(AlphaOutput.STRAIGHT))

    def start_recording(self, path: str | Path, alpha: bool = False, audio: str | AudioInput | None = None) -> Recorder:
        """Record the output picture; `audio`: 'mic' (default microphone), 'mic:DEVICE', an audio
        file played as a voice-over, an AudioInput, or None for a silent file."""
        if self.recorder is not None:
            raise VividError("already recording; stop the current recording first")
        source = self._recording_audio(audio) if isinstance(audio, str) else audio
        try:
            self.recorder = Recorder(path, self.size, self.options.record_fps, alpha=alpha,
                                     started_at=time.monotonic(), audio=source)
        except BaseException:
            if source is not None:
                source.close()
            raise
        return self.recorder

    def _recording_audio(self, spec: str) -> AudioInput:
        """The lip-sync input when it is the same one, so that the mouth and the recorded sound
        come from the same blocks; a voice-over file restarts to play from the start of the
        recording, as it does without lip sync. Else a new input."""
        if self._lip_tap is not None and self._lip_tap.spec == spec:
            if not is_microphone(spec):
                self.start_lip_sync(spec)
            assert self._lip_tap is not None
            return self._lip_tap.branch()
        return open_audio_input(spec)

    def stop_recording(self) -> Path | None:
        """Stop and finalize; the file lasts from start_recording to now."""
        recorder, self.recorder = self.recorder, None
        return recorder.stop(time.monotonic()) if recorder is not None else None

    def start_virtualcam(self) -> VirtualCamera:
        if self.virtualcam is None:
            self.virtualcam = VirtualCamera(*self.size, fps=self.options.record_fps)
        return self.virtualcam

    def stop_virtualcam(self) -> None:
        if self.virtualcam is not None:
            self.virtualcam.close()
            self.virtualcam = None

    def start_vmc(self, host: str, port: int, channels: frozenset[str] = ALL_CHANNELS) -> VmcOut:
        self.stop_vmc()
        self.vmc = VmcOut(host, port, channels)
        return self.vmc

    def stop_vmc(self) -> None:
        if self.vmc is not None:
            self.vmc.close()
            self.vmc = None

    # ------------------------------------------------------------------ shutdown
    def close(self) -> Path | None:
        """Stop threads, release the camera, finalize a running recording (returns its path).
        Idempotent. GL objects are released on the calling (GL) thread."""
        if self._closed:
            return None
        self._closed = True
        path = None
        try:
            path = self.stop_recording()
        finally:
            self.stop_lip_sync()
            self.cancel_pending_source()
            self.close_source()
            self.stop_virtualcam()
            self.stop_vmc()
            if self.avatar is not None:
                self.avatar.release()
                self.avatar = None
            self.effects.release()
            if self.photo_layer is not None:
                self.photo_layer.release()
                self.photo_layer = None
            self._camera.release()
            self._photo.release()
            self.compositor.release()
            self.output.release()
        return path
