"""GPU copies of glTF primitives: vertex buffers and the morph-target texture (`GpuVertices`,
shared by primitives that share their vertex data) and each primitive's index buffers (its own,
and one per level of detail).

Morph deltas live in a float texture (not SSBOs) so 60+ targets on a 30k-vertex mesh work on
OpenGL 3.3 / macOS 4.1: texel (target * N + vertex) * S holds the position delta, +1 the normal,
and, where tangents morph too (MORPH_TANGENTS, S = 3; else S = 2), +2 the tangent.

A primitive that is skinned or morphed is deformed once per frame into a buffer of world-space
positions and normals, and tangents where it has them (see `render.model`);
`deformed_vertex_array` draws from that buffer. Tangents (HAS_TANGENTS) exist only for primitives
drawn with a normal map: from the TANGENT attribute, else computed (render/tangents.py)."""
from __future__ import annotations

import moderngl
import numpy as np

from assets.errors import RenderError
from avatar.gltf.document import Primitive, PrimitiveMode
from render.context import RenderContext
from render.tangents import vertex_tangents

MORPH_WIDTH_LOG2 = 12  # mesh.glsl finds texels with shifts: the width is a power of two
MORPH_TEXTURE_WIDTH = 1 << MORPH_WIDTH_LOG2

_GL_MODES = {
    PrimitiveMode.POINTS: moderngl.POINTS,
    PrimitiveMode.LINES: moderngl.LINES,
    PrimitiveMode.LINE_LOOP: moderngl.LINE_LOOP,
    PrimitiveMode.LINE_STRIP: moderngl.LINE_STRIP,
    PrimitiveMode.TRIANGLES: moderngl.TRIANGLES,
    PrimitiveMode.TRIANGLE_STRIP: moderngl.TRIANGLE_STRIP,
    PrimitiveMode.TRIANGLE_FAN: moderngl.TRIANGLE_FAN,
}


def morph_texture_data(primitive: Primitive, tangents: bool = False) -> np.ndarray:
    """(rows, MORPH_TEXTURE_WIDTH, 4) float32 texels of all morph deltas of `primitive`: position
    and normal per target and vertex, and the tangent delta too when `tangents` (stride 3)."""
    count, targets = primitive.vertex_count, len(primitive.targets)
    texels = np.zeros((targets, count, 3 if tangents else 2, 4), np.float32)
    for t, target in enumerate(primitive.targets):
        if target.positions is not None:
            texels[t, :, 0, :3] = target.positions
        if target.normals is not None:
            texels[t, :, 1, :3] = target.normals
        if tangents and target.tangents is not None:
            texels[t, :, 2, :3] = target.tangents
    flat = texels.reshape(-1, 4)
    rows = -(-len(flat) // MORPH_TEXTURE_WIDTH)
    padded = np.zeros((rows * MORPH_TEXTURE_WIDTH, 4), np.float32)
    padded[: len(flat)] = flat
    return padded.reshape(rows, MORPH_TEXTURE_WIDTH, 4)


def texcoords_of(primitive: Primitive, uv_set: int) -> np.ndarray | None:
    """TEXCOORD_`uv_set`, or TEXCOORD_0 where the primitive has no such set (None: no UVs at all)."""
    if uv_set < len(primitive.texcoords):
        return primitive.texcoords[uv_set]
    return primitive.texcoords[0] if primitive.texcoords else None


def cache_friendly_triangles(indices: np.ndarray) -> np.ndarray:
    """Triangles reordered by their lowest vertex index, so that triangles sharing vertices are
    drawn close together and a vertex is transformed about once instead of up to six times.
    Software rasterizers (Mesa's draw module) keep only a small post-transform cache; this
    ordering cut the vertex stage of the built-in avatar by a quarter. Stable, so coplanar
    triangles keep their relative order."""
    triangles = np.asarray(indices).reshape(-1, 3)
    return np.ascontiguousarray(triangles[np.argsort(triangles.min(axis=1), kind="stable")].ravel())


def normalized_weights(weights: np.ndarray) -> np.ndarray:
    """Skin weights scaled to sum to 1 per vertex. The spec requires it, but exported files
    (RobotExpressive sums to 1.76 in places) do not always comply; unscaled weights would also
    scale the translation of the skin matrix and tear the mesh off its skeleton."""
    weights = np.asarray(weights, np.float32)
    total = weights.sum(axis=1, keepdims=True)
    return np.where(total > 1e-8, weights / np.maximum(total, 1e-8), weights).astype(np.float32)


class GpuVertices:
    """The vertex buffers and morph texture of a primitive's vertex data. Primitives that share
    their vertices in the file (`Primitive.vertex_source`) share one of these, so they are skinned
    and morphed once a frame, not once per primitive. `defines` says which attributes exist
    (HAS_NORMALS, ...). For `uv_sets` and `tangent_uv_set` see `GpuPrimitive`; computed tangents
    depend on the triangles, so vertices that need them are never shared (`shareable`)."""

    def __init__(self, rc: RenderContext, primitive: Primitive, uv_sets: tuple[int, ...] = (0,),
                 tangent_uv_set: int | None = None) -> None:
        ctx = rc.ctx
        self.vertex_count = primitive.vertex_count
        self.target_count = len(primitive.targets)
        self.defines: dict[str, int] = {}
        self._buffers: list[moderngl.Buffer] = []
        self.attributes: list[tuple[moderngl.Buffer, str, str]] = []
        self.surface_attributes: list[tuple[moderngl.Buffer, str, str]] = []  # those deforming leaves as they are

        def add(array: np.ndarray | None, fmt: str, name: str, define: str | None) -> None:
            if array is None:
                return
            buffer = ctx.buffer(np.ascontiguousarray(array, dtype=np.float32).tobytes())
            self._buffers.append(buffer)
            self.attributes.append((buffer, fmt, name))
            if name in ("a_uv", "a_uv1", "a_color"):
                self.surface_attributes.append((buffer, fmt, name))
            if define:
                self.defines[define] = 1

        add(primitive.positions, "3f", "a_position", None)
        add(primitive.normals, "3f", "a_normal", "HAS_NORMALS")
        # The UV sets the material's textures read (TEXCOORD_0 unless the material names another).
        if len(uv_sets) > 2:
            raise RenderError(f"{len(uv_sets)} UV sets asked for (TEXCOORD_{list(uv_sets)}); a primitive binds at most 2")
        add(texcoords_of(primitive, uv_sets[0] if uv_sets else 0), "2f", "a_uv", "HAS_UV")
        if len(uv_sets) == 2:
            add(texcoords_of(primitive, uv_sets[1]), "2f", "a_uv1", "HAS_UV1")
        add(primitive.colors, "4f", "a_color", "HAS_COLORS")
        morph_tangents = False
        if tangent_uv_set is not None:
            tangents = primitive.tangents
            if tangents is not None:
                morph_tangents = any(t.tangents is not None for t in primitive.targets)
            else:
                uvs = texcoords_of(primitive, tangent_uv_set)
                if primitive.normals is None or uvs is None or primitive.mode is not PrimitiveMode.TRIANGLES:
                    raise RenderError("tangents need a TRIANGLES primitive with NORMAL and TEXCOORD attributes")
                tangents = vertex_tangents(primitive.positions, primitive.normals, uvs, primitive.indices)
            add(tangents, "4f", "a_tangent", "HAS_TANGENTS")
        if primitive.joints is not None and primitive.weights is not None:
            add(primitive.joints.astype(np.float32), "4f", "a_joints", "SKINNED")
            add(normalized_weights(primitive.weights), "4f", "a_weights", None)

        self.morph_texture: moderngl.Texture | None = None
        if self.target_count:
            data = morph_texture_data(primitive, tangents=morph_tangents)
            if data.shape[0] > rc.info.max_texture_size:
                raise RenderError(f"{self.target_count} morph targets x {self.vertex_count} vertices exceed "
                                  f"the GPU's texture limit ({rc.info.max_texture_size} rows)")
            self.morph_texture = ctx.texture((MORPH_TEXTURE_WIDTH, data.shape[0]), 4, data.tobytes(), dtype="f4")
            self.morph_texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self.defines["MORPHED"] = 1
            self.defines["MORPH_WIDTH_LOG2"] = MORPH_WIDTH_LOG2
            if morph_tangents:
                self.defines["MORPH_TANGENTS"] = 1
        self._released = False

    @staticmethod
    def shareable(primitive: Primitive, tangent_uv_set: int | None) -> bool:
        """Whether other primitives with the same `vertex_source` can use these vertices."""
        return bool(primitive.vertex_source) and (tangent_uv_set is None or primitive.tangents is not None)

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        for buffer in self._buffers:
            buffer.release()
        if self.morph_texture is not None:
            self.morph_texture.release()


class GpuPrimitive:
    """One primitive on the GPU: its vertices (`GpuVertices`, possibly shared with other
    primitives), its own index buffer and one per coarser level of detail (VIVID_lod).

    `reorder_triangles` lets the triangles be drawn in a cache-friendly order; leave it off where
    the order is visible (alpha-blended primitives draw their triangles in file order). `uv_sets`:
    the TEXCOORD_n the material's textures read, at most two, bound as `a_uv` and `a_uv1`
    (HAS_UV1). `tangent_uv_set`: give the primitive tangents (HAS_TANGENTS, for a normal map
    reading that TEXCOORD_n): the file's TANGENT attribute, else computed from positions, normals
    and those UVs. None: no tangents (no cost). `vertices`: already uploaded vertices to use (made
    from the same vertex data with the same `uv_sets` and `tangent_uv_set`)."""

    def __init__(self, rc: RenderContext, primitive: Primitive, reorder_triangles: bool = False,
                 uv_sets: tuple[int, ...] = (0,), tangent_uv_set: int | None = None,
                 vertices: GpuVertices | None = None) -> None:
        self.vertices = vertices if vertices is not None else GpuVertices(rc, primitive, uv_sets, tangent_uv_set)
        self.mode = _GL_MODES[primitive.mode]
        # (index buffer, index count) per level of detail: 0 the primitive's own indices (None: not
        # indexed), then its VIVID_lod levels, coarser and coarser, over the same vertices.
        self._levels: list[tuple[moderngl.Buffer | None, int]] = []
        # Each level's geometric error in metres (level 0: exact).
        self.level_errors: tuple[float, ...] = (0.0, *primitive.lod_errors)
        for level, source in enumerate((primitive.indices, *primitive.lod_indices)):
            if source is None:
                self._levels.append((None, self.vertex_count))
                continue
            indices = np.ascontiguousarray(source, dtype=np.uint32)
            if len(indices) and int(indices.max()) >= self.vertex_count:
                raise RenderError(f"primitive index {int(indices.max())} >= vertex count {self.vertex_count}")
            if reorder_triangles and primitive.mode is PrimitiveMode.TRIANGLES and len(indices) % 3 == 0:
                indices = cache_friendly_triangles(indices)
            self._levels.append((rc.ctx.buffer(indices.tobytes()), len(indices)))
        self._vaos: dict[tuple[int, bool, int], moderngl.VertexArray] = {}
        self._deformed_vaos: dict[tuple[int, int, int], moderngl.VertexArray] = {}
        self._released = False

    # The vertices' properties, read through the primitive.
    @property
    def defines(self) -> dict[str, int]:
        return self.vertices.defines

    @property
    def vertex_count(self) -> int:
        return self.vertices.vertex_count

    @property
    def target_count(self) -> int:
        return self.vertices.target_count

    @property
    def morph_texture(self) -> moderngl.Texture | None:
        return self.vertices.morph_texture

    @property
    def attributes(self) -> list[tuple[moderngl.Buffer, str, str]]:
        return self.vertices.attributes

    @property
    def surface_attributes(self) -> list[tuple[moderngl.Buffer, str, str]]:
        return self.vertices.surface_attributes

    @property
    def deformed_floats(self) -> int:
        """Floats per vertex in the deformed buffer: position, normal (and tangent xyzw)."""
        return 10 if "HAS_TANGENTS" in self.defines else 6

    @property
    def deforms(self) -> bool:
        """Whether the vertex positions change per frame (skinned or morphed)."""
        return "SKINNED" in self.defines or "MORPHED" in self.defines

    def level_index_count(self, level: int) -> int:
        """Indices drawn at level of detail `level` (0: the primitive's own triangles)."""
        return self._levels[level][1]

    def vertex_array(self, rc: RenderContext, program: moderngl.Program, indexed: bool = True,
                     level: int = 0) -> moderngl.VertexArray:
        """A VAO binding these buffers and level `level`'s indices to `program` (cached)."""
        key = (id(program), indexed, level)
        vao = self._vaos.get(key)
        if vao is None:
            vao = rc.ctx.vertex_array(program, self.attributes, self._levels[level][0] if indexed else None,
                                      index_element_size=4, skip_errors=True)
            self._vaos[key] = vao
        return vao

    def deformed_vertex_array(self, rc: RenderContext, program: moderngl.Program,
                              deformed: moderngl.Buffer, level: int = 0) -> moderngl.VertexArray:
        """A VAO drawing this primitive's triangles (at level of detail `level`) from `deformed`
        (interleaved world-space position, normal and, with HAS_TANGENTS, tangent per vertex)
        with its own UVs and colours (cached per program, buffer and level)."""
        key = (id(program), id(deformed), level)
        vao = self._deformed_vaos.get(key)
        if vao is None:
            layout = ((deformed, "3f 3f 4f", "a_position", "a_normal", "a_tangent") if "HAS_TANGENTS" in self.defines
                      else (deformed, "3f 3f", "a_position", "a_normal"))
            attributes = [layout, *self.surface_attributes]
            vao = rc.ctx.vertex_array(program, attributes, self._levels[level][0], index_element_size=4, skip_errors=True)
            self._deformed_vaos[key] = vao
        return vao

    def release(self) -> None:
        """Release this primitive's buffers and its vertices (shared ones too: release the
        primitives sharing them together)."""
        if self._released:
            return
        self._released = True
        for vao in (*self._vaos.values(), *self._deformed_vaos.values()):
            vao.release()
        for buffer, _ in self._levels:
            if buffer is not None:
                buffer.release()
        self.vertices.release()
