"""SSML-lite: the only markup we read inside text to speak is a pause.

Two spellings, both in seconds or milliseconds:

* ``<break time="500ms"/>`` or ``<break time="1.5s"/>`` (the SSML element; ``time`` is required)
* ``[pause 0.5]`` (seconds) or ``[pause 500ms]``

Everything else is spoken as written. We cut the text at the pauses and insert exact silence
ourselves instead of passing SSML to espeak-ng, so pause lengths are sample-exact and the same
for every backend.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tts_bridge.types import TTSError

# Longest pause we accept; longer ones are almost certainly a typo (ms written as s).
MAX_PAUSE_S = 60.0

_PAUSE_RE = re.compile(
    r"<break\s+time\s*=\s*[\"']\s*(?P<t1>[0-9]*\.?[0-9]+)\s*(?P<u1>ms|s)?\s*[\"']\s*/>"
    r"|\[pause\s+(?P<t2>[0-9]*\.?[0-9]+)\s*(?P<u2>ms|s)?\s*\]",
    re.IGNORECASE,
)
_BAD_MARKUP_RE = re.compile(r"<break\b[^>]*>|\[pause\b[^\]]*\]", re.IGNORECASE)


@dataclass(frozen=True)
class Segment:
    """Text to speak (``pause_s == 0``) or a pause (``text == ''``)."""

    text: str = ""
    pause_s: float = 0.0


def split_pauses(text: str) -> list[Segment]:
    """Split ``text`` into spoken segments and pauses, in order. Empty text segments are dropped."""
    segments: list[Segment] = []
    pos = 0
    for m in _PAUSE_RE.finditer(text):
        _add_text(segments, text[pos:m.start()])
        value = float(m.group("t1") or m.group("t2"))
        unit = (m.group("u1") or m.group("u2") or "s").lower()
        seconds = value / 1000.0 if unit == "ms" else value
        if seconds > MAX_PAUSE_S:
            raise TTSError(f"pause {m.group(0)!r} is {seconds:g} s; at most {MAX_PAUSE_S:g} s is allowed")
        segments.append(Segment(pause_s=seconds))
        pos = m.end()
    _add_text(segments, text[pos:])
    return segments


def _add_text(segments: list[Segment], chunk: str) -> None:
    bad = _BAD_MARKUP_RE.search(chunk)
    if bad:
        raise TTSError(
            f"cannot read the pause markup {bad.group(0)!r}; write <break time=\"500ms\"/> or [pause 0.5]"
        )
    if chunk.strip():
        segments.append(Segment(text=chunk.strip()))


def strip_pauses(text: str) -> str:
    """The text without pause markup (what subtitles show)."""
    return " ".join(s.text for s in split_pauses(text) if s.text)
