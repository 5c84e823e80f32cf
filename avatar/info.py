"""A human-readable summary of an avatar file (the `vivid avatar info` output)."""
from __future__ import annotations

from dataclasses import dataclass

from avatar.gltf.document import GltfDocument, Mesh, PrimitiveMode


@dataclass(frozen=True)
class MeshStats:
    vertices: int
    triangles: int
    coarsest_triangles: int  # with each primitive at its coarsest level of detail (VIVID_lod)


def mesh_vertices(mesh: Mesh) -> int:
    """Vertices of a mesh, counting vertex data its primitives share (`vertex_source`) once."""
    seen: set[tuple] = set()
    total = 0
    for primitive in mesh.primitives:
        if primitive.vertex_source:
            if primitive.vertex_source in seen:
                continue
            seen.add(primitive.vertex_source)
        total += primitive.vertex_count
    return total


def mesh_stats(doc: GltfDocument) -> MeshStats:
    """Vertex and triangle totals over all meshes (each mesh counted once, not per instancing node)."""
    vertices = triangles = coarsest = 0
    for mesh in doc.meshes:
        vertices += mesh_vertices(mesh)
        for primitive in mesh.primitives:
            if primitive.mode == PrimitiveMode.TRIANGLES:
                count = len(primitive.indices) if primitive.indices is not None else primitive.vertex_count
                triangles += count // 3
                coarsest += len(primitive.lod_indices[-1]) // 3 if primitive.lod_indices else count // 3
    return MeshStats(vertices, triangles, coarsest)


def node_tree_lines(doc: GltfDocument, max_lines: int) -> list[str]:
    joints = {j for skin in doc.skins for j in skin.joints}
    lines: list[str] = []
    stack = [(root, 0) for root in reversed(doc.root_nodes)]
    shown = 0
    while stack:
        index, depth = stack.pop()
        shown += 1
        if len(lines) < max_lines:
            node = doc.nodes[index]
            tags = []
            if index in joints:
                tags.append("joint")
            if node.mesh is not None:
                tags.append(f"mesh {node.mesh}")
            if node.skin is not None:
                tags.append(f"skin {node.skin}")
            label = node.name or f"node {index}"
            lines.append(f"{'  ' * depth}{label} [{index}]" + (f" ({', '.join(tags)})" if tags else ""))
        stack.extend((child, depth + 1) for child in reversed(doc.nodes[index].children))
    if shown > len(lines):
        lines.append(f"... {shown - len(lines)} more nodes (raise --max-nodes to see them)")
    return lines


def summary_lines(doc: GltfDocument, max_nodes: int = 80) -> list[str]:
    stats = mesh_stats(doc)
    asset = doc.json.get("asset", {}) if isinstance(doc.json.get("asset"), dict) else {}
    out = [f"file: {doc.source}",
           f"generator: {asset.get('generator', '-')}",
           f"nodes: {len(doc.nodes)}  meshes: {len(doc.meshes)}  skins: {len(doc.skins)}  "
           f"materials: {len(doc.materials)}  images: {len(doc.images)}  animations: {len(doc.animations)}",
           f"vertices: {stats.vertices}  triangles: {stats.triangles}"
           + (f" ({stats.coarsest_triangles} at the coarsest levels of detail)"
              if stats.coarsest_triangles != stats.triangles else ""),
           "", "node tree:"]
    out += ["  " + line for line in node_tree_lines(doc, max_nodes)]
    out += ["", "skins:"] + [f"  [{i}] {s.name or '-'}: {len(s.joints)} joints" for i, s in enumerate(doc.skins)]
    out += ["", "meshes:"]
    for i, mesh in enumerate(doc.meshes):
        vertices = mesh_vertices(mesh)
        out.append(f"  [{i}] {mesh.name or '-'}: {len(mesh.primitives)} primitive(s), {vertices} vertices, "
                   f"{len(mesh.target_names)} morph target(s)")
        if mesh.target_names:
            out.append("      morphs: " + ", ".join(n or f"#{k}" for k, n in enumerate(mesh.target_names)))
    out += ["", "materials:"]
    for i, m in enumerate(doc.materials):
        textures = [name for name, ref in (("baseColor", m.base_color_texture), ("normal", m.normal_texture),
                                           ("emissive", m.emissive_texture)) if ref is not None]
        flags = [m.alpha_mode.name] + (["unlit"] if m.unlit else []) + [e for e in m.extensions if e.startswith("VRM")]
        out.append(f"  [{i}] {m.name or '-'}: {', '.join(flags)}; textures: {', '.join(textures) or 'none'}")
    out += ["", "animations:"] + [f"  [{i}] {a.name or '-'}: {a.duration:.3f} s, {len(a.channels)} channels"
                                  for i, a in enumerate(doc.animations)]
    return out
