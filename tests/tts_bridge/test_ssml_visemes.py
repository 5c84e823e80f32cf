"""SSML-lite pauses, the phoneme -> viseme table, Mandarin pinyin, and VisemeTrack co-articulation."""
from __future__ import annotations

import numpy as np
import pytest

from tts_bridge.mandarin import pinyin_phoneme_symbols, pinyin_viseme
from tts_bridge.ssml import Segment, split_pauses, strip_pauses
from tts_bridge.types import Phoneme, TTSError
from tts_bridge.viseme_table import ARKIT_FOLD, ARKIT_MOUTH_NAMES, OPENNESS, VRM_FOLD, VRMMouth, Viseme, espeak_viseme
from tts_bridge.viseme_track import VisemeOptions, VisemeTrack, phoneme_viseme


def test_split_pauses_reads_both_spellings() -> None:
    segs = split_pauses('Hi <break time="250ms"/> there [pause 1.5] you [pause 300ms]')
    assert segs == [Segment("Hi"), Segment(pause_s=0.25), Segment("there"), Segment(pause_s=1.5),
                    Segment("you"), Segment(pause_s=0.3)]
    assert strip_pauses("a [pause 2] b") == "a b"


def test_bad_pause_markup_is_an_error() -> None:
    with pytest.raises(TTSError, match=r"cannot read the pause markup '\[pause soon\]'"):
        split_pauses("wait [pause soon] ok")
    with pytest.raises(TTSError, match="at most 60 s"):
        split_pauses("[pause 500]")


@pytest.mark.parametrize(
    "symbol,viseme",
    [("p", Viseme.PP), ("m", Viseme.PP), ("f", Viseme.FF), ("T", Viseme.TH), ("t", Viseme.DD),
     ("k", Viseme.kk), ("tS", Viseme.CH), ("s", Viseme.SS), ("n", Viseme.nn), ("r", Viseme.RR),
     ("A:", Viseme.aa), ("E", Viseme.E), ("i:", Viseme.ih), ("oU", Viseme.oh), ("u:", Viseme.ou),
     ("_:", Viseme.sil), ("'a", Viseme.aa), ("ə", Viseme.E), ("ʃ", Viseme.CH), ("ˈɪ", Viseme.ih)],
)
def test_espeak_and_ipa_symbols_map_to_visemes(symbol: str, viseme: Viseme) -> None:
    assert espeak_viseme(symbol) == viseme


def test_pinyin_initials_and_finals() -> None:
    assert pinyin_phoneme_symbols("你好, 不错") == ["n", "i", "h", "ao", "b", "u", "c", "uo"]
    assert pinyin_viseme("b") == Viseme.PP
    assert pinyin_viseme("zh") == Viseme.CH
    assert pinyin_viseme("ang") == Viseme.aa
    assert pinyin_viseme("ong") == Viseme.ou
    assert pinyin_viseme("ie") == Viseme.E
    assert pinyin_viseme("xyz") is None
    assert phoneme_viseme("ao", "cmn") == Viseme.aa


def test_fold_tables_have_expected_shapes_and_closed_mouth() -> None:
    assert VRM_FOLD.shape == (15, len(VRMMouth)) and ARKIT_FOLD.shape == (15, len(ARKIT_MOUTH_NAMES))
    assert not VRM_FOLD.flags.writeable
    assert np.all(VRM_FOLD[Viseme.sil] == 0) and np.all(VRM_FOLD[Viseme.PP] == 0)
    jaw = ARKIT_MOUTH_NAMES.index("jawOpen")
    assert ARKIT_FOLD[Viseme.aa, jaw] > ARKIT_FOLD[Viseme.E, jaw] > ARKIT_FOLD[Viseme.PP, jaw]
    assert ARKIT_FOLD[Viseme.ou, ARKIT_MOUTH_NAMES.index("mouthPucker")] > 0.5
    assert OPENNESS[Viseme.aa] == 1.0 and OPENNESS[Viseme.PP] == 0.0


def _ph(*items: tuple[float, float, str]) -> list[Phoneme]:
    return [Phoneme(a, b, s) for a, b, s in items]


def test_track_is_time_driven_and_normalised() -> None:
    phon = _ph((0.0, 0.2, "_"), (0.2, 0.35, "A:"), (0.35, 0.42, "m"), (0.42, 0.6, "i:"), (0.6, 1.0, "_"))
    track = VisemeTrack.from_phonemes(phon, "en", 1.0)
    w = track.weights(0.27)
    assert w.shape == (15,) and w.dtype == np.float32
    assert w[Viseme.aa] > 0.85  # 20 ms after the onset the silence's release is almost gone
    assert np.allclose(track.frames(30).sum(axis=1), 1.0, atol=1e-5)
    # Same time, different frame rates: identical weights.
    t30, t60 = track.frames(30), track.frames(60)
    assert np.allclose(t30[::1][:30], t60[::2][:30], atol=1e-6)
    assert track.weights(-1.0)[Viseme.sil] == 1.0 and track.weights(0.0)[Viseme.sil] == 1.0
    # Bilabial closure is visible between two open vowels.
    assert track.openness(np.array([0.385]))[0] < 0.5 * track.openness(np.array([0.27]))[0]


def test_anticipation_and_release() -> None:
    phon = _ph((0.0, 0.5, "_"), (0.5, 0.8, "u:"), (0.8, 1.5, "_"))
    opts = VisemeOptions(anticipation_s=0.06, release_s=0.08)
    track = VisemeTrack.from_phonemes(phon, "en", 1.5, opts)
    assert track.weights(0.46)[Viseme.ou] > 0.05  # lips round before the vowel sounds
    assert track.weights(0.40)[Viseme.ou] == 0.0
    assert track.weights(0.84)[Viseme.ou] > 0.05  # and let go after it
    assert track.weights(0.95)[Viseme.ou] == 0.0


def test_short_phonemes_do_not_flap() -> None:
    # A 15 ms "t" in a vowel run: with min duration 60 ms its dip spans >= 2 frames at 30 fps,
    # and openness never jumps by more than the full range within one 30 fps frame.
    phon = _ph((0.0, 0.3, "A:"), (0.3, 0.315, "t"), (0.315, 0.6, "A:"), (0.6, 0.9, "_"))
    track = VisemeTrack.from_phonemes(phon, "en", 0.9)
    t = np.arange(0, 0.9, 1 / 240)
    dd = track.sample(t)[:, Viseme.DD]
    above = t[dd > 0.2]
    assert above.max() - above.min() >= 0.06
    vrm = track.vrm(t)
    assert vrm.shape == (len(t), 5) and vrm.min() >= 0 and vrm.max() <= 1
    assert np.abs(np.diff(track.openness(np.arange(0, 0.9, 1 / 30)))).max() < 0.8
