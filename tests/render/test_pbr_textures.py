"""The glTF metallic-roughness material's textures as drawn: normal map (tangent space, file or
computed tangents, skinned and morphed), metallic-roughness (G roughness, B metallic), occlusion
(ambient only), each with its own texCoord and KHR_texture_transform.

Known answers come from a synthetic quad (tests/render/pbr_quad.py) lit by one directional light,
checked pixel by pixel against a numpy port of the lighting formulas evaluated at the normal the glTF
spec prescribes. Real assets in the shared data with these textures: MorphStressTest.glb material
'Base' (occlusionTexture on TEXCOORD_1) and Godette_vrm_v4.vrm material 'Backpack'
(metallicRoughnessTexture); none of them has a normal map."""
from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path

import numpy as np
import pytest

from assets.paths import BUILTIN_AVATAR
from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from render.camera import Camera
from render.materials import ShadingStyle, TextureSlot
from render.scene import DirectionalLight
from render.stage import AvatarStage, Shot, StageOptions
from render.surface import Antialias
from tests.render.pbr_quad import (CAMERA, SIZE, UVS, QuadSpec, encode_normal, halves, pbr_reference, solid,
                                   tangent_space_normal, view_vectors, write_quad)

# 8-bit output against a float64 reference: one level of rounding, plus float32 shading and the
# texture's 8-bit normal (the reference decodes the same 8 bits, so that error is not counted).
MAX_LEVEL_ERROR = 2.0
# Pixels sampled: the middle 16 x 16 of the 64 x 64 image (the quad fills the whole view, u and v
# from 0.1 to 0.9; one texel of an 8 x 8 texture is 10 pixels wide).
ROWS, COLS = (a.ravel() for a in np.mgrid[24:40, 24:40])
# For textures split in halves at u = 0.5 (the middle column): pixels more than a texel away from it,
# where bilinear filtering blends the halves.
HALF_ROWS, HALF_COLS = (a.ravel() for a in np.meshgrid(np.arange(24, 40), np.r_[8:20, 44:56], indexing="ij"))
TILT = math.radians(30)
BASE = np.array([0.8, 0.8, 0.8])
X, Y, Z = np.eye(3)


def _light_from(toward: np.ndarray, degrees: float = 45.0) -> np.ndarray:
    """The travel direction of a light that comes from `degrees` off +Z toward the unit `toward`."""
    a = math.radians(degrees)
    return -(math.sin(a) * toward + math.cos(a) * Z)


def _material(**extra) -> dict:
    pbr = {"baseColorFactor": [*BASE, 1.0], "metallicFactor": 0.0, "roughnessFactor": 1.0}
    pbr.update(extra.pop("pbr", {}))
    return {"pbrMetallicRoughness": pbr, **extra}


def _render(rc, tmp_path: Path, spec: QuadSpec, lights: list[np.ndarray], ambient: float = 0.0,
            style: ShadingStyle = ShadingStyle.AUTO, joint: np.ndarray | None = None,
            weights: np.ndarray | None = None, camera: Camera = CAMERA, stage_out: list | None = None) -> np.ndarray:
    """The quad drawn at SIZE x SIZE without anti-aliasing; `joint`: the joint node's world matrix."""
    doc = load_gltf(write_quad(tmp_path / "quad.gltf", spec))
    options = StageOptions(width=SIZE, height=SIZE, samples=0, antialias=Antialias.NONE, style=style)
    with AvatarStage(doc, options, rc=rc) as stage:
        stage.scene.camera = camera
        stage.scene.lights = [DirectionalLight(direction=tuple(d), intensity=1.0) for d in lights]
        stage.scene.ambient_sky = stage.scene.ambient_ground = (ambient,) * 3
        world = np.tile(np.eye(4), (len(doc.nodes), 1, 1))
        if joint is not None:
            world[1] = joint
        stage.model.set_pose(world, {0: weights} if weights is not None else None)
        stage.renderer.render(stage.scene, stage.surface)
        if stage_out is not None:
            stage_out.append(stage.model.deformed_tangents(0, 0))
        return stage.surface.read()[..., :3].astype(np.float64)


def _measured(image: np.ndarray) -> np.ndarray:
    return image[ROWS, COLS]


def _check(image: np.ndarray, expected: np.ndarray, what: str) -> None:
    error = np.abs(_measured(image) - expected).max()
    assert error <= MAX_LEVEL_ERROR, (f"{what}: measured mean {_measured(image).mean(axis=0).round(2)}, expected "
                                      f"{expected.mean(axis=0).round(2)}, worst pixel off by {error:.2f} levels")


def _expected(normal: np.ndarray, lights: list[np.ndarray], **kw) -> np.ndarray:
    kw.setdefault("base", BASE)
    kw.setdefault("metallic", 0.0)
    kw.setdefault("roughness", 1.0)
    return pbr_reference(normal, view_vectors(ROWS, COLS), lights=[(d, np.ones(3)) for d in lights], **kw)


# ------------------------------------------------------------------------------ normal map
@pytest.mark.parametrize("tangents", ["computed", "file"])
@pytest.mark.parametrize("axis", ["x", "y"])
def test_normal_map_tilts_the_lit_normal(rc, tmp_path, tangents, axis):
    """A texel tilting the normal 30 deg toward +X (red) or +Y (green, up the image), lit from 45 deg
    on that side: the shading is the one of the tilted normal (cos 15 deg), not the flat one (cos 45)."""
    toward = X if axis == "x" else Y
    texel = encode_normal(math.sin(TILT) * toward + math.cos(TILT) * Z)
    spec = QuadSpec(_material(normalTexture={"index": 0}), images=(solid(texel),),
                    tangents=np.tile([1.0, 0.0, 0.0, 1.0], (4, 1)) if tangents == "file" else None)
    light = _light_from(toward)
    image = _render(rc, tmp_path, spec, [light])
    tilted = tangent_space_normal(texel, 1.0, X, Y, Z)
    assert math.degrees(math.acos(tilted @ Z)) == pytest.approx(30.0, abs=0.5)
    _check(image, _expected(tilted, [light]), f"normal tilted toward +{axis}")
    flat = _expected(Z, [light])
    assert (_measured(image) - flat).mean() > 20, "the flat normal would be much darker"


def test_handedness_and_mirrored_uvs_decide_where_green_points(rc, tmp_path):
    """The bitangent is w * cross(n, t) and runs up the image: a file tangent with w = -1 turns a
    green tilt downwards; UVs mirrored in u (computed tangents) turn a red tilt toward -X but keep
    green pointing up."""
    green = encode_normal(math.sin(TILT) * Y + math.cos(TILT) * Z)
    red = encode_normal(math.sin(TILT) * X + math.cos(TILT) * Z)
    left_handed = QuadSpec(_material(normalTexture={"index": 0}), images=(solid(green),),
                           tangents=np.tile([1.0, 0.0, 0.0, -1.0], (4, 1)))
    light = _light_from(-Y)
    _check(_render(rc, tmp_path, left_handed, [light]), _expected(tangent_space_normal(green, 1.0, X, -Y, Z), [light]),
           "w = -1 bitangent")
    mirrored_uvs = np.stack([1.0 - UVS[:, 0], UVS[:, 1]], axis=1)
    for texel, light, frame in ((red, _light_from(-X), (-X, Y, Z)), (green, _light_from(Y), (-X, Y, Z))):
        spec = QuadSpec(_material(normalTexture={"index": 0}), images=(solid(texel),), texcoord0=mirrored_uvs)
        _check(_render(rc, tmp_path, spec, [light]), _expected(tangent_space_normal(texel, 1.0, *frame), [light]),
               f"mirrored UVs, texel {texel}")


def test_normal_texture_scale_texcoord_and_transform(rc, tmp_path):
    """normalTexture.scale multiplies the map's X and Y; its texCoord (1) and KHR_texture_transform
    (the right half of the image) are its own, not the base texture's."""
    steep = math.radians(60)
    right = encode_normal(math.sin(steep) * X + math.cos(steep) * Z)
    image = halves(encode_normal(-X * 0.9 + Z * math.sqrt(1 - 0.81)), right)
    transform = {"KHR_texture_transform": {"offset": [0.5, 0.0], "scale": [0.5, 1.0], "texCoord": 1}}
    spec = QuadSpec(_material(normalTexture={"index": 0, "texCoord": 0, "scale": 0.5, "extensions": transform}),
                    images=(image,), more_texcoords=(UVS,))
    light = _light_from(X)
    tilted = tangent_space_normal(right, 0.5, X, Y, Z)
    assert math.degrees(math.acos(tilted @ Z)) == pytest.approx(40.9, abs=0.5)  # atan(0.5 tan 60)
    _check(_render(rc, tmp_path, spec, [light]), _expected(tilted, [light]), "scale 0.5, right half via TEXCOORD_1")


def test_double_sided_back_face_uses_the_flipped_normal(rc, tmp_path):
    """Seen from behind, a double-sided surface's perturbed normal is the front one negated."""
    texel = encode_normal(math.sin(TILT) * X + math.cos(TILT) * Z)
    spec = QuadSpec(_material(normalTexture={"index": 0}, doubleSided=True), images=(solid(texel),))
    behind = dataclasses.replace(CAMERA, position=(0.0, 0.0, -3.0))
    light = np.array([math.sin(math.radians(45)), 0.0, math.cos(math.radians(45))])  # comes from -X, -Z
    image = _render(rc, tmp_path, spec, [light], camera=behind)
    n = -tangent_space_normal(texel, 1.0, X, Y, Z)
    v = view_vectors(ROWS, COLS) * np.array([-1.0, 1.0, -1.0])  # the camera mirrored to -Z
    expected = pbr_reference(n, v, BASE, 0.0, 1.0, [(light, np.ones(3))])
    _check(image, expected, "back face")


def test_toon_shading_uses_the_normal_map(rc, tmp_path):
    """The toon ramp (MToon 1.0 takes normalTexture from the glTF material) follows the mapped
    normal: lit from 90 deg the flat quad sits mid-ramp, the tilted normal is fully lit."""
    texel = encode_normal(math.sin(TILT) * X + math.cos(TILT) * Z)
    spec = QuadSpec(_material(normalTexture={"index": 0}), images=(solid(texel),))
    light = _light_from(X, 90.0)
    image = _render(rc, tmp_path, spec, [light], style=ShadingStyle.TOON)
    n = tangent_space_normal(texel, 1.0, X, Y, Z)
    toony, shade = 0.9, BASE * np.array([0.7, 0.62, 0.7])  # render.materials: toon without MToon data
    ramp = np.clip((n @ -light + 1.0 - toony) / (2.0 - 2.0 * toony), 0.0, 1.0)
    assert ramp == 1.0
    expected = np.sqrt(shade + (BASE - shade) * ramp) * 255
    flat = np.sqrt(shade + (BASE - shade) * 0.5) * 255
    assert np.abs(_measured(image) - expected).max() <= MAX_LEVEL_ERROR, (_measured(image).mean(axis=0), expected)
    assert (_measured(image) - flat).mean() > 10


# ------------------------------------------------------------------------------ metallic-roughness
def test_metallic_roughness_texture_reads_roughness_from_g_and_metallic_from_b(rc, tmp_path):
    """B = 0 on the left half (dielectric), 255 on the right (metal); G = 102 (roughness 0.4 x
    factor 1). Each half matches the reference; the factors multiply the texture."""
    base = np.array([0.7, 0.4, 0.15])
    g = 102
    spec = QuadSpec(_material(pbr={"baseColorFactor": [*base, 1.0], "metallicFactor": 1.0, "roughnessFactor": 1.0,
                                   "metallicRoughnessTexture": {"index": 0}}),
                    images=(halves((0, g, 0), (0, g, 255)),))
    light = _light_from(X, 40.0)  # no pixel saturates; the metal half shows the edge of the highlight
    image = _render(rc, tmp_path, spec, [light], ambient=0.3)
    left, right = (HALF_COLS < SIZE // 2), (HALF_COLS >= SIZE // 2)
    v = view_vectors(HALF_ROWS, HALF_COLS)
    measured = image[HALF_ROWS, HALF_COLS]
    for half, metallic in ((left, 0.0), (right, 1.0)):
        expected = pbr_reference(Z, v[half], base, metallic, g / 255, [(light, np.ones(3))], np.full(3, 0.3), np.full(3, 0.3))
        error = np.abs(measured[half] - expected).max()
        assert error <= MAX_LEVEL_ERROR, (f"metallic {metallic}: measured {measured[half].mean(0)}, expected "
                                          f"{expected.mean(0)}, worst pixel off by {error:.2f}")
    assert np.abs(measured[left].mean(0) - measured[right].mean(0)).max() > 30


def test_metallic_roughness_factors_scale_the_texture(rc, tmp_path):
    """metallicFactor 0.5 x B 0.8 and roughnessFactor 0.5 x G 0.6: metallic 0.4, roughness 0.3."""
    spec = QuadSpec(_material(pbr={"metallicFactor": 0.5, "roughnessFactor": 0.5,
                                   "metallicRoughnessTexture": {"index": 0}}), images=(solid((0, 153, 204)),))
    light = _light_from(X, 40.0)  # no pixel saturates
    ambient = {"ambient_sky": np.full(3, 0.2), "ambient_ground": np.full(3, 0.2)}
    image = _render(rc, tmp_path, spec, [light], ambient=0.2)
    _check(image, _expected(Z, [light], metallic=0.5 * 204 / 255, roughness=0.5 * 153 / 255, **ambient),
           "factors 0.5 x texture (G 0.6, B 0.8)")
    factors_only = _expected(Z, [light], metallic=0.5, roughness=0.5, **ambient)
    assert np.abs(_measured(image) - factors_only).max() > 5 * MAX_LEVEL_ERROR


# ------------------------------------------------------------------------------ occlusion
def test_occlusion_darkens_the_ambient_light_only(rc, tmp_path):
    """R = 64 with strength 0.8: ambient x (1 + 0.8 (64/255 - 1)) = 0.40; the direct light is untouched."""
    strength, r = 0.8, 64
    occluded = QuadSpec(_material(occlusionTexture={"index": 0, "strength": strength}), images=(solid((r, 255, 255)),))
    plain = QuadSpec(_material())
    factor = 1 + strength * (r / 255 - 1)
    ambient = np.full(3, 0.5)
    _check(_render(rc, tmp_path, occluded, [], ambient=0.5),
           _expected(Z, [], ambient_sky=ambient, ambient_ground=ambient, occlusion=factor), "ambient only, occluded")
    _check(_render(rc, tmp_path, plain, [], ambient=0.5),
           _expected(Z, [], ambient_sky=ambient, ambient_ground=ambient), "ambient only, no occlusion texture")
    light = _light_from(X)
    lit = _render(rc, tmp_path, occluded, [light])
    _check(lit, _expected(Z, [light]), "direct light only, occluded")
    assert np.array_equal(lit, _render(rc, tmp_path, plain, [light])), "occlusion must not touch direct light"


# ------------------------------------------------------------------------------ deformation
def _rotation(axis: np.ndarray, degrees: float) -> np.ndarray:
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    a = math.radians(degrees)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    m = np.eye(4)
    m[:3, :3] = np.eye(3) + math.sin(a) * k + (1 - math.cos(a)) * k @ k
    return m


@pytest.mark.parametrize("axis", ["z", "y"])
def test_skinned_normal_map_stays_attached_when_the_joint_turns(rc, tmp_path, axis):
    """The quad's joint turns 90 deg (about Z: in the view; about Y: to face +X, the camera orbiting
    with it) and the light turns with it: the shading is what the unturned quad shows, so the
    tangent was skinned (an unskinned tangent would tilt the normal toward the old +X)."""
    texel = encode_normal(math.sin(TILT) * X + math.cos(TILT) * Z)
    spec = QuadSpec(_material(normalTexture={"index": 0}), images=(solid(texel),), skinned=True)
    light = _light_from(X)
    expected = _expected(tangent_space_normal(texel, 1.0, X, Y, Z), [light])
    _check(_render(rc, tmp_path, spec, [light], joint=np.eye(4)), expected, "joint at rest")
    turn = _rotation(Z if axis == "z" else Y, 90.0)
    camera = CAMERA if axis == "z" else Camera(position=tuple(turn[:3, :3] @ CAMERA.position), target=(0.0, 0.0, 0.0),
                                                fov_y_deg=CAMERA.fov_y_deg, near=CAMERA.near, far=CAMERA.far)
    tangents: list = []
    image = _render(rc, tmp_path, spec, [turn[:3, :3] @ light], joint=turn, camera=camera, stage_out=tangents)
    np.testing.assert_allclose(tangents[0][:, :3], np.tile(turn[:3, :3] @ X, (4, 1)), atol=1e-5)
    np.testing.assert_array_equal(tangents[0][:, 3], 1.0)
    if axis == "z":  # the quad turned in the picture: its middle still shows the same pixels' view vectors
        _check(image, expected, "joint turned 90 deg about Z, light turned with it")
    else:
        _check(image, expected, "joint turned 90 deg about Y, light and camera turned with it")


def test_mirroring_joint_flips_the_handedness(rc, tmp_path):
    """A joint scaled by -1 in X mirrors the quad: the deformed tangent is -X and w flips to -1, so
    the bitangent w * cross(n, t) stays the mirrored +Y."""
    spec = QuadSpec(_material(normalTexture={"index": 0}), images=(solid((128, 128, 255)),), skinned=True)
    mirror = np.diag([-1.0, 1.0, 1.0, 1.0])
    tangents: list = []
    _render(rc, tmp_path, spec, [_light_from(X)], joint=mirror, stage_out=tangents)
    np.testing.assert_allclose(tangents[0], np.tile([-1.0, 0.0, 0.0, -1.0], (4, 1)), atol=1e-5)


def test_morph_target_tangent_deltas_move_the_tangent(rc, tmp_path):
    """TANGENT deltas of a morph target are blended like normals: (1, 0, 0) + 1 x (-1, 1, 0) is +Y,
    so the red tilt now leans the normal up, toward a light from above."""
    texel = encode_normal(math.sin(TILT) * X + math.cos(TILT) * Z)
    spec = QuadSpec(_material(normalTexture={"index": 0}), images=(solid(texel),),
                    tangents=np.tile([1.0, 0.0, 0.0, 1.0], (4, 1)), tangent_delta=np.array([-1.0, 1.0, 0.0]))
    light = _light_from(Y)
    tangents: list = []
    image = _render(rc, tmp_path, spec, [light], weights=np.array([1.0], np.float32), stage_out=tangents)
    np.testing.assert_allclose(tangents[0][:, :3], np.tile(Y, (4, 1)), atol=1e-5)
    _check(image, _expected(tangent_space_normal(texel, 1.0, Y, -X, Z), [light]), "morphed tangent +Y")


# ------------------------------------------------------------------------------ cost and edge cases
@pytest.mark.parametrize("path", [None, "gltf/CesiumMan/CesiumMan.glb", "gltf/RobotExpressive/RobotExpressive.glb"])
def test_primitives_without_the_maps_keep_the_lean_path(test_data, rc, path):
    """No normal map: no tangent attribute, a 6-float deformed vertex, only base and emissive
    textures bound (the built-in avatar, None here, and these samples have no such maps)."""
    doc = load_gltf(test_data / path if path else BUILTIN_AVATAR)
    with AvatarStage(doc, StageOptions(width=64, height=64), rc=rc) as stage:
        stage.render(Pose())
        for item in stage.model.draw_items:
            assert "HAS_TANGENTS" not in item.gpu.defines and item.gpu.deformed_floats == 6
            assert set(item.textures) <= {TextureSlot.BASE, TextureSlot.EMISSIVE}
            assert stage.model.deformed_tangents(item.node, item.primitive) is None


def test_normal_map_on_a_primitive_without_normals_is_logged_and_skipped(rc, tmp_path, caplog):
    spec = QuadSpec(_material(normalTexture={"index": 0}), images=(solid((128, 128, 255)),), normals=False)
    with caplog.at_level(logging.WARNING, logger="render.materials"):
        _render(rc, tmp_path, spec, [_light_from(X)])
    assert "material '' has a normal texture but the primitive has no NORMAL; drawn without the normal map" in caplog.text


def test_textures_on_a_third_uv_set_are_logged_and_skipped(rc, tmp_path, caplog):
    """Base colour on TEXCOORD_0, normal on 1, occlusion on 2: the occlusion map is not drawn (a
    primitive binds two UV sets), the normal map is."""
    texel = encode_normal(math.sin(TILT) * X + math.cos(TILT) * Z)
    spec = QuadSpec(_material(pbr={"baseColorTexture": {"index": 0}}, normalTexture={"index": 1, "texCoord": 1},
                              occlusionTexture={"index": 2, "texCoord": 2}),
                    images=(solid((255, 255, 255)), solid(texel), solid((0, 0, 0))), more_texcoords=(UVS, UVS))
    light = _light_from(X)
    with caplog.at_level(logging.WARNING, logger="render.materials"):
        image = _render(rc, tmp_path, spec, [light], ambient=0.2)
    assert ("material '' reads 3 UV sets (TEXCOORD_0/1/2), at most 2 are drawn; its occlusion texture(s) on the "
            "others are not drawn") in caplog.text
    ambient = np.full(3, 0.2)
    _check(image, _expected(tangent_space_normal(texel, 1.0, X, Y, Z), [light], ambient_sky=ambient, ambient_ground=ambient),
           "normal map on TEXCOORD_1 drawn, occlusion on TEXCOORD_2 not")


def test_morph_target_tangent_deltas_are_read(test_data):
    """AnimatedMorphCube's targets carry TANGENT deltas (zero in this file) next to POSITION and NORMAL."""
    primitive = load_gltf(test_data / "gltf/AnimatedMorphCube/AnimatedMorphCube.glb").meshes[0].primitives[0]
    assert primitive.tangents is not None and len(primitive.targets) == 2
    assert all(t.tangents is not None and t.tangents.shape == (primitive.vertex_count, 3) for t in primitive.targets)


# ------------------------------------------------------------------------------ real assets
def test_morph_stress_test_occlusion_on_texcoord_1_darkens_ambient_only(test_data, rc):
    """MorphStressTest's 'Base' plate has a baked occlusionTexture on TEXCOORD_1: under ambient
    light alone it darkens the plate (most around the bars' feet); under direct light alone the
    picture is the one drawn without the texture."""
    doc = load_gltf(test_data / "gltf/MorphStressTest/MorphStressTest.glb")
    base = doc.materials[0]
    assert base.name == "Base" and base.occlusion_texture is not None and base.occlusion_texture.texcoord == 1
    without = dataclasses.replace(doc, materials=(dataclasses.replace(base, occlusion_texture=None), *doc.materials[1:]))
    images = {}
    for name, document in (("with", doc), ("without", without)):
        with AvatarStage(document, StageOptions(width=256, height=128, samples=0, antialias=Antialias.NONE), rc=rc) as stage:
            stage.scene.camera = stage.shot_camera(Shot.FULL, height_offset=0.5)
            for lighting in ("ambient", "direct"):
                if lighting == "ambient":
                    stage.scene.lights, stage.scene.ambient_sky, stage.scene.ambient_ground = [], (0.8,) * 3, (0.8,) * 3
                else:
                    stage.scene.lights = [DirectionalLight(direction=(-0.3, -0.8, -0.5))]
                    stage.scene.ambient_sky = stage.scene.ambient_ground = (0.0,) * 3
                images[name, lighting] = stage.render(Pose())[..., :3].astype(int)
    assert np.array_equal(images["with", "direct"], images["without", "direct"])
    darker = (images["without", "ambient"] - images["with", "ambient"]).max(axis=2)
    assert darker.min() >= 0, "occlusion never brightens"
    assert (darker > 10).sum() > 200, "the baked contact shadows show"


def test_godette_backpack_draws_its_metallic_roughness_texture(test_data, rc):
    """Godette's 'Backpack' has metallicFactor = roughnessFactor = 1 and a texture with B about 0.75,
    G about 0.6: drawn less metallic than the factor alone (brighter under ambient light, where a
    full metal only shows a quarter of its F0)."""
    doc = load_gltf(test_data / "vrm/Godette_vrm_v4.vrm")
    index = next(i for i, m in enumerate(doc.materials) if m.name == "Backpack")
    backpack = doc.materials[index]
    assert backpack.metallic_roughness_texture is not None
    pixels = doc.images[backpack.metallic_roughness_texture.image].pixels
    assert 0.6 < pixels[..., 2].mean() / 255 < 0.85 and 0.5 < pixels[..., 1].mean() / 255 < 0.7
    factors_only = dataclasses.replace(doc, materials=tuple(
        dataclasses.replace(m, metallic_roughness_texture=None) if i == index else m for i, m in enumerate(doc.materials)))
    means = {}
    for name, document in (("texture", doc), ("factors", factors_only)):
        options = StageOptions(width=128, height=192, samples=0, antialias=Antialias.NONE, transparent=True)
        with AvatarStage(document, options, rc=rc) as stage:
            stage.scene.camera = stage.shot_camera(Shot.FULL, yaw_deg=0.0)  # VRM 0.x faces -Z: its back
            stage.scene.lights = []
            stage.model.keep_only(lambda item: item.material == index)
            image = stage.render(Pose())
            covered = image[..., 3] > 0
            means[name] = image[..., :3][covered].mean()
    assert means["texture"] > means["factors"] + 15, means
