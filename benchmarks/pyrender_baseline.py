"""pyrender as an independent reference renderer, run in a child process.

pyrender's EGL platform initializes and terminates the process-wide EGL display, which breaks a
ModernGL context living in the same process; a spawned child keeps the two apart."""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np


def _scene(vertices: np.ndarray, faces: np.ndarray, view: np.ndarray, fov_y_deg: float, size: tuple[int, int],
           near: float, far: float):
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    import pyrender
    import trimesh

    scene = pyrender.Scene(bg_color=(0.12, 0.13, 0.16, 1.0), ambient_light=(0.4, 0.4, 0.4))
    scene.add(pyrender.Mesh.from_trimesh(trimesh.Trimesh(vertices, faces, process=False), smooth=False))
    camera = pyrender.PerspectiveCamera(yfov=np.radians(fov_y_deg), aspectRatio=size[0] / size[1], znear=near, zfar=far)
    scene.add(camera, pose=np.linalg.inv(view))
    scene.add(pyrender.DirectionalLight(intensity=3.0), pose=np.linalg.inv(view))
    return pyrender, scene


def _depth(vertices, faces, view, fov_y_deg, size, near, far) -> np.ndarray:
    pyrender, scene = _scene(vertices, faces, view, fov_y_deg, size, near, far)
    renderer = pyrender.OffscreenRenderer(*size)
    try:
        flags = pyrender.RenderFlags.DEPTH_ONLY | pyrender.RenderFlags.SKIP_CULL_FACES
        return np.asarray(renderer.render(scene, flags=flags), np.float32)
    finally:
        renderer.delete()


def _timing(vertices, faces, view, fov_y_deg, size, near, far, repeat: int) -> float:
    pyrender, scene = _scene(vertices, faces, view, fov_y_deg, size, near, far)
    renderer = pyrender.OffscreenRenderer(*size)
    try:
        for _ in range(3):
            renderer.render(scene)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            renderer.render(scene)  # colour + depth read back: pyrender's only offscreen mode
            samples.append((time.perf_counter() - started) * 1000.0)
        return float(np.median(samples))  # the median, like benchmarks/_report.time_per_call
    finally:
        renderer.delete()


def _run(fn, *args):
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def pyrender_depth(vertices: np.ndarray, faces: np.ndarray, view: np.ndarray, fov_y_deg: float,
                   size: tuple[int, int], near: float, far: float) -> np.ndarray:
    """(H, W) linear depth in metres from pyrender, 0 where nothing was drawn."""
    return _run(_depth, vertices, faces, view, fov_y_deg, size, near, far)


def pyrender_ms_per_frame(vertices: np.ndarray, faces: np.ndarray, view: np.ndarray, fov_y_deg: float,
                          size: tuple[int, int], near: float, far: float, repeat: int = 20) -> float:
    return _run(_timing, vertices, faces, view, fov_y_deg, size, near, far, repeat)
