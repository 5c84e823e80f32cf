"""A script rendered to a real MP4, read back and measured: streams, duration, lip-sync timing
against the audio, subtitles against the words, deterministic frames, clean failures."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from assets.errors import AssetError
from assets.outputs import OutputPathError
from render.materials import ShadingStyle
from render.script.loader import load_script
from render.script.timeline import plan_timeline
from render.timeline.performance import Performance
from render.timeline.render_script import RenderOptions, render_script

FPS = 25
SCRIPT = f"""
version: 1
output: {{size: 320x240, fps: {FPS}, subtitles: true, lead_in: 0.5, tail: 0.6}}
avatar: builtin
camera: {{shot: close-up}}
voice: {{language: en-us, rate: 160}}
beats:
  - say: Hello there, my name is Vivid.
  - pause: 0.6
  - gesture: nod
  - say: Papa bought a bamboo boat.
"""


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("script") / "short.yaml"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rendered(script, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "short.mp4"
    result = render_script(script, out, RenderOptions(srt=True, progress=False))
    return result


def _envelope(audio: np.ndarray, rate: int, frames: int) -> np.ndarray:
    hop = rate / FPS
    return np.array([np.sqrt(np.mean(audio[int(i * hop):int((i + 1) * hop)] ** 2) + 1e-12) for i in range(frames)])


def _lag(a: np.ndarray, b: np.ndarray, max_lag: int = 8) -> int:
    """Lag (frames) at which b best matches a: positive = b comes later."""
    a = (a - a.mean()) / (a.std() + 1e-9)
    b = (b - b.mean()) / (b.std() + 1e-9)
    lags = range(-max_lag, max_lag + 1)
    scores = [np.sum(a[max(0, -k):len(a) - max(0, k)] * b[max(0, k):len(b) - max(0, -k)]) for k in lags]
    return list(lags)[int(np.argmax(scores))]


def test_video_and_audio_streams_read_back(rendered):
    with av.open(str(rendered.output)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.width, video.height) == (320, 240) and audio.type == "audio"
        assert float(video.average_rate) == pytest.approx(FPS)
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == rendered.frames
    assert frames / FPS == pytest.approx(rendered.duration_s, abs=1.0 / FPS)
    with av.open(str(rendered.output)) as container:
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
        rate = container.streams.audio[0].rate
    assert len(samples) / rate == pytest.approx(rendered.duration_s, abs=0.1)
    assert np.sqrt(np.mean(samples ** 2)) > 0.01, "the voice is in the file"


def test_mouth_follows_the_audio_within_one_frame(script):
    loaded = load_script(script)
    timeline = plan_timeline(loaded)
    performance = Performance(loaded, timeline)
    frames = int(timeline.duration_s * FPS)
    rate = 48000
    audio = np.asarray(timeline.audio(rate))
    envelope = _envelope(audio, rate, frames)
    openness = np.array([performance.pose_at(i / FPS).morphs.get("jawOpen", 0.0) for i in range(frames)])
    assert abs(_lag(envelope, openness)) <= 1
    silent = envelope < envelope.max() * 0.02
    lead_in = np.arange(frames) < int(0.3 * FPS)
    assert openness[silent & lead_in].max() < 0.05, "the mouth is closed before the first word"
    speaking = envelope > envelope.max() * 0.3
    assert openness[speaking].mean() > 0.15


@pytest.fixture(scope="module")
def rendered_pbr(script, tmp_path_factory):
    """The same script with PBR shading: MediaPipe does not find faces in flat toon shading, but
    reads the same geometry (mouth opening) from a shaded render."""
    out = tmp_path_factory.mktemp("out") / "short_pbr.mp4"
    return render_script(script, out, RenderOptions(progress=False, style=ShadingStyle.PBR, burn_subtitles=False))


def test_rendered_mouth_retracked_by_mediapipe(rendered_pbr, script):
    """Independent check: MediaPipe (IMAGE mode: no temporal filtering that would add lag) measures
    the mouth opening on the rendered frames. It must match the commanded jaw frame for frame
    (lag 0 +/- 1), and be clearly more open while the voice is loud than in silence. With the
    commanded jaw within +/-1 frame of the audio (test above), the rendered mouth follows the voice."""
    from capture.trackers.face import FaceTracker, FaceTrackerOptions
    from capture.types import FACE_CHIN, FACE_FOREHEAD, FACE_MOUTH_LOWER_INNER, FACE_MOUTH_UPPER_INNER, Frame

    rendered = rendered_pbr
    with av.open(str(rendered.output)) as container:
        images = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        container.seek(0)
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
        rate = container.streams.audio[0].rate
    gaps = []
    with FaceTracker.create_from_options(FaceTrackerOptions()) as tracker:
        for i, image in enumerate(images):
            faces = tracker.detect(Frame(np.ascontiguousarray(image), i / FPS, i)).faces
            if not faces:
                gaps.append(np.nan)
                continue
            lm = faces[0].landmarks[:, :2]
            face_height = np.linalg.norm(lm[FACE_FOREHEAD] - lm[FACE_CHIN])
            gaps.append(np.linalg.norm(lm[FACE_MOUTH_UPPER_INNER] - lm[FACE_MOUTH_LOWER_INNER]) / face_height)
    gaps = np.array(gaps)
    assert np.isfinite(gaps).mean() > 0.85, "MediaPipe finds the avatar's face in most frames"
    gaps = np.nan_to_num(gaps, nan=float(np.nanmin(gaps)))
    loaded = load_script(script)
    performance = Performance(loaded, plan_timeline(loaded))
    commanded = np.array([performance.pose_at(i / FPS).morphs.get("jawOpen", 0.0) for i in range(len(gaps))])
    assert np.corrcoef(commanded, gaps)[0, 1] > 0.3
    assert abs(_lag(commanded, gaps)) <= 1
    envelope = _envelope(samples, rate, len(gaps))
    loud, silent = envelope > np.percentile(envelope, 66), envelope < envelope.max() * 0.02
    assert gaps[loud].mean() > 1.3 * gaps[silent].mean(), "the rendered mouth is more open while the voice is loud"


def test_subtitles_follow_the_words(rendered):
    srt = rendered.srt.read_text(encoding="utf-8")
    assert "Hello there, my name is Vivid." in srt
    assert "Papa bought a bamboo boat." in srt
    first_start = srt.splitlines()[1].split(" --> ")[0]
    h, m, rest = first_start.split(":")
    assert float(rest.replace(",", ".")) == pytest.approx(0.5, abs=0.15), "first cue starts with the first word"


def test_frames_are_deterministic(script, tmp_path):
    a = render_script(script, tmp_path / "a.mp4", RenderOptions(progress=False))
    b = render_script(script, tmp_path / "b.mp4", RenderOptions(progress=False))
    def frames(path):
        with av.open(str(path)) as c:
            return [f.to_ndarray(format="rgb24") for i, f in enumerate(c.decode(video=0)) if i % 10 == 0]
    for x, y in zip(frames(a.output), frames(b.output)):
        np.testing.assert_array_equal(x, y)


def test_transparent_output_needs_alpha_container(script, tmp_path):
    with pytest.raises(OutputPathError, match="for a transparent video .ProRes 4444 or VP9.; use .mov or .webm"):
        render_script(script, tmp_path / "x.mp4", RenderOptions(transparent=True, progress=False))
    assert not list(tmp_path.iterdir())


def test_transparent_mov_has_alpha(script, tmp_path):
    result = render_script(script, tmp_path / "alpha.mov", RenderOptions(transparent=True, progress=False,
                                                                        burn_subtitles=False))
    with av.open(str(result.output)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgba")
    assert frame[2, 2, 3] == 0 and frame[..., 3].max() == 255


def test_failure_mid_render_leaves_no_output(script, tmp_path, monkeypatch):
    import render.timeline.render_script as rs

    calls = {"n": 0}
    original = rs.Performance.pose_at

    def failing(self, t):
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("simulated crash")
        return original(self, t)

    monkeypatch.setattr(rs.Performance, "pose_at", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        render_script(script, tmp_path / "broken.mp4", RenderOptions(progress=False))
    assert not list(tmp_path.iterdir()), "no half-written video"


def test_script_effects_are_applied_and_validated(tmp_path):
    base = "version: 1\noutput: {size: 160x120, fps: 10, subtitles: false}\nbackground: {color: \"#808080\"}\n"
    plain = tmp_path / "plain.yaml"
    plain.write_text(base + "beats:\n  - pause: 0.3\n")
    graded = tmp_path / "graded.yaml"
    graded.write_text(base + "effects: [film_look]\nbeats:\n  - pause: 0.3\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text(base + "effects: [film_lok]\nbeats:\n  - pause: 0.3\n")
    with pytest.raises(AssetError, match=r"broken.yaml:4: effects\[0\]: effect 'film_lok' not found: .*film_look"):
        load_script(broken)

    def first_frame(script):
        result = render_script(script, tmp_path / f"{script.stem}.mp4", RenderOptions(progress=False))
        with av.open(str(result.output)) as c:
            return next(c.decode(video=0)).to_ndarray(format="rgb24").astype(np.int16)

    a, b = first_frame(plain), first_frame(graded)
    corner = (slice(0, 12), slice(0, 12))
    assert b[corner].mean() < a[corner].mean() - 15, "the film look's vignette darkens the corners"


@pytest.mark.parametrize("avatar", ["vrm/Godette_vrm_v4.vrm", "vrm/human_male.vrm"])
def test_camera_shots_frame_a_vrm_avatar(test_data, tmp_path, avatar):
    """A VRM's nodes are named by its exporter: the shots still find its head and hips."""
    covered = {}
    for shot in ("wide", "medium", "close-up"):
        path = tmp_path / f"{shot}.yaml"
        path.write_text(f"""
version: 1
output: {{size: 160x96, fps: 10, subtitles: false, lead_in: 0.0, tail: 0.0}}
background: {{color: "#000000"}}
avatar: {test_data / avatar}
camera: {{shot: {shot}}}
idle: false
beats:
  - pause: 0.2
""", encoding="utf-8")
        out = render_script(path, tmp_path / f"{shot}.mp4", RenderOptions(progress=False)).output
        with av.open(str(out)) as container:
            frame = next(container.decode(video=0)).to_ndarray(format="gray")
        covered[shot] = float((frame > 24).mean())  # share of the picture the avatar covers
    # Full body, then waist up, then the head: each shot comes closer (before the fix, every
    # shot of a VRM was the full body).
    assert covered["medium"] > 1.8 * covered["wide"], covered
    assert covered["close-up"] > 1.2 * covered["medium"], covered


def test_a_vrm_is_read_once_so_its_warnings_show_once(test_data, tmp_path, caplog):
    path = tmp_path / "godette.yaml"
    path.write_text(f"""
output: {{size: 64x48, fps: 10, subtitles: false, lead_in: 0.0, tail: 0.0}}
avatar: {test_data / 'vrm/Godette_vrm_v4.vrm'}
beats:
  - pause: 0.1
""", encoding="utf-8")
    with caplog.at_level("WARNING"):
        render_script(path, tmp_path / "g.mp4", RenderOptions(progress=False))
    curves = [r.getMessage() for r in caplog.records if "look-at curves" in r.getMessage()]
    assert len(curves) == 2 and len(set(curves)) == 2  # horizontal outer and vertical up, once each
