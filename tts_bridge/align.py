"""Time a transcript's phonemes against a recording (forced alignment without a speech model).

1. Synthesise the transcript with espeak-ng (same language): a reference with exact phoneme times.
2. Describe both signals every 10 ms with the same features: log energies in 24 mel-spaced bands
   from 100 Hz up to the lower Nyquist of the two (so 8 kHz telephone audio and 22 kHz TTS compare),
   each band normalised per utterance (mean 0, std 1) to remove speaker and channel colour.
3. Dynamic time warping over the whole of both signals (the reference padded with 0.5 s of silence on
   each side, plus seeded white noise at the recording's signal-to-noise ratio, so silences pair
   with silences), then carry every reference boundary
   through the warping path.

DTW with spectral features is speaker-independent enough to place words within a few tens of ms
on clean read speech (measured on vosk_test.wav against Vosk's word times; see docs/tts.md).
"""
from __future__ import annotations

import numpy as np

from tts_bridge.types import Phoneme, Speech, Word

HOP_S = 0.010
MAX_DTW_CELLS = 9_000_000
WINDOW_S = 0.025
N_BANDS = 24
LOW_HZ = 100.0
# Silence added around the reference so the recording's leading/trailing silence has a partner.
REFERENCE_PAD_S = 0.5


def _mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def features(audio: np.ndarray, sample_rate: int, top_hz: float, hop_s: float = HOP_S) -> tuple[np.ndarray, np.ndarray]:
    """(frames, N_BANDS + 1) normalised log-band energies + log energy, and per-frame level dB."""
    hop = int(round(hop_s * sample_rate))
    win = int(round(WINDOW_S * sample_rate))
    n_fft = 1 << int(np.ceil(np.log2(win)))
    padded = np.concatenate([np.zeros(win // 2, np.float32), audio, np.zeros(win, np.float32)])
    n = max(1, (len(padded) - win) // hop + 1)
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    frames = padded[idx] * np.hanning(win).astype(np.float32)
    spec = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    edges = np.linspace(_mel(np.array(LOW_HZ)), _mel(np.array(top_hz)), N_BANDS + 2)
    edges_hz = 700.0 * (10 ** (edges / 2595.0) - 1.0)
    fb = np.zeros((N_BANDS, len(freqs)), np.float32)
    for b in range(N_BANDS):
        lo, mid, hi = edges_hz[b], edges_hz[b + 1], edges_hz[b + 2]
        fb[b] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)
    bands = np.log(spec @ fb.T + 1e-10)
    level_db = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    feats = np.concatenate([bands, level_db[:, None] / 10.0], axis=1)
    return feats, level_db


def _normalise(feats: np.ndarray) -> np.ndarray:
    return (feats - feats.mean(axis=0)) / (feats.std(axis=0) + 1e-6)


def dtw_path(cost: np.ndarray) -> np.ndarray:
    """Minimum-cost monotonic path through ``cost`` (N, M): (K, 2) index pairs from (0,0) to (N-1,M-1).

    Row recurrence D[i,j] = c[i,j] + min(D[i-1,j-1], D[i-1,j], D[i,j-1]) solved per row with a
    cumulative-min (D[i,j] = S_j + min_k<=j (a_k - S_{k-1}), S = cumsum of row i), so it is
    vectorised over j.
    """
    n, m = cost.shape
    acc = np.empty((n, m), np.float64)
    acc[0] = np.cumsum(cost[0])
    for i in range(1, n):
        prev = acc[i - 1]
        a = np.minimum(prev, np.concatenate([[np.inf], prev[:-1]]))
        s = np.cumsum(cost[i])
        s_prev = np.concatenate([[0.0], s[:-1]])
        acc[i] = s + np.minimum.accumulate(a - s_prev)
    i, j = n - 1, m - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            choices = (acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
            k = int(np.argmin(choices))
            if k == 0:
                i, j = i - 1, j - 1
            elif k == 1:
                i -= 1
            else:
                j -= 1
        path.append((i, j))
    return np.array(path[::-1])


def align_reference(reference: Speech, audio: np.ndarray, sample_rate: int) -> tuple[tuple[Phoneme, ...], tuple[Word, ...]]:
    """Carry ``reference``'s phoneme and word times onto ``audio`` (same words, another voice)."""
    top = min(reference.sample_rate, sample_rate) / 2.0 * 0.95
    pad = int(REFERENCE_PAD_S * reference.sample_rate)
    # Room tone for the synthetic reference: espeak's silence is digital zero, a microphone's is not.
    # DTW holds two (reference x recording) float64 matrices: coarsen the hop for long takes so they
    # stay under MAX_DTW_CELLS (9e6 cells, ~150 MB; 10 ms hops up to ~30 s of speech each side).
    cells = (reference.duration_s + 2 * REFERENCE_PAD_S) * (len(audio) / sample_rate) / HOP_S**2
    hop_s = HOP_S * max(1.0, float(np.sqrt(cells / MAX_DTW_CELLS)))
    rec_f, rec_lv = features(audio, sample_rate, top, hop_s)
    _, ref_lv = features(reference.audio, reference.sample_rate, top, hop_s)
    # Give the reference the recording's signal-to-noise ratio (loud frames vs quiet frames).
    snr_db = np.percentile(rec_lv, 95) - np.percentile(rec_lv, 10)
    noise_db = np.percentile(ref_lv, 95) - snr_db
    noise = np.random.default_rng(0).standard_normal(len(reference.audio) + 2 * pad).astype(np.float32)
    ref_audio = np.concatenate([np.zeros(pad, np.float32), reference.audio, np.zeros(pad, np.float32)])
    ref_audio = ref_audio + noise * np.float32(10 ** (noise_db / 20.0))
    ref_f, _ = features(ref_audio, reference.sample_rate, top, hop_s)
    pad_s = pad / reference.sample_rate
    ref_n = _normalise(ref_f)
    rec_n = _normalise(rec_f)
    # Euclidean distances via |a|^2 + |b|^2 - 2ab: an (N, M) matrix, never (N, M, features).
    sq = (ref_n**2).sum(axis=1)[:, None] + (rec_n**2).sum(axis=1)[None, :] - 2.0 * (ref_n @ rec_n.T)
    cost = np.sqrt(np.maximum(sq, 0.0))
    path = dtw_path(cost)
    # Reference frame -> mean recording frame it was matched to (monotonic by construction).
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=len(ref_n))
    counts = np.bincount(path[:, 0], minlength=len(ref_n))
    mapped = sums / np.maximum(counts, 1)
    ref_times = np.arange(len(ref_n)) * hop_s - pad_s
    rec_times = mapped * hop_s
    duration = len(audio) / sample_rate

    def warp(t: float) -> float:
        if t <= ref_times[0]:
            return max(0.0, rec_times[0] - (ref_times[0] - t))
        if t >= ref_times[-1]:
            return min(duration, rec_times[-1] + (t - ref_times[-1]))
        return float(np.interp(t, ref_times, rec_times))

    phonemes = [Phoneme(warp(p.start_s), warp(p.end_s), p.symbol) for p in reference.phonemes]
    words = tuple(Word(warp(w.start_s), warp(w.end_s), w.text) for w in reference.words)
    # Silence before the first and after the last phoneme of the recording.
    out = [p for p in phonemes if p.end_s > p.start_s]
    if out and out[0].start_s > 0:
        out.insert(0, Phoneme(0.0, out[0].start_s, "_"))
    if out and out[-1].end_s < duration:
        out.append(Phoneme(out[-1].end_s, duration, "_"))
    return tuple(out), words
