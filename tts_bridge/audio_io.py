"""Audio files in and out (soundfile): WAV, FLAC, OGG/Vorbis."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from assets.errors import AssetError

READ_FORMATS = ("WAV", "FLAC", "OGG")


def load_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an audio file as mono float32 in [-1, 1] (channels averaged) and its sample rate."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"audio file not found: {p}")
    try:
        info = sf.info(str(p))
        audio, rate = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AssetError(f"{p}: cannot read audio ({exc}); use WAV, FLAC or OGG/Vorbis") from exc
    if info.format not in READ_FORMATS:
        raise AssetError(f"{p}: audio format {info.format} is not supported; use WAV, FLAC or OGG/Vorbis")
    return np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32), int(rate)


def save_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write mono float32 audio as 16-bit PCM WAV."""
    sf.write(str(path), np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0), int(sample_rate), subtype="PCM_16")
