"""Fast result path for FaceLandmarker and PoseLandmarker: MediaPipe's C result straight into
float32 arrays.

MediaPipe 1.2.2's Python API converts each result into one Python object per landmark
(478 NormalizedLandmark + 52 Category objects per face, 66 per body) before we copy them into
arrays again. This module calls the same C entry points the Python API calls
(Mp{Face,Pose}LandmarkerDetectImage / DetectForVideo / CloseResult, through the task's own
`_lib` and `_handle`) and views the C structs as numpy arrays, so no per-landmark Python object
is ever made.

It relies on MediaPipe internals, so it is feature-detected: `face_supported(task)` /
`pose_supported(task)` are False when the struct layout or attributes differ, and the trackers
then use the public API. Tests check that both paths give identical arrays on real frames.
"""
from __future__ import annotations

import ctypes

import numpy as np
from mediapipe.tasks.python.components.containers import category_c, landmark_c
from mediapipe.tasks.python.vision import face_landmarker as mp_face
from mediapipe.tasks.python.vision import pose_landmarker as mp_pose

from capture.types import NUM_BLENDSHAPES, NUM_FACE_LANDMARKS

_LM = landmark_c.MpNormalizedLandmarkC
_WORLD = landmark_c.MpLandmarkC
_CAT = category_c.MpCategoryC
_F32 = ctypes.sizeof(ctypes.c_float)


def _layout_ok() -> bool:
    same = all(getattr(_LM, f).offset == getattr(_WORLD, f).offset
               for f in ("x", "y", "z", "has_visibility", "visibility"))
    return (same and ctypes.sizeof(_LM) == ctypes.sizeof(_WORLD)
            and ctypes.sizeof(_LM) % _F32 == 0 and ctypes.sizeof(_CAT) % _F32 == 0
            and _LM.x.offset % _F32 == 0 and _CAT.score.offset % _F32 == 0
            and _LM.visibility.offset % _F32 == 0
            and _LM.y.offset == _LM.x.offset + _F32 and _LM.z.offset == _LM.y.offset + _F32)


_LAYOUT_OK = _layout_ok()
_LM_VIS = _LM.visibility.offset // _F32
_LM_HAS_VIS_BYTE = _LM.has_visibility.offset
_LM_STRIDE = ctypes.sizeof(_LM) // _F32  # floats per landmark struct
_LM_X = _LM.x.offset // _F32
_CAT_STRIDE = ctypes.sizeof(_CAT) // _F32
_CAT_SCORE = _CAT.score.offset // _F32


def _supported(task: object, module: object, prefix: str) -> bool:
    lib = getattr(task, "_lib", None)
    return (_LAYOUT_OK and getattr(task, "_handle", None) is not None
            and hasattr(module, f"{prefix}ResultC")
            and all(hasattr(lib, prefix + n) for n in ("DetectImage", "DetectForVideo",
                                                       "CloseResult")))


def face_supported(task: object) -> bool:
    return _supported(task, mp_face, "MpFaceLandmarker")


def pose_supported(task: object) -> bool:
    return _supported(task, mp_pose, "MpPoseLandmarker")


def _floats(pointer: ctypes._Pointer, count: int) -> np.ndarray:
    address = ctypes.cast(pointer, ctypes.c_void_p).value
    buffer = (ctypes.c_float * count).from_address(address)
    return np.frombuffer(buffer, dtype=np.float32)


def landmark_arrays(landmarks_c: object, with_visibility: bool = False
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    """(N, 3) float32 xyz (and (N,) visibility, NaN where absent) of an MpNormalizedLandmarksC or
    MpLandmarksC, copied out of the C memory (which is freed when the result is closed)."""
    n = landmarks_c.landmarks_count  # type: ignore[attr-defined]
    if n == 0:
        return np.zeros((0, 3), np.float32), (np.zeros(0, np.float32) if with_visibility else None)
    raw = _floats(landmarks_c.landmarks, n * _LM_STRIDE).reshape(n, _LM_STRIDE)  # type: ignore[attr-defined]
    xyz = raw[:, _LM_X:_LM_X + 3].copy()
    if not with_visibility:
        return xyz, None
    has = raw.view(np.uint8).reshape(n, _LM_STRIDE * _F32)[:, _LM_HAS_VIS_BYTE] != 0
    return xyz, np.where(has, raw[:, _LM_VIS], np.float32(np.nan)).astype(np.float32)


def _read(result: "mp_face.MpFaceLandmarkerResultC") -> list[tuple[np.ndarray, np.ndarray | None,
                                                                   np.ndarray | None]]:
    faces = []
    for i in range(result.face_landmarks_count):
        landmarks, _ = landmark_arrays(result.face_landmarks[i])
        if len(landmarks) != NUM_FACE_LANDMARKS:
            raise ValueError(f"expected {NUM_FACE_LANDMARKS} face landmarks, got {len(landmarks)}")
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


def _run(task: object, prefix: str, result: ctypes.Structure, image_ptr: ctypes.c_void_p,
         timestamp_ms: int | None, read):  # noqa: ANN001 - read(result) -> list
    lib = task._lib  # type: ignore[attr-defined]
    if timestamp_ms is None:
        getattr(lib, prefix + "DetectImage")(task._handle, image_ptr, None,  # type: ignore[attr-defined]
                                             ctypes.byref(result))
    else:
        getattr(lib, prefix + "DetectForVideo")(task._handle, image_ptr, None,  # type: ignore[attr-defined]
                                                timestamp_ms, ctypes.byref(result))
    try:
        return read(result)
    finally:
        getattr(lib, prefix + "CloseResult")(ctypes.byref(result))


def detect_face(task: object, image_ptr: ctypes.c_void_p, timestamp_ms: int | None
                ) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Run a FaceLandmarker on an mp.Image's pointer (IMAGE mode when timestamp_ms is None, else
    VIDEO): (landmarks (478,3), blendshapes (52,) or None, matrix (4,4) or None) per face."""
    return _run(task, "MpFaceLandmarker", mp_face.MpFaceLandmarkerResultC(), image_ptr,
                timestamp_ms, _read)


def _read_pose(result: "mp_pose.MpPoseLandmarkerResultC"
               ) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
    bodies = []
    for i in range(result.pose_landmarks_count):
        landmarks, visibility = landmark_arrays(result.pose_landmarks[i], with_visibility=True)
        world = None
        if i < result.pose_world_landmarks_count:
            world, _ = landmark_arrays(result.pose_world_landmarks[i])
        bodies.append((landmarks, world, visibility))
    return bodies


def detect_pose(task: object, image_ptr: ctypes.c_void_p, timestamp_ms: int | None
                ) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
    """Run a PoseLandmarker: (landmarks (33,3), world (33,3) or None, visibility (33,)) per body."""
    return _run(task, "MpPoseLandmarker", mp_pose.MpPoseLandmarkerResultC(), image_ptr,
                timestamp_ms, _read_pose)
