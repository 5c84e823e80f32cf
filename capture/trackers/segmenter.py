"""Person segmenter: MediaPipe ImageSegmenter (selfie model) -> SegmentationMask (used by effects)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from mediapipe.tasks.python import vision

from capture.trackers.base import MediaPipeTracker, RunningMode, base_options, create_task
from capture.types import SegmentationMask


@dataclass(frozen=True)
class SegmenterOptions:
    """Options of PersonSegmenter.

    model: selfie_segmenter.tflite (one output channel: person confidence).
    result_callback: LIVE_STREAM only.
    """

    model: str = "selfie_segmenter.tflite"
    running_mode: RunningMode = RunningMode.IMAGE
    result_callback: Callable[[SegmentationMask], None] | None = None


def mask_from_mediapipe(result: vision.ImageSegmenterResult, timestamp_s: float) -> SegmentationMask:
    """The person-confidence mask, (H, W) float32 in [0, 1], copied out of MediaPipe's buffer."""
    if not result.confidence_masks:
        raise ValueError("segmenter returned no confidence mask")
    # The selfie model has one channel (person); multiclass models put "person" last.
    view = result.confidence_masks[-1].numpy_view()
    mask = np.array(view, dtype=np.float32).reshape(view.shape[0], view.shape[1])
    np.clip(mask, 0.0, 1.0, out=mask)
    mask.flags.writeable = False
    return SegmentationMask(mask=mask, timestamp_s=timestamp_s)


class PersonSegmenter(MediaPipeTracker[SegmentationMask]):
    """Same API shape as the trackers (detect / detect_for_video / detect_async)."""

    _mp_methods = ("segment", "segment_for_video", "segment_async")

    def __init__(self, options: SegmenterOptions) -> None:
        self.options = options
        self._init_core("PersonSegmenter", options.running_mode, options.result_callback)
        mp_options = vision.ImageSegmenterOptions(
            base_options=base_options(options.model),
            running_mode=options.running_mode.mediapipe,
            output_confidence_masks=True,
            output_category_mask=False,
            result_callback=self._live_callback(),
        )
        self._task = create_task(
            lambda: vision.ImageSegmenter.create_from_options(mp_options), options.model)

    @classmethod
    def create_from_options(cls, options: SegmenterOptions) -> "PersonSegmenter":
        return cls(options)

    def _convert(self, mp_result: object, timestamp_s: float,
                 frame_size: tuple[int, int]) -> SegmentationMask:
        return mask_from_mediapipe(mp_result, timestamp_s)  # type: ignore[arg-type]
