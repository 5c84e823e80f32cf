"""Named MediaPipe face-mesh landmark groups used by the living photo, and the mesh triangles.

The triangle list is read at run time from the installed mediapipe package
(FaceLandmarksConnections.FACE_LANDMARKS_TESSELATION: 852 triangles as consecutive edge triples)
so we ship no copy of it. Its holes are the two eye openings and the inner-lip opening; the
contours below close them.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

NUM_MESH_POINTS = 468  # the tesselated points; 468-477 are iris points, not part of the mesh

# Contours, ordered from one corner to the other (checked against mediapipe's connection lists
# in tests/photo/test_mesh.py). "RIGHT" is the person's right eye (the left one in the image).
RIGHT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
LIPS_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
LIPS_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
RIGHT_BROW = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55)
LEFT_BROW = (300, 293, 334, 296, 336, 276, 283, 282, 295, 285)
MOUTH_CORNERS = (61, 291, 78, 308)
CHEEKS = (50, 280, 205, 425, 187, 411, 36, 266)
# Face oval (the mesh boundary), clockwise from the forehead top.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)
FOREHEAD_TOP = 10
CHIN = 152
NOSE_TIP = 1
FACE_RIGHT_EDGE = 234  # silhouette points at cheek height (image left / image right)
FACE_LEFT_EDGE = 454


def strip_triangles(upper: tuple[int, ...], lower: tuple[int, ...]) -> np.ndarray:
    """Triangles (as positions into the concatenated upper+lower vertex list) between two
    contours of the same length that share their end points."""
    n = len(upper)
    tris = []
    for i in range(n - 1):
        u0, u1, l0, l1 = i, i + 1, n + i, n + i + 1
        tris += [(u0, u1, l0), (u1, l1, l0)]
    return np.array(tris, np.int32)


@lru_cache(maxsize=1)
def face_triangles() -> np.ndarray:
    """(852, 3) int32 landmark indices of MediaPipe's face mesh, from the installed package."""
    from mediapipe.tasks.python.vision.face_landmarker import FaceLandmarksConnections

    edges = np.array([(c.start, c.end) for c in FaceLandmarksConnections.FACE_LANDMARKS_TESSELATION],
                     np.int32).reshape(-1, 3, 2)
    triangles = edges[:, :, 0].copy()
    triangles.flags.writeable = False
    return triangles


def hole_triangles() -> np.ndarray:
    """Triangles (landmark indices) closing the eye and mouth openings of the face mesh."""
    out = []
    for upper, lower in ((RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), (LEFT_EYE_UPPER, LEFT_EYE_LOWER),
                         (LIPS_INNER_UPPER, LIPS_INNER_LOWER)):
        ids = np.array(upper + lower, np.int32)
        tris = ids[strip_triangles(upper, lower)]
        out.append(tris[(tris[:, 0] != tris[:, 1]) & (tris[:, 1] != tris[:, 2])
                        & (tris[:, 0] != tris[:, 2])])
    return np.concatenate(out)
