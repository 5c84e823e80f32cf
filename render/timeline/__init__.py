"""The offline timeline: a script's beats turned into frames, audio and subtitles."""
