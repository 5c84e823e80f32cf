"""Script format: the example, shorthand, every kind of bad input with its line and field."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assets.errors import AssetError
from render.script import ScriptError, load_script, parse_script
from render.script.model import BackgroundKind, Camera, Expression, Gesture, GestureKind, Look, Pause, Say, Subtitle
from render.script.schema import BUILTIN_GESTURES

DEMO = Path(__file__).resolve().parents[2] / "render" / "script" / "examples" / "demo.yaml"
LANGS = ("en", "en-us", "de", "fr", "cmn")  # a fixed language list keeps these tests independent of espeak


def write(tmp_path: Path, text: str, name: str = "script.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ScriptError) as info:
        load_script(write(tmp_path, text), languages=LANGS)
    return [str(i) for i in info.value.issues]


def test_demo_script_is_valid_and_complete() -> None:
    script = load_script(DEMO)
    kinds = {type(b) for b in script.beats}
    assert {Say, Pause, Expression, Gesture, Look, Camera, Subtitle} <= kinds
    assert any(isinstance(b, Camera) and b.move == "smooth" for b in script.beats)
    assert any(isinstance(b, Gesture) and b.name == "wave" for b in script.beats)
    assert (script.output.width, script.output.height, script.output.fps) == (1280, 720, 30.0)
    assert script.avatar.builtin and script.background.kind == BackgroundKind.COLOR
    # Beats remember their YAML line.
    text = DEMO.read_text().splitlines()
    for beat in script.beats:
        assert text[beat.line - 1].lstrip().startswith("- ")


def test_shorthand_and_long_forms_resolve_the_same(tmp_path) -> None:
    short = load_script(write(tmp_path, """
beats:
  - say: Hello there
  - pause: 0.5
  - expression: happy
  - gesture: nod
  - look: left
  - camera: close-up
  - subtitle: off
""", "a.yaml"), languages=LANGS)
    long = load_script(write(tmp_path, """
beats:
  - say: {text: Hello there}
  - pause: {duration: 0.5}
  - expression: {name: happy}
  - gesture: {name: nod}
  - look: {at: left}
  - camera: {shot: close-up, move: cut}
  - subtitle: {on: false}
""", "b.yaml"), languages=LANGS)
    strip = lambda s: [(type(b), {k: v for k, v in vars(b).items() if k != "line"}) for b in s.beats]  # noqa: E731
    assert strip(short) == strip(long)
    g = short.beats[3]
    assert g.kind == GestureKind.BUILTIN and g.duration_s == BUILTIN_GESTURES["nod"]


def test_voice_overrides_merge_with_script_voice(tmp_path) -> None:
    script = load_script(write(tmp_path, """
voice: {language: en-us, rate: 160, pitch: 40}
beats:
  - say: One
  - say: {text: Zwei, voice: {language: de, rate: 200}}
"""), languages=LANGS)
    a, b = script.beats
    assert (a.voice.language, a.voice.rate_wpm, a.voice.pitch) == ("en-us", 160, 40)
    assert (b.voice.language, b.voice.rate_wpm, b.voice.pitch) == ("de", 200, 40)


def test_files_resolve_relative_to_the_script_folder(tmp_path, test_data) -> None:
    robot = test_data / "gltf/RobotExpressive/RobotExpressive.glb"
    video = test_data / "video/talking_head_man_d12.mp4"
    wav = test_data / "audio/vosk_test.wav"
    sub = tmp_path / "project"
    sub.mkdir()
    Image.new("RGB", (512, 256), (10, 20, 30)).save(sub / "pano.jpg")
    t = np.arange(0, 1.5, 1 / 30)
    with zipfile.ZipFile(sub / "hello.vmcap", "w") as z:
        z.writestr("header.json", json.dumps({"format": "vivid-mocap", "version": 1, "frames": len(t)}))
        buf = io.BytesIO()
        np.save(buf, t)
        z.writestr("t.npy", buf.getvalue())
    script = load_script(write(sub, f"""
avatar: {robot}
background: {{panorama: pano.jpg}}
beats:
  - gesture: anim:Wave
  - gesture: hello.vmcap
  - say: {{text: one zero zero zero one, audio: {wav}}}
"""), languages=LANGS)
    assert script.avatar.path == robot.resolve() and "Wave" in script.avatar.animations
    assert script.background.kind == BackgroundKind.PANORAMA and script.background.path == (sub / "pano.jpg").resolve()
    anim, clip, say = script.beats
    assert anim.kind == GestureKind.ANIMATION and anim.duration_s == pytest.approx(1.8333, abs=1e-3)
    assert clip.kind == GestureKind.CLIP and clip.duration_s == pytest.approx(t[-1]) and clip.path.parent == sub.resolve()
    assert say.audio == wav.resolve()
    v = load_script(write(sub, f"background: {{video: {video}}}\nbeats: [say: hi]\n", "v.yaml"), languages=LANGS)
    assert v.background.kind == BackgroundKind.VIDEO


def test_unknown_gesture_names_line_field_and_choices(tmp_path) -> None:
    errs = errors_of(tmp_path, """beats:
  - say: Hello
  - pause: 0.2
  - look: camera
  - gesture: wavee
""")
    assert len(errs) == 1
    assert errs[0].endswith("script.yaml:5: beats[3].gesture: unknown gesture 'wavee'; choose one of wave, nod, "
                            "shake, point, open_palms, shrug, bow, thumbs_up, think (or a .vmcap clip path, or "
                            "anim:<glTF animation name>)")


def test_unknown_field_and_wrong_type(tmp_path) -> None:
    errs = errors_of(tmp_path, """output:
  size: [1280, 720]
  fsp: 30
beats:
  - say: {text: 12}
  - pause: soon
  - dance: true
""")
    assert any(e.endswith(":3: output.fsp: unknown field 'fsp'; valid fields here: size, fps, subtitles, lead_in, tail")
               for e in errs)
    assert any(":5: beats[0].say.text: must be a string, got int 12" in e for e in errs)
    assert any(":6: beats[1].pause: must be a number, got str 'soon'" in e for e in errs)
    assert any(":7: beats[2].dance: unknown beat 'dance'; a beat is one of: say, pause" in e for e in errs)


def test_unknown_top_level_field_and_two_actions_in_one_beat(tmp_path) -> None:
    errs = errors_of(tmp_path, "beats:\n  - {say: hi, pause: 1}\nmusic: song.mp3\n")
    assert any(":2: beats[0]: a beat needs exactly one action" in e for e in errs)
    assert any(":3: music: unknown field 'music'" in e for e in errs)


def test_empty_text_and_bad_pause(tmp_path) -> None:
    errs = errors_of(tmp_path, 'beats:\n  - say: ""\n  - say: "[pause 0.5]"\n  - say: "hi [pause later]"\n')
    assert any(":2: beats[0].say: empty text" in e for e in errs)
    assert any(":3: beats[1].say: empty text" in e for e in errs)
    assert any(":4: beats[2].say: cannot read the pause markup '[pause later]'" in e for e in errs)


def test_a_recording_needs_no_transcript(tmp_path, test_data) -> None:
    """`say: {audio: take.wav}` (or `text: ""`) plays the take untranscribed; without audio the
    words are required."""
    wav = test_data / "audio/cards_001.wav"
    script = load_script(write(tmp_path, f"beats:\n  - say: {{audio: {wav}}}\n  - say: {{text: '', audio: {wav}}}\n"
                                         f"  - say: {{text: ten of clubs, audio: {wav}}}\n"), languages=LANGS)
    bare, empty, transcribed = script.beats
    assert (bare.text, bare.audio, bare.untranscribed) == ("", wav.resolve(), True)
    assert (empty.text, empty.untranscribed) == ("", True)
    assert (transcribed.text, transcribed.untranscribed) == ("ten of clubs", False)
    errs = errors_of(tmp_path, "beats:\n  - say: hi\n  - say: {voice: {rate: 120}}\n")
    assert errs == [f"{tmp_path / 'script.yaml'}:3: beats[1].say: missing field 'text': give the words to say, "
                    "or audio: a recording to play"]
    assert any(":2: beats[0].say.text: empty text" in e for e in errors_of(tmp_path, "beats:\n  - say: {text: ''}\n"))


def test_unsupported_language_lists_valid_ones(tmp_path) -> None:
    errs = errors_of(tmp_path, "voice:\n  language: tlh\nbeats:\n  - say: Qapla\n")
    assert errs == [f"{tmp_path / 'script.yaml'}:2: voice.language: unsupported language 'tlh'; valid: "
                    "en, en-us, de, fr, cmn"]


def test_unsupported_language_against_espeak(tmp_path) -> None:
    with pytest.raises(ScriptError, match=r":4: beats\[0\].say.voice.language: unsupported language 'xx'; valid: .*\bcmn\b"):
        load_script(write(tmp_path, "beats:\n  - say:\n      text: hi\n      voice: {language: xx}\n"))


def test_missing_files_are_reported_with_their_folder(tmp_path) -> None:
    errs = errors_of(tmp_path, """avatar: people/anna.vrm
background:
  image: backgrounds/office.png
beats:
  - gesture: clips/intro.vmcap
  - say: {text: hi, audio: takes/one.wav}
""")
    assert any(f":1: avatar: avatar file not found: people/anna.vrm (looked in {tmp_path})" in e for e in errs)
    assert any(":3: background.image: background image file not found: backgrounds/office.png" in e for e in errs)
    assert any(":5: beats[0].gesture: mocap clip file not found: clips/intro.vmcap" in e for e in errs)
    assert any(":6: beats[1].say.audio: recorded audio file not found: takes/one.wav" in e for e in errs)


def test_avatar_animation_must_exist(tmp_path, test_data) -> None:
    robot = test_data / "gltf/RobotExpressive/RobotExpressive.glb"
    errs = errors_of(tmp_path, f"avatar: {robot}\nbeats:\n  - gesture: anim:Moonwalk\n")
    assert any(":3: beats[0].gesture: the avatar RobotExpressive.glb has no animation 'Moonwalk'; it has: Dance, "
               in e for e in errs)
    errs = errors_of(tmp_path, "beats:\n  - gesture: anim:Wave\n")
    assert any("the built-in avatar has no glTF animations" in e for e in errs)


def test_panorama_must_be_two_to_one_and_size_even(tmp_path) -> None:
    Image.new("RGB", (300, 300)).save(tmp_path / "square.png")
    errs = errors_of(tmp_path, "output: {size: 1279x720}\nbackground: {panorama: square.png}\nbeats: [say: hi]\n")
    assert any(":1: output.size: width 1279 must be even" in e for e in errs)
    assert any(":2: background.panorama: square.png is 300x300; a 360 panorama must be equirectangular" in e
               for e in errs)


def test_bad_enums_ranges_and_colour(tmp_path) -> None:
    errs = errors_of(tmp_path, """background: {color: teal}
camera: {shot: extreme}
beats:
  - expression: {name: joyful, intensity: 1.5}
  - look: up
  - camera: {shot: close-up, move: zoom}
""")
    assert any(":1: background.color: 'teal' is not a colour like '#1a2b3c'" in e for e in errs)
    assert any(":2: camera.shot: unknown camera shot 'extreme'; choose one of wide, medium, close-up" in e for e in errs)
    assert any("beats[0].expression.name: unknown expression 'joyful'; choose one of happy" in e for e in errs)
    assert any("beats[0].expression.intensity: 1.5 is out of range: must be <= 1" in e for e in errs)
    assert any(":5: beats[1].look: unknown look target 'up'; choose one of camera, left, right" in e for e in errs)
    assert any(":6: beats[2].camera.move: unknown camera move 'zoom'; choose one of cut, smooth" in e for e in errs)


def test_yaml_syntax_error_and_duplicates_have_lines(tmp_path) -> None:
    with pytest.raises(ScriptError, match=r"script.yaml:3: .*YAML syntax error"):
        load_script(write(tmp_path, "beats:\n  - say: hi\n  - say: [unclosed\n"), languages=LANGS)
    with pytest.raises(ScriptError, match=r":3: voice.rate: duplicate field 'rate' \(first on line 2\)"):
        load_script(write(tmp_path, "voice:\n  rate: 150\n  rate: 160\nbeats: [say: hi]\n"), languages=LANGS)
    with pytest.raises(ScriptError, match="missing field 'beats'"):
        load_script(write(tmp_path, "title: nothing\n"), languages=LANGS)


def test_errors_are_asset_errors_and_missing_script(tmp_path) -> None:
    with pytest.raises(AssetError, match="script file not found"):
        load_script(tmp_path / "nope.yaml")
    with pytest.raises(ScriptError, match="the script must be a mapping"):
        parse_script("- just\n- a list\n", tmp_path / "x.yaml", LANGS)


def test_sizes_types_and_empty_beats(tmp_path) -> None:
    script = load_script(write(tmp_path, "output: {size: [640, 360.0], fps: 25}\nbeats: [say: hi]\n", "ok.yaml"),
                         languages=LANGS)
    assert (script.output.width, script.output.height) == (640, 360) and isinstance(script.output.height, int)
    assert any(":1: beats: must be an array, got NoneType None" in e for e in errors_of(tmp_path, "beats:\n"))
    assert any("beats: the script needs at least one beat" in e for e in errors_of(tmp_path, "beats: []\n"))
    assert any("output.size: size must be [width, height]" in e
               for e in errors_of(tmp_path, "output: {size: [1280]}\nbeats: [say: hi]\n"))


def test_unreadable_files_fail_the_check_not_the_render(tmp_path, test_data) -> None:
    """Everything `render` would trip over is reported by `check`: a text file named .mp4, a
    truncated video, a fake .wav, a Piper voice without its config, a truncated VRM."""
    (tmp_path / "fake.mp4").write_text("not a video")
    (tmp_path / "fake.wav").write_text("not audio")
    (tmp_path / "voice.onnx").write_bytes(b"\x08\x01")
    vrm = (test_data / "vrm/Godette_vrm_v4.vrm").read_bytes()
    (tmp_path / "cut.vrm").write_bytes(vrm[:20000])
    errs = errors_of(tmp_path, """avatar: cut.vrm
background: {video: fake.mp4}
beats:
  - say: {text: hi, audio: fake.wav}
  - say: {text: hello, voice: {model: voice.onnx}}
""")
    assert any(":1: avatar: cannot read cut.vrm as glTF/VRM: truncated GLB: the header declares "
               f"{len(vrm)} bytes but the file has 20000" in e for e in errs)
    assert any(":2: background.video: fake.mp4 is not a readable video" in e for e in errs)
    assert any(":4: beats[0].say.audio: fake.wav is not a readable audio file" in e for e in errs)
    assert any(":5: beats[1].say.voice.model: voice.onnx has no config voice.onnx.json next to it" in e for e in errs)
    video = (test_data / "video/talking_head_man_d12.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(video[:4000])
    errs = errors_of(tmp_path, "background: {video: cut.mp4}\nbeats: [say: hi]\n")
    assert any("background.video: cut.mp4" in e for e in errs)
    # A real video and a real recording pass.
    load_script(write(tmp_path, f"background: {{video: {test_data / 'video/talking_head_man_d12.mp4'}}}\n"
                                f"beats:\n  - say: {{text: hi, audio: {test_data / 'audio/cards_001.wav'}}}\n"),
                languages=LANGS)


def test_docs_give_every_built_in_gesture_with_its_length() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "script.md").read_text(encoding="utf-8")
    for name, seconds in BUILTIN_GESTURES.items():
        assert f"`{name}` ({seconds:g} s)" in docs, name


def test_readme_beats_paragraph_names_every_kind_of_gesture_and_say() -> None:
    """The README's summary of beats matches docs/script.md: built-in gestures, mocap clips,
    glTF animations, and recordings with or without transcript."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("Beats: `say`")
    paragraph = readme[start:readme.index("\n\n", start)]
    for name in BUILTIN_GESTURES:
        assert f"`{name}`" in paragraph, name
    assert ".vmcap" in paragraph and "vivid track" in paragraph and "`anim:NAME`" in paragraph
    assert "without text" in paragraph and "no subtitles" in paragraph


def test_docs_complete_example_is_the_demo_script() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "script.md").read_text(encoding="utf-8")
    section = docs[docs.index("### A complete example"):]
    start = section.index("```yaml\n") + len("```yaml\n")
    assert section[start:section.index("```", start)] == DEMO.read_text(encoding="utf-8")
