"""glTF (right-handed, +Y up, metres) <-> Unity/VMC (left-handed, +Y up, metres).

The two frames differ by a mirror of the X axis (UniVRM's convention: glTF +Z forward equals
Unity +Z forward, glTF +X is Unity -X). For a point: (x, y, z) -> (-x, y, z). For a rotation R,
the mirrored rotation is M R M with M = diag(-1, 1, 1); its quaternion keeps the angle and maps
the axis a to -M a (an axis is a pseudovector), so (qx, qy, qz, qw) -> (qx, -qy, -qz, qw).
Both maps are their own inverse.
"""
from __future__ import annotations

import numpy as np

MIRROR_X = np.diag([-1.0, 1.0, 1.0])


def position_gltf_to_unity(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, np.float64)
    return np.array([-p[0], p[1], p[2]])


def quat_gltf_to_unity(q: np.ndarray) -> np.ndarray:
    """xyzw quaternion, glTF -> Unity (Unity also stores x, y, z, w)."""
    q = np.asarray(q, np.float64)
    return np.array([q[0], -q[1], -q[2], q[3]])


# The mirror is an involution: the same maps convert back.
position_unity_to_gltf = position_gltf_to_unity
quat_unity_to_gltf = quat_gltf_to_unity
