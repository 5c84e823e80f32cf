"""The timing plan: TTS durations, concurrency rules, determinism, subtitles and SRT."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from avatar.gestures import GESTURES

from render.script import load_script, plan_timeline, to_srt
from render.script.model import Camera, Expression, Gesture, Look, Pause, Say, Subtitle
from tts_bridge.espeak import EspeakBackend
from tts_bridge.types import VoiceOptions

DEMO = Path(__file__).resolve().parents[2] / "render" / "script" / "examples" / "demo.yaml"


@pytest.fixture(scope="module")
def demo_plan():
    script = load_script(DEMO)
    return script, plan_timeline(script, EspeakBackend())


def test_demo_is_20_to_30_seconds_and_speech_is_sequential(demo_plan) -> None:
    script, plan = demo_plan
    assert 20.0 <= plan.duration_s <= 30.0
    says = [tb for tb in plan.beats if isinstance(tb.beat, Say)]
    assert says[0].start_s == pytest.approx(script.output.lead_in_s)
    for a, b in zip(says, says[1:]):
        assert b.start_s >= a.end_s - 1e-9
    for tb in says:
        assert tb.end_s - tb.start_s == pytest.approx(tb.speech.duration_s)
    mandarin = [tb for tb in says if tb.beat.voice.language == "cmn"]
    assert mandarin and mandarin[0].speech.language == "cmn"
    last_end = max(tb.end_s for tb in plan.beats)
    assert plan.duration_s == pytest.approx(last_end + script.output.tail_s)


def test_concurrent_and_waiting_beats(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("""
output: {lead_in: 0.5, tail: 1.0}
beats:
  - gesture: wave
  - expression: {name: happy, duration: 3}
  - say: Hello there.
  - pause: 0.25
  - camera: {shot: close-up, move: smooth, duration: 1.0, wait: true}
  - look: left
  - gesture: {name: nod, wait: true}
  - subtitle: off
  - say: Bye.
""")
    script = load_script(path)
    plan = plan_timeline(script)
    by_type = {type(tb.beat): tb for tb in plan.beats}
    hello = plan.beats[2]
    assert plan.beats[0].start_s == plan.beats[1].start_s == hello.start_s == 0.5
    assert plan.beats[0].end_s == pytest.approx(0.5 + GESTURES["wave"].duration_s)  # the built-in clip's length
    pause = by_type[Pause]
    assert pause.start_s == pytest.approx(hello.end_s) and pause.end_s == pytest.approx(hello.end_s + 0.25)
    cam = by_type[Camera]
    assert cam.start_s == pytest.approx(pause.end_s) and cam.end_s == pytest.approx(cam.start_s + 1.0)
    look = by_type[Look]
    assert look.start_s == look.end_s == pytest.approx(cam.end_s)  # the clock waited for the move
    nod = plan.beats[6]
    bye = plan.beats[8]
    assert bye.start_s == pytest.approx(nod.end_s)  # wait: true
    assert plan.duration_s == pytest.approx(max(bye.end_s, plan.beats[1].end_s) + 1.0)
    # Subtitles were switched off before "Bye."
    assert [c.text for c in plan.cues] == ["Hello there."]
    assert by_type[Subtitle].start_s == pytest.approx(nod.end_s)
    assert isinstance(plan.beats[1].beat, Expression) and isinstance(plan.beats[0].beat, Gesture)


def test_plan_is_deterministic(tmp_path) -> None:
    script = load_script(DEMO)
    a = plan_timeline(script)
    b = plan_timeline(script)
    assert [(t.start_s, t.end_s) for t in a.beats] == [(t.start_s, t.end_s) for t in b.beats]
    for x, y in zip(a.speech_segments(), b.speech_segments()):
        assert np.array_equal(x.speech.audio, y.speech.audio)
    assert a.cues == b.cues


def test_subtitle_cues_follow_the_words(demo_plan) -> None:
    script, plan = demo_plan
    assert plan.cues
    for c in plan.cues:
        assert len(c.text) <= 42 + 8 and c.end_s > c.start_s
    for a, b in zip(plan.cues, plan.cues[1:]):
        assert b.start_s >= a.end_s - 1e-9
    # Each cue lies inside the say beat whose text it shows, and starts at its first word.
    says = [tb for tb in plan.beats if isinstance(tb.beat, Say)]
    for c in plan.cues:
        owner = [tb for tb in says if tb.start_s - 1e-6 <= c.start_s < tb.end_s]
        assert len(owner) == 1
        assert c.text.split()[0].strip(",.!?") in owner[0].beat.text
        first_words = [w for w in owner[0].speech.words if abs(owner[0].start_s + w.start_s - c.start_s) < 1e-6]
        assert first_words
    assert any(c.text == "你好，欢迎使用。" for c in plan.cues)
    # Subtitles are off for the closing wave: no cue after "Thanks for watching!".
    assert plan.cues[-1].text == "Thanks for watching!"


def test_srt_format(demo_plan) -> None:
    _, plan = demo_plan
    srt = to_srt(plan.cues[:2])
    lines = srt.splitlines()
    assert lines[0] == "1"
    assert lines[1].count(" --> ") == 1 and lines[1][:3] == "00:" and "," in lines[1]
    assert lines[2] == plan.cues[0].text and lines[3] == "" and lines[4] == "2"


def test_recorded_audio_beat_uses_the_file(tmp_path, test_data) -> None:
    wav = test_data / "audio/cards_001.wav"
    path = tmp_path / "r.yaml"
    path.write_text(f"beats:\n  - say: {{text: ten of clubs, audio: {wav}}}\n")
    plan = plan_timeline(load_script(path))
    tb = plan.beats[0]
    assert tb.end_s - tb.start_s == pytest.approx(1.1, abs=0.05)
    assert [w.text for w in tb.speech.words] == ["ten", "of", "clubs"]
    assert plan.cues[0].text == "ten of clubs"


def test_backend_passed_in_is_used(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("voice: {rate: 300}\nbeats:\n  - say: The quick brown fox jumps over the lazy dog.\n")
    fast = plan_timeline(load_script(path), EspeakBackend())
    slow_speech = EspeakBackend().synthesize("The quick brown fox jumps over the lazy dog.", VoiceOptions(rate_wpm=120))
    assert fast.beats[0].speech.duration_s < 0.7 * slow_speech.duration_s


def test_soundtrack_places_speech_at_beat_times(demo_plan) -> None:
    _, plan = demo_plan
    audio = plan.audio(48000)
    assert audio.dtype == np.float32 and len(audio) == round(plan.duration_s * 48000)
    for tb in plan.speech_segments():
        a, b = int(tb.start_s * 48000), int(tb.end_s * 48000)
        assert np.sqrt(np.mean(audio[a:b] ** 2)) > 0.01
    lead = audio[: int(0.35 * 48000)]
    assert np.all(lead == 0.0)


def test_lip_sync_follows_the_soundtrack_within_one_frame(demo_plan) -> None:
    """Cross-correlate mouth openness with the audio envelope at 30 fps: the peak lag is within
    +-1 frame, and the mouth is closed where the soundtrack is silent."""
    _, plan = demo_plan
    fps, rate = 30, 48000
    audio = plan.audio(rate)
    track = plan.viseme_track()
    times = track.frame_times(fps)
    half = rate // (2 * fps)
    env = np.array([np.sqrt(np.mean(audio[max(0, int(t * rate) - half):int(t * rate) + half] ** 2) + 1e-12)
                    for t in times])
    env_db = 20 * np.log10(env + 1e-6)
    openness = track.openness(times)
    x = (env_db - env_db.mean()) / env_db.std()
    y = (openness - openness.mean()) / openness.std()
    lags = range(-6, 7)
    corr = [np.mean(x[max(0, -k):len(x) - max(0, k)] * y[max(0, k):len(y) - max(0, -k)]) for k in lags]
    best = list(lags)[int(np.argmax(corr))]
    print(f"lip-sync lag {best} frames, peak correlation {max(corr):.2f}")
    assert abs(best) <= 1 and max(corr) > 0.5
    # Silence: no sound within +-100 ms (3 frames), beyond the 60 ms anticipation / 80 ms release.
    quiet = env_db < -80
    silent = np.array([quiet[max(0, i - 3):i + 4].all() for i in range(len(quiet))])
    assert silent.sum() > 10 and openness[silent].max() < 0.05


def test_recorded_speech_without_phonemes_uses_the_analyser_in_the_track(tmp_path, test_data) -> None:
    """A take with no transcript (`say: {audio: ...}`) is timed by its own length, lip-synced by
    the audio analyser inside the whole-video track, and shows no subtitles."""
    wav = test_data / "audio/cards_002.wav"
    path = tmp_path / "r.yaml"
    path.write_text(f"output: {{lead_in: 0.5, tail: 0.5}}\nbeats:\n  - say: {{audio: {wav}}}\n  - pause: 0.6\n"
                    "  - say: Ten of clubs.\n")
    plan = plan_timeline(load_script(path))
    take, pause, spoken = plan.beats
    assert take.speech.phonemes == () and take.speech.words == ()  # the analyser path, not an alignment
    assert (take.start_s, take.end_s) == pytest.approx((0.5, 0.5 + 1.96), abs=0.01)
    assert [c.text for c in plan.cues] == ["Ten of clubs."] and plan.cues[0].start_s >= spoken.start_s
    fps, rate = 30, 48000
    times = np.arange(0.0, plan.duration_s, 1 / fps)
    openness = plan.viseme_track().openness(times)
    audio = plan.audio(rate)
    half = rate // (2 * fps)
    level_db = np.array([20 * np.log10(np.sqrt(np.mean(audio[max(0, int(t * rate) - half):int(t * rate) + half] ** 2))
                                       + 1e-9) for t in times])
    in_take = (times >= take.start_s) & (times < take.end_s)
    assert openness[times < take.start_s - 0.05].max() < 0.01, "closed in the lead-in"
    assert openness[(times > pause.start_s + 0.1) & (times < pause.end_s - 0.1)].max() < 0.01, "closed in the pause"
    loud, quiet = in_take & (level_db > -25), in_take & (level_db < -40)
    assert loud.sum() > 10 and quiet.sum() > 5
    assert (openness[loud] > 0.25).mean() > 0.8, "open while the recording is loud"
    assert np.median(openness[quiet]) < 0.1, "closed in the recording's own pauses"
    assert np.corrcoef(openness[in_take], level_db[in_take])[0, 1] > 0.4


def test_tts_failures_name_the_beat_line(tmp_path) -> None:
    from render.script import ScriptError

    path = tmp_path / "s.yaml"
    path.write_text("beats:\n  - say: fine\n  - say:\n      text: hello\n      voice: {voice: no-such-voice}\n")
    with pytest.raises(ScriptError, match=r"s.yaml:3: beats\[1\].say: espeak-ng has no voice 'no-such-voice'"):
        plan_timeline(load_script(path))


def test_cue_breaks_prefer_sentences_and_commas(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("beats:\n  - say: \"Short one. This sentence is rather long, so it should break after the comma "
                    "and not leave an orphan word.\"\n")
    plan = plan_timeline(load_script(path))
    texts = [c.text for c in plan.cues]
    assert texts[0] == "Short one."
    assert texts[1] == "This sentence is rather long,"
    assert all(len(t.split()) > 1 for t in texts)
    assert " ".join(texts) == ("Short one. This sentence is rather long, so it should break after the comma and "
                               "not leave an orphan word.")


def test_chinese_cues_break_at_sentences_and_commas(tmp_path) -> None:
    path = tmp_path / "zh.yaml"
    path.write_text("beats:\n  - say:\n      text: 你好，世界。今天天气很好，我们去公园散步吧，然后一起吃午饭怎么样。\n"
                    "      voice: {language: cmn}\n")
    plan = plan_timeline(load_script(path))
    texts = [c.text for c in plan.cues]
    assert texts[0] == "你好，世界。"
    assert all(len(t) <= 20 for t in texts)
    assert "".join(texts) == "你好，世界。今天天气很好，我们去公园散步吧，然后一起吃午饭怎么样。"
