"""espeak-ng backend: real synthesis, timings, languages, errors, thread safety."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from tts_bridge.espeak import LIBRARY_NAME, EspeakBackend, _Engine
from tts_bridge.espeak_server import ServerClient
from tts_bridge.types import TTSError, UnsupportedLanguageError, VoiceOptions

PANGRAM = "The quick brown fox jumps over the lazy dog."


@pytest.fixture(scope="module")
def espeak() -> EspeakBackend:
    return EspeakBackend()


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-12))


def _check_cover(speech) -> None:
    ph = speech.phonemes
    assert ph[0].start_s < 0.05, "first phoneme should start near 0"
    assert abs(ph[-1].end_s - speech.duration_s) < 0.05, "last phoneme should end near the audio end"
    for a, b in zip(ph, ph[1:]):
        assert b.start_s >= a.start_s
        assert abs(b.start_s - a.end_s) < 1e-6, f"gap/overlap between {a} and {b}"


def test_english_phonemes_cover_audio_and_duration_is_plausible(espeak: EspeakBackend) -> None:
    speech = espeak.synthesize(PANGRAM, VoiceOptions(language="en"))
    assert speech.audio.dtype == np.float32 and not speech.audio.flags.writeable
    assert speech.sample_rate == 22050
    # 9 words at 175 wpm is ~3.1 s of speech; espeak adds clause pauses.
    assert 2.0 < speech.duration_s < 4.5
    assert _rms_db(speech.audio) > -35.0
    _check_cover(speech)
    assert [w.text for w in speech.words] == ["The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    for w in speech.words:
        assert 0 <= w.start_s < w.end_s <= speech.duration_s
    # The loud part of each word really is inside the word's time span.
    loud = [w for w in speech.words if w.text in ("quick", "jumps")]
    for w in loud:
        seg = speech.audio[int(w.start_s * 22050):int(w.end_s * 22050)]
        assert _rms_db(seg) > _rms_db(speech.audio) - 6.0


def test_mandarin_is_spoken_with_pinyin_phonemes(espeak: EspeakBackend) -> None:
    speech = espeak.synthesize("你好，世界。我们说中文。", VoiceOptions(language="cmn"))
    assert speech.language == "cmn"
    assert 1.5 < speech.duration_s < 5.0  # 9 syllables at ~0.25 s each plus two pauses
    assert _rms_db(speech.audio) > -35.0
    _check_cover(speech)
    symbols = [p.symbol for p in speech.phonemes if not p.symbol.startswith("_")]
    assert symbols[:4] == ["n", "i", "h", "ao"]
    assert "zh" in symbols and "ong" in symbols
    assert "".join(w.text for w in speech.words) == "你好世界我们说中文"


def test_german_is_spoken(espeak: EspeakBackend) -> None:
    speech = espeak.synthesize("Guten Tag, wie geht es Ihnen?", VoiceOptions(language="de"))
    assert 1.0 < speech.duration_s < 3.5
    assert _rms_db(speech.audio) > -35.0
    _check_cover(speech)
    assert [w.text for w in speech.words][:2] == ["Guten", "Tag"]


def test_rate_pitch_volume_change_the_audio(espeak: EspeakBackend) -> None:
    slow = espeak.synthesize(PANGRAM, VoiceOptions(rate_wpm=120))
    fast = espeak.synthesize(PANGRAM, VoiceOptions(rate_wpm=300))
    assert fast.duration_s < 0.7 * slow.duration_s
    quiet = espeak.synthesize(PANGRAM, VoiceOptions(volume=30))
    normal = espeak.synthesize(PANGRAM, VoiceOptions())
    assert _rms_db(quiet.audio) < _rms_db(normal.audio) - 6.0
    high = espeak.synthesize(PANGRAM, VoiceOptions(pitch=90))
    assert not np.array_equal(high.audio[: len(normal.audio)], normal.audio[: len(high.audio)])


def test_pauses_insert_exact_silence(espeak: EspeakBackend) -> None:
    plain = espeak.synthesize("Hello. Goodbye.")
    paused = espeak.synthesize('Hello. <break time="700ms"/> Goodbye. [pause 0.5]')
    hello = espeak.synthesize("Hello.")
    goodbye = espeak.synthesize("Goodbye.")
    expected = hello.duration_s + 0.7 + goodbye.duration_s + 0.5
    assert paused.duration_s == pytest.approx(expected, abs=2e-3)
    assert paused.duration_s > plain.duration_s + 0.8  # plain already has a ~0.3 s sentence pause
    start = int(hello.duration_s * 22050) + 10
    assert np.all(paused.audio[start:start + int(0.68 * 22050)] == 0.0)
    assert paused.words[-1].text == "Goodbye"
    assert paused.words[-1].start_s > hello.duration_s + 0.7 - 1e-3


def test_same_input_gives_same_bytes(espeak: EspeakBackend) -> None:
    # Uncached engine calls, with other languages in between (in one process, stock espeak-ng
    # output depends on what was said before; the fork server and our voice variant remove that).
    a = espeak._synthesize("one two three", VoiceOptions())
    espeak._synthesize("你好", VoiceOptions(language="cmn"))
    espeak._synthesize("Guten Morgen", VoiceOptions(language="de"))
    b = espeak._synthesize("one two three", VoiceOptions())
    assert np.array_equal(a.audio, b.audio) and a.phonemes == b.phonemes
    # The per-process cache returns the very same object for a repeat.
    assert espeak.synthesize(PANGRAM) is espeak.synthesize(PANGRAM)


def test_threads_are_serialised_safely(espeak: EspeakBackend) -> None:
    texts = ["one two three", "Guten Morgen", "four five six seven", "hello there"]
    langs = ["en", "de", "en", "en"]
    expected = [espeak._synthesize(t, VoiceOptions(language=l)) for t, l in zip(texts, langs)]
    results: dict[int, object] = {}

    def work(i: int) -> None:
        results[i] = espeak._synthesize(texts[i % 4], VoiceOptions(language=langs[i % 4]))  # uncached

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        # Every utterance starts from a pristine engine (fork server): order does not matter.
        assert np.array_equal(results[i].audio, expected[i % 4].audio)
        assert results[i].phonemes == expected[i % 4].phonemes


def test_unsupported_language_lists_valid_ones(espeak: EspeakBackend) -> None:
    with pytest.raises(UnsupportedLanguageError, match=r"'klingon' is not supported.*valid: .*\ben\b.*"):
        espeak.synthesize("hello", VoiceOptions(language="klingon"))
    assert {"en", "de", "fr", "cmn"} <= set(espeak.languages())


def test_bad_parameters_and_empty_text_are_rejected(espeak: EspeakBackend) -> None:
    with pytest.raises(TTSError, match=r"rate_wpm=20 is out of espeak-ng's range 80\.\.450"):
        espeak.synthesize("hello", VoiceOptions(rate_wpm=20))
    with pytest.raises(TTSError, match="the text is empty"):
        espeak.synthesize("   [pause 0.2]  ")


def test_missing_library_names_the_apt_package() -> None:
    with pytest.raises(TTSError, match=r"apt-get install libespeak-ng1"):
        _Engine("libespeak-ng-not-installed.so.9")
    with pytest.raises(TTSError, match=r"apt-get install libespeak-ng1"):
        ServerClient("libespeak-ng-not-installed.so.9")


def test_in_process_engine_matches_the_fork_server(espeak: EspeakBackend) -> None:
    """The fallback engine (no fork) speaks the same first utterance as a pristine server child."""
    engine = _Engine(LIBRARY_NAME)
    audio, events = engine.run("one two three", "en", 175, 50, 100)
    served, served_events = ServerClient().run("one two three", "en", 175, 50, 100)
    assert np.array_equal(audio, served)
    assert [(e.kind, e.ms, e.symbol) for e in events] == [(e.kind, e.ms, e.symbol) for e in served_events]


def test_mandarin_visemes_come_from_pinyin(espeak: EspeakBackend) -> None:
    from tts_bridge.viseme_table import Viseme
    from tts_bridge.viseme_track import VisemeTrack

    speech = espeak.synthesize("爸爸好", VoiceOptions(language="cmn"))  # ba ba hao
    track = VisemeTrack.from_speech(speech)
    symbols = [p for p in speech.phonemes if not p.symbol.startswith("_")]
    assert [p.symbol for p in symbols] == ["b", "a", "b", "a", "h", "ao"]
    b0, a0 = symbols[0], symbols[1]
    assert track.weights(0.5 * (a0.start_s + a0.end_s))[Viseme.aa] > 0.6
    # the lips close for the second "b" between two open vowels
    b1 = symbols[2]
    mid = 0.5 * (b1.start_s + b1.end_s)
    assert track.openness([mid])[0] < 0.5 * track.openness([0.5 * (a0.start_s + a0.end_s)])[0]
    assert b0.start_s < 0.05


def test_private_data_view_and_its_fallback(tmp_path) -> None:
    from tts_bridge.espeak_data import VARIANT_NAME, find_system_data, private_data_root

    system = find_system_data(None)
    assert system is not None and (system / "phontab").is_file()
    root = private_data_root(system, cache_dir=tmp_path)
    variant = root / "espeak-ng-data" / "voices" / "!v" / VARIANT_NAME
    assert "flutter 0" in variant.read_text()
    assert (root / "espeak-ng-data" / "phontab").resolve() == (system / "phontab").resolve()
    assert private_data_root(system, cache_dir=tmp_path) == root  # idempotent
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    assert private_data_root(system, cache_dir=blocker) is None  # logged, caller uses stock data


def test_in_process_mode_by_environment(tmp_path) -> None:
    """VIVID_ESPEAK_IN_PROCESS=1 skips the fork server; the speech is the same for a first utterance."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import numpy as np, tts_bridge.espeak as E; b = E.EspeakBackend(); "
            "s = b.synthesize('one two three'); print(type(E._ENGINE).__name__, len(s.audio), len(s.phonemes))")
    env = dict(os.environ, PYTHONPATH=str(root), VIVID_ESPEAK_IN_PROCESS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    name, n_audio, n_ph = out.stdout.split()
    served = EspeakBackend()._synthesize("one two three", VoiceOptions())
    assert name == "_Engine" and int(n_audio) == len(served.audio) and int(n_ph) == len(served.phonemes)
