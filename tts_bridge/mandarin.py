"""Mandarin through pinyin: Hanzi -> (initial, final) with pypinyin, and those -> visemes.

We use pypinyin's non-strict initials, where ``y`` and ``w`` count as initials: they are what the
lips do (``w`` rounds, ``y`` spreads), which is all a viseme needs.
"""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from tts_bridge.viseme_table import Viseme

# Pinyin initials -> the viseme of their place of articulation (Oculus viseme reference).
INITIAL_VISEMES: dict[str, Viseme] = {
    "b": Viseme.PP, "p": Viseme.PP, "m": Viseme.PP,
    "f": Viseme.FF,
    "d": Viseme.DD, "t": Viseme.DD,
    "n": Viseme.nn, "l": Viseme.nn,
    "g": Viseme.kk, "k": Viseme.kk, "h": Viseme.kk,
    "j": Viseme.CH, "q": Viseme.CH, "x": Viseme.CH,
    "zh": Viseme.CH, "ch": Viseme.CH, "sh": Viseme.CH,
    "r": Viseme.RR,
    "z": Viseme.SS, "c": Viseme.SS, "s": Viseme.SS,
    "y": Viseme.ih, "w": Viseme.ou,
}

# A final shows the shape of its main vowel (the first of a, o, e; else i, u, v/ü).
_NUCLEUS_VISEMES: dict[str, Viseme] = {
    "a": Viseme.aa, "o": Viseme.oh, "e": Viseme.E, "ê": Viseme.E,
    "i": Viseme.ih, "u": Viseme.ou, "v": Viseme.ou, "ü": Viseme.ou,
}
# Finals whose look differs from their first main vowel.
_FINAL_OVERRIDES: dict[str, Viseme] = {"ong": Viseme.ou, "iong": Viseme.ou, "er": Viseme.E, "ou": Viseme.oh}


def is_hanzi(char: str) -> bool:
    """True for a CJK unified ideograph (the basic block and extension A)."""
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


@lru_cache(maxsize=4096)
def syllable_parts(char: str) -> tuple[str, str]:
    """(initial, final) of one Hanzi in pinyin; initial may be ''."""
    initial = lazy_pinyin(char, style=Style.INITIALS, strict=False)[0]
    final = lazy_pinyin(char, style=Style.FINALS, strict=False)[0]
    if initial == char:  # pypinyin returns non-Hanzi unchanged
        return "", ""
    return initial, final


def pinyin_phoneme_symbols(text: str) -> list[str]:
    """The pinyin initials and finals of every Hanzi in ``text``, in order (other characters skipped)."""
    out: list[str] = []
    for char in text:
        if is_hanzi(char):
            initial, final = syllable_parts(char)
            out += [s for s in (initial, final) if s]
    return out


def pinyin_viseme(symbol: str) -> Viseme | None:
    """Viseme of a pinyin initial or final; None if ``symbol`` is neither."""
    s = symbol.lower()
    if s in INITIAL_VISEMES:
        return INITIAL_VISEMES[s]
    if s in _FINAL_OVERRIDES:
        return _FINAL_OVERRIDES[s]
    if not s or not all(c in "aeiouvüên" or c == "g" or c == "r" for c in s):
        return None
    for group in ("aoeê", "iuvü"):
        for c in s:
            if c in group:
                return _NUCLEUS_VISEMES[c]
    return None
