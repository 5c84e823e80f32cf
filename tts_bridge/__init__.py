"""Text to speech with phoneme timing, phoneme to viseme mapping, audio-only lip sync."""
