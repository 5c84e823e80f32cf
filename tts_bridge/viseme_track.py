"""VisemeTrack: viseme weights as a function of time, with co-articulation.

From timed phonemes we build one segment per viseme run and give each a *dominance*: 0 before
``start - anticipation_s``, rising linearly to its strength at ``start``, held to ``end``, falling
to 0 at ``end + release_s`` (a piecewise-linear version of Cohen & Massaro's dominance model).
The weight of viseme v at time t is the sum of the dominances of v's segments divided by
``max(1, total dominance)``: neighbours cross-fade, and the mouth eases in from and back to rest.
Segments shorter than ``min_duration_s`` are widened around their centre, so a 20 ms phoneme
cannot make the mouth flap for one frame. Bilabials (PP) and labiodentals (FF) get more strength
k (dominance k * ramp**k: higher peak, steeper ramps): lips must visibly close on m/b/p even between
two open vowels, and open again quickly.

The weights are evaluated once on a fixed grid (``GRID_HZ``) and sampled by linear interpolation,
so any time ``t`` gives a deterministic answer, independent of the frame rate.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tts_bridge.mandarin import pinyin_viseme
from tts_bridge.types import Phoneme, Speech
from tts_bridge.viseme_table import ARKIT_FOLD, N_VISEMES, OPENNESS, VRM_FOLD, Viseme, espeak_viseme

if TYPE_CHECKING:
    from tts_bridge.analyser import AnalysisFrames

# 200 Hz = 5 ms steps: finer than any phoneme event (espeak reports whole ms, phonemes last >= ~20 ms).
GRID_HZ = 200.0

# Dominance strength per viseme (1 = normal). Closures must win against neighbouring vowels.
_STRENGTH = np.ones(N_VISEMES, dtype=np.float32)
_STRENGTH[Viseme.PP] = 3.0
_STRENGTH[Viseme.FF] = 2.0


@dataclass(frozen=True)
class VisemeOptions:
    """Co-articulation settings.

    anticipation_s: lips start moving toward a viseme this long before it sounds (60 ms; lip
        rounding is anticipated by roughly 50-100 ms in speech production studies).
    release_s: a viseme fades out over this long after it ends (80 ms).
    min_duration_s: segments shorter than this are widened to it (60 ms, about two frames at 30 fps).
    intensity: scales every weight except sil (1.0 = full).
    """

    anticipation_s: float = 0.06
    release_s: float = 0.08
    min_duration_s: float = 0.06
    intensity: float = 1.0


@dataclass(frozen=True)
class VisemeSegment:
    start_s: float
    end_s: float
    viseme: Viseme


def phoneme_viseme(symbol: str, language: str) -> Viseme:
    """Map one phoneme symbol to a viseme (pinyin first for Mandarin, then the espeak table)."""
    if language.lower().startswith(("cmn", "zh")):
        v = pinyin_viseme(symbol)
        if v is not None:
            return v
    return espeak_viseme(symbol)


def viseme_segments(phonemes: Sequence[Phoneme], language: str) -> list[VisemeSegment]:
    """One segment per run of equal visemes, in time order."""
    out: list[VisemeSegment] = []
    for p in sorted(phonemes, key=lambda p: p.start_s):
        v = phoneme_viseme(p.symbol, language)
        if out and out[-1].viseme == v and abs(out[-1].end_s - p.start_s) < 1e-3:
            out[-1] = VisemeSegment(out[-1].start_s, p.end_s, v)
        elif p.end_s > p.start_s:
            out.append(VisemeSegment(p.start_s, p.end_s, v))
    return out


class VisemeTrack:
    """Viseme weights over time; sample with ``weights(t)`` or export per-frame arrays."""

    def __init__(self, grid: np.ndarray, duration_s: float) -> None:
        """``grid``: float32 (N, 15) weights at times ``i / GRID_HZ``."""
        grid = np.array(grid, dtype=np.float32)
        if grid.ndim != 2 or grid.shape[1] != N_VISEMES:
            raise ValueError(f"VisemeTrack grid must have shape (N, {N_VISEMES}), got {grid.shape}")
        grid.setflags(write=False)
        self._grid = grid
        self.duration_s = float(duration_s)

    @classmethod
    def from_speech(cls, speech: Speech, options: VisemeOptions = VisemeOptions()) -> "VisemeTrack":
        return cls.from_phonemes(speech.phonemes, speech.language, speech.duration_s, options)

    @classmethod
    def from_phonemes(
        cls, phonemes: Sequence[Phoneme], language: str, duration_s: float, options: VisemeOptions = VisemeOptions()
    ) -> "VisemeTrack":
        segments = viseme_segments(phonemes, language)
        n = int(np.ceil(duration_s * GRID_HZ)) + 1
        t = np.arange(n, dtype=np.float64) / GRID_HZ
        dominance = np.zeros((n, N_VISEMES), dtype=np.float64)
        for seg in segments:
            start, end = seg.start_s, seg.end_s
            if seg.viseme != Viseme.sil and end - start < options.min_duration_s:
                centre = 0.5 * (start + end)
                start, end = centre - 0.5 * options.min_duration_s, centre + 0.5 * options.min_duration_s
            a = max(options.anticipation_s, 1e-6)
            r = max(options.release_s, 1e-6)
            lo = max(0, int(np.floor((start - a) * GRID_HZ)))
            hi = min(n, int(np.ceil((end + r) * GRID_HZ)) + 1)
            if hi <= lo:
                continue
            tt = t[lo:hi]
            d = np.minimum(np.clip((tt - (start - a)) / a, 0.0, 1.0), np.clip(((end + r) - tt) / r, 0.0, 1.0))
            k = _STRENGTH[seg.viseme]
            # Strong visemes peak higher but ramp more steeply (d**k): lips close and part quickly,
            # so a bilabial wins its own frames without dragging over the neighbouring vowels.
            dominance[lo:hi, seg.viseme] += k * d**k
        total = dominance.sum(axis=1, keepdims=True)
        weights = dominance / np.maximum(total, 1.0)
        # Where nothing is active, the mouth rests (sil).
        weights[:, Viseme.sil] += np.clip(1.0 - weights.sum(axis=1), 0.0, 1.0)
        if options.intensity != 1.0:
            speech_part = weights[:, 1:] * options.intensity
            weights[:, 1:] = speech_part
            weights[:, Viseme.sil] = np.clip(1.0 - speech_part.sum(axis=1), 0.0, 1.0)
        return cls(weights.astype(np.float32), duration_s)

    @property
    def grid(self) -> np.ndarray:
        return self._grid

    def sample(self, times_s: np.ndarray) -> np.ndarray:
        """float32 (len(times), 15) weights; times outside the track give rest (sil = 1)."""
        times = np.asarray(times_s, dtype=np.float64).reshape(-1)
        pos = times * GRID_HZ
        i0 = np.clip(np.floor(pos).astype(np.int64), 0, len(self._grid) - 1)
        i1 = np.clip(i0 + 1, 0, len(self._grid) - 1)
        f = np.clip(pos - i0, 0.0, 1.0)[:, None]
        out = (self._grid[i0] * (1.0 - f) + self._grid[i1] * f).astype(np.float32)
        outside = (times < 0) | (times > self.duration_s)
        out[outside] = 0.0
        out[outside, Viseme.sil] = 1.0
        return out

    def weights(self, t: float) -> np.ndarray:
        """float32 (15,) viseme weights at time ``t`` seconds."""
        return self.sample(np.array([t]))[0]

    def frame_times(self, fps: float) -> np.ndarray:
        return np.arange(int(np.floor(self.duration_s * fps)) + 1, dtype=np.float64) / fps

    def frames(self, fps: float) -> np.ndarray:
        """(n_frames, 15) weights at t = i / fps, i = 0 .. floor(duration * fps)."""
        return self.sample(self.frame_times(fps))

    def openness(self, times_s: np.ndarray) -> np.ndarray:
        return self.sample(times_s) @ OPENNESS

    def vrm(self, times_s: np.ndarray) -> np.ndarray:
        """(N, 5) VRM aa/ih/ou/ee/oh weights (``VRMMouth`` order), clamped to [0, 1]."""
        return np.clip(self.sample(times_s) @ VRM_FOLD, 0.0, 1.0)

    def arkit(self, times_s: np.ndarray) -> np.ndarray:
        """(N, len(ARKIT_MOUTH_NAMES)) ARKit mouth weights, clamped to [0, 1]."""
        return np.clip(self.sample(times_s) @ ARKIT_FOLD, 0.0, 1.0)


def track_from_analysis(frames: "AnalysisFrames", duration_s: float) -> VisemeTrack:
    """A VisemeTrack from audio-analyser frames (``tts_bridge.analyser.AnalysisFrames``)."""
    weights = frames.viseme_weights()
    n = int(np.ceil(duration_s * GRID_HZ)) + 1
    grid_t = np.arange(n) / GRID_HZ
    src_t = np.asarray(frames.times_s) if len(frames) else np.array([0.0])
    if not len(frames):
        weights = np.zeros((1, N_VISEMES), np.float32)
        weights[0, Viseme.sil] = 1.0
    grid = np.stack([np.interp(grid_t, src_t, weights[:, k]) for k in range(N_VISEMES)], axis=1)
    return VisemeTrack(grid.astype(np.float32), duration_s)


def track_for_speech(speech: Speech, options: VisemeOptions = VisemeOptions()) -> VisemeTrack:
    """Phoneme-timed track when the speech has phonemes, else the audio analyser's track."""
    if speech.phonemes:
        return VisemeTrack.from_speech(speech, options)
    from tts_bridge.analyser import analyse

    return track_from_analysis(analyse(speech.audio, speech.sample_rate), speech.duration_s)
