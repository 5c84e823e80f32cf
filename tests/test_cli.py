"""The `vivid` command imports only what the chosen command needs."""
from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = """
import sys, cli
try:
    cli.main({argv!r})
except SystemExit:
    pass
print(sorted(m for m in ("mediapipe", "scipy", "PyQt6", "moderngl") if m in sys.modules))
"""


def _heavy_modules_after(argv: list[str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], cwd=REPO_ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def test_help_imports_no_engine():
    assert _heavy_modules_after(["--help"]) == []


def test_say_does_not_load_mediapipe_or_qt():
    heavy = _heavy_modules_after(["say", "--help"])
    assert "mediapipe" not in heavy and "PyQt6" not in heavy


def test_every_command_is_listed_and_parses():
    import cli

    parser = cli.build_parser()  # the full parser: every module imported, no conflicts
    for argv in (["demo"], ["studio", "--mode", "ar"], ["track", "x.mp4"], ["models", "list"], ["say", "hi", "-o", "a.wav"],
                 ["avatar", "drive", "builtin", "--input", "x.mp4", "-o", "y.mp4"], ["effect", "check", "p"],
                 ["photo", "animate", "p.jpg", "-o", "a.mp4"], ["script", "render", "a.yaml"], ["bench"]):
        assert parser.parse_args(argv).func is not None


def test_each_command_has_its_own_help_line():
    import cli

    help_text = cli.build_parser(["--help"]).format_help()
    assert "track a video, photo(s) or webcam into a mocap clip" in help_text
    assert "list, download and verify the MediaPipe models" in help_text
    assert help_text.count("mocap clip") == 1


def test_an_unwritable_output_is_an_error_not_a_traceback(tmp_path, capsys):
    import cli

    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code = cli.main(["say", "hello", "-o", str(blocker / "hello.wav")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("vivid: error:") and "a_file" in err and "Traceback" not in err
