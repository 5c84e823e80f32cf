"""Frames in, `Tracking` out: sources, MediaPipe trackers, models, smoothing, mocap clips, VMC."""
