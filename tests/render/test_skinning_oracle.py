"""GPU morphing + skinning (captured by transform feedback from the renderer's own vertex
shader) against the numpy reference of the glTF formulas, vertex for vertex."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from avatar.gltf.animation import sample_animation
from avatar.gltf.cpu_skinning import deform
from avatar.gltf.loader import load_gltf
from avatar.gltf.pose import joint_matrices
from avatar.posing import Pose, PoseApplier
from render.gpu_primitive import normalized_weights
from render.model import ModelInstance

SAMPLES = [
    "gltf/RiggedSimple/RiggedSimple.glb",
    "gltf/RiggedFigure/RiggedFigure.glb",
    "gltf/CesiumMan/CesiumMan.glb",
    "gltf/SimpleSkin/SimpleSkin.gltf",
    "gltf/SimpleMorph/SimpleMorph.gltf",
    "gltf/MorphPrimitivesTest/MorphPrimitivesTest.glb",
    "gltf/AnimatedMorphCube/AnimatedMorphCube.glb",
    "gltf/RecursiveSkeletons/RecursiveSkeletons.glb",
    "gltf/Fox/Fox.glb",
    "gltf/RobotExpressive/RobotExpressive.glb",
]


def _reference(doc, world, weights, item):
    primitive = doc.meshes[item.mesh].primitives[item.primitive]
    if primitive.weights is not None:  # the renderer normalizes non-compliant skin weights
        primitive = replace(primitive, weights=normalized_weights(primitive.weights))
    if item.skin is not None:
        jm = joint_matrices(doc, item.skin, world, item.node)
        ref = deform(primitive, weights.get(item.node), jm)
        return (np.c_[ref.positions, np.ones(len(ref.positions))] @ world[item.node].T.astype(np.float64))[:, :3]
    ref = deform(primitive, weights.get(item.node), None)
    return (np.c_[ref.positions, np.ones(len(ref.positions))] @ world[item.node].T.astype(np.float64))[:, :3]


@pytest.mark.parametrize("sample", SAMPLES)
def test_gpu_deformation_matches_numpy_reference(rc, test_data, sample):
    doc = load_gltf(test_data / sample)
    model = ModelInstance(rc, doc)
    poser = PoseApplier(doc)
    extent = None
    try:
        duration = doc.animations[0].duration if doc.animations else 0.0
        times = [0.0, duration * 0.37, duration * 0.81] if doc.animations else [0.0]
        checked = 0
        for t in times:
            anim = sample_animation(doc.animations[0], t) if doc.animations else None
            posed = poser.apply(Pose(), anim)
            model.set_pose(posed.node_world, posed.node_weights)
            for item in model.draw_items:
                gpu, _ = model.deformed_vertices(item.node, item.primitive)
                ref = _reference(doc, posed.node_world, posed.node_weights, item)
                if extent is None:
                    extent = float(np.ptp(ref, axis=0).max()) or 1.0
                # float32 GPU vs float64 reference: 1e-5 of the model's size
                error = float(np.abs(gpu - ref).max())
                assert error <= 1e-5 * extent + 1e-6, f"{sample} t={t:.3f} node {item.node}: max error {error:.3g}"
                checked += len(gpu)
        assert checked > 0
    finally:
        model.release()


def test_morph_weights_move_vertices_on_gpu(rc, test_data):
    """AnimatedMorphCube: full weight on a target moves vertices by exactly that target's deltas."""
    doc = load_gltf(test_data / "gltf/AnimatedMorphCube/AnimatedMorphCube.glb")
    model = ModelInstance(rc, doc)
    poser = PoseApplier(doc)
    try:
        item = model.draw_items[0]
        primitive = doc.meshes[item.mesh].primitives[item.primitive]
        name = doc.meshes[item.mesh].target_names[0] or None
        rest = poser.apply(Pose())
        model.set_pose(rest.node_world, {item.node: np.zeros(len(primitive.targets), np.float32)})
        base, _ = model.deformed_vertices(item.node, item.primitive)
        weights = np.zeros(len(primitive.targets), np.float32)
        weights[0] = 1.0
        model.set_pose(rest.node_world, {item.node: weights})
        moved, _ = model.deformed_vertices(item.node, item.primitive)
        delta_world = primitive.targets[0].positions @ rest.node_world[item.node][:3, :3].T
        np.testing.assert_allclose(moved - base, delta_world, atol=1e-5)
        assert np.abs(moved - base).max() > 1e-3, f"target {name} has no visible effect"
    finally:
        model.release()
