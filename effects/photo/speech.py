"""A talking photo: the mouth follows the visemes of speech (text through tts_bridge's TTS, or
a recording), with the idle motion (blinks, sway) layered underneath."""
from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

import numpy as np

from effects.photo.errors import PhotoError
from effects.photo.motion import MotionState, MotionTrack, hold, parse_motion
from tts_bridge.types import Speech, VoiceOptions
from tts_bridge.viseme_table import ARKIT_MOUTH_NAMES
from tts_bridge.viseme_track import VisemeTrack, track_for_speech

# Viseme openness (0..1, 1 = "aa") -> our jaw weight. 0.75 keeps the widest vowels at a natural
# opening on the shared portraits (our jaw weight 1 is a wide-open mouth).
SPEECH_JAW_GAIN = 0.75
SPEECH_SMILE_GAIN = 0.6  # ARKit mouthSmile of "ee"/"ih"/"s" visemes -> our smile weight
TAIL_S = 0.4  # the mouth settles (and the voice's last release fades) after the audio ends
# The voice starts this late, so the first frame is the photo at rest and the lips can
# anticipate the first viseme (co-articulation starts ~60 ms before the sound).
LEAD_S = 0.25
_SMILE = [ARKIT_MOUTH_NAMES.index("mouthSmileLeft"), ARKIT_MOUTH_NAMES.index("mouthSmileRight")]


class SpeechMotion(MotionTrack):
    """Visemes drive the jaw and mouth corners; `base` (idle by default) the rest."""

    def __init__(self, visemes: VisemeTrack, duration_s: float, base: MotionTrack) -> None:
        self.visemes = visemes
        self.base = base
        self.duration_s = duration_s

    def at(self, t: float) -> MotionState:
        base = self.base.at(t % self.base.duration_s) if self.base.duration_s > 0 else MotionState()
        # the idle motion fades out over the tail, so the clip ends at rest (and --loop closes)
        fade = hold(t, 0.0, 1e-6, self.duration_s - TAIL_S, TAIL_S - 0.02)
        base = MotionState(*(fade * v for v in astuple(base)))
        ts = t - LEAD_S
        jaw = smile = 0.0
        if 0.0 <= ts <= self.visemes.duration_s:
            times = np.array([ts])
            jaw = float(self.visemes.openness(times)[0]) * SPEECH_JAW_GAIN
            smile = float(self.visemes.arkit(times)[0, _SMILE].mean()) * SPEECH_SMILE_GAIN
            # ease in / out over the first and last 60 ms so the mouth never jumps
            ramp = min(ts, self.visemes.duration_s - ts) / 0.06
            jaw, smile = jaw * min(ramp, 1.0), smile * min(ramp, 1.0)
        mouth = MotionState(jaw=jaw, smile=smile)
        return base.plus(mouth).clamped()


def synthesize(text: str | None, audio: Path | None, voice: VoiceOptions = VoiceOptions()) -> Speech:
    if audio is not None:
        if not Path(audio).is_file():
            raise PhotoError(f"--audio {audio}: file not found; give a WAV, FLAC or OGG recording")
        from tts_bridge.recorded import RecordedVoice
        return RecordedVoice(audio).synthesize(text or "", voice)
    if not text or not text.strip():
        raise PhotoError("--say needs some text, e.g. --say \"Hello, I am your grandfather\"")
    from tts_bridge.backends import make_backend
    return make_backend(voice).synthesize(text, voice)


def speech_track(text: str | None = None, audio: Path | None = None, motion: str | None = None,
                 voice: VoiceOptions = VoiceOptions()) -> tuple[SpeechMotion, tuple[np.ndarray, int]]:
    """The motion track and (mono float32 samples, sample rate) for the video's soundtrack."""
    speech = synthesize(text, audio, voice)
    track = SpeechMotion(track_for_speech(speech), LEAD_S + speech.duration_s + TAIL_S,
                         parse_motion(motion or "idle"))
    lead = np.zeros(int(round(LEAD_S * speech.sample_rate)), np.float32)
    return track, (np.concatenate([lead, np.asarray(speech.audio, np.float32)]), speech.sample_rate)
