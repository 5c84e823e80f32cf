"""Notes on a valid script: things a writer should know that are not errors."""
from __future__ import annotations

from render.script.errors import ScriptIssue
from render.script.model import Say, Script


def script_notes(script: Script) -> tuple[ScriptIssue, ...]:
    """One note per recorded take without transcript: its lip sync comes from the audio analyser
    and it shows no subtitles (there are no words to show)."""
    return tuple(
        ScriptIssue(str(script.path), beat.line, ("beats", beat.index, "say"),
                    f"{beat.audio.name} has no transcript: the mouth follows the audio, and this beat has no subtitles")
        for beat in script.beats if isinstance(beat, Say) and beat.untranscribed
    )
