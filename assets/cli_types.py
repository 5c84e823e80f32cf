"""argparse types shared by every `vivid` command.

Each turns the text of one option into a value or raises ArgumentTypeError with what is
expected; argparse prefixes the option's name ("argument --fps: ..."), so the user sees the
flag, the bad value and the fix in one line. NaN and infinity are refused everywhere: they
pass `> 0` checks and then break deep inside (frame counts, timestamps)."""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from assets.errors import VividError

MAX_SIDE = 8192  # pixels: beyond any encoder's or GPU texture's limit
MIN_VIDEO_SIDE = 16  # H.264 macroblocks; smaller sizes make encoders fail
MIN_FPS, MAX_FPS = 1.0, 240.0  # below 1 fps is no video, above 240 no display shows


def _number(text: str) -> float | None:
    """The finite number `text` spells, else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def whole_number(text: str) -> int:
    """A count: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number >= 1")
    return value


def whole_number_at_least(minimum: int) -> Callable[[str], int]:
    """A whole number >= `minimum` (for limits where 0 means something, e.g. 'none')."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be a whole number >= {minimum}")
        return value
    return parse


def seconds(text: str) -> float:
    """A duration: a number of seconds > 0."""
    value = _number(text)
    if value is None or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds > 0")
    return value


def seconds_or_zero(text: str) -> float:
    """A point in time: a number of seconds >= 0."""
    value = _number(text)
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds >= 0")
    return value


def degrees(text: str) -> float:
    value = _number(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of degrees")
    return value


def frames_per_second(text: str) -> float:
    value = _number(text)
    if value is None or not MIN_FPS <= value <= MAX_FPS:
        raise argparse.ArgumentTypeError(f"{text!r} must be {MIN_FPS:g}-{MAX_FPS:g} frames per second")
    return value


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} must be WIDTHxHEIGHT, e.g. 1280x720") from None
    return width, height


def frame_size(text: str) -> tuple[int, int]:
    """WIDTHxHEIGHT of an image: each side 1-8192."""
    width, height = _size(text)
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise argparse.ArgumentTypeError(f"size {text!r}: width and height must be 1-{MAX_SIDE}")
    return width, height


def video_size(text: str) -> tuple[int, int]:
    """WIDTHxHEIGHT of a video: even sides of 16-8192 (H.264 with 4:2:0 colour needs even sides)."""
    width, height = _size(text)
    if not (MIN_VIDEO_SIDE <= width <= MAX_SIDE and MIN_VIDEO_SIDE <= height <= MAX_SIDE) or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"size {text!r}: width and height must be even and "
                                         f"{MIN_VIDEO_SIDE}-{MAX_SIDE}")
    return width, height


def from_checker(check: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from a parser that raises VividError (e.g. capture.vmc.address's)."""
    def parse(text: str) -> object:
        try:
            return check(text)
        except VividError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    parse.__name__ = getattr(check, "__name__", "value")  # argparse names the type in some messages
    return parse
