"""Subtitle cues for a spoken line: each ``say`` while subtitles are on becomes cues, split after
sentences and, past ``MAX_CUE_CHARS``, at word boundaries (preferring commas, avoiding one-word
orphans). Every word of the text is in exactly one cue; cues are timed by the speech's word
events, matched to the text's words (espeak may read one written word as several), and a cue too
short to read joins its neighbour."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tts_bridge.ssml import strip_pauses
from tts_bridge.types import Speech, Word

# Broadcast subtitle guidance: about 42 characters per line; CJK characters are twice as wide and
# guidance is about 16-20 per line.
MAX_CUE_CHARS = 42
MAX_CUE_CHARS_CJK = 20
# A cue may run this many characters over MAX_CUE_CHARS when that finishes its sentence.
ORPHAN_SLACK_CHARS = 8
# Shortest time a cue stays up, so a one-word cue can be read (seconds).
MIN_CUE_S = 0.7
# A cue that cannot stay up this long before the next one starts (an abbreviation read as a
# sentence, a one-word sentence said fast) joins its neighbour instead (seconds).
MERGE_CUE_BELOW_S = 0.5


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


_SENTENCE_END = ".!?。！？…"
_CLAUSE_END = ",;:，、；：—–"
# Closing quotes and brackets that may follow a sentence's or clause's punctuation.
_CLOSERS = "\"')]}”’」』）》"
# Words ending in "." that do not end a sentence (compared lower-case, without that final dot).
_ABBREVIATIONS = frozenset({
    "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "fig", "approx",
    "inc", "ltd", "co", "mt", "ca", "cf", "al", "dept", "est", "gen", "gov", "lt", "col", "sgt", "capt",
})
# How many script words ahead of the last matched one a word event may match (espeak reads
# "2.5" or an emoji as several words, and numbers like "10:30" as several events on one token).
_MATCH_WINDOW = 6


def _is_wide(ch: str) -> bool:
    """CJK ideographs, kana and hangul: one subtitle token each (no spaces between words)."""
    o = ord(ch)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF
            or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF)


def _key(text: str) -> str:
    """Text normalised for matching: NFKC, case-folded, without punctuation, spaces or marks-only."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in norm if not unicodedata.category(c).startswith(("P", "Z", "C")))


@dataclass(frozen=True)
class _Token:
    """One word of the script's text: ``text[start:end]`` with the punctuation attached to it.

    Tokens partition the text's non-space characters, so cues cut between tokens show every
    character exactly once."""

    start: int
    end: int
    key: str
    wide: bool


def _tokens(text: str) -> list[_Token]:
    """Whitespace-separated words; runs with CJK characters split into one token per character
    (punctuation stays with the character before it, opening brackets with the one after)."""
    out: list[_Token] = []
    for m in re.finditer(r"\S+", text):
        chunk, base = m.group(), m.start()
        units: list[list] = []  # [start, end, has_content, wide]
        last_wide = False
        for i, c in enumerate(chunk):
            wide = _is_wide(c)
            content = wide or bool(_key(c))
            starts = wide or (content and last_wide)
            if not units or (starts and units[-1][2]):
                units.append([i, i + 1, False, False])
            units[-1][1] = i + 1
            units[-1][2] = units[-1][2] or content
            units[-1][3] = units[-1][3] or wide
            if content:
                last_wide = wide
        for a, b, _, wide in units:
            out.append(_Token(base + a, base + b, _key(chunk[a:b]), wide))
    return out


def _matches(token: _Token, key: str) -> bool:
    tk = token.key
    if not tk:
        return False
    if tk == key:
        return True
    # espeak may report a word with more or less of the text than we split (CJK runs, "2.5" vs "2").
    shorter = min(len(tk), len(key))
    return (shorter >= 2 or token.wide) and (key.startswith(tk) or tk.startswith(key))


def _token_times(tokens: list[_Token], words: list[Word], duration_s: float) -> list[tuple[float, float]]:
    """Spoken (start, end) of every token, from the word events.

    Events match tokens monotonically on normalised text; an event that matches nothing ahead
    (espeak speaks "2.5" as three words, all reported at the same text) extends the last matched
    token. Tokens without an event share the time between their matched neighbours in proportion
    to their length; with no event matched at all, the whole spoken span is shared that way.
    """
    times: list[list[float] | None] = [None] * len(tokens)
    cursor, last, last_key = 0, -1, None
    for w in words:
        key = _key(w.text)
        if not key:
            continue
        hit = None
        repeat = key == last_key and not (cursor < len(tokens) and tokens[cursor].key == key)
        if not repeat:
            for k in range(cursor, min(len(tokens), cursor + _MATCH_WINDOW)):
                if _matches(tokens[k], key):
                    hit = k
                    break
        if hit is None:
            if last >= 0:
                times[last][1] = max(times[last][1], w.end_s)
            continue
        times[hit] = [w.start_s, w.end_s]
        cursor, last, last_key = hit + 1, hit, key
    spoken = [w for w in words if _key(w.text)]
    lo_all = spoken[0].start_s if spoken else 0.0
    hi_all = spoken[-1].end_s if spoken else duration_s
    k = 0
    while k < len(tokens):
        if times[k] is not None:
            k += 1
            continue
        j = k
        while j < len(tokens) and times[j] is None:
            j += 1
        lo = times[k - 1][1] if k > 0 else lo_all
        hi = times[j][0] if j < len(tokens) else max(hi_all, lo)
        hi = max(hi, lo)
        weights = [max(1, len(t.key)) for t in tokens[k:j]]
        total, acc = float(sum(weights)), 0.0
        for n, wgt in zip(range(k, j), weights):
            a = lo + (hi - lo) * acc / total
            acc += wgt
            times[n] = [a, lo + (hi - lo) * acc / total]
        k = j
    return [(a, b) for a, b in times]


def _ends_sentence(text: str, tokens: list[_Token], k: int) -> bool:
    word = text[tokens[k].start:tokens[k].end].rstrip(_CLOSERS)
    if not word or word[-1] not in _SENTENCE_END:
        return False
    if word.endswith(".") and not word.endswith(".."):
        bare = word.rstrip(".").lower()
        if bare in _ABBREVIATIONS or (len(bare) == 1 and bare.isalpha()):
            return False  # "Dr. Smith", "e.g. now", "J. Smith"
        nxt = text[tokens[k + 1].start:tokens[k + 1].end] if k + 1 < len(tokens) else ""
        if nxt[:1].islower():
            return False  # "approx. two", an abbreviation we do not list
    return True


def _ends_clause(text: str, token: _Token) -> bool:
    word = text[token.start:token.end].rstrip(_CLOSERS)
    return bool(word) and word[-1] in _CLAUSE_END


def speech_cues(text: str, speech: Speech, offset: float) -> list[Cue]:
    """Cues of at most MAX_CUE_CHARS, breaking after sentences and preferably at clause punctuation.

    Every word of the text is in exactly one cue, in order; cue times come from the speech's word
    events (see ``_token_times``); a cue that would show for less than MIN_CUE_S joins a neighbour.
    """
    plain = strip_pauses(text)
    tokens = _tokens(plain)
    if not tokens:
        return []
    times = _token_times(tokens, [w for w in speech.words if w.text.strip()], speech.duration_s)
    cjk = speech.language.lower().startswith(("cmn", "zh", "yue", "ja", "ko"))
    limit = MAX_CUE_CHARS_CJK if cjk else MAX_CUE_CHARS

    def length(a: int, b: int) -> int:
        return len(plain[tokens[a].start:tokens[b].end])

    groups: list[list[int]] = [[]]
    for k in range(len(tokens)):
        g = groups[-1]
        if g:
            ends_phrase = _ends_sentence(plain, tokens, k) or _ends_clause(plain, tokens[k])
            # A little over the limit is better than a one-word orphan before a sentence or clause end.
            too_long = length(g[0], k) > limit + (ORPHAN_SLACK_CHARS if ends_phrase and not cjk else 0)
            if _ends_sentence(plain, tokens, g[-1]):
                groups.append([])
            elif too_long:
                # Prefer to break after a clause mark in the second half of the cue over a bare word break.
                commas = [j for j in range(len(g) - 1) if _ends_clause(plain, tokens[g[j]])
                          and length(g[0], g[j]) >= 0.4 * limit]
                if commas:
                    cut = commas[-1] + 1
                    groups[-1], rest = g[:cut], g[cut:]
                    groups.append(rest)
                else:
                    groups.append([])
        groups[-1].append(k)

    def shown_s(n: int) -> float:
        nxt = times[groups[n + 1][0]][0] if n + 1 < len(groups) else speech.duration_s
        return nxt - times[groups[n][0]][0]

    # Merge cues that could not stay up long enough to read ("Dr." before "Smith") into a
    # neighbour, unless that makes a cue longer than two lines.
    n = 0
    while len(groups) > 1 and n < len(groups):
        if shown_s(n) >= MERGE_CUE_BELOW_S:
            n += 1
            continue
        other = n + 1 if n + 1 < len(groups) else n - 1
        a, b = min(n, other), max(n, other)
        if length(groups[a][0], groups[b][-1]) > 2 * limit:
            n += 1
            continue
        groups[a:b + 1] = [groups[a] + groups[b]]
        n = a
    out: list[Cue] = []
    for n, g in enumerate(groups):
        start = offset + times[g[0]][0]
        nxt = offset + times[groups[n + 1][0]][0] if n + 1 < len(groups) else offset + speech.duration_s
        stop = min(max(offset + times[g[-1]][1], start + MIN_CUE_S), nxt)
        out.append(Cue(start, max(stop, start), plain[tokens[g[0]].start:tokens[g[-1]].end]))
    return out


def to_srt(cues: tuple[Cue, ...] | list[Cue]) -> str:
    """SubRip text for the cues."""
    def stamp(t: float) -> str:
        ms = int(round(t * 1000))
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    return "".join(f"{k}\n{stamp(c.start_s)} --> {stamp(c.end_s)}\n{c.text}\n\n" for k, c in enumerate(cues, 1))
