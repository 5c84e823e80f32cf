"""The presenter script format: YAML -> validated, resolved ``Script`` -> timed plan (``Timeline``).

Rendering the plan to video lives elsewhere in ``render``; this package only reads, checks and times.
"""
from render.script.errors import ScriptError, ScriptIssue
from render.script.loader import load_script, parse_script
from render.script.model import Script
from render.script.notes import script_notes
from render.script.stage import ActiveGesture, StageState, stage_at
from render.script.timeline import Cue, TimedBeat, Timeline, plan_timeline, to_srt

__all__ = [
    "ActiveGesture", "Cue", "Script", "ScriptError", "ScriptIssue", "StageState", "TimedBeat", "Timeline",
    "load_script", "parse_script", "plan_timeline", "script_notes", "stage_at", "to_srt",
]
