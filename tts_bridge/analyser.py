"""Audio-only lip sync: mouth openness and vowel shape from energy and spectrum.

For recorded speech without a transcript, and for a live microphone. Frames are 10 ms apart;
each uses a 32 ms Hann window centred on its time, so the look-ahead is 16 ms (<= 50 ms, the
budget for live use). Everything after the window is causal: the level normalisation tracks a
decaying peak and a slowly rising noise floor, and openness is smoothed with a fast attack and
a slower release. ``analyse()`` (offline) runs the same streaming code on the whole buffer, so
live and offline give identical frames.

Features per frame:
* level (dB RMS) -> openness: 0 at the noise floor + ``GATE_DB``, 1 at the running peak.
* high-frequency ratio (energy above 3.5 kHz / total): fricatives (s, sh, f) are loud but the jaw
  is nearly closed, so openness is reduced by this ratio.
* vowel shape on a back-to-front scale ou - oh - aa - E - ih ("brightness" 0..1, triangular
  weights): frontness from the centroid of the log spectrum (F2), openness-vs-rounding from the
  centroid of the power spectrum (F1), both over 200-3500 Hz.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tts_bridge.viseme_table import N_VISEMES, Viseme

HOP_S = 0.010
WINDOW_S = 0.032
LOOKAHEAD_S = WINDOW_S / 2
# Normalisation: the running peak falls 6 dB per second of quieter speech; the floor rises 3 dB/s
# through speech and drops at once to quieter frames (classic minimum-statistics noise tracking).
PEAK_DECAY_DB_PER_S = 6.0
FLOOR_RISE_DB_PER_S = 3.0
# The floor never goes below this (dBFS): digital silence must not make -50 dB room tone look loud.
FLOOR_MIN_DBFS = -60.0
# The floor starts at the first frame's level, up to this: a take that opens on room tone (-45 dB,
# say) would otherwise read 15 dB above a -60 dB floor and open the mouth until the slow rise caught
# up, while a take that opens on speech (louder than this) still opens it at once.
FLOOR_START_MAX_DBFS = -35.0
# Level above the noise floor where the mouth starts to open; below it the mouth rests.
GATE_DB = 12.0
# Speech dynamics used: anything this far under the running peak is a closed mouth (read speech spans
# about 30 dB from vowels to weak consonants).
DYNAMIC_RANGE_DB = 30.0
# The mouth is fully open this far below the running peak (vowel nuclei sit within ~6 dB of it).
FULL_OPEN_BELOW_PEAK_DB = 6.0
# Absolute silence: frames quieter than this (dBFS) are closed whatever the normalisation says.
SILENCE_DBFS = -60.0
HF_SPLIT_HZ = 3500.0
SHAPE_BAND_HZ = (200.0, 3500.0)
# Vowel shape (measured on espeak-ng vowels, male and female voices): the linear-power centroid of
# 200-3500 Hz is ~570 Hz for /u/ and ~950 Hz for /a/ (F1 rises as the jaw opens); the centroid of the
# log spectrum (top 40 dB) is ~1400 Hz for back vowels and ~2200 Hz for /i/ (F2 of front vowels).
OPEN_RANGE_HZ = (550.0, 950.0)
FRONT_RANGE_HZ = (1450.0, 2150.0)
LOG_RANGE_DB = 40.0
ATTACK_S = 0.010
RELEASE_S = 0.040

# Vowel visemes along the brightness scale (0 = dark/back/rounded, 1 = bright/front/spread).
SHAPE_VISEMES = (Viseme.ou, Viseme.oh, Viseme.aa, Viseme.E, Viseme.ih)


@dataclass(frozen=True)
class AnalysisFrames:
    """Analyser output: per-frame time, openness (0..1), brightness (0..1), level (dBFS)."""

    times_s: np.ndarray
    openness: np.ndarray
    brightness: np.ndarray
    level_db: np.ndarray

    def __post_init__(self) -> None:
        for name in ("times_s", "openness", "brightness", "level_db"):
            arr = np.array(getattr(self, name), dtype=np.float32 if name != "times_s" else np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return len(self.times_s)

    def viseme_weights(self) -> np.ndarray:
        """(N, 15) viseme weights: sil = 1 - openness, the rest split over the vowel shape."""
        n = len(self.times_s)
        w = np.zeros((n, N_VISEMES), dtype=np.float32)
        pos = self.brightness * (len(SHAPE_VISEMES) - 1)
        for k, viseme in enumerate(SHAPE_VISEMES):
            w[:, viseme] = np.clip(1.0 - np.abs(pos - k), 0.0, 1.0) * self.openness
        w[:, Viseme.sil] = 1.0 - self.openness
        return w


def _concat(frames: list[AnalysisFrames]) -> AnalysisFrames:
    return AnalysisFrames(
        np.concatenate([f.times_s for f in frames]) if frames else np.zeros(0),
        np.concatenate([f.openness for f in frames]) if frames else np.zeros(0),
        np.concatenate([f.brightness for f in frames]) if frames else np.zeros(0),
        np.concatenate([f.level_db for f in frames]) if frames else np.zeros(0),
    )


class StreamingAnalyser:
    """Feed audio chunks of any size with ``push``; get the frames that became complete.

    Frame k is at ``k * HOP_S`` and needs samples up to ``k * HOP_S + LOOKAHEAD_S``.
    """

    def __init__(self, sample_rate: int) -> None:
        if sample_rate < 8000:
            raise ValueError(f"sample_rate {sample_rate} Hz is too low for lip sync; use >= 8000 Hz")
        self.sample_rate = int(sample_rate)
        self.hop = int(round(HOP_S * sample_rate))
        self.win = int(round(WINDOW_S * sample_rate))
        self.half = self.win // 2
        self._window = np.hanning(self.win).astype(np.float32)
        # Zero-pad to a power of two: 32 ms at 44.1 kHz is 1411 samples (17 x 83), a slow FFT size.
        self.n_fft = 1 << int(np.ceil(np.log2(self.win)))
        freqs = np.fft.rfftfreq(self.n_fft, 1.0 / sample_rate)
        self._hf = freqs >= HF_SPLIT_HZ
        self._band = (freqs >= SHAPE_BAND_HZ[0]) & (freqs <= SHAPE_BAND_HZ[1])
        self._band_freqs = freqs[self._band].astype(np.float32)
        # Start with half a window of zeros so frame 0 is centred on t = 0.
        self._buffer = np.zeros(self.half, dtype=np.float32)
        self._next_frame = 0
        self._consumed = 0  # samples dropped from the front of _buffer (absolute index of _buffer[0]) minus half
        self._peak_db = -40.0
        self._floor_db: float | None = None  # set from the first frame (FLOOR_START_MAX_DBFS)
        self._open = 0.0

    def push(self, chunk: np.ndarray) -> AnalysisFrames:
        chunk = np.asarray(chunk, dtype=np.float32).reshape(-1)
        self._buffer = np.concatenate([self._buffer, chunk])
        n_ready = (len(self._buffer) - self.win) // self.hop + 1 if len(self._buffer) >= self.win else 0
        if n_ready <= 0:
            return _concat([])
        idx = np.arange(self.win)[None, :] + self.hop * np.arange(n_ready)[:, None]
        frames = self._buffer[idx] * self._window
        drop = n_ready * self.hop
        self._buffer = self._buffer[drop:]
        return self._features(frames)

    def flush(self) -> AnalysisFrames:
        """Pad the end with silence so the last real samples get their frames."""
        return self.push(np.zeros(self.half + self.hop, dtype=np.float32))

    def _features(self, frames: np.ndarray) -> AnalysisFrames:
        n = len(frames)
        times = (self._next_frame + np.arange(n)) * (self.hop / self.sample_rate)
        self._next_frame += n
        spec = np.abs(np.fft.rfft(frames, n=self.n_fft, axis=1)) ** 2
        power = spec.sum(axis=1) + 1e-12
        # RMS of the windowed frame, corrected for the Hann window's mean square (0.375).
        level_db = 10.0 * np.log10(np.mean(frames**2, axis=1) / 0.375 + 1e-12)
        hf_ratio = spec[:, self._hf].sum(axis=1) / power
        band = spec[:, self._band]
        # Linear-power centroid follows F1 (jaw opening, rounding); the centroid of the log spectrum
        # (top 40 dB) is not dominated by the F1 peak and follows F2 (front vowels).
        centroid = (band * self._band_freqs).sum(axis=1) / (band.sum(axis=1) + 1e-12)
        band_db = 10.0 * np.log10(band + 1e-12)
        band_db = np.clip(band_db - (band_db.max(axis=1, keepdims=True) - LOG_RANGE_DB), 0.0, None)
        log_centroid = (band_db * self._band_freqs).sum(axis=1) / (band_db.sum(axis=1) + 1e-12)
        front = np.clip((log_centroid - FRONT_RANGE_HZ[0]) / (FRONT_RANGE_HZ[1] - FRONT_RANGE_HZ[0]), 0, 1)
        open_ = np.clip((centroid - OPEN_RANGE_HZ[0]) / (OPEN_RANGE_HZ[1] - OPEN_RANGE_HZ[0]), 0, 1)
        # Position on the ou - oh - aa - E - ih scale (0..4), as brightness 0..1.
        brightness = (4.0 * front + 2.0 * open_ * (1.0 - front)) / 4.0
        openness = np.empty(n, dtype=np.float32)
        dt = HOP_S
        a_att = 1.0 - np.exp(-dt / ATTACK_S)
        a_rel = 1.0 - np.exp(-dt / RELEASE_S)
        if self._floor_db is None and n:
            self._floor_db = min(max(float(level_db[0]), FLOOR_MIN_DBFS), FLOOR_START_MAX_DBFS)
        peak, floor, current = self._peak_db, self._floor_db, self._open
        for i in range(n):  # causal trackers: cheap scalar math, ~1 us per frame
            lv = float(level_db[i])
            peak = max(lv, peak - PEAK_DECAY_DB_PER_S * dt, floor + GATE_DB + FULL_OPEN_BELOW_PEAK_DB)
            floor = max(lv if lv < floor else floor + FLOOR_RISE_DB_PER_S * dt, FLOOR_MIN_DBFS)
            lo = max(floor + GATE_DB, peak - DYNAMIC_RANGE_DB)
            hi = max(peak - FULL_OPEN_BELOW_PEAK_DB, lo + 1.0)
            target = 0.0 if lv < SILENCE_DBFS else min(max((lv - lo) / (hi - lo), 0.0), 1.0)
            target *= 1.0 - min(float(hf_ratio[i]) * 1.5, 0.8)
            current += (a_att if target > current else a_rel) * (target - current)
            openness[i] = current
        self._peak_db, self._floor_db, self._open = peak, floor, current
        return AnalysisFrames(times, openness, brightness, level_db)


def analyse(audio: np.ndarray, sample_rate: int) -> AnalysisFrames:
    """Offline analysis of a whole mono buffer (same code and result as streaming)."""
    analyser = StreamingAnalyser(sample_rate)
    duration = len(audio) / sample_rate
    out = _concat([analyser.push(audio), analyser.flush()])
    keep = out.times_s <= duration + 1e-9
    return AnalysisFrames(out.times_s[keep], out.openness[keep], out.brightness[keep], out.level_db[keep])
