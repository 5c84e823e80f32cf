"""MediaPipe Tasks trackers with one API shape (see base.py) and float32 result types."""
from capture.trackers.base import RunningMode, TrackerModeError
from capture.trackers.face import FaceResult, FaceTracker, FaceTrackerOptions
from capture.trackers.hands import HandResult, HandTracker, HandTrackerOptions
from capture.trackers.pose import PoseResult, PoseTracker, PoseTrackerOptions
from capture.trackers.segmenter import PersonSegmenter, SegmenterOptions

__all__ = ["RunningMode", "TrackerModeError", "FaceResult", "FaceTracker", "FaceTrackerOptions",
           "HandResult", "HandTracker", "HandTrackerOptions", "PoseResult", "PoseTracker",
           "PoseTrackerOptions", "PersonSegmenter", "SegmenterOptions"]
