"""Pick the backend for a set of voice options."""
from __future__ import annotations

from tts_bridge.types import TTSBackend, VoiceOptions


def make_backend(options: VoiceOptions) -> TTSBackend:
    """Piper when ``options.model_path`` is set, else espeak-ng."""
    if options.model_path:
        from tts_bridge.piper import PiperBackend

        return PiperBackend(options.model_path)
    from tts_bridge.espeak import EspeakBackend

    return EspeakBackend()
