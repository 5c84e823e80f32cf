"""Scripted video speed: the demo script rendered at 1280x720, 30 fps, TTS and encoding included,
against its own duration (real time), with a per-stage breakdown; then the TTS and analyser
benchmarks (espeak-ng through our bridge vs its own command line, in the same run).

Run: python benchmarks/script.py  (or make bench). Target: >= 2x real time."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assets.paths import DEMO_SCRIPT  # noqa: E402
from benchmarks._report import Case, report  # noqa: E402
from render.script.loader import load_script  # noqa: E402
from render.script.timeline import plan_timeline  # noqa: E402
from render.stage import AvatarStage, Shot, StageOptions  # noqa: E402
from render.surface import AlphaOutput  # noqa: E402
from render.timeline.performance import Performance  # noqa: E402
from render.timeline.render_script import RenderOptions, render_script  # noqa: E402
from render.timeline.subtitles import SubtitleBurner  # noqa: E402
from render.video_writer import VideoOptions, VideoWriter  # noqa: E402
from avatar.loading import load_avatar_document  # noqa: E402

STAGE_FRAMES = 90


def stage_breakdown(script, timeline, out_dir: Path) -> dict[str, float]:
    """Milliseconds per frame of each stage over the first frames of the demo."""
    performance = Performance(script, timeline)
    totals = {"pose": 0.0, "skeleton": 0.0, "render+readback": 0.0, "subtitles": 0.0, "encode": 0.0}
    with AvatarStage(load_avatar_document("builtin"), StageOptions()) as stage:
        stage.scene.camera = stage.shot_camera(Shot.MEDIUM)
        burner = SubtitleBurner(list(timeline.cues), 1280, 720)
        with VideoWriter(out_dir / "stages.mp4", 1280, 720, VideoOptions(fps=30)) as writer:
            for i in range(STAGE_FRAMES):
                t = i / 30
                a = time.perf_counter()
                pose = performance.pose_at(t)
                b = time.perf_counter()
                posed = stage.poser.apply(pose)
                c = time.perf_counter()
                image = stage.render_posed(posed, t, AlphaOutput.PREMULTIPLIED)
                d = time.perf_counter()
                image = burner.burn(image, t)
                e = time.perf_counter()
                writer.write(image)
                f = time.perf_counter()
                for key, dt in zip(totals, (b - a, c - b, d - c, e - d, f - e)):
                    totals[key] += dt
    return {k: v * 1000 / STAGE_FRAMES for k, v in totals.items()}


def main() -> None:
    script = load_script(DEMO_SCRIPT)
    started = time.perf_counter()
    timeline = plan_timeline(script)
    tts_s = time.perf_counter() - started
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        stages = stage_breakdown(script, timeline, out)
        cpu0 = time.process_time()
        result = render_script(script, out / "demo.mp4", RenderOptions(progress=False), timeline=timeline)
        cpu = time.process_time() - cpu0
    frames = result.frames
    total_s = result.seconds_taken + tts_s
    speed = result.duration_s / total_s
    cases.append(Case("script", "demo 1280x720@30 TTS+render+encode", total_s * 1000 / frames,
                      baseline="real time", baseline_ms=1000 / 30, target_ms=1000 / 60,
                      extra={"video_s": round(result.duration_s, 2), "wall_s": round(total_s, 2),
                             "x_real_time": round(speed, 2), "cpu_s": round(cpu, 2), "tts_s": round(tts_s, 3)}))
    for name, ms in stages.items():
        cases.append(Case("script", f"stage: {name}", ms))
    report(cases, "benchmarks/script.py: the demo script, end to end")
    print(f"\nrendered {result.duration_s:.1f} s of video in {total_s:.1f} s: {speed:.2f}x real time "
          f"(target >= 2x); process CPU {cpu:.1f} s")
    from benchmarks import tts

    tts.main()


if __name__ == "__main__":
    main()
