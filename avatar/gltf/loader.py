"""`load_gltf(path) -> GltfDocument` for .gltf (+ external .bin / images / data: URIs) and .glb
(and .vrm, which is a .glb).

Pure parsing: the container layer (container.py) yields JSON + the BIN chunk, accessors.py decodes
binary data, meshes.py / materials.py build their parts, and `load_gltf` is the one place that
constructs the `GltfDocument`. Every invalid input raises `AssetError` naming the file and the JSON
path of the field (trimesh's pure-loader shape, STYLE.md point 5).

Conventions beyond document.py:
- Node matrices are transposed from glTF's column-major into numpy row-major (``p' = M @ p``).
- A file without `scenes` gets one synthesized scene holding every parentless node.
- Skins without inverseBindMatrices get identities (spec default).
- Animation channels without `target.node` (allowed by the spec) or with a path we do not animate
  (e.g. KHR_animation_pointer's "pointer") are skipped; samplers keep their indices.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from avatar.gltf.accessors import AccessorReader
from avatar.gltf.container import UriResolver, read_container
from avatar.gltf.document import (
    Animation, AnimationChannel, AnimationSampler, GltfDocument, Interpolation, Node, Skin,
)
from avatar.gltf.fields import FieldReader
from avatar.gltf.materials import MaterialReader, read_images
from avatar.gltf.meshes import MeshReader

# Extensions whose meaning we implement, so a file may list them in extensionsRequired.
SUPPORTED_REQUIRED_EXTENSIONS = (
    "KHR_materials_unlit",
    "KHR_materials_emissive_strength",
    "KHR_mesh_quantization",
    "KHR_texture_transform",
)
ANIMATED_PATHS = {"translation": 3, "rotation": 4, "scale": 3, "weights": None}


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


def load_gltf(path: str | Path) -> GltfDocument:
    """Parse a .gltf / .glb / .vrm file into plain arrays. Raises AssetError on any invalid input."""
    path = Path(path)
    f = FieldReader(path.name)
    container = read_container(path)
    tree = container.json
    _check_version_and_extensions(f, tree)
    acc = AccessorReader(f, tree, UriResolver(path.name, path.parent), container.glb_bin)
    images = read_images(f, tree, acc, acc.resolver)
    material_reader = MaterialReader(f, tree, len(images))
    materials = tuple(material_reader.material(i, m) for i, m in enumerate(f.objects(tree, "materials", "")))
    mesh_reader = MeshReader(f, acc, len(materials))
    meshes = tuple(mesh_reader.mesh(i, m) for i, m in enumerate(f.objects(tree, "meshes", "")))
    nodes_json = f.objects(tree, "nodes", "")
    skins = tuple(_skin(f, acc, i, s, len(nodes_json)) for i, s in enumerate(f.objects(tree, "skins", "")))
    nodes = tuple(_node(f, i, n, len(nodes_json), meshes, len(skins), tree) for i, n in enumerate(nodes_json))
    _check_hierarchy(f, nodes)
    _check_skinned_joint_indices(f, nodes, meshes, skins)
    animations = tuple(_animation(f, acc, i, a, nodes, meshes)
                       for i, a in enumerate(f.objects(tree, "animations", "")))
    scenes, scene = _scenes(f, tree, nodes)
    return GltfDocument(
        source=path, nodes=nodes, meshes=meshes, skins=skins, materials=materials, images=images,
        animations=animations, scenes=scenes, scene=scene, json=tree,
    )


def _check_version_and_extensions(f: FieldReader, tree: dict[str, Any]) -> None:
    asset = f.obj(tree, "asset", "", required=True)
    version = f.str_(asset, "version", "asset")
    if not version.startswith("2."):
        f.fail("asset.version", f"glTF {version} is not supported, only 2.x (convert glTF 1.0 files first)")
    required = f.array(tree, "extensionsRequired", "")
    unsupported = [e for e in required if e not in SUPPORTED_REQUIRED_EXTENSIONS]
    if unsupported:
        f.fail("extensionsRequired",
               f"unsupported required extension(s) {', '.join(map(str, unsupported))}; supported: "
               f"{', '.join(SUPPORTED_REQUIRED_EXTENSIONS)} (re-export the file without them)")


def _node(f: FieldReader, index: int, spec: dict[str, Any], node_count: int, meshes: tuple,
          skin_count: int, tree: dict[str, Any]) -> Node:
    path = f"nodes[{index}]"
    children = f.array(spec, "children", path)
    for i in range(len(children)):
        f.index_value(children[i], f"{path}.children[{i}]", "nodes", node_count)
    matrix = None
    if spec.get("matrix") is not None:
        # glTF stores column-major: reading the 16 numbers row by row gives M^T.
        matrix = _readonly(np.asarray(f.floats(spec, "matrix", path, 16), np.float32).reshape(4, 4).T)
    mesh = f.index(spec, "mesh", path, "meshes", len(meshes), required=False)
    weights = None
    if spec.get("weights") is not None:
        targets = len(meshes[mesh].weights) if mesh is not None else len(f.array(spec, "weights", path))
        weights = _readonly(np.asarray(f.floats(spec, "weights", path, targets), np.float32))
    extras = spec.get("extras")
    return Node(
        name=f.str_(spec, "name", path, ""),
        children=tuple(int(c) for c in children),
        translation=_readonly(np.asarray(f.floats(spec, "translation", path, 3, (0.0, 0.0, 0.0)), np.float32)),
        rotation=_readonly(np.asarray(f.floats(spec, "rotation", path, 4, (0.0, 0.0, 0.0, 1.0)), np.float32)),
        scale=_readonly(np.asarray(f.floats(spec, "scale", path, 3, (1.0, 1.0, 1.0)), np.float32)),
        matrix=matrix,
        mesh=mesh,
        skin=f.index(spec, "skin", path, "skins", skin_count, required=False),
        camera=f.index(spec, "camera", path, "cameras", len(f.array(tree, "cameras", "")), required=False),
        weights=weights,
        extras=extras if isinstance(extras, dict) else {},
    )


def _check_hierarchy(f: FieldReader, nodes: tuple[Node, ...]) -> None:
    parent = [-1] * len(nodes)
    for index, node in enumerate(nodes):
        for child in node.children:
            if parent[child] != -1:
                f.fail(f"nodes[{index}].children", f"node {child} already has parent {parent[child]} "
                                                   "(the node hierarchy must be a forest)")
            parent[child] = index
    for start in range(len(nodes)):
        seen, current = set(), start
        while current != -1:
            if current in seen:
                f.fail(f"nodes[{start}]", "the node hierarchy has a cycle")
            seen.add(current)
            current = parent[current]


def _check_skinned_joint_indices(f: FieldReader, nodes: tuple[Node, ...], meshes: tuple, skins: tuple[Skin, ...]) -> None:
    """JOINTS_0 must index the skin's joint list; out of range would read garbage on the GPU."""
    for index, node in enumerate(nodes):
        if node.skin is None or node.mesh is None:
            continue
        joint_count = len(skins[node.skin].joints)
        for p, primitive in enumerate(meshes[node.mesh].primitives):
            if primitive.joints is not None and primitive.joints.size and int(primitive.joints.max()) >= joint_count:
                f.fail(f"meshes[{node.mesh}].primitives[{p}].attributes.JOINTS_0",
                       f"joint index {int(primitive.joints.max())} is out of range for skins[{node.skin}] "
                       f"({joint_count} joints), used by nodes[{index}]")


def _skin(f: FieldReader, acc: AccessorReader, index: int, spec: dict[str, Any], node_count: int) -> Skin:
    path = f"skins[{index}]"
    joints_json = f.array(spec, "joints", path, required=True)
    joints = tuple(f.index_value(j, f"{path}.joints[{i}]", "nodes", node_count) for i, j in enumerate(joints_json))
    if not joints:
        f.fail(f"{path}.joints", "a skin needs at least one joint")
    ibm_index = f.index(spec, "inverseBindMatrices", path, "accessors", acc.count, required=False)
    if ibm_index is None:
        ibm = np.tile(np.eye(4, dtype=np.float32), (len(joints), 1, 1))
    else:
        raw = acc.read(ibm_index, f"{path}.inverseBindMatrices")
        if raw.ndim != 2 or raw.shape[1] != 16 or raw.dtype != np.float32:
            f.fail(f"{path}.inverseBindMatrices", f"accessors[{ibm_index}] must be MAT4 FLOAT")
        if raw.shape[0] < len(joints):
            f.fail(f"{path}.inverseBindMatrices",
                   f"accessors[{ibm_index}] has {raw.shape[0]} matrices for {len(joints)} joints")
        ibm = raw[:len(joints)].reshape(-1, 4, 4).transpose(0, 2, 1)
    return Skin(
        name=f.str_(spec, "name", path, ""),
        joints=joints,
        inverse_bind_matrices=_readonly(ibm.astype(np.float32)),
        skeleton=f.index(spec, "skeleton", path, "nodes", node_count, required=False),
    )


def _animation(f: FieldReader, acc: AccessorReader, index: int, spec: dict[str, Any],
               nodes: tuple[Node, ...], meshes: tuple) -> Animation:
    path = f"animations[{index}]"
    samplers_json = f.objects(spec, "samplers", path, required=True)
    channels_json = f.objects(spec, "channels", path, required=True)
    # Output width per sampler is known only from the channel (weights: number of morph targets).
    widths: dict[int, int] = {}
    channels = []
    for i, channel in enumerate(channels_json):
        cpath = f"{path}.channels[{i}]"
        sampler = f.index(channel, "sampler", cpath, "samplers", len(samplers_json))
        target = f.obj(channel, "target", cpath, required=True)
        node = f.index(target, "node", f"{cpath}.target", "nodes", len(nodes), required=False)
        target_path = f.str_(target, "path", f"{cpath}.target")
        if node is None or target_path not in ANIMATED_PATHS:
            continue
        width = ANIMATED_PATHS[target_path]
        if width is None:
            mesh = nodes[node].mesh
            if mesh is None:
                f.fail(f"{cpath}.target", f"animates weights of nodes[{node}], which has no mesh")
            width = len(meshes[mesh].weights)
        if widths.setdefault(sampler, width) != width:
            f.fail(f"{cpath}.sampler", f"samplers[{sampler}] is shared by channels with different value widths")
        channels.append(AnimationChannel(node=node, path=target_path, sampler=sampler))
    samplers = tuple(_sampler(f, acc, f"{path}.samplers[{i}]", s, widths.get(i))
                     for i, s in enumerate(samplers_json))
    return Animation(name=f.str_(spec, "name", path, ""), channels=tuple(channels), samplers=samplers)


def _sampler(f: FieldReader, acc: AccessorReader, path: str, spec: dict[str, Any], width: int | None
             ) -> AnimationSampler:
    interpolation = Interpolation[f.choice(spec, "interpolation", path, ("LINEAR", "STEP", "CUBICSPLINE"), "LINEAR")]
    input_index = f.index(spec, "input", path, "accessors", acc.count)
    output_index = f.index(spec, "output", path, "accessors", acc.count)
    times = acc.read(input_index, f"{path}.input")
    if times.ndim != 1 or times.dtype != np.float32:
        f.fail(f"{path}.input", f"accessors[{input_index}] must be SCALAR FLOAT keyframe times")
    if len(times) > 1 and np.any(np.diff(times) <= 0):
        f.fail(f"{path}.input", f"accessors[{input_index}] keyframe times must be strictly increasing")
    values = acc.read(output_index, f"{path}.output").astype(np.float32)
    keys = len(times)
    per_key = 3 if interpolation == Interpolation.CUBICSPLINE else 1
    if width is None:  # a sampler no channel uses: keep its natural width
        width = values.shape[1] if values.ndim == 2 else 1
    if values.size != keys * per_key * width:
        f.fail(f"{path}.output", f"accessors[{output_index}] has {values.size} values; {keys} keyframes of "
                                 f"{interpolation.name} need {keys * per_key * width}")
    shape = (keys, 3, width) if per_key == 3 else (keys, width)
    return AnimationSampler(input=times, output=_readonly(values.reshape(shape)), interpolation=interpolation)


def _scenes(f: FieldReader, tree: dict[str, Any], nodes: tuple[Node, ...]) -> tuple[tuple[tuple[int, ...], ...], int]:
    scenes_json = f.objects(tree, "scenes", "")
    if not scenes_json:
        children = {c for node in nodes for c in node.children}
        return (tuple(i for i in range(len(nodes)) if i not in children),), 0
    scenes = []
    for i, scene in enumerate(scenes_json):
        roots = f.array(scene, "nodes", f"scenes[{i}]")
        scenes.append(tuple(f.index_value(n, f"scenes[{i}].nodes[{k}]", "nodes", len(nodes))
                            for k, n in enumerate(roots)))
    default = f.index(tree, "scene", "", "scenes", len(scenes), required=False)
    return tuple(scenes), default or 0
