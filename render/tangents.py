"""Per-vertex tangents for normal mapping when a primitive has no TANGENT attribute.

The glTF 2.0 spec asks for MikkTSpace tangents in that case. This is the simpler per-vertex
method of Lengyel ("Computing Tangent Space Basis Vectors for an Arbitrary Mesh", 2001): each
triangle's dP/du and dP/dv are summed at its corners (area-weighted, as the raw cross-product
form is), then the tangent is orthonormalized against the vertex normal (Gram-Schmidt) and the
handedness w says which way the bitangent points. It agrees with MikkTSpace on smooth, sensibly
unwrapped meshes; it differs where MikkTSpace splits or weights corners by angle (UV seams,
long thin triangles), so a normal map baked against MikkTSpace can show faint seams there.

Conventions (glTF): TEXCOORD (0, 0) is the image's top-left, so +v runs *down* the image, while a
normal map's +Y (green) points *up* it. The bitangent is `w * cross(normal, tangent.xyz)` and
points along -dP/dv: toward the top of the image."""
from __future__ import annotations

import numpy as np

# |du1 dv2 - du2 dv1| below this: the triangle's UVs are degenerate (zero UV area) and it adds no
# tangent direction (it would add an infinite one).
_MIN_UV_AREA = 1e-12


def _unit(vectors: np.ndarray) -> np.ndarray:
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, lengths, out=np.zeros_like(vectors), where=lengths > 0)


def _any_perpendicular(normals: np.ndarray) -> np.ndarray:
    """A unit vector perpendicular to each normal (for vertices whose UVs give no direction)."""
    axis = np.where(np.abs(normals[:, :1]) < 0.9, np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0, 0.0]]))
    return _unit(np.cross(normals, axis))


def vertex_tangents(positions: np.ndarray, normals: np.ndarray, uvs: np.ndarray,
                    indices: np.ndarray | None) -> np.ndarray:
    """(N, 4) float32 tangents (xyz unit, w = +-1 handedness) of a TRIANGLES primitive.

    `indices` None: non-indexed (every three vertices a triangle). Vertices that no triangle
    with non-degenerate UVs touches get an arbitrary tangent perpendicular to their normal."""
    p = np.asarray(positions, np.float64)
    n = _unit(np.asarray(normals, np.float64))
    uv = np.asarray(uvs, np.float64)
    tri = (np.asarray(indices, np.int64) if indices is not None else np.arange(len(p))).reshape(-1, 3)
    e1, e2 = p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]]
    d1, d2 = uv[tri[:, 1]] - uv[tri[:, 0]], uv[tri[:, 2]] - uv[tri[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    ok = np.abs(det) > _MIN_UV_AREA
    r = np.divide(1.0, det, out=np.zeros_like(det), where=ok)[:, None]
    s_dir = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * r  # dP/du
    t_dir = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * r  # dP/dv
    tan_u = np.zeros_like(p)
    tan_v = np.zeros_like(p)
    for corner in range(3):
        np.add.at(tan_u, tri[:, corner], s_dir)
        np.add.at(tan_v, tri[:, corner], t_dir)
    tangent = _unit(tan_u - n * np.einsum("ij,ij->i", n, tan_u)[:, None])
    missing = np.linalg.norm(tangent, axis=1) < 0.5
    if missing.any():
        tangent[missing] = _any_perpendicular(n[missing])
    # The bitangent runs up the image, i.e. along -dP/dv (glTF's v runs down).
    handedness = np.where(np.einsum("ij,ij->i", np.cross(n, tangent), -tan_v) < 0.0, -1.0, 1.0)
    return np.concatenate([tangent, handedness[:, None]], axis=1).astype(np.float32)
