"""`vivid script check` and `vivid script schema` exit codes and output."""
from __future__ import annotations

import json
from pathlib import Path

import cli

DEMO = Path(__file__).resolve().parents[2] / "render" / "script" / "examples" / "demo.yaml"


def _run(argv: list[str]) -> int:
    return cli.main(argv)


def test_check_ok_and_bad_scripts(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("beats:\n  - gesture: wavee\n")
    assert _run(["script", "check", str(DEMO)]) == 0
    assert _run(["script", "check", str(DEMO), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "ok: " in captured.out and "demo.yaml: 22 beats, 1280x720 @ 30 fps" in captured.out
    assert f"{bad}:2: beats[0].gesture: unknown gesture 'wavee'" in captured.err


def test_check_notes_a_recording_without_transcript(tmp_path, capsys, test_data) -> None:
    """Valid, so exit 0 and nothing on stderr; a note on stdout says that beat gets no subtitles."""
    script = tmp_path / "take.yaml"
    script.write_text(f"beats:\n  - say: Hello.\n  - say: {{audio: {test_data / 'audio/cards_001.wav'}}}\n")
    assert _run(["script", "check", str(script)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.splitlines()[1:] == [f"note: {script}:3: beats[1].say: cards_001.wav has no transcript: "
                                             "the mouth follows the audio, and this beat has no subtitles"]
    assert _run(["script", "check", "--plan", str(script)]) == 0
    assert "say        (cards_001.wav, no transcript)" in capsys.readouterr().out


def test_check_plan_prints_beat_times(capsys) -> None:
    assert _run(["script", "check", "--plan", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "say        Hi! I'm your Vivid Studio presenter." in out
    assert out.count("\n") >= 23


def test_schema_is_json(capsys) -> None:
    assert _run(["script", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["required"] == ["beats"] and "gesture" in schema["properties"]["beats"]["items"]["properties"]


def test_script_group_has_check_schema_and_render() -> None:
    args = cli.build_parser().parse_args(["script", "render", "a.yaml", "b.yaml", "-o", "out"])
    assert args.scripts == ["a.yaml", "b.yaml"] and args.func.__name__ == "cmd_script_render"


def test_render_quality_draft_trades_file_size_for_speed(tmp_path) -> None:
    """Both qualities give a playable file of the script's length; draft (x264 ultrafast, CRF 23)
    is larger than standard (veryfast, CRF 20) for the same frames."""
    import av

    script = tmp_path / "short.yaml"
    script.write_text("output: {size: 320x240, fps: 25}\navatar: builtin\nbeats:\n  - say: One two three.\n")
    sizes = {}
    for quality in ("draft", "standard"):
        out = tmp_path / f"{quality}.mp4"
        assert _run(["script", "render", str(script), "-o", str(out), "--quality", quality, "-q"]) == 0
        with av.open(str(out)) as container:
            assert container.streams.video[0].codec_context.name == "h264" and container.streams.audio
            assert sum(1 for _ in container.decode(video=0)) > 25
        sizes[quality] = out.stat().st_size
    assert sizes["draft"] > sizes["standard"]


def _readme_script() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The script format"):]
    return section[section.index("```yaml") + len("```yaml"):section.index("```", section.index("```yaml") + 7)]


def test_editors_validating_with_the_schema_accept_the_documented_scripts(capsys) -> None:
    """An editor checks the YAML as written, short forms included: the demo and the README's
    example must pass, and typos must not."""
    import jsonschema
    import yaml

    assert _run(["script", "schema"]) == 0
    validator = jsonschema.Draft202012Validator(json.loads(capsys.readouterr().out))
    for text in (DEMO.read_text(encoding="utf-8"), _readme_script()):
        data = yaml.safe_load(text)
        assert [e.message for e in validator.iter_errors(data)] == []
        # A YAML 1.2 editor reads `subtitle: off` as the word "off".
        data["beats"].append({"subtitle": "off"})
        assert not list(validator.iter_errors(data))
    for typo in ({"gesture": {"name": "wave", "speed": 2}}, {"camera": "sideways"}, {"pause": "long"},
                 {"sing": "la la"}):
        data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
        data["beats"].append(typo)
        assert list(validator.iter_errors(data)), typo
    assert list(validator.iter_errors({"output": {"size": "1280 by 720"}, "beats": [{"say": "hi"}]}))
    # A recording needs no transcript; a say beat with neither words nor a recording is wrong.
    assert not list(validator.iter_errors({"beats": [{"say": {"audio": "take1.wav"}}]}))
    assert list(validator.iter_errors({"beats": [{"say": {"voice": {"rate": 120}}}]}))


TINY = "output: {size: 64x48, fps: 10, subtitles: false, lead_in: 0, tail: 0}\nidle: false\nbeats:\n  - pause: 0.2\n"


def test_batch_render_checks_every_script_first_and_never_overwrites(tmp_path, capsys) -> None:
    for folder in ("d1", "d2"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.yaml").write_text(TINY)
    out = tmp_path / "videos"
    same = [str(tmp_path / "d1/same.yaml"), str(tmp_path / "d2/same.yaml")]
    assert _run(["script", "render", *same, "-o", str(out), "-q"]) == 2
    assert "would both write" in capsys.readouterr().err and not out.exists()
    good, typo = tmp_path / "good.yaml", tmp_path / "typo.yaml"
    good.write_text(TINY)
    typo.write_text(TINY.replace("pause: 0.2", "pause: 0.2\n  - gesture: wavee"))
    assert _run(["script", "render", str(good), str(typo), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "typo.yaml:5: beats[1].gesture: unknown gesture 'wavee'" in err and "nothing rendered" in err
    assert not (out / "good.mp4").exists()  # nothing was rendered before the typo was found
    assert _run(["script", "render", str(good), str(tmp_path / "d1/same.yaml"), "-o", str(out), "-q"]) == 0
    assert (out / "good.mp4").is_file() and (out / "same.mp4").is_file()
