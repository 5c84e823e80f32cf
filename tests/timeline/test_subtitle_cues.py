"""Subtitle cues from real espeak-ng speech: no empty cues, every word exactly once and in order,
cue times from the spoken words, no unreadably short cues; burned subtitles leave out characters
the font cannot draw. Renders short real videos and reads the frames and the .srt back."""
from __future__ import annotations

import re

import av
import numpy as np
import pytest

from render.script import load_script, plan_timeline, to_srt
from render.script.timeline import Cue
from render.timeline.render_script import RenderOptions, render_script
from render.timeline.subtitles import SubtitleBurner

LONG = ("The background video is shorter than the speech, and we want to see whether it loops before the "
        "end of the speech, and whether the picture freezes on the last frame or goes black.")
TRICKY = [
    ("Version 2.5 is out, e.g. now!", "en"),
    ("Emoji test 🎉 works? Café naïve.", "en"),
    ("Test 🎉 works? Yes.", "en"),
    ("Dr. Smith arrived at 10:30 am. He was late, i.e. very late.", "en"),
    ("It costs $3,000 (approx. 2,700 euros) — or 45% more than in 1999!", "en"),
    ("Hello [pause 0.3] world, the the end.", "en"),
    (LONG, "en"),
    ("こんにちは、世界。", "ja"),
    ("你好，世界。今天天气很好，我们去公园散步吧，然后一起吃午饭怎么样。", "cmn"),
    ("Ça va très bien, merci! Et toi?", "fr"),
]
# Shortest time a cue must stay up before the next one replaces it to be readable (seconds).
READABLE_S = 0.5


def _plan(tmp_path, text: str, language: str = "en"):
    path = tmp_path / "s.yaml"
    text = text.replace('"', '\\"')
    path.write_text(f'beats:\n  - say:\n      text: "{text}"\n      voice: {{language: {language}}}\n',
                    encoding="utf-8")
    return plan_timeline(load_script(path))


def _words(text: str) -> list[str]:
    """The text's words (pause markup removed); CJK text as its characters without spaces."""
    text = re.sub(r"\[pause [^\]]*\]", " ", text)
    return text.split()


@pytest.mark.parametrize("text,language", TRICKY, ids=[t[0][:24] for t in TRICKY])
def test_every_word_appears_exactly_once_in_order_and_no_cue_is_empty(tmp_path, text, language) -> None:
    plan = _plan(tmp_path, text, language)
    texts = [c.text for c in plan.cues]
    assert texts and all(t.strip() for t in texts), texts
    assert all(t == t.strip() for t in texts)
    if language in ("ja", "cmn"):
        assert "".join(texts) == "".join(_words(text))
    else:
        assert " ".join(texts).split() == _words(text)
    for c in plan.cues:
        assert c.end_s > c.start_s
    for a, b in zip(plan.cues, plan.cues[1:]):
        assert b.start_s >= a.end_s - 1e-9
    srt_blocks = to_srt(plan.cues).strip().split("\n\n")
    assert all(len(block.splitlines()) == 3 and block.splitlines()[2].strip() for block in srt_blocks)


def test_long_sentence_keeps_every_the_and_breaks_at_commas(tmp_path) -> None:
    texts = [c.text for c in _plan(tmp_path, LONG).cues]
    assert " ".join(texts) == LONG
    assert " ".join(texts).count(" the ") == LONG.count(" the ")
    assert texts[0].endswith("speech,")
    assert all(len(t) <= 42 + 8 for t in texts)


def _spoken(plan, word: str):
    """(start, end) in timeline seconds of the espeak word event spelled ``word``."""
    tb = plan.speech_segments()[0]
    hits = [w for w in tb.speech.words if w.text.lower() == word.lower()]
    assert hits, [w.text for w in tb.speech.words]
    return tb.start_s + hits[-1].start_s, tb.start_s + hits[-1].end_s


@pytest.mark.parametrize("text,word", [
    ("Test 🎉 works? Yes.", "Yes"),
    ("Version 2.5 is out, e.g. now! Then we go home.", "home"),
    ("Emoji test 🎉 works? Café naïve.", "naïve"),
    ("Dr. Smith arrived at 10:30 am. He was late.", "late"),
])
def test_cues_are_shown_while_their_words_are_spoken(tmp_path, text, word) -> None:
    """Extra spoken words (emoji names, "two point five") do not push text ahead of its speech."""
    plan = _plan(tmp_path, text)
    start, end = _spoken(plan, word)
    owner = [c for c in plan.cues if word in c.text]
    assert len(owner) == 1
    assert owner[0].start_s <= start + 1e-6 and owner[0].end_s >= end - 0.05
    # ... and every cue starts when its first word is spoken.
    tb = plan.speech_segments()[0]
    starts = {round(tb.start_s + w.start_s, 6) for w in tb.speech.words}
    assert all(round(c.start_s, 6) in starts for c in plan.cues)


def test_abbreviations_do_not_make_tiny_cues(tmp_path) -> None:
    plan = _plan(tmp_path, "Dr. Smith arrived early. Mr. Jones and Prof. Lee came later, e.g. at noon.")
    texts = [c.text for c in plan.cues]
    assert texts[0].startswith("Dr. Smith")
    assert not any(t in ("Dr.", "Mr.", "Prof.", "e.g.") for t in texts)
    cues = plan.cues
    for a, b in zip(cues, cues[1:]):
        assert b.start_s - a.start_s >= READABLE_S, (a, b)


def test_srt_from_check_plan_has_no_blank_entries(tmp_path) -> None:
    plan = _plan(tmp_path, "こんにちは、世界。", "ja")
    srt = to_srt(plan.cues)
    assert "こんにちは、世界。" in srt
    assert "\n\n\n" not in srt and not re.search(r"-->[^\n]*\n\n", srt)


# --- burned subtitles ------------------------------------------------------------------------


def test_burner_draws_nothing_for_an_empty_or_whitespace_cue() -> None:
    burner = SubtitleBurner([Cue(0.0, 1.0, ""), Cue(1.0, 2.0, "   "), Cue(2.0, 3.0, "Hi")], 160, 120)
    frame = np.full((120, 160, 3), 128, np.uint8)
    np.testing.assert_array_equal(burner.burn(frame.copy(), 0.5), frame)
    np.testing.assert_array_equal(burner.burn(frame.copy(), 1.5), frame)
    assert not np.array_equal(burner.burn(frame.copy(), 2.5), frame)


def test_burner_leaves_out_characters_the_font_cannot_draw() -> None:
    burner = SubtitleBurner([Cue(0.0, 1.0, "Party time 🎉 now"), Cue(1.0, 2.0, "Party time now"),
                             Cue(2.0, 3.0, "🎉")], 320, 240)
    assert not burner.can_draw("🎉") and burner.can_draw("a") and burner.can_draw("é")
    assert burner.drawable_text("Party time 🎉 now") == "Party time now"
    frame = np.full((240, 320, 3), 128, np.uint8)
    np.testing.assert_array_equal(burner.burn(frame.copy(), 0.5), burner.burn(frame.copy(), 1.5))
    np.testing.assert_array_equal(burner.burn(frame.copy(), 2.5), frame)


def _frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


SCRIPT = """version: 1
output: {size: 320x240, fps: 10, subtitles: true, lead_in: 0.2, tail: 0.2}
background: {color: "#808080"}
idle: false
beats:
  - say: "Version 2.5 is out, e.g. now!"
  - say: "Party time 🎉 now"
  - say: {text: "こんにちは、世界。", voice: {language: ja}}
"""


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cues")
    script = folder / "tricky.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    loaded = load_script(script)
    timeline = plan_timeline(loaded)
    burned = render_script(loaded, folder / "burned.mp4", RenderOptions(srt=True, progress=False), timeline)
    clean = render_script(loaded, folder / "clean.mp4", RenderOptions(progress=False, burn_subtitles=False),
                          timeline)
    return timeline, burned, clean


def test_tricky_text_renders_with_subtitles_and_srt(renders) -> None:
    timeline, burned, _ = renders
    assert burned.output.exists() and burned.frames == len(_frames(burned.output))
    srt = burned.srt.read_text(encoding="utf-8")
    blocks = srt.strip().split("\n\n")
    assert len(blocks) == len(timeline.cues)
    assert all(block.splitlines()[2].strip() for block in blocks)
    assert "Version 2.5 is out, e.g. now!" in srt
    assert "Party time 🎉 now" in srt, "the .srt keeps the emoji"
    assert "こんにちは、世界。" in srt


def _subtitle_box(burned: np.ndarray, clean: np.ndarray) -> tuple[int, int] | None:
    """Left and right column of the burned subtitle (where the frames differ clearly)."""
    diff = np.abs(burned.astype(np.int16) - clean.astype(np.int16)).max(axis=2)
    bottom = diff[int(diff.shape[0] * 0.6):]
    cols = np.flatnonzero((bottom > 40).sum(axis=0) >= 3)
    return (int(cols[0]), int(cols[-1])) if len(cols) else None


def test_emoji_is_left_out_of_the_burned_frame(renders) -> None:
    timeline, burned, clean = renders
    cue = next(c for c in timeline.cues if "🎉" in c.text)
    index = int(round((cue.start_s + cue.end_s) / 2 * 10))
    burned_frame, clean_frame = _frames(burned.output)[index], _frames(clean.output)[index]
    box = _subtitle_box(burned_frame, clean_frame)
    assert box is not None, "the subtitle is drawn"
    # The box is as wide as the text without the emoji, not as wide as with a tofu box in it.
    burner = SubtitleBurner([Cue(0, 1, "Party time now")], 320, 240)
    frame = np.ascontiguousarray(clean_frame)
    without = _subtitle_box(burner.burn(frame.copy(), 0.5), frame)
    width = box[1] - box[0]
    assert abs(width - (without[1] - without[0])) <= 3
    tofu_extra = burner.font.getlength("Party time 🎉 now") - burner.font.getlength("Party time now")
    assert tofu_extra > 6, "drawing the emoji as a box would make the subtitle clearly wider"
