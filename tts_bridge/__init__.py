"""Text to speech with phoneme timing, phoneme to viseme mapping, audio-only lip sync.

Backends: ``tts_bridge.espeak.EspeakBackend``, ``tts_bridge.piper.PiperBackend``,
``tts_bridge.recorded.RecordedVoice`` (``tts_bridge.backends.make_backend`` picks one).
Lip sync: ``tts_bridge.viseme_track`` (phoneme-timed) and ``tts_bridge.analyser`` (audio only).
"""
from tts_bridge.types import Phoneme, Speech, TTSBackend, TTSError, UnsupportedLanguageError, VoiceOptions, Word

__all__ = ["Phoneme", "Speech", "TTSBackend", "TTSError", "UnsupportedLanguageError", "VoiceOptions", "Word"]
