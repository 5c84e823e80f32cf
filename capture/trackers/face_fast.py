"""Fast result path for FaceLandmarker: read MediaPipe's C result straight into float32 arrays.

MediaPipe 1.2.2's Python API converts each result into one Python object per landmark
(478 NormalizedLandmark + 52 Category objects per face) before we copy them into arrays again.
This module calls the same C entry points the Python API calls (MpFaceLandmarkerDetectImage /
DetectForVideo / CloseResult, through the task's own `_lib` and `_handle`) and views the C
structs as numpy arrays instead, so no per-landmark Python object is ever made.

It relies on MediaPipe internals, so it is feature-detected: `supported(task)` is False when
the struct layout or attributes differ, and FaceTracker then uses the public API. A test checks
that both paths give identical arrays on real frames.
"""
from __future__ import annotations

import ctypes

import numpy as np
from mediapipe.tasks.python.components.containers import category_c, landmark_c
from mediapipe.tasks.python.vision import face_landmarker as mp_face

from capture.types import NUM_BLENDSHAPES, NUM_FACE_LANDMARKS

_LM = landmark_c.MpNormalizedLandmarkC
_CAT = category_c.MpCategoryC
_F32 = ctypes.sizeof(ctypes.c_float)


def _layout_ok() -> bool:
    return (ctypes.sizeof(_LM) % _F32 == 0 and ctypes.sizeof(_CAT) % _F32 == 0
            and _LM.x.offset % _F32 == 0 and _CAT.score.offset % _F32 == 0
            and _LM.y.offset == _LM.x.offset + _F32 and _LM.z.offset == _LM.y.offset + _F32)


_LAYOUT_OK = _layout_ok()
_LM_STRIDE = ctypes.sizeof(_LM) // _F32  # floats per landmark struct
_LM_X = _LM.x.offset // _F32
_CAT_STRIDE = ctypes.sizeof(_CAT) // _F32
_CAT_SCORE = _CAT.score.offset // _F32


def supported(task: object) -> bool:
    lib = getattr(task, "_lib", None)
    return (_LAYOUT_OK and getattr(task, "_handle", None) is not None
            and hasattr(mp_face, "MpFaceLandmarkerResultC")
            and all(hasattr(lib, n) for n in ("MpFaceLandmarkerDetectImage",
                                                "MpFaceLandmarkerDetectForVideo",
                                                "MpFaceLandmarkerCloseResult")))


def _floats(pointer: ctypes._Pointer, count: int) -> np.ndarray:
    address = ctypes.cast(pointer, ctypes.c_void_p).value
    buffer = (ctypes.c_float * count).from_address(address)
    return np.frombuffer(buffer, dtype=np.float32)


def _read(result: "mp_face.MpFaceLandmarkerResultC") -> list[tuple[np.ndarray, np.ndarray | None,
                                                                   np.ndarray | None]]:
    faces = []
    for i in range(result.face_landmarks_count):
        lms = result.face_landmarks[i]
        n = lms.landmarks_count
        if n != NUM_FACE_LANDMARKS:
            raise ValueError(f"expected {NUM_FACE_LANDMARKS} face landmarks, got {n}")
        raw = _floats(lms.landmarks, n * _LM_STRIDE).reshape(n, _LM_STRIDE)
        landmarks = raw[:, _LM_X:_LM_X + 3].copy()  # copy: the C memory is freed on close
        blend = None
        if i < result.face_blendshapes_count:
            cats = result.face_blendshapes[i]
            m = cats.categories_count
            if m != NUM_BLENDSHAPES:
                raise ValueError(f"expected {NUM_BLENDSHAPES} blendshapes, got {m}")
            blend = _floats(cats.categories, m * _CAT_STRIDE).reshape(m, _CAT_STRIDE)[
                :, _CAT_SCORE].copy()
        matrix = None
        if i < result.facial_transformation_matrixes_count:
            matrix = result.facial_transformation_matrixes[i].to_numpy()
        faces.append((landmarks, blend, matrix))
    return faces


def detect(task: object, image_ptr: ctypes.c_void_p, timestamp_ms: int | None
           ) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Run the task on an mp.Image's pointer (IMAGE mode when timestamp_ms is None, else VIDEO)
    and return (landmarks (478,3), blendshapes (52,) or None, matrix (4,4) or None) per face."""
    lib = task._lib  # type: ignore[attr-defined]
    result = mp_face.MpFaceLandmarkerResultC()
    if timestamp_ms is None:
        lib.MpFaceLandmarkerDetectImage(task._handle, image_ptr, None,  # type: ignore[attr-defined]
                                        ctypes.byref(result))
    else:
        lib.MpFaceLandmarkerDetectForVideo(task._handle, image_ptr, None,  # type: ignore[attr-defined]
                                           timestamp_ms, ctypes.byref(result))
    try:
        return _read(result)
    finally:
        lib.MpFaceLandmarkerCloseResult(ctypes.byref(result))
