"""Offscreen preview of the generated avatar: numpy skinning + morphs, rendered with pyrender.

    PYOPENGL_PLATFORM=egl python -m assets.avatar_gen.preview assets/avatar/vivid_presenter.glb -o /tmp/avatargen

Independent of the project's renderer on purpose (it checks the file, not our GL code).
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .geometry import rotation_matrix
from .readback import Glb


@dataclass(frozen=True)
class Shot:
    name: str
    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    yfov_deg: float
    morphs: dict[str, float] = field(default_factory=dict)
    pose: dict[str, tuple[tuple[float, float, float], float]] = field(default_factory=dict)  # bone -> (axis, degrees)


ARMS_DOWN = {"leftUpperArm": ((0, 0, 1), -72.0), "rightUpperArm": ((0, 0, 1), 72.0),
             "leftLowerArm": ((0, 1, 0), -12.0), "rightLowerArm": ((0, 1, 0), 12.0)}
FACE = dict(eye=(0.0, 1.462, 0.56), target=(0.0, 1.452, 0.0), yfov_deg=24.0)
FACE34 = dict(eye=(0.32, 1.485, 0.46), target=(0.0, 1.452, 0.0), yfov_deg=24.0)
SHOTS = (
    Shot("front", (0.0, 1.0, 3.1), (0.0, 0.84, 0.0), 34.0, pose=ARMS_DOWN),
    Shot("tpose", (0.0, 0.95, 3.2), (0.0, 0.84, 0.0), 34.0),
    Shot("three_quarter", (1.7, 1.25, 2.6), (0.0, 0.82, 0.0), 38.0, pose=ARMS_DOWN),
    Shot("back", (0.6, 1.35, -1.6), (0.0, 1.1, 0.0), 40.0, pose=ARMS_DOWN),
    Shot("side_head", (0.55, 1.45, 0.0), (0.0, 1.45, 0.0), 30.0),
    Shot("hand_top", (0.72, 1.55, 0.02), (0.72, 1.28, 0.0), 36.0),
    Shot("bust", (0.0, 1.38, 1.25), (0.0, 1.33, 0.0), 30.0, pose=ARMS_DOWN),
    Shot("face", **FACE),
    Shot("face_34", **FACE34),
    Shot("smile", **FACE, morphs={"happy": 1.0}),
    Shot("jaw_open", **FACE, morphs={"jawOpen": 1.0}),
    Shot("blink", **FACE, morphs={"blink": 1.0}),
    Shot("wink_left", **FACE, morphs={"eyeBlinkLeft": 1.0}),
    Shot("aa", **FACE, morphs={"aa": 1.0}),
    Shot("ou", **FACE, morphs={"ou": 1.0}),
    Shot("surprised", **FACE, morphs={"surprised": 1.0}),
    Shot("angry", **FACE, morphs={"angry": 1.0}),
    Shot("sad", **FACE, morphs={"sad": 1.0}),
    Shot("look_left", **FACE, morphs={"lookLeft": 1.0}),
    Shot("tongue", **FACE34, morphs={"tongueOut": 1.0}),
    Shot("arms_raised", (0.0, 1.1, 3.3), (0.0, 0.95, 0.0), 36.0,
         pose={"leftUpperArm": ((0, 0, 1), 60.0), "rightUpperArm": ((0, 0, 1), -60.0),
               "leftLowerArm": ((0, 1, 0), 45.0), "rightLowerArm": ((0, 1, 0), -45.0)}),
    Shot("hands", (0.70, 1.40, 0.30), (0.72, 1.27, 0.0), 36.0, pose={
        **{f"{s}{f}{j}": ((0, 0, 1), -50.0 if s == "left" else 50.0) for s in ("left", "right")
                        for f in ("Index", "Middle", "Ring", "Little") for j in ("Intermediate", "Distal")},
        "leftIndexProximal": ((0, 0, 1), -20.0), "rightIndexProximal": ((0, 0, 1), 20.0)}),
)


def _linear_to_srgb(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(np.clip(c, 0, None), 1 / 2.4) - 0.055)


def skin_and_morph(glb: Glb, morphs: dict[str, float], pose: dict) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
    """(positions, normals, indices, material) per primitive after morphs and linear blend skinning."""
    doc = glb.json
    nodes = doc["nodes"]
    skin = doc["skins"][0]
    joints = skin["joints"]
    ibm = glb.accessor(skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    parent = {c: i for i, n in enumerate(nodes) for c in n.get("children", [])}
    world: dict[int, np.ndarray] = {}

    def world_of(i: int) -> np.ndarray:
        if i in world:
            return world[i]
        local = np.eye(4)
        local[:3, 3] = nodes[i].get("translation", [0, 0, 0])
        if nodes[i]["name"] in pose:
            axis, deg = pose[nodes[i]["name"]]
            local[:3, :3] = rotation_matrix(axis, np.radians(deg))
        world[i] = (world_of(parent[i]) @ local) if i in parent else local
        return world[i]

    mats = np.array([world_of(j) @ ibm[k] for k, j in enumerate(joints)])
    out = []
    for mesh in doc["meshes"]:
        names = mesh.get("extras", {}).get("targetNames", [])
        for prim in mesh["primitives"]:
            pos = glb.accessor(prim["attributes"]["POSITION"])
            nrm = glb.accessor(prim["attributes"]["NORMAL"])
            for name, w in morphs.items():
                if name in names and w:
                    target = prim["targets"][names.index(name)]
                    pos = pos + w * glb.accessor(target["POSITION"])
                    nrm = nrm + w * glb.accessor(target["NORMAL"])
            j = glb.accessor(prim["attributes"]["JOINTS_0"]).astype(np.int64)
            wt = glb.accessor(prim["attributes"]["WEIGHTS_0"])
            skin_m = np.einsum("nk,nkij->nij", wt, mats[j])
            p = np.einsum("nij,nj->ni", skin_m[:, :3, :3], pos) + skin_m[:, :3, 3]
            n = np.einsum("nij,nj->ni", skin_m[:, :3, :3], nrm)  # rigid joints: no inverse-transpose needed
            n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)
            idx = glb.accessor(prim["indices"]).reshape(-1, 3)
            out.append((p, n, idx, prim["material"]))
    return out


def _look_at(eye, target) -> np.ndarray:
    eye = np.asarray(eye, dtype=np.float64)
    f = np.asarray(target, dtype=np.float64) - eye
    f /= np.linalg.norm(f)
    r = np.cross(f, [0.0, 1.0, 0.0])
    r /= np.linalg.norm(r)
    u = np.cross(r, f)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = r, u, -f, eye
    return m


def render(glb: Glb, shot: Shot, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    import pyrender
    import trimesh

    scene = pyrender.Scene(bg_color=(0.80, 0.84, 0.90, 1.0), ambient_light=(0.42, 0.42, 0.45))
    for pos, nrm, idx, mat in skin_and_morph(glb, shot.morphs, shot.pose):
        m = glb.json["materials"][mat]
        base = np.array(m["pbrMetallicRoughness"]["baseColorFactor"][:3])
        emissive = np.array(m.get("emissiveFactor", [0, 0, 0]))
        color = np.clip(_linear_to_srgb(base) ** 1.6, 0, 1)  # pyrender shades in its own space; keep the palette
        mesh = trimesh.Trimesh(pos, idx, vertex_normals=nrm, process=False)  # the file's normals
        material = pyrender.MetallicRoughnessMaterial(baseColorFactor=(*color, 1.0), metallicFactor=0.0,
                                                      roughnessFactor=0.9, emissiveFactor=tuple(emissive))
        scene.add(pyrender.Mesh.from_trimesh(mesh, material=material, smooth=True))
    cam = _look_at(shot.eye, shot.target)
    scene.add(pyrender.PerspectiveCamera(yfov=np.radians(shot.yfov_deg), aspectRatio=size[0] / size[1]), pose=cam)
    key = _look_at(np.asarray(shot.eye) + np.array([0.8, 1.2, 0.6]), shot.target)
    scene.add(pyrender.DirectionalLight(intensity=2.6), pose=key)
    fill = _look_at(np.asarray(shot.eye) + np.array([-1.0, 0.2, 0.3]), shot.target)
    scene.add(pyrender.DirectionalLight(intensity=1.0), pose=fill)
    renderer = pyrender.OffscreenRenderer(*size)
    try:
        color, _ = renderer.render(scene)
    finally:
        renderer.delete()
    return color


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assets.avatar_gen.preview", description=__doc__)
    parser.add_argument("avatar", type=Path)
    parser.add_argument("-o", "--out", type=Path, default=Path("/tmp/avatargen"))
    parser.add_argument("--only", nargs="*", default=None, help="shot names (default: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    from PIL import Image

    glb = Glb(args.avatar)
    args.out.mkdir(parents=True, exist_ok=True)
    for shot in SHOTS:
        if args.only and shot.name not in args.only:
            continue
        Image.fromarray(render(glb, shot)).save(args.out / f"{shot.name}.png")
        print(args.out / f"{shot.name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
