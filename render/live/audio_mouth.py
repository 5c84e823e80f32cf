"""Mouth from audio: live audio blocks through tts_bridge's StreamingAnalyser (16 ms look-ahead),
each analysed frame placed on the monotonic clock the blocks carry, and a speech gate with
hysteresis: while speaking, the avatar driver's viseme channel owns the mouth (it outranks
tracking in the expression mixer); in silence the channel is off and the tracked mouth shows.

`push` runs on the audio tap's thread, `visemes_at` on the GL thread; a lock guards the frames."""
from __future__ import annotations

import bisect
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from render.live.audio_input import AudioBlock, AudioInputError
from render.live.audio_track import RESYNC_S
from tts_bridge.analyser import AnalysisFrames, StreamingAnalyser
from tts_bridge.viseme_table import ARKIT_FOLD, ARKIT_MOUTH_NAMES, VRM_FOLD, VRMMouth

# Speech gate on the analyser's openness (0 = resting mouth at the noise floor + 12 dB, 1 = vowel
# nuclei near the running peak). Speech starts above SPEECH_ON and ends after HOLD_S below
# SPEECH_OFF: longer than the closures inside and between words (p, b, m: 50-150 ms), so the mouth
# does not flap between the audio and the camera within a sentence.
SPEECH_ON = 0.15
SPEECH_OFF = 0.05
HOLD_S = 0.25
HISTORY_S = 2.0  # frames kept: the picture's time lags the newest audio by the pipeline latency (<= 1 s)
STALE_S = 0.25  # no frame this recent (the input stopped, a voice-over ended): the mouth is not audio-driven
MAX_GAP_S = 1.0  # blocks missing for longer re-anchor the clock instead of being filled with silence
_VRM_NAMES = tuple(m.name for m in VRMMouth)


@dataclass(frozen=True)
class MouthFrame:
    time: float  # time.monotonic() seconds of the sound this frame describes
    visemes: np.ndarray  # (15,) Oculus viseme weights (tts_bridge.viseme_table.Viseme order)
    openness: float
    speaking: bool


class AudioMouth:
    def __init__(self, sample_rate: int) -> None:
        try:
            self._analyser = StreamingAnalyser(sample_rate)
        except ValueError as exc:  # below 8 kHz
            raise AudioInputError(f"mouth from audio: {exc}") from exc
        self.sample_rate = sample_rate
        self._t0: float | None = None  # time of the first sample pushed
        self._pushed = 0
        self._speaking = False
        self._quiet_since: float | None = None
        self._frames: deque[MouthFrame] = deque()
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    @property
    def clock_start(self) -> float | None:
        """time.monotonic() of the first sample analysed (None before any)."""
        return self._t0

    def push(self, block: AudioBlock) -> None:
        """Analyse a block (the tap's thread). Blocks are laid end to end like the recorder's
        AudioTrack does; a gap (dropped blocks) becomes silence, a jump re-anchors the clock."""
        samples = np.asarray(block.samples, np.float32).reshape(-1)
        if self._t0 is None:
            self._t0 = block.started_at
        drift = block.started_at - (self._t0 + self._pushed / self.sample_rate)
        if RESYNC_S < drift <= MAX_GAP_S:
            gap = np.zeros(int(round(drift * self.sample_rate)), np.float32)
            self._add(self._analyser.push(gap))
            self._pushed += len(gap)
        elif abs(drift) > RESYNC_S:
            self._t0 += drift
        self._add(self._analyser.push(samples))
        self._pushed += len(samples)

    def _add(self, frames: AnalysisFrames) -> None:
        if not len(frames):
            return
        assert self._t0 is not None
        weights = frames.viseme_weights()
        new = []
        for i, (t, openness) in enumerate(zip(frames.times_s, frames.openness)):
            when = self._t0 + float(t)
            new.append(MouthFrame(when, weights[i], float(openness), self._gate(when, float(openness))))
        with self._lock:
            for frame in new:
                self._frames.append(frame)
                self._times.append(frame.time)
            while self._times and self._times[0] < new[-1].time - HISTORY_S:
                self._frames.popleft()
                self._times.popleft()

    def _gate(self, t: float, openness: float) -> bool:
        if openness >= SPEECH_ON:
            self._speaking, self._quiet_since = True, None
        elif openness < SPEECH_OFF:
            if self._quiet_since is None:
                self._quiet_since = t
            if t - self._quiet_since >= HOLD_S:
                self._speaking = False
        else:
            self._quiet_since = None
        return self._speaking

    def frame_at(self, t: float) -> MouthFrame | None:
        """The newest analysed frame at or before `t` (time.monotonic() seconds), unless stale."""
        with self._lock:
            i = bisect.bisect_right(self._times, t) - 1
            frame = self._frames[i] if i >= 0 else None
        if frame is None or t - frame.time > STALE_S:
            return None
        return frame

    def visemes_at(self, t: float, perfect_sync: bool) -> dict[str, float] | None:
        """Mouth weights for the viseme channel at time `t`: VRM aa/ih/ou/ee/oh, or ARKit mouth shapes
        for perfect-sync avatars; None outside speech (the channel fades out, tracking shows)."""
        frame = self.frame_at(t)
        if frame is None or not frame.speaking:
            return None
        names, fold = (ARKIT_MOUTH_NAMES, ARKIT_FOLD) if perfect_sync else (_VRM_NAMES, VRM_FOLD)
        values = np.clip(frame.visemes @ fold, 0.0, 1.0)
        return {name: float(v) for name, v in zip(names, values)}
