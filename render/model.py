"""A glTF document on the GPU, drawn as one render pass.

CPU data is authoritative (the pose: node world matrices and morph weights, set once per frame
by whoever animates the model); the GPU copies are updated lazily from it in `draw`.

Skinned and morphed primitives that are drawn twice in a frame (surface and outline) are deformed
once, vertex by vertex, into a buffer (transform feedback) that both passes draw from: skinning in
each pass would redo it per pass. Those drawn once are skinned and morphed by the drawing pass
itself, which skips the capture (about 60 ns a vertex on llvmpipe, more than the skinning)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import moderngl
import numpy as np

from avatar.gltf.document import AlphaMode, GltfDocument, Primitive, TextureRef
from avatar.posing import MaterialOverrides
from avatar.vrm.mtoon import mtoon_of_document
from render.context import RenderContext
from render.gpu_primitive import GpuPrimitive, GpuVertices
from render.materials import (DEFAULT_MATERIAL, SURFACE_ONLY_SLOTS, ShadingParams, ShadingStyle, TextureSlot,
                              drawn_textures, shading_params, texture_uv_set, with_overrides)
from render.scene import FrameState
from render.screen_bounds import (EMPTY_RECT, BoundsSet, PixelRect, clamp_rect, pixel_rect, primitive_boxes,
                                  used_vertices)
from render.shaders import load_program, set_uniform, write_uniform
from render.uniform_blocks import FRAME_BINDING, MATERIAL_BINDING, frame_block, frame_block_size, material_block

# Morph targets blended per primitive per frame: every target whose |weight| > _MORPH_EPSILON, up
# to this many (ARKit faces use 52, VRoid avatars 60+). Beyond it the largest |weights| win and the
# rest are dropped, with a warning logged once per primitive. 128 keeps mesh.glsl's packed index
# and weight arrays at 256 uniform components, a quarter of what GL 3.3 guarantees a vertex shader.
# A multiple of 4 (the arrays are vec4s).
MAX_ACTIVE_MORPHS = 128
MAX_LIGHTS = 4
_MORPH_EPSILON = 1e-5
_MAX_MULTIPLIED_RIM_POWER = 8  # MToon rim fresnel powers up to this, when whole, are multiplied out in mesh.glsl
# On a single-sampled target an outline narrower than this (pixels, at the primitive's nearest
# point) covers a pixel centre only here and there: it speckles the silhouette instead of drawing
# a line, and costs a second pass of the primitive's triangles. It is skipped. Multisampled
# targets draw it (it blends into a faint, continuous line).
MIN_OUTLINE_PX = 0.5
# Skin and morph vertices drawn once (no outline this frame) in the drawing pass instead of a
# separate capture pass (`draw`). Off: every deforming primitive is captured (tests compare both).
SKIN_WHILE_DRAWING = True
# A primitive's coarser level of detail (VIVID_lod) is drawn where its geometric error spans at
# most this many pixels at the primitive's nearest point: the silhouette then moves by half a
# pixel at most, and shading keeps the full mesh's vertex normals.
LOD_MAX_ERROR_PX = 0.5

# Texture units
_UNIT_JOINTS, _UNIT_MORPHS = 0, 1
_TEXTURE_UNITS = {slot: unit for unit, slot in enumerate(TextureSlot, start=2)}
_SAMPLERS = {slot: f"u_{slot.value.lower()}_texture" for slot in TextureSlot}  # u_base_texture, u_mr_texture, ...
_IDENTITY = tuple(np.eye(4, dtype=np.float32).flatten())

log = logging.getLogger(__name__)


def _same_texture(primitive: Primitive, a: TextureRef | None, b: TextureRef | None) -> bool:
    """Whether two texture references read the same texels at the same UVs."""
    return (a is not None and b is not None and a.image == b.image
            and texture_uv_set(primitive, a) == texture_uv_set(primitive, b))


def _pixels_per_metre(frame: FrameState, depth: float | np.ndarray) -> float | np.ndarray:
    """Pixels a metre spans, across the view, at view depth `depth` (clip w). |P11|: effects over a
    camera image flip y in the projection."""
    return abs(frame.projection[1, 1]) * frame.size[1] / 2.0 / depth


def _mat4_bytes(m: np.ndarray) -> bytes:
    """numpy row-major (column-vector convention) -> GL column-major float32 bytes."""
    return np.ascontiguousarray(np.asarray(m, np.float32).T).tobytes()


@dataclass
class _DrawItem:
    node: int
    mesh: int
    primitive: int
    gpu: GpuPrimitive
    shading: ShadingParams  # this frame's: the material's own with expression overrides blended in
    material: int | None
    skin: int | None
    own_shading: ShadingParams  # as the material has it
    textures: dict[TextureSlot, tuple[TextureRef, int]]  # the textures drawn, each with its UV slot (0: a_uv, 1: a_uv1)
    shade_is_base: bool = False  # MToon shade texture = the base texture: one lookup serves both


class ModelInstance:
    """GPU resources and draw logic for one `GltfDocument`.

    Call `set_pose(node_world, node_weights)` each frame, then let the renderer call `draw`.
    """

    def __init__(self, rc: RenderContext, doc: GltfDocument, style: ShadingStyle = ShadingStyle.AUTO,
                 outlines: bool = True) -> None:
        self.rc = rc
        self.doc = doc
        self.style = style
        self.outlines = outlines
        self.visible = True
        self._items: list[_DrawItem] = []
        self._gpu: dict[tuple[int, int, int], GpuPrimitive] = {}  # (mesh, primitive, UV set)
        shared_vertices: dict[tuple, GpuVertices] = {}  # (vertex source, UV sets, tangent UV set)
        mtoon = mtoon_of_document(doc, warn=False)  # material index -> MToon parameters
        for node_index, node in enumerate(doc.nodes):
            if node.mesh is None:
                continue
            mesh = doc.meshes[node.mesh]
            for p_index, primitive in enumerate(mesh.primitives):
                material = doc.materials[primitive.material] if primitive.material is not None else DEFAULT_MATERIAL
                shading = shading_params(material, style, mtoon.get(primitive.material))
                textures = drawn_textures(material, shading.kind, primitive,
                                          f"{doc.source.name}: mesh {node.mesh} primitive {p_index}",
                                          mtoon.get(primitive.material))
                shade_is_base = _same_texture(primitive, textures.get(TextureSlot.SHADE), textures.get(TextureSlot.BASE))
                if shade_is_base:  # VRoid's habit: no second lookup of the same texels
                    del textures[TextureSlot.SHADE]
                uv_sets = tuple(dict.fromkeys(texture_uv_set(primitive, ref) for ref in textures.values())) or (0,)
                normal = textures.get(TextureSlot.NORMAL)
                tangent_uv_set = texture_uv_set(primitive, normal) if normal is not None else None
                key = (node.mesh, p_index, uv_sets, tangent_uv_set)
                if key not in self._gpu:
                    vertices = None
                    if GpuVertices.shareable(primitive, tangent_uv_set):
                        vertex_key = (primitive.vertex_source, uv_sets, tangent_uv_set)
                        vertices = shared_vertices.get(vertex_key)
                        if vertices is None:
                            vertices = GpuVertices(rc, primitive, uv_sets, tangent_uv_set)
                            shared_vertices[vertex_key] = vertices
                    self._gpu[key] = GpuPrimitive(rc, primitive, reorder_triangles=material.alpha_mode is not AlphaMode.BLEND,
                                                  uv_sets=uv_sets, tangent_uv_set=tangent_uv_set, vertices=vertices)
                skin = node.skin if self._gpu[key].defines.get("SKINNED") else None
                slots = {slot: (ref, uv_sets.index(texture_uv_set(primitive, ref))) for slot, ref in textures.items()}
                self._items.append(_DrawItem(node_index, node.mesh, p_index, self._gpu[key],
                                             shading, primitive.material, skin, shading, slots, shade_is_base))
        self._bounds = BoundsSet([primitive_boxes(doc, i.node, doc.meshes[i.mesh].primitives[i.primitive], i.skin)
                                  for i in self._items])
        self._outline_pads = np.array([self._outline_width(i) for i in self._items])  # world metres
        self._outline_screen_pads = np.array([self._outline_width(i, screen=True) for i in self._items])  # of the height
        self._culled_for: FrameState | None = None  # the frame `_culled` was computed for
        self._culled: tuple[list[_DrawItem], PixelRect | None] = ([], None)
        self._nearest_w: dict[int, float] = {}  # id(item) -> nearest view depth this frame (`_visibility`)
        self._levels: dict[int, int] = {}  # id(item) -> level of detail this frame (`_visibility`), if not 0
        self._lod_stack: tuple[list[_DrawItem], list[int], np.ndarray, np.ndarray] | None = None  # `_detail_levels`
        self._textures: dict[int, moderngl.Texture] = {}
        self._joint_textures: dict[int, moderngl.Texture] = {}
        self.node_world = np.tile(np.eye(4), (len(doc.nodes), 1, 1))
        self.node_weights: dict[int, np.ndarray] = {
            i: (n.weights if n.weights is not None else doc.meshes[n.mesh].weights).astype(np.float32)
            for i, n in enumerate(doc.nodes) if n.mesh is not None}
        self._capture_fbo: moderngl.Framebuffer | None = None
        self._deformed: dict[tuple[int, int], moderngl.Buffer] = {}  # (node, id(GpuVertices)) -> this frame's vertices
        self._anchors: dict[int, tuple[int, np.ndarray, np.ndarray]] = {}  # id(item) -> `_depth_anchor`
        # ids of a set of items -> their anchors' nodes, offsets and centres, stacked
        self._anchor_stacks: dict[tuple[int, ...], tuple[list[int], np.ndarray, np.ndarray]] = {}
        # (id(item), outline, light count, rim light, skinned while drawing) -> program; light
        # count -1: the item's deform program
        self._programs: dict[tuple[int, bool, int, bool, bool], moderngl.Program] = {}
        self._material_blocks: dict[int, moderngl.Buffer] = {}  # id(item) -> its Material block
        self._overridden: set[int] = set()  # id(item) of items drawn with expression overrides
        self._morph_cap_warned: set[int] = set()  # id(item) of items warned about MAX_ACTIVE_MORPHS
        self._frame_morphs: dict[tuple[int, int], tuple[int, bytes, bytes]] = {}  # `_morph_uniforms`, this frame
        self._frame_block = rc.ctx.buffer(reserve=frame_block_size(MAX_LIGHTS))
        self._released = False

    # ----------------------------------------------------------------- what is drawn
    @property
    def draw_items(self) -> tuple[_DrawItem, ...]:
        """One entry per drawn primitive: `node`, `mesh`, `primitive` (index in the mesh), `material`."""
        return tuple(self._items)

    def keep_only(self, keep: Callable[[_DrawItem], bool]) -> None:
        """Draw only the primitives for which `keep(item)` is true (e.g. a head without its body)."""
        kept = [keep(item) for item in self._items]
        self._bounds = BoundsSet([b for b, k in zip(self._bounds.primitives, kept) if k])
        self._items = [item for item, k in zip(self._items, kept) if k]
        self._outline_pads = np.array([self._outline_width(i) for i in self._items])
        self._outline_screen_pads = np.array([self._outline_width(i, screen=True) for i in self._items])
        self._culled_for = None
        self._lod_stack = None

    # ----------------------------------------------------------------- where it lands
    def _outline_width(self, item: _DrawItem, screen: bool = False) -> float:
        """The item's outline width in world metres (screen=False) or as a fraction of the
        picture's height (screen=True); 0 when its outline is of the other kind or not drawn."""
        drawn = self.outlines and item.shading.kind == "toon" and item.shading.outline_screen == screen
        return item.shading.outline_width_m if drawn else 0.0

    def _visibility(self, frame: FrameState) -> tuple[list[_DrawItem], PixelRect | None]:
        """The primitives inside the view this frame, and the window rectangle they can cover
        (None: unbounded, e.g. a vertex behind the camera). Bounds come from the pose on the CPU
        (render/screen_bounds.py), so culled primitives cost no vertex work at all."""
        if self._culled_for is frame:
            return self._culled
        if not self._items:
            return [], EMPTY_RECT
        clip = self._bounds.clip_corners(self.node_world, self.node_weights, frame.view_projection)
        pads = self._outline_pads
        visible = self._bounds.visible(clip, frame.projection, pads)
        items = [item for item, v in zip(self._items, visible) if v]
        nearest = self._bounds.nearest_w(clip)
        self._nearest_w = {id(item): float(w) for item, w, v in zip(self._items, nearest, visible) if v}
        self._levels = self._detail_levels(frame)
        rect = (pixel_rect(self._bounds.corners_of(clip, visible), frame.size, frame.projection,
                           float(pads[visible].max())) if items else EMPTY_RECT)
        screen_pad = float(self._outline_screen_pads[visible].max()) if items else 0.0
        if rect is not None and screen_pad > 0:
            grow = int(np.ceil(screen_pad * frame.size[1])) + 1
            rect = clamp_rect((rect[0] - grow, rect[1] - grow, rect[2] + grow, rect[3] + grow), frame.size)
        self._culled_for, self._culled = frame, (items, rect)
        return self._culled

    def visible_draw_items(self, frame: FrameState) -> tuple[_DrawItem, ...]:
        """The draw items `draw(frame)` draws: those whose bounds reach into the view."""
        return tuple(self._visibility(frame)[0]) if self.visible else ()

    def screen_rect(self, frame: FrameState) -> PixelRect | None:
        """A window rectangle (GL pixels, y up) holding everything `draw(frame)` will draw."""
        return self._visibility(frame)[1] if self.visible else EMPTY_RECT

    # ----------------------------------------------------------------- CPU state
    def set_pose(self, node_world: np.ndarray, node_weights: dict[int, np.ndarray] | None = None) -> None:
        """Node world matrices (num_nodes, 4, 4) and morph weights per mesh-carrying node for this frame."""
        self.node_world = np.asarray(node_world, np.float64)
        self._culled_for = None
        self._frame_morphs = {}
        if node_weights:
            self.node_weights.update({k: np.asarray(v, np.float32) for k, v in node_weights.items()})

    def set_material_overrides(self, overrides: MaterialOverrides | None) -> None:
        """This frame's expression binds on materials (None: every material as the file has it).
        Only the items whose values change get their Material block rewritten."""
        touched = overrides.materials() if overrides is not None else frozenset()
        overridden: set[int] = set()
        for item in self._items:
            if item.material in touched:
                overridden.add(id(item))
            elif id(item) not in self._overridden:
                continue
            shading = with_overrides(item.own_shading, item.material, overrides)
            if shading != item.shading:
                item.shading = shading
                if id(item) in self._material_blocks:
                    self._material_blocks[id(item)].write(material_block(shading))
        self._overridden = overridden

    def joint_matrices(self, skin_index: int) -> np.ndarray:
        """(J, 4, 4) world-space skinning matrices: world[joint] @ inverseBind (mesh node ignored, per spec)."""
        skin = self.doc.skins[skin_index]
        return self.node_world[list(skin.joints)] @ skin.inverse_bind_matrices

    # ----------------------------------------------------------------- GPU uploads
    def _texture(self, image_index: int) -> moderngl.Texture:
        texture = self._textures.get(image_index)
        if texture is None:
            pixels = self.doc.images[image_index].pixels
            height, width = pixels.shape[:2]
            # glTF UV (0,0) is the image's top-left: upload rows as they are, no flip.
            texture = self.rc.ctx.texture((width, height), 4, np.ascontiguousarray(pixels).tobytes())
            texture.build_mipmaps()
            texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            texture.anisotropy = 1.0
            self._textures[image_index] = texture
        return texture

    def _upload_joints(self, skin_index: int) -> moderngl.Texture:
        matrices = self.joint_matrices(skin_index).astype(np.float32)
        data = np.ascontiguousarray(matrices[:, :3, :]).tobytes()  # row j = the top 3 rows of joint j's matrix
        texture = self._joint_textures.get(skin_index)
        if texture is None or texture.height != len(matrices):
            texture = self.rc.ctx.texture((3, len(matrices)), 4, data, dtype="f4")
            texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self._joint_textures[skin_index] = texture
        else:
            texture.write(data)
        return texture

    def _deforms(self, item: _DrawItem) -> bool:
        return item.skin is not None or "MORPHED" in item.gpu.defines

    def _deform_defines(self, item: _DrawItem) -> dict[str, int]:
        """Defines of the program that skins and morphs `item` (its transform-feedback pass)."""
        defines = dict(item.gpu.defines, MAX_MORPHS=MAX_ACTIVE_MORPHS, MAX_LIGHTS=MAX_LIGHTS, LIGHT_COUNT=0,
                       MATERIAL_UNLIT=1)
        if item.skin is None:
            defines.pop("SKINNED", None)  # joint attributes on a node without a skin: not skinned
        return defines

    def _deform_program(self, item: _DrawItem) -> moderngl.Program:
        """The program that skins and morphs `item` and captures the result (transform feedback);
        it never rasterizes, but its uniform blocks must still be bound."""
        key = (id(item), False, -1, False, False)
        program = self._programs.get(key)
        if program is None:
            varyings = ("v_world_position", "v_normal", "v_tangent") if "HAS_TANGENTS" in item.gpu.defines else (
                "v_world_position", "v_normal")
            program = load_program(self.rc, "mesh.glsl", self._deform_defines(item), varyings=varyings)
            program = self._programs[key] = self._with_bindings(program)
        self._frame_block.bind_to_uniform_block(FRAME_BINDING)
        self._material_block(item).bind_to_uniform_block(MATERIAL_BINDING)
        return program

    def _program(self, item: _DrawItem, outline: bool, light_count: int,
                 skinned_here: bool = False) -> moderngl.Program:
        """The program drawing `item`'s surface or outline. `skinned_here`: it skins and morphs the
        vertices itself; else a deforming item is drawn from its deformed buffer (`_deform`)."""
        rim = any(c > 0 for c in item.shading.rim_color)  # an expression can light a rim up
        key = (id(item), outline, light_count, rim, skinned_here)
        program = self._programs.get(key)
        if program is not None:
            return program
        defines: dict[str, int] = dict(item.gpu.defines)
        if not skinned_here or item.skin is None:  # a deformed buffer is skinned already; a node
            defines.pop("SKINNED", None)           # without a skin is not skinned at all
        if self._deforms(item) and not skinned_here:  # the deformed buffer: world-space positions and normals
            defines.pop("MORPHED", None)
            defines.pop("MORPH_TANGENTS", None)
            defines["HAS_NORMALS"] = 1
        defines["MAX_MORPHS"] = MAX_ACTIVE_MORPHS
        defines["MAX_LIGHTS"] = MAX_LIGHTS
        defines["LIGHT_COUNT"] = light_count
        if rim:
            defines["RIM_LIGHT"] = 1
            power = item.shading.rim_fresnel_power
            if power == int(power) and 1 <= power <= _MAX_MULTIPLIED_RIM_POWER:
                defines["RIM_POWER_INT"] = int(power)
        defines[{"toon": "MATERIAL_TOON", "pbr": "MATERIAL_PBR", "unlit": "MATERIAL_UNLIT"}[item.shading.kind]] = 1
        if item.shading.alpha_mode is AlphaMode.MASK:
            defines["ALPHA_MASK"] = 1
        if item.shading.alpha_mode is AlphaMode.BLEND:
            defines["BLENDED"] = 1
        if item.shading.shade_from_base:
            defines["SHADE_FROM_BASE"] = 1
        if item.shade_is_base and not outline:
            defines["SHADE_IS_BASE_TEXTURE"] = 1
        if outline and item.shading.outline_screen:
            defines["OUTLINE_SCREEN"] = 1
        if any(item.shading.uv_animation):
            defines["UV_ANIMATION"] = 1
        skipped = SURFACE_ONLY_SLOTS if outline else {TextureSlot.OUTLINE_WIDTH}  # the outline is lit flat
        for slot, (_, uv_slot) in item.textures.items():
            if slot in skipped:
                continue
            defines[f"{slot.value}_TEXTURE"] = 1
            defines[f"{slot.value}_UV_SLOT"] = uv_slot
        if outline:
            defines["OUTLINE"] = 1
        program = self._programs[key] = self._with_bindings(load_program(self.rc, "mesh.glsl", defines))
        return program

    @staticmethod
    def _with_bindings(program: moderngl.Program) -> moderngl.Program:
        """Point the program's samplers and uniform blocks at the units this class uses (the same
        for every program, so sharing a compiled program between items is fine)."""
        for name, unit in (("u_joint_texture", _UNIT_JOINTS), ("u_morph_texture", _UNIT_MORPHS),
                           *((_SAMPLERS[slot], unit) for slot, unit in _TEXTURE_UNITS.items())):
            set_uniform(program, name, unit)
        for name, binding in (("Frame", FRAME_BINDING), ("Material", MATERIAL_BINDING)):
            block = program.get(name, None)
            if block is not None:
                block.binding = binding
        return program

    def _active_morphs(self, item: _DrawItem) -> tuple[np.ndarray, np.ndarray]:
        """(target indices int32, weights float32) of the targets `item` blends this frame: those with
        |weight| > _MORPH_EPSILON; beyond MAX_ACTIVE_MORPHS the largest |weights| (warned once per item)."""
        weights = self.node_weights.get(item.node)
        if weights is None or item.gpu.target_count == 0:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        weights = weights[:item.gpu.target_count]
        active = np.flatnonzero(np.abs(weights) > _MORPH_EPSILON)
        if len(active) > MAX_ACTIVE_MORPHS:
            if id(item) not in self._morph_cap_warned:
                self._morph_cap_warned.add(id(item))
                log.warning("node %d mesh %d primitive %d: %d morph targets have non-zero weights, more than the "
                            "%d blended per primitive (MAX_ACTIVE_MORPHS); the %d smallest |weights| are dropped",
                            item.node, item.mesh, item.primitive, len(active), MAX_ACTIVE_MORPHS,
                            len(active) - MAX_ACTIVE_MORPHS)
            active = np.sort(active[np.argsort(-np.abs(weights[active]), kind="stable")[:MAX_ACTIVE_MORPHS]])
        return active.astype(np.int32), weights[active].astype(np.float32)

    # ----------------------------------------------------------------- drawing
    def _bind_deformation(self, program: moderngl.Program, item: _DrawItem,
                          joint_textures: dict[int, moderngl.Texture]) -> None:
        """Uniforms of the skinning and morphing program for `item`."""
        if item.skin is not None:
            joint_textures[item.skin].use(_UNIT_JOINTS)
            set_uniform(program, "u_model", _IDENTITY)
        else:
            program["u_model"].write(_mat4_bytes(self.node_world[item.node]))
        if item.gpu.morph_texture is not None:
            count, packed_indices, packed_weights = self._morph_uniforms(item)
            item.gpu.morph_texture.use(_UNIT_MORPHS)
            set_uniform(program, "u_vertex_count", item.gpu.vertex_count)
            set_uniform(program, "u_morph_count", count)
            if count:
                write_uniform(program, "u_morph_index", packed_indices)
                write_uniform(program, "u_morph_weight", packed_weights)

    def _morph_uniforms(self, item: _DrawItem) -> tuple[int, bytes, bytes]:
        """(active count, target indices, weights) packed four to an ivec4 / vec4 (mesh.glsl) and
        zero-padded, for `item` this frame: computed once per node and target count, as a mesh's
        primitives share their node's weights (`draw` forgets them each frame)."""
        key = (item.node, item.gpu.target_count)
        packed = self._frame_morphs.get(key)
        if packed is None:
            indices, weights = self._active_morphs(item)
            packed_indices = np.zeros(MAX_ACTIVE_MORPHS, np.int32)
            packed_weights = np.zeros(MAX_ACTIVE_MORPHS, np.float32)
            packed_indices[:len(indices)] = indices
            packed_weights[:len(weights)] = weights
            packed = self._frame_morphs[key] = (len(indices), packed_indices.tobytes(), packed_weights.tobytes())
        return packed

    def _deform(self, item: _DrawItem, joint_textures: dict[int, moderngl.Texture]) -> moderngl.Buffer:
        """Skin and morph every vertex of `item` once into its world-space vertex buffer.
        Transform feedback needs a complete framebuffer bound; the caller has bound one."""
        program = self._deform_program(item)
        self._bind_deformation(program, item, joint_textures)
        key = self._deformed_key(item)
        out = self._deformed.get(key)
        if out is None:
            out = self._deformed[key] = self.rc.ctx.buffer(reserve=item.gpu.vertex_count * item.gpu.deformed_floats * 4)
        item.gpu.vertex_array(self.rc, program, indexed=False).transform(out, moderngl.POINTS,
                                                                         vertices=item.gpu.vertex_count)
        return out

    @staticmethod
    def _deformed_key(item: _DrawItem) -> tuple[int, int]:
        """Items with the same key deform to the same vertices: the same node and vertex data."""
        return item.node, id(item.gpu.vertices)

    def _material_block(self, item: _DrawItem) -> moderngl.Buffer:
        block = self._material_blocks.get(id(item))
        if block is None:
            block = self._material_blocks[id(item)] = self.rc.ctx.buffer(material_block(item.shading))
        return block

    def _bind_material(self, item: _DrawItem) -> None:
        self._material_block(item).bind_to_uniform_block(MATERIAL_BINDING)
        for slot, (ref, _) in item.textures.items():
            self._texture(ref.image).use(_TEXTURE_UNITS[slot])

    def draw(self, frame: FrameState) -> None:
        if not self.visible or not self._items:
            return
        items, _ = self._visibility(frame)
        if not items:
            return
        ctx = self.rc.ctx
        self._frame_morphs = {}
        self._frame_block.write(frame_block(frame, MAX_LIGHTS))
        joint_textures = {skin: self._upload_joints(skin) for skin in {i.skin for i in items} if skin is not None}
        opaque = [i for i in items if i.shading.alpha_mode is not AlphaMode.BLEND]
        outlined = [i for i in opaque if self.outlines and i.shading.kind == "toon"
                    and i.shading.outline_width_m > 0 and self._outline_shows(i, frame)]
        # Vertices drawn twice (surface and outline) are deformed once into a buffer that both
        # passes read; those drawn once are skinned and morphed in the drawing pass itself, which
        # saves the capture's cost (transform feedback: ~60 ns a vertex on llvmpipe). Primitives
        # sharing their vertices (and node) share the buffer.
        captured_keys = {self._deformed_key(i) for i in outlined if self._deforms(i)}
        by_vertices: dict[tuple[int, int], moderngl.Buffer] = {}
        deformed: dict[int, moderngl.Buffer] = {}
        for item in items:
            key = self._deformed_key(item)
            if self._deforms(item) and (key in captured_keys or not SKIN_WHILE_DRAWING):
                if key not in by_vertices:
                    by_vertices[key] = self._deform(item, joint_textures)
                deformed[id(item)] = by_vertices[key]
        # Flushes between the passes let a software rasterizer draw one pass while this thread
        # submits the next (render/context.py `flush`).
        self.rc.flush()
        self._frame_block.bind_to_uniform_block(FRAME_BINDING)
        # Front to back: early depth testing then skips shading hidden pixels (costly on CPUs).
        opaque = self._front_to_back(opaque, frame)
        blended = [i for i in items if i.shading.alpha_mode is AlphaMode.BLEND]
        # Blended primitives back to front by their node's distance to the camera.
        blended.sort(key=lambda i: -float(np.linalg.norm(self.node_world[i.node][:3, 3] - frame.camera_position)))
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA  # premultiplied alpha
        for item in opaque:
            self._draw_item(item, frame, deformed, joint_textures, outline=False)
        self.rc.flush()
        if outlined:
            ctx.enable(moderngl.CULL_FACE)
            ctx.front_face = "cw"  # inverted hull: draw the back faces of the extruded shell
            outlined_ids = {id(i) for i in outlined}
            for item in [i for i in opaque if id(i) in outlined_ids]:  # front to back
                self._draw_item(item, frame, deformed, joint_textures, outline=True)
            ctx.front_face = "ccw"
            ctx.disable(moderngl.CULL_FACE)
        if blended:
            ctx.enable(moderngl.BLEND)
            for item in blended:
                self._draw_item(item, frame, deformed, joint_textures, outline=False)
            ctx.disable(moderngl.BLEND)

    def _outline_shows(self, item: _DrawItem, frame: FrameState) -> bool:
        """Whether `item`'s outline is wide enough on screen to draw (see MIN_OUTLINE_PX)."""
        if frame.samples > 1:
            return True
        width = item.shading.outline_width_m
        if item.shading.outline_screen:  # a fraction of the picture's height
            return width * frame.size[1] >= MIN_OUTLINE_PX
        nearest = self._nearest_w.get(id(item))
        if nearest is None or nearest <= 1e-6:  # unknown, or reaching behind the camera: draw
            return True
        return width * _pixels_per_metre(frame, nearest) >= MIN_OUTLINE_PX

    def detail_level(self, item: _DrawItem, frame: FrameState) -> int:
        """The level of detail `draw(frame)` draws `item` at: the coarsest whose geometric error
        stays within LOD_MAX_ERROR_PX on screen (0: the primitive's own triangles)."""
        self._visibility(frame)
        return self._levels.get(id(item), 0)

    def _detail_levels(self, frame: FrameState) -> dict[int, int]:
        """id(item) -> its level of detail this frame, for the visible items with levels (one
        batched computation; `_nearest_w` must be this frame's)."""
        if self._lod_stack is None:  # the items with levels, their anchors and errors, stacked once
            items = [item for item in self._items if len(item.gpu.level_errors) > 1]
            anchors = [self._depth_anchor(item) for item in items]
            width = max((len(item.gpu.level_errors) for item in items), default=1)
            errors = np.array([list(item.gpu.level_errors) + [np.inf] * (width - len(item.gpu.level_errors))
                               for item in items]).reshape(len(items), width)
            self._lod_stack = (items, [node for node, _, _ in anchors],
                               np.array([offset for _, offset, _ in anchors]).reshape(-1, 4, 4), errors)
        items, nodes, offsets, errors = self._lod_stack
        if not items:
            return {}
        nearest = np.array([self._nearest_w.get(id(item), 0.0) for item in items])
        linear = (self.node_world[nodes] @ offsets)[:, :3, :3]
        scale = np.linalg.norm(linear, axis=1).max(axis=1)  # errors are in the mesh's units: its largest axis scale
        # The padding (inf) never fits.
        fits = errors * (scale * _pixels_per_metre(frame, np.maximum(nearest, 1e-6)))[:, None] <= LOD_MAX_ERROR_PX
        fits &= (nearest > 1e-6)[:, None]  # culled, or reaching behind the camera: full detail
        fits[:, 0] = True
        coarsest = fits.shape[1] - 1 - np.argmax(fits[:, ::-1], axis=1)
        return {id(item): int(level) for item, level in zip(items, coarsest) if level}

    def _front_to_back(self, items: list[_DrawItem], frame: FrameState) -> list[_DrawItem]:
        """`items` sorted by the camera distance of their centres (one batched product a frame)."""
        if len(items) < 2:
            return items
        key = tuple(id(item) for item in items)
        stacked = self._anchor_stacks.get(key)
        if stacked is None:  # the visible set changes rarely: stack its anchors once
            if len(self._anchor_stacks) >= 64:  # bounded, however the culling varies
                self._anchor_stacks.clear()
            nodes, offsets, centres = zip(*(self._depth_anchor(item) for item in items))
            stacked = self._anchor_stacks[key] = (list(nodes), np.array(offsets), np.array(centres))
        nodes, offsets, centres = stacked
        world = self.node_world[nodes] @ offsets
        points = np.einsum("pij,pj->pi", world[:, :3, :3], centres) + world[:, :3, 3]
        depths = np.linalg.norm(points - frame.camera_position, axis=1)
        return [items[k] for k in np.argsort(depths, kind="stable")]

    def _depth_anchor(self, item: _DrawItem) -> tuple[int, np.ndarray, np.ndarray]:
        """(node, offset, centre): the item's centre this frame is node_world[node] @ offset @ centre."""
        anchor = self._anchors.get(id(item))
        if anchor is None:
            primitive = self.doc.meshes[item.mesh].primitives[item.primitive]
            centre = primitive.positions[used_vertices(primitive)].mean(axis=0)
            if item.skin is not None:  # skinned vertices are in bind space: place them with the root joint
                skin = self.doc.skins[item.skin]
                anchor = (skin.joints[0], skin.inverse_bind_matrices[0], centre)
            else:
                anchor = (item.node, np.eye(4), centre)
            self._anchors[id(item)] = anchor
        return anchor

    def _draw_item(self, item: _DrawItem, frame: FrameState, deformed: dict[int, moderngl.Buffer],
                   joint_textures: dict[int, moderngl.Texture], outline: bool) -> None:
        ctx = self.rc.ctx
        buffer = deformed.get(id(item))
        skinned_here = buffer is None and self._deforms(item)
        program = self._program(item, outline, min(len(frame.lights), MAX_LIGHTS), skinned_here)
        level = self.detail_level(item, frame)
        if buffer is not None:  # already in world space
            set_uniform(program, "u_model", _IDENTITY)
            vao = item.gpu.deformed_vertex_array(self.rc, program, buffer, level)
        elif skinned_here:  # skinned and morphed by this draw's vertex shader
            self._bind_deformation(program, item, joint_textures)
            vao = item.gpu.vertex_array(self.rc, program, level=level)
        else:
            program["u_model"].write(_mat4_bytes(self.node_world[item.node]))
            vao = item.gpu.vertex_array(self.rc, program, level=level)
        self._bind_material(item)
        if not outline:
            if item.shading.double_sided:
                ctx.disable(moderngl.CULL_FACE)
            else:
                ctx.enable(moderngl.CULL_FACE)
        vao.render(item.gpu.mode, vertices=item.gpu.level_index_count(level))
        if not outline:
            ctx.disable(moderngl.CULL_FACE)

    # ----------------------------------------------------------------- read-back
    def deformed_vertices(self, node_index: int, primitive_index: int) -> tuple[np.ndarray, np.ndarray]:
        """World-space (positions, normals) of one primitive after morphing and skinning, computed by
        the same vertex shader the renderer uses, captured with transform feedback."""
        data = self._captured(node_index, primitive_index)
        return data[:, :3].copy(), data[:, 3:6].copy()

    def deformed_tangents(self, node_index: int, primitive_index: int) -> np.ndarray | None:
        """World-space (N, 4) tangents (xyz, w handedness) of one primitive after morphing and
        skinning, as `deformed_vertices`; None where the primitive is drawn without a normal map."""
        data = self._captured(node_index, primitive_index)
        return data[:, 6:10].copy() if data.shape[1] == 10 else None

    def _captured(self, node_index: int, primitive_index: int) -> np.ndarray:
        """(N, 6 or 10) float32: what the deform program writes for one primitive."""
        item = next(i for i in self._items if i.node == node_index and i.primitive == primitive_index)
        program = self._deform_program(item)
        skin = item.skin
        joint_textures = {skin: self._upload_joints(skin)} if skin is not None else {}
        self._bind_deformation(program, item, joint_textures)
        count = item.gpu.vertex_count
        ctx = self.rc.ctx
        # Transform feedback still needs a complete framebuffer bound (a standalone EGL context
        # has none by default): use a 1x1 one. Every draw binds its own target first, so
        # nothing needs restoring afterwards.
        if self._capture_fbo is None:
            self._capture_fbo = ctx.simple_framebuffer((1, 1))
        floats = item.gpu.deformed_floats
        out = ctx.buffer(reserve=count * floats * 4)
        try:
            self._capture_fbo.use()
            item.gpu.vertex_array(self.rc, program, indexed=False).transform(out, moderngl.POINTS, vertices=count)
            return np.frombuffer(out.read(), np.float32).reshape(count, floats)
        finally:
            out.release()

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        for gpu in self._gpu.values():
            gpu.release()
        for resource in (*self._textures.values(), *self._joint_textures.values(), *self._deformed.values(),
                         *self._material_blocks.values(), self._frame_block):
            resource.release()
        if self._capture_fbo is not None:
            self._capture_fbo.release()
