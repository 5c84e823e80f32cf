"""Living photo: bring a still portrait to life (blink, nod, smile, talk) by landmark-driven
mesh warping on the GPU. See docs/photo.md."""
from effects.photo.animator import AnimatorOptions, PhotoAnimator
from effects.photo.errors import PhotoError
from effects.photo.motion import PRESETS, MotionState, MotionTrack, PresetSequence, parse_motion
from effects.photo.photo import MIN_FACE_PX, Photo, PhotoFace, load_photo
from effects.photo.restore import RestoreOptions

__all__ = ["AnimatorOptions", "PhotoAnimator", "PhotoError", "PRESETS", "MotionState", "MotionTrack",
           "PresetSequence", "parse_motion", "MIN_FACE_PX", "Photo", "PhotoFace", "load_photo",
           "RestoreOptions"]
