"""Script -> MP4: plan the timeline (TTS included), then render every frame, mix the audio,
burn subtitles and encode. Deterministic: the same script gives the same frames."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assets.outputs import check_output_path
from render.drive_view import DriveShot, DriveView
from avatar.loading import load_avatar_document
from avatar.posing import Pose, PosedFrame
from capture.types import Tracking
from effects.package import load_package
from effects.stack import EffectStack
from render.background import BackgroundPass
from render.camera import Camera
from render.materials import ShadingStyle
from render.script.loader import load_script
from render.script.model import BackgroundKind, Script
from render.script.timeline import AUDIO_RATE, Timeline, plan_timeline, to_srt
from render.stage import AvatarStage, Shot, StageOptions
from render.surface import AlphaOutput
from render.timeline.performance import Performance, ShotState
from render.timeline.subtitles import SubtitleBurner
from render.video_writer import VideoOptions, VideoWriter


@dataclass(frozen=True)
class RenderOptions:
    """transparent: alpha video (.mov ProRes 4444 or .webm VP9) with no background.
    srt: also write the subtitles as an .srt file next to the video.
    burn_subtitles: draw the subtitles into the frames (when the script has them on).
    progress: print a progress bar with ETA to stderr."""

    transparent: bool = False
    srt: bool = False
    burn_subtitles: bool = True
    progress: bool = True
    preset: str = "veryfast"  # x264 speed: veryfast costs ~25 ms of CPU a 720p frame, ultrafast ~10
    crf: int = 20  # x264 quality: lower is better and bigger
    style: ShadingStyle = ShadingStyle.AUTO  # PBR renders are what MediaPipe re-tracks reliably


@dataclass(frozen=True)
class RenderResult:
    output: Path
    srt: Path | None
    frames: int
    duration_s: float
    seconds_taken: float
    tts_seconds: float


@dataclass(frozen=True)
class RenderedFrame:
    """What one frame showed, as handed to the renderer (render_script's ``on_frame``).

    expressions: expression / morph weights by name, only those the avatar has (others are dropped).
    morph_weights: morph target weights drawn, per mesh node index (VRM expressions resolved
    through their binds)."""

    index: int
    time_s: float
    expressions: Mapping[str, float]
    morph_weights: Mapping[int, np.ndarray]


def _lerp_camera(a: Camera, b: Camera, mix: float) -> Camera:
    pos = np.add(np.multiply(a.position, 1 - mix), np.multiply(b.position, mix))
    target = np.add(np.multiply(a.target, 1 - mix), np.multiply(b.target, mix))
    return replace(a, position=tuple(pos), target=tuple(target), near=min(a.near, b.near), far=max(a.far, b.far))


class _Progress:
    def __init__(self, total: int, label: str, enabled: bool) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.started = time.perf_counter()

    def update(self, done: int) -> None:
        if not self.enabled or (done % 10 and done != self.total):
            return
        elapsed = time.perf_counter() - self.started
        eta = elapsed / done * (self.total - done) if done else 0.0
        filled = int(30 * done / self.total)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} "
                         f"{elapsed:5.1f}s ETA {eta:5.1f}s")
        if done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _drivable(doc, script: Script, required: bool):
    """The avatar with its humanoid rig (read once: reading a VRM again repeats its warnings), or
    None when it has no humanoid skeleton; `required` (a VRM) raises DrivingError instead."""
    from avatar.driving.avatar_model import DrivingError, avatar_from_document

    try:
        return avatar_from_document(doc, script.avatar.path or Path("builtin"))
    except DrivingError:
        if required:
            raise
        return None


def _vrm_posed(avatar, pose) -> PosedFrame:
    names = set(avatar.binding.names())
    expressions = {name: weight for name, weight in pose.morphs.items() if name in names}
    world = avatar.rig.pose_world(Pose(rotations=pose.rotations, root_offset=pose.root_offset))
    return PosedFrame(world.astype(np.float32), avatar.binding.node_weights(expressions),
                      avatar.binding.material_overrides(expressions))


def _with_alpha(effected: np.ndarray, original: np.ndarray, transparent: bool) -> np.ndarray:
    """Effects see opaque RGB; a transparent render keeps the avatar's own alpha."""
    if transparent:
        effected = effected.copy()
        effected[..., 3] = original[..., 3]
    return effected


def output_path_check(output: Path, options: RenderOptions) -> None:
    """A writable file name with an extension the render can write; raises before any work."""
    if options.transparent:
        check_output_path(output, (".mov", ".webm"), "a transparent video (ProRes 4444 or VP9)")
    else:
        check_output_path(output, (".mp4", ".mov", ".mkv", ".webm"), "a video")


def render_script(script: Script | str | Path, output: str | Path, options: RenderOptions = RenderOptions(),
                  timeline: Timeline | None = None, *,
                  on_frame: Callable[[RenderedFrame], None] | None = None) -> RenderResult:
    """Render ``script`` to ``output``. ``on_frame`` is called with every frame's ``RenderedFrame``
    before it is drawn (lets tests measure the lip sync that was really rendered)."""
    started = time.perf_counter()
    script = script if isinstance(script, Script) else load_script(script)
    output = Path(output)
    output_path_check(output, options)
    tts_started = time.perf_counter()
    timeline = timeline or plan_timeline(script)
    tts_seconds = time.perf_counter() - tts_started
    out = script.output
    doc = load_avatar_document(script.avatar.path or "builtin")
    from avatar.driving.avatar_model import is_vrm

    vrm = bool(script.avatar.path) and is_vrm(doc)
    humanoid = _drivable(doc, script, required=vrm)
    # Mocap-clip gestures are retargeted onto the humanoid rig. VRM avatars are also posed through
    # it (VRM 0.x turned to face +Z, expressions through their binds); others by node names.
    performance = Performance(script, timeline, humanoid.rig if humanoid is not None else None)
    drivable = humanoid if vrm else None
    background = (*script.background.color, 1.0)
    stage_options = StageOptions(width=out.width, height=out.height, background=background,
                                 transparent=options.transparent, style=options.style)
    rate = AUDIO_RATE
    audio = timeline.audio(rate)
    frames = int(round(timeline.duration_s * out.fps))
    cues = list(timeline.cues) if options.burn_subtitles else []
    burner = SubtitleBurner(cues, out.width, out.height) if cues else None
    progress = _Progress(frames, output.name, options.progress)
    with (DriveView(drivable, stage_options, DriveShot.MEDIUM).stage if drivable else AvatarStage(doc, stage_options)) as stage:
        if script.background.kind is not BackgroundKind.COLOR and not options.transparent:
            stage.scene.passes.insert(0, BackgroundPass(stage.rc, script.background.path, script.background.kind.value))
        shots = {shot.value: stage.shot_camera(shot) for shot in Shot}
        effect_stacks = [EffectStack(stage.rc, load_package(path), (out.width, out.height)) for path in script.effects]
        animations = {a.name: i for i, a in enumerate(doc.animations)}
        shown = set(drivable.binding.names() if drivable else stage.poser.morph_names)
        video_options = VideoOptions(fps=out.fps, alpha=options.transparent, preset=options.preset, crf=options.crf)
        with VideoWriter(output, out.width, out.height, video_options, audio_sample_rate=rate) as writer:
            writer.add_audio(audio)
            for index in range(frames):
                t = index / out.fps
                shot: ShotState = performance.shot_at(t)
                stage.scene.camera = _lerp_camera(shots[shot.a], shots[shot.b], shot.mix)
                playing = performance.animations_at(t)
                anim = stage.poser.sample(animations[playing[0][0]], playing[0][1], loop=False) if playing else None
                pose = performance.pose_at(t)
                posed = _vrm_posed(drivable, pose) if drivable else stage.poser.apply(pose, anim)
                if on_frame is not None:
                    on_frame(RenderedFrame(index, t, {k: w for k, w in pose.morphs.items() if k in shown},
                                           {n: w.copy() for n, w in posed.node_weights.items()}))
                image = stage.render_posed(posed, time_s=t,
                                           alpha=AlphaOutput.STRAIGHT if options.transparent else AlphaOutput.PREMULTIPLIED)
                for effect in effect_stacks:  # no face tracking here: screen-anchored layers apply
                    image = _with_alpha(effect.render(image,
                                                      Tracking(timestamp_s=t, frame_size=(out.width, out.height)), t).image,
                                        image, options.transparent)
                if burner is not None:
                    image = burner.burn(image, t)
                writer.write(image)
                progress.update(index + 1)
        for render_pass in stage.scene.passes[:-1]:
            render_pass.release()
        for effect in effect_stacks:
            effect.release()
    srt_path = None
    if options.srt:
        srt_path = output.with_suffix(".srt")
        srt_path.write_text(to_srt(timeline.cues), encoding="utf-8")
    return RenderResult(output, srt_path, frames, timeline.duration_s, time.perf_counter() - started, tts_seconds)
