"""The 15 visemes (Oculus/Meta set), the phoneme -> viseme table, and the folds onto VRM and ARKit.

Phoneme table (espeak-ng mnemonics; stress and length marks are stripped before lookup):

| viseme | espeak-ng phonemes (English unless noted)   | example      |
|--------|---------------------------------------------|--------------|
| sil    | ``_`` ``_:`` ``_|`` ``_!`` (pauses)         | silence      |
| PP     | p b m                                       | **p**at      |
| FF     | f v                                         | **f**an      |
| TH     | T D                                         | **th**ink    |
| DD     | t d                                         | **t**ip      |
| kk     | k g N h x X                                 | **k**ick     |
| CH     | tS dZ S Z tS; C                             | **ch**ur**ch** |
| SS     | s z ts                                      | **s**ir      |
| nn     | n l L n^ J                                  | **n**ot      |
| RR     | r r- R                                      | **r**ed      |
| aa     | a a# A: A@ aI aU V                          | c**a**r      |
| E      | E e e@ eI @ 3 3: @L @2 @5 E2                | b**e**d      |
| ih     | i i: I I2 i@ j y                            | t**i**p      |
| oh     | 0 O O: O@ o oU OI                           | t**o**ld     |
| ou     | u u: U U@ w Y                               | t**oo**k     |

IPA symbols (Piper's alignment output) use an IPA table for the non-ASCII letters (ə ɪ ʊ θ ʃ ŋ ...).
Symbols not in the table fall back on their first letter (a vowel letter picks its vowel
viseme, a consonant its place of articulation), so other languages' espeak phonemes map too.
Mandarin pinyin initials/finals are in ``tts_bridge.mandarin``.
"""
from __future__ import annotations

from enum import IntEnum

import numpy as np


class Viseme(IntEnum):
    sil = 0
    PP = 1
    FF = 2
    TH = 3
    DD = 4
    kk = 5
    CH = 6
    SS = 7
    nn = 8
    RR = 9
    aa = 10
    E = 11
    ih = 12
    oh = 13
    ou = 14


N_VISEMES = len(Viseme)

_TABLE: dict[str, Viseme] = {}
for _viseme, _symbols in (
    (Viseme.PP, "p b m"),
    (Viseme.FF, "f v"),
    (Viseme.TH, "T D"),
    (Viseme.DD, "t d"),
    (Viseme.kk, "k g N h x X"),
    (Viseme.CH, "tS dZ S Z tS; C"),
    (Viseme.SS, "s z ts"),
    (Viseme.nn, "n l L n^ J"),
    (Viseme.RR, "r r- R"),
    (Viseme.aa, "a a# A: A@ aI aU V A"),
    (Viseme.E, "E e e@ eI @ 3 3: @L @2 @5 E2 E:"),
    (Viseme.ih, "i i: I I2 i@ j y i."),
    (Viseme.oh, "0 O O: O@ o oU OI o@"),
    (Viseme.ou, "u u: U U@ w Y"),
):
    for _s in _symbols.split():
        _TABLE[_s] = _viseme

_FIRST_LETTER: dict[str, Viseme] = {
    "a": Viseme.aa, "A": Viseme.aa, "V": Viseme.aa,
    "e": Viseme.E, "E": Viseme.E, "@": Viseme.E, "3": Viseme.E,
    "i": Viseme.ih, "I": Viseme.ih, "y": Viseme.ih, "j": Viseme.ih,
    "o": Viseme.oh, "O": Viseme.oh, "0": Viseme.oh,
    "u": Viseme.ou, "U": Viseme.ou, "w": Viseme.ou, "W": Viseme.ou, "Y": Viseme.ou,
    "p": Viseme.PP, "b": Viseme.PP, "m": Viseme.PP, "B": Viseme.PP,
    "f": Viseme.FF, "v": Viseme.FF,
    "T": Viseme.TH, "D": Viseme.TH,
    "t": Viseme.DD, "d": Viseme.DD,
    "k": Viseme.kk, "g": Viseme.kk, "q": Viseme.kk, "x": Viseme.kk, "X": Viseme.kk,
    "N": Viseme.kk, "h": Viseme.kk, "G": Viseme.kk, "Q": Viseme.kk,
    "S": Viseme.CH, "Z": Viseme.CH, "c": Viseme.CH, "C": Viseme.CH,
    "s": Viseme.SS, "z": Viseme.SS,
    "n": Viseme.nn, "l": Viseme.nn, "L": Viseme.nn, "J": Viseme.nn,
    "r": Viseme.RR, "R": Viseme.RR,
}


# IPA symbols (Piper's phonemes, espeak-ng's IPA mode) that are not plain ASCII letters.
_IPA: dict[str, Viseme] = {}
for _viseme, _symbols in (
    (Viseme.TH, "θ ð"),
    (Viseme.kk, "ŋ ɡ ɣ χ ʁ ħ"),
    (Viseme.CH, "ʃ ʒ ʧ ʤ ɕ ʑ ʂ ʐ ç"),
    (Viseme.nn, "ɲ ɫ ʎ ɳ ɭ"),
    (Viseme.RR, "ɹ ɾ ɻ ʀ"),
    (Viseme.aa, "æ ʌ ɑ ɐ ä"),
    (Viseme.E, "ə ɚ ɛ ɜ ɝ ø œ ɘ"),
    (Viseme.ih, "ɪ ɨ ʏ"),
    (Viseme.oh, "ɔ ɒ ɤ"),
    (Viseme.ou, "ʊ ɯ ʉ"),
    (Viseme.sil, "ʔ"),
):
    for _s in _symbols.split():
        _IPA[_s] = _viseme
_IPA_MARKS = "ˈˌːˑ̩̯̃͡"


def espeak_viseme(symbol: str) -> Viseme:
    """Viseme of one espeak-ng phoneme mnemonic (pauses and unknown marks -> sil)."""
    if not symbol or symbol.startswith("_"):
        return Viseme.sil
    if symbol in _TABLE:
        return _TABLE[symbol]
    core = symbol.strip("'`,%=:;.!0123456789") or symbol
    if core in _TABLE:
        return _TABLE[core]
    for char in symbol:
        if char in _IPA_MARKS:
            continue
        if char in _IPA:
            return _IPA[char]
        if char in _FIRST_LETTER:
            return _FIRST_LETTER[char]
    return Viseme.sil


# How open the mouth is for each viseme, 0..1 (jaw opening; hand-set from the Oculus viseme images).
OPENNESS = np.array(
    [0.0, 0.0, 0.1, 0.2, 0.25, 0.3, 0.2, 0.1, 0.2, 0.2, 1.0, 0.7, 0.45, 0.8, 0.35], dtype=np.float32
)
OPENNESS.setflags(write=False)


class VRMMouth(IntEnum):
    """VRM 1.0 mouth expressions (VRM 0.x: A I U E O)."""

    aa = 0
    ih = 1
    ou = 2
    ee = 3
    oh = 4


def _matrix(rows: dict[Viseme, dict[int, float]], n_cols: int) -> np.ndarray:
    m = np.zeros((N_VISEMES, n_cols), dtype=np.float32)
    for viseme, cols in rows.items():
        for col, value in cols.items():
            m[viseme, col] = value
    m.setflags(write=False)
    return m


_V = VRMMouth
# weights(15) @ VRM_FOLD -> VRM mouth weights(5). Consonants show a little of the vowel they resemble.
VRM_FOLD = _matrix(
    {
        Viseme.FF: {_V.ih: 0.2},
        Viseme.TH: {_V.ee: 0.3, _V.aa: 0.1},
        Viseme.DD: {_V.ee: 0.3, _V.aa: 0.2},
        Viseme.kk: {_V.aa: 0.3, _V.ee: 0.2},
        Viseme.CH: {_V.ou: 0.3, _V.ih: 0.3},
        Viseme.SS: {_V.ih: 0.4, _V.ee: 0.2},
        Viseme.nn: {_V.aa: 0.2, _V.ee: 0.2},
        Viseme.RR: {_V.ou: 0.4, _V.oh: 0.1},
        Viseme.aa: {_V.aa: 1.0},
        Viseme.E: {_V.ee: 0.8, _V.aa: 0.2},
        Viseme.ih: {_V.ih: 1.0},
        Viseme.oh: {_V.oh: 1.0},
        Viseme.ou: {_V.ou: 1.0},
    },
    len(VRMMouth),
)

# ARKit / MediaPipe blendshape names driven by lip sync (same spelling as MediaPipe's categories).
ARKIT_MOUTH_NAMES: tuple[str, ...] = (
    "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthRollLower", "mouthRollUpper",
    "mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthPressLeft", "mouthPressRight",
)
_A = {name: i for i, name in enumerate(ARKIT_MOUTH_NAMES)}


def _pairs(**values: float) -> dict[int, float]:
    out: dict[int, float] = {}
    for key, value in values.items():
        if key.endswith("_LR"):
            out[_A[key[:-3] + "Left"]] = value
            out[_A[key[:-3] + "Right"]] = value
        else:
            out[_A[key]] = value
    return out


# weights(15) @ ARKIT_FOLD -> ARKit mouth weights (len(ARKIT_MOUTH_NAMES)).
ARKIT_FOLD = _matrix(
    {
        Viseme.PP: _pairs(mouthPress_LR=0.5, mouthRollLower=0.2, mouthRollUpper=0.2, mouthClose=0.05),
        Viseme.FF: _pairs(mouthRollLower=0.6, mouthUpperUp_LR=0.3, jawOpen=0.1),
        Viseme.TH: _pairs(jawOpen=0.15, mouthStretch_LR=0.2),
        Viseme.DD: _pairs(jawOpen=0.2, mouthStretch_LR=0.2),
        Viseme.kk: _pairs(jawOpen=0.25, mouthStretch_LR=0.2),
        Viseme.CH: _pairs(jawOpen=0.15, mouthFunnel=0.5, mouthPucker=0.2),
        Viseme.SS: _pairs(jawOpen=0.08, mouthStretch_LR=0.4, mouthSmile_LR=0.2),
        Viseme.nn: _pairs(jawOpen=0.15, mouthStretch_LR=0.15),
        Viseme.RR: _pairs(jawOpen=0.15, mouthFunnel=0.3, mouthPucker=0.3),
        Viseme.aa: _pairs(jawOpen=0.7, mouthLowerDown_LR=0.3),
        Viseme.E: _pairs(jawOpen=0.4, mouthStretch_LR=0.4, mouthSmile_LR=0.2),
        Viseme.ih: _pairs(jawOpen=0.25, mouthSmile_LR=0.4, mouthStretch_LR=0.3),
        Viseme.oh: _pairs(jawOpen=0.5, mouthFunnel=0.6),
        Viseme.ou: _pairs(jawOpen=0.15, mouthPucker=0.8, mouthFunnel=0.3),
    },
    len(ARKIT_MOUTH_NAMES),
)
