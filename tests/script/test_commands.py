"""`vivid script check` and `vivid script schema` exit codes and output."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from render.script import commands

DEMO = Path(__file__).resolve().parents[2] / "render" / "script" / "examples" / "demo.yaml"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="vivid")
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_check_ok_and_bad_scripts(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("beats:\n  - gesture: wavee\n")
    assert _run(["script", "check", str(DEMO)]) == 0
    assert _run(["script", "check", str(DEMO), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "ok: " in captured.out and "demo.yaml: 22 beats, 1280x720 @ 30 fps" in captured.out
    assert f"{bad}:2: beats[0].gesture: unknown gesture 'wavee'" in captured.err


def test_check_plan_prints_beat_times(capsys) -> None:
    assert _run(["script", "check", "--plan", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "say        Hi! I'm your Vivid Studio presenter." in out
    assert out.count("\n") >= 23


def test_schema_is_json(capsys) -> None:
    assert _run(["script", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["required"] == ["beats"] and "gesture" in schema["properties"]["beats"]["items"]["properties"]


def test_register_returns_the_script_actions_for_render() -> None:
    parser = argparse.ArgumentParser(prog="vivid")
    actions = commands.register(parser.add_subparsers(dest="command", required=True))
    render = actions.add_parser("render")
    render.add_argument("scripts", nargs="+")
    args = parser.parse_args(["script", "render", "a.yaml"])
    assert args.script_command == "render" and args.scripts == ["a.yaml"]
