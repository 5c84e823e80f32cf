"""stage_at: camera, look, expressions, gestures and subtitles as pure functions of time."""
from __future__ import annotations

from pathlib import Path

import pytest

from render.script import load_script, plan_timeline, stage_at
from render.script.model import Camera, Say
from render.script.stage import EXPRESSION_FADE_IN_S

DEMO = Path(__file__).resolve().parents[2] / "render" / "script" / "examples" / "demo.yaml"


@pytest.fixture(scope="module")
def demo():
    script = load_script(DEMO)
    return script, plan_timeline(script)


def test_start_state(demo) -> None:
    script, plan = demo
    s = stage_at(plan, script, 0.0)
    assert (s.shot_from, s.shot_to, s.move_progress, s.look) == ("medium", "medium", 1.0, "camera")
    assert s.expressions == () and s.gestures == () and s.subtitle is None and not s.speaking


def test_greeting_wave_expression_and_subtitle(demo) -> None:
    script, plan = demo
    first_say = next(tb for tb in plan.beats if isinstance(tb.beat, Say))
    t = first_say.start_s + 0.6
    s = stage_at(plan, script, t)
    assert s.speaking and s.subtitle is not None and s.subtitle in first_say.beat.text
    (gesture,) = s.gestures
    assert gesture.gesture.name == "wave" and gesture.local_s == pytest.approx(t - 0.4)
    assert 0 < gesture.progress < 1
    (expr,) = s.expressions
    assert expr[0] == "happy" and expr[1] == pytest.approx(0.8)  # intensity after the fade-in
    early = stage_at(plan, script, 0.4 + EXPRESSION_FADE_IN_S / 2).expressions[0][1]
    assert early == pytest.approx(0.4, abs=0.01)


def test_smooth_camera_move_eases(demo) -> None:
    script, plan = demo
    move = next(tb for tb in plan.beats if isinstance(tb.beat, Camera))
    at = lambda x: stage_at(plan, script, move.start_s + x * move.beat.duration_s)  # noqa: E731
    assert at(0.0).move_progress == 0.0 and at(0.5).move_progress == pytest.approx(0.5)
    assert at(0.25).move_progress < 0.25  # smoothstep eases in
    assert (at(0.5).shot_from, at(0.5).shot_to) == ("medium", "close-up")
    assert at(1.2).move_progress == 1.0


def test_look_and_subtitles_off_at_the_end(demo) -> None:
    script, plan = demo
    look_left = next(tb for tb in plan.beats if getattr(tb.beat, "at", None) == "left")
    assert stage_at(plan, script, look_left.start_s + 0.1).look == "left"
    end = stage_at(plan, script, plan.duration_s - 0.9)
    assert end.subtitle is None and not end.speaking and end.gestures and end.gestures[0].gesture.name == "wave"
    # Same time, same answer (pure function).
    assert stage_at(plan, script, 5.0) == stage_at(plan, script, 5.0)
