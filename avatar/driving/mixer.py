"""Expression mixing by priority with fades, then VRM override rules.

Channels, lowest priority first (VTube Studio's order of value providers): IDLE < TRACKING <
VISEME < HOTKEY. Each channel holds target weights and an opacity that fades linearly (time
driven) when the channel is switched on or off. Merging goes up the priorities: a channel
replaces the names it owns by ``lerp(below, mine, opacity)``; the viseme channel owns the whole
mouth group, so speech replaces the tracked mouth instead of adding to it.

`resolve_overrides` then applies VRM's rules (three-vrm VRMExpressionManager): clamp to 0..1,
round `isBinary` expressions, and let each expression with weight > 0 block (multiplier 0) or
blend (multiplier 1 - weight) the blink, look-at and mouth groups it overrides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Mapping

from avatar.vrm.types import Expression, OverrideMode

BLINK_GROUP = ("blink", "blinkLeft", "blinkRight")
LOOK_AT_GROUP = ("lookUp", "lookDown", "lookLeft", "lookRight")
MOUTH_GROUP = ("aa", "ih", "ou", "ee", "oh")
BINARY_THRESHOLD = 0.5  # VRM 1.0 expressions spec: isBinary rounds weights above 0.5 to 1


class Channel(IntEnum):
    IDLE = 0
    TRACKING = 1
    VISEME = 2
    HOTKEY = 3


@dataclass(frozen=True)
class MixerOptions:
    """fade_s: seconds for a channel to fade fully in or out (per channel)."""

    fade_s: Mapping[Channel, float] = field(default_factory=lambda: {
        Channel.IDLE: 0.5, Channel.TRACKING: 0.3, Channel.VISEME: 0.08, Channel.HOTKEY: 0.25})


@dataclass
class _ChannelState:
    weights: dict[str, float] = field(default_factory=dict)
    active: bool = False
    opacity: float = 0.0


class ExpressionMixer:
    def __init__(self, options: MixerOptions = MixerOptions()) -> None:
        self.options = options
        self._channels = {c: _ChannelState() for c in Channel}
        self._time: float | None = None

    def set(self, channel: Channel, weights: Mapping[str, float] | None) -> None:
        """Target weights of a channel for this frame; None switches the channel off (it fades out
        holding its last weights)."""
        state = self._channels[channel]
        if weights is None:
            state.active = False
        else:
            state.weights = dict(weights)
            state.active = True

    def opacity(self, channel: Channel) -> float:
        return self._channels[channel].opacity

    def mix(self, time_s: float) -> dict[str, float]:
        first = self._time is None
        dt = 0.0 if first else max(0.0, time_s - self._time)
        self._time = time_s
        out: dict[str, float] = {}
        for channel in Channel:
            state = self._channels[channel]
            fade = self.options.fade_s.get(channel, 0.0)
            step = 1.0 if fade <= 0 else dt / fade
            target = 1.0 if state.active else 0.0
            if first:
                state.opacity = target  # the first frame starts in place, no fade from nothing
            elif state.opacity < target:
                state.opacity = min(target, state.opacity + step)
            else:
                state.opacity = max(target, state.opacity - step)
            if state.opacity <= 0.0:
                continue
            owned = dict(state.weights)
            if channel is Channel.VISEME:
                for name in MOUTH_GROUP:
                    owned.setdefault(name, 0.0)
            a = state.opacity
            for name, value in owned.items():
                below = out.get(name, 0.0)
                out[name] = below + (value - below) * a
        return out


def _multiplier(mode: OverrideMode, weight: float) -> float:
    if mode is OverrideMode.BLOCK:
        return 0.0 if weight > 0.0 else 1.0
    if mode is OverrideMode.BLEND:
        return 1.0 - weight
    return 1.0


def resolve_overrides(weights: Mapping[str, float], expressions: Mapping[str, Expression]) -> dict[str, float]:
    """Final weights after clamping, isBinary and the override rules. Names the avatar does not
    define as VRM expressions pass through clamped (plain glTF morphs, ARKit names)."""
    out: dict[str, float] = {}
    for name, value in weights.items():
        v = min(1.0, max(0.0, float(value)))
        e = expressions.get(name)
        if e is not None and e.is_binary:
            v = 1.0 if v > BINARY_THRESHOLD else 0.0
        out[name] = v
    blink = look = mouth = 1.0
    for name, v in out.items():
        e = expressions.get(name)
        if e is None or v <= 0.0:
            continue
        blink *= _multiplier(e.override_blink, v)
        look *= _multiplier(e.override_look_at, v)
        mouth *= _multiplier(e.override_mouth, v)
    for group, m in ((BLINK_GROUP, blink), (LOOK_AT_GROUP, look), (MOUTH_GROUP, mouth)):
        if m < 1.0:
            for name in group:
                if name in out:
                    out[name] *= m
    return out
