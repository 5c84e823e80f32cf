"""Burned-in subtitles (CJK-capable font). The cues and the .srt sidecar come from the timing
plan (`render.script.timeline`)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from render.script.cues import Cue

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei: Latin + CJK
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


def _is_cjk(text: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def find_font() -> str | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return None


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, draw: ImageDraw.ImageDraw) -> list[str]:
    tokens = list(text) if _is_cjk(text) else text.split(" ")
    joiner = "" if _is_cjk(text) else " "
    lines, line = [], ""
    for token in tokens:
        trial = f"{line}{joiner}{token}" if line else token
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = token
    if line:
        lines.append(line)
    return lines


# A character no font draws (plane-15 private use): rendering it shows the font's "missing glyph".
_MISSING_PROBE = "\U000FFFFD"


def _glyph_signature(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, ch: str) -> tuple:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


class SubtitleBurner:
    """Draws the cue active at time t onto frames (bottom centre, outlined white text on a soft box)."""

    def __init__(self, cues: list[Cue], width: int, height: int, font_path: str | None = None) -> None:
        self.cues = cues
        self.width, self.height = width, height
        size = max(14, int(height * 0.045))
        path = font_path or find_font()
        self.font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
        self._cache: dict[int, tuple[np.ndarray, int, int] | None] = {}
        self._missing = _glyph_signature(self.font, _MISSING_PROBE)
        self._drawable: dict[str, bool] = {}

    def can_draw(self, ch: str) -> bool:
        """Whether the subtitle font has a glyph for ``ch`` (else it would draw a box, "tofu")."""
        known = self._drawable.get(ch)
        if known is None:
            known = ch.isspace() or _glyph_signature(self.font, ch) != self._missing
            self._drawable[ch] = known
        return known

    def drawable_text(self, text: str) -> str:
        """``text`` without the characters the font cannot draw (emoji with a Latin-only font),
        spaces collapsed; the .srt keeps the full text."""
        kept = "".join(ch for ch in text if self.can_draw(ch))
        return " ".join(kept.split())

    def _overlay(self, index: int) -> tuple[np.ndarray, int, int] | None:
        if index in self._cache:
            return self._cache[index]
        text = self.drawable_text(self.cues[index].text)
        if not text:  # nothing drawable (empty cue, or only emoji): draw nothing
            self._cache[index] = None
            return None
        probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
        lines = _wrap(text, self.font, int(self.width * 0.8), probe)[:3]
        ascent, descent = self.font.getmetrics()
        line_h = ascent + descent + 4
        text_w = int(max(probe.textlength(line, font=self.font) for line in lines))
        pad = line_h // 3
        box_w, box_h = text_w + 2 * pad, line_h * len(lines) + pad
        image = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(10, 10, 14, 150))
        for i, line in enumerate(lines):
            x = (box_w - draw.textlength(line, font=self.font)) / 2
            draw.text((x, pad // 2 + i * line_h), line, font=self.font, fill=(255, 255, 255, 255),
                      stroke_width=2, stroke_fill=(0, 0, 0, 255))
        overlay = np.asarray(image)
        x0 = (self.width - box_w) // 2
        y0 = self.height - box_h - int(self.height * 0.06)
        self._cache[index] = (overlay, x0, y0)
        return self._cache[index]

    def active(self, t: float) -> int | None:
        for i, cue in enumerate(self.cues):
            if cue.start_s <= t < cue.end_s:
                return i
        return None

    def burn(self, frame: np.ndarray, t: float) -> np.ndarray:
        """Composite the active cue over an (H, W, 3|4) uint8 frame (in place when the frame is
        writable, else on a copy); returns the result."""
        index = self.active(t)
        if index is None:
            return frame
        drawn = self._overlay(index)
        if drawn is None:
            return frame
        if not frame.flags.writeable:
            frame = frame.copy()
        overlay, x0, y0 = drawn
        h, w = overlay.shape[:2]
        x1, y1 = max(x0, 0), max(y0, 0)
        x2, y2 = min(x0 + w, self.width), min(y0 + h, self.height)
        if x2 <= x1 or y2 <= y1:
            return frame
        src = overlay[y1 - y0:y2 - y0, x1 - x0:x2 - x0].astype(np.float32)
        a_src = src[..., 3:4] / 255.0
        dst = frame[y1:y2, x1:x2].astype(np.float32)
        a_dst = dst[..., 3:4] / 255.0 if frame.shape[2] == 4 else np.ones_like(a_src)
        # "over" with straight (non-premultiplied) colours on both sides
        a_out = a_src + a_dst * (1 - a_src)
        colour = (src[..., :3] * a_src + dst[..., :3] * a_dst * (1 - a_src)) / np.maximum(a_out, 1e-6)
        frame[y1:y2, x1:x2, :3] = np.clip(colour + 0.5, 0, 255).astype(np.uint8)
        if frame.shape[2] == 4:
            frame[y1:y2, x1:x2, 3:4] = np.clip(a_out * 255 + 0.5, 0, 255).astype(np.uint8)
        return frame
