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
from render.timeline.render_script import RenderedFrame, RenderOptions, render_script

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
def rendered_run(script, tmp_path_factory) -> tuple:
    """The render and what each of its frames showed (render_script's on_frame hook)."""
    out = tmp_path_factory.mktemp("out") / "short.mp4"
    frames: list[RenderedFrame] = []
    result = render_script(script, out, RenderOptions(srt=True, progress=False), on_frame=frames.append)
    return result, frames


@pytest.fixture(scope="module")
def rendered(rendered_run):
    return rendered_run[0]


def _envelope(audio: np.ndarray, rate: int, frames: int) -> np.ndarray:
    hop = rate / FPS
    return np.array([np.sqrt(np.mean(audio[int(i * hop):int((i + 1) * hop)] ** 2) + 1e-12) for i in range(frames)])


def _decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
        return samples, container.streams.audio[0].rate


def _deep_silence(envelope: np.ndarray, frames: int = 2) -> np.ndarray:
    """Frames with no sound within +-`frames` (80 ms at 25 fps: past the lips' 80 ms release)."""
    quiet = envelope < envelope.max() * 0.02
    return np.array([quiet[max(0, i - frames):i + frames + 1].all() for i in range(len(quiet))])


# A VRM has no jawOpen: its vowel expressions carry the mouth's opening.
VRM_MOUTH = ("aa", "ih", "ou", "ee", "oh")


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
        video_start = float(video.start_time * video.time_base)
        audio_start = float(audio.start_time * audio.time_base)
        # The audio's length as the container states it (what players use): without the AAC
        # encoder's padding of its last 1024-sample frame, which decoding returns.
        audio_s = float(audio.duration * audio.time_base)
    assert frames == rendered.frames
    assert frames / FPS == pytest.approx(rendered.duration_s, abs=1.0 / FPS)
    samples, rate = _decoded_audio(rendered.output)
    print(f"A/V: video {frames / FPS:.3f} s, audio {audio_s:.3f} s (decoded {len(samples) / rate:.3f} s), "
          f"starts {video_start:.3f} / {audio_start:.3f} s")
    assert abs(audio_start - video_start) <= 1.0 / FPS, "audio and video start together"
    assert abs(audio_s - frames / FPS) <= 1.0 / FPS, "audio and video end within one frame"
    assert audio_s == pytest.approx(rendered.duration_s, abs=1.0 / FPS)
    assert 0 <= len(samples) - round(audio_s * rate) < 1024, "decoding adds at most one AAC frame of padding"
    assert np.sqrt(np.mean(samples ** 2)) > 0.01, "the voice is in the file"


def _check_mouth_follows(envelope: np.ndarray, openness: np.ndarray, what: str) -> None:
    """Cross-correlation peak within +-1 frame; shut in silence; open while speaking."""
    lag = _lag(envelope, openness)
    print(f"{what}: lag {lag} frames")
    assert abs(lag) <= 1, what
    silence = _deep_silence(envelope)
    assert silence.sum() > 15 and openness[silence].max() < 0.05, f"{what}: the mouth is shut in silence"
    lead_in = np.arange(len(envelope)) < int(0.3 * FPS)
    assert openness[lead_in].max() < 0.05, f"{what}: the mouth is shut before the first word"
    speaking = envelope > envelope.max() * 0.3
    assert openness[speaking].mean() > 0.15, f"{what}: the mouth opens while the voice is loud"


def test_mouth_follows_the_audio_within_one_frame(rendered_run):
    """The jaw weight the built-in avatar was drawn with, frame by frame, against the audio
    decoded from the same MP4."""
    result, frames = rendered_run
    assert [f.index for f in frames] == list(range(result.frames))
    assert [f.time_s for f in frames] == [i / FPS for i in range(result.frames)]
    samples, rate = _decoded_audio(result.output)
    envelope = _envelope(samples, rate, len(frames))
    jaw = np.array([f.expressions.get("jawOpen", 0.0) for f in frames])
    _check_mouth_follows(envelope, jaw, "built-in avatar jawOpen")


def test_vrm_mouth_follows_the_audio_within_one_frame(script, test_data, tmp_path):
    """Godette (VRM 0.x, A/I/U/E/O morph binds): the vowel expressions handed to the avatar and
    the morph targets they were drawn with follow the audio within one frame."""
    from avatar.driving.avatar_model import avatar_from_document
    from avatar.loading import load_avatar_document

    godette = test_data / "vrm/Godette_vrm_v4.vrm"
    path = tmp_path / "godette.yaml"
    path.write_text(script.read_text(encoding="utf-8").replace("avatar: builtin", f"avatar: {godette}")
                    .replace("320x240", "160x120"), encoding="utf-8")
    frames: list[RenderedFrame] = []
    result = render_script(path, tmp_path / "godette.mp4", RenderOptions(progress=False, burn_subtitles=False),
                           on_frame=frames.append)
    samples, rate = _decoded_audio(result.output)
    envelope = _envelope(samples, rate, len(frames))
    assert "jawOpen" not in set().union(*(f.expressions for f in frames)), "only expressions the VRM has"
    vowels = np.array([sum(f.expressions.get(v, 0.0) for v in VRM_MOUTH) for f in frames])
    _check_mouth_follows(envelope, vowels, "Godette vowel expressions")
    # The morph targets the vowels bind (found through the avatar's own binding) carry them.
    binding = avatar_from_document(load_avatar_document(godette), godette).binding
    mouth = {node: np.zeros_like(base, dtype=bool) for node, base in binding.base.items()}
    for vowel in VRM_MOUTH:
        for node, weights in binding.node_weights({vowel: 1.0}).items():
            mouth[node] |= weights > binding.base[node]
    assert any(m.any() for m in mouth.values())
    drawn = np.array([sum(float(f.morph_weights[n][m].max(initial=0.0)) for n, m in mouth.items()) for f in frames])
    _check_mouth_follows(envelope, drawn, "Godette mouth morph targets")


@pytest.fixture(scope="module")
def rendered_pbr(script, tmp_path_factory) -> tuple:
    """The same script with PBR shading: MediaPipe does not find faces in flat toon shading, but
    reads the same geometry (mouth opening) from a shaded render."""
    out = tmp_path_factory.mktemp("out") / "short_pbr.mp4"
    frames: list[RenderedFrame] = []
    result = render_script(script, out, RenderOptions(progress=False, style=ShadingStyle.PBR, burn_subtitles=False),
                           on_frame=frames.append)
    return result, frames


# MediaPipe's inner-lip gap on this small cartoon face jitters by a few % of the face height from
# frame to frame even with the lips shut (measured 0.005-0.12 in silent frames, median 0.017; loud
# speech median 0.045), so silence is judged by medians, not by single frames.
SILENT_GAP_MEDIAN = 0.03
SILENT_TO_LOUD_GAP_RATIO = 0.6


def test_rendered_mouth_retracked_by_mediapipe(rendered_pbr):
    """Independent check: MediaPipe (IMAGE mode: no temporal filtering that would add lag) measures
    the mouth opening on the rendered frames. It must match the jaw the frames were drawn with
    (lag 0 +/- 1) and the audio envelope in the same file (lag 0 +/- 1), and the mouth must be
    shut in silence (by median) and clearly more open while the voice is loud."""
    from capture.trackers.face import FaceTracker, FaceTrackerOptions
    from capture.types import FACE_CHIN, FACE_FOREHEAD, FACE_MOUTH_LOWER_INNER, FACE_MOUTH_UPPER_INNER, Frame

    rendered, drawn = rendered_pbr
    with av.open(str(rendered.output)) as container:
        images = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    samples, rate = _decoded_audio(rendered.output)
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
    envelope = _envelope(samples, rate, len(gaps))
    loud, silence = envelope > np.percentile(envelope, 66), _deep_silence(envelope)
    silent_median, loud_median = float(np.nanmedian(gaps[silence])), float(np.nanmedian(gaps[loud]))
    gaps = np.nan_to_num(gaps, nan=float(np.nanmin(gaps)))
    jaw = np.array([f.expressions.get("jawOpen", 0.0) for f in drawn])
    audio_lag = _lag(envelope, gaps)
    print(f"re-tracked mouth: lag {audio_lag} frames behind the audio; median gap {silent_median:.3f} in silence, "
          f"{loud_median:.3f} loud")
    assert np.corrcoef(jaw, gaps)[0, 1] > 0.3
    assert abs(_lag(jaw, gaps)) <= 1
    assert abs(audio_lag) <= 1, "the mouth seen in the video follows the sound in the same file"
    assert silence.sum() > 15 and silent_median < SILENT_GAP_MEDIAN, "the rendered mouth is shut in silence"
    assert silent_median < SILENT_TO_LOUD_GAP_RATIO * loud_median
    silent = envelope < envelope.max() * 0.02
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
