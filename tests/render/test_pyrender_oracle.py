"""Static geometry agrees with an independent renderer: pyrender draws the same triangles with
the same camera; silhouettes and depth must match."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.pyrender_baseline import pyrender_depth
from avatar.gltf.cpu_skinning import deform
from avatar.gltf.document import GltfDocument, Material, Mesh, Node, Primitive
from avatar.gltf.loader import load_gltf
from avatar.gltf.pose import joint_matrices
from avatar.posing import Pose, PoseApplier
from render.camera import Camera
from render.model import ModelInstance
from render.renderer import Renderer
from render.scene import Scene
from render.surface import OffscreenSurface

# pyrender resolves a 4x multisampled depth buffer (one sample per pixel, not the centre), so
# edge pixels can differ; at this size the edge band is well under 1% of the silhouette.
WIDTH, HEIGHT = 1280, 960
CAMERA_DISTANCE_M = 1.0


def _static_mesh(test_data, sample: str) -> tuple[np.ndarray, np.ndarray]:
    """World-space rest-pose triangles of every primitive of a sample, centred and scaled so that
    it is 0.6 m tall (so 1 m from the camera is a realistic presenter distance)."""
    doc = load_gltf(test_data / sample)
    posed = PoseApplier(doc).apply(Pose())
    vertices, faces, offset = [], [], 0
    for node_index, node in enumerate(doc.nodes):
        if node.mesh is None:
            continue
        for primitive in doc.meshes[node.mesh].primitives:
            jm = joint_matrices(doc, node.skin, posed.node_world, node_index) if node.skin is not None else None
            local = deform(primitive, None, jm).positions.astype(np.float64)
            world = local @ posed.node_world[node_index][:3, :3].T + posed.node_world[node_index][:3, 3]
            vertices.append(world)
            idx = primitive.indices if primitive.indices is not None else np.arange(len(world))
            faces.append(idx.reshape(-1, 3) + offset)
            offset += len(world)
    v = np.concatenate(vertices)
    v = (v - (v.min(0) + v.max(0)) / 2) * (0.6 / np.ptp(v, axis=0).max())
    return v.astype(np.float32), np.concatenate(faces).astype(np.uint32)


def _ours(rc, vertices, faces, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    primitive = Primitive(positions=vertices, indices=faces.ravel(), material=0)
    doc = GltfDocument(source=Path("oracle"), nodes=(Node(name="mesh", mesh=0),),
                       meshes=(Mesh("mesh", (primitive,), np.zeros(0, np.float32), ()),),
                       skins=(), materials=(Material("flat", unlit=True, double_sided=True),),
                       images=(), animations=(), scenes=((0,),), scene=0, json={})
    model = ModelInstance(rc, doc)
    surface = OffscreenSurface(rc, WIDTH, HEIGHT, samples=0)
    try:
        Renderer(rc).render(Scene(camera=camera, passes=[model], background=(0, 0, 0, 0)), surface)
        alpha = surface.read()[..., 3]
        window_depth = surface.read_depth().astype(np.float64)
    finally:
        model.release()
        surface.release()
    ndc = window_depth * 2 - 1
    n, f = camera.near, camera.far
    eye_depth = 2 * n * f / (f + n - ndc * (f - n))
    mask = alpha > 0
    return mask, np.where(mask, eye_depth, 0.0)


@pytest.mark.parametrize("sample", ["gltf/CesiumMan/CesiumMan.glb", "gltf/Fox/Fox.glb",
                                    "gltf/RiggedFigure/RiggedFigure.glb"])
def test_silhouette_and_depth_match_pyrender(rc, test_data, sample):
    vertices, faces = _static_mesh(test_data, sample)
    camera = Camera(position=(0.25, 0.15, CAMERA_DISTANCE_M), target=(0.0, 0.0, 0.0), fov_y_deg=40.0,
                    near=0.1, far=5.0)
    our_mask, our_depth = _ours(rc, vertices, faces, camera)
    ref_depth = pyrender_depth(vertices, faces, camera.view(), camera.fov_y_deg, (WIDTH, HEIGHT),
                               camera.near, camera.far).astype(np.float64)
    ref_mask = ref_depth > 0
    assert ref_mask.sum() > 0.02 * WIDTH * HEIGHT, "reference render is (nearly) empty"
    iou = (our_mask & ref_mask).sum() / (our_mask | ref_mask).sum()
    assert iou >= 0.99, f"silhouette IoU {iou:.4f} (ours {our_mask.sum()} px, pyrender {ref_mask.sum()} px)"
    both = our_mask & ref_mask
    error_mm = np.median(np.abs(our_depth[both] - ref_depth[both])) * 1000
    assert error_mm < 1.0, f"median depth error {error_mm:.3f} mm"
