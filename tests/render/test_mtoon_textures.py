"""MToon's own textures as drawn (VRMC_materials_mtoon 1.0, VRM 0.x MToon migrated to it): shade
multiply, shading shift, matcap, rim multiply and outline width multiply, and the UV animation
(scroll and rotation with time, masked). MToon's shade colour is shadeColorFactor times the
shade texture, not a darkened base colour.

Known answers from synthetic files: the textured quad of tests/render/pbr_quad.py (which faces
+Z, u running left to right) and a sphere, lit by one directional light with no ambient light;
the output is gamma 2 (mesh.glsl), so a linear value x reads sqrt(x) * 255."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from avatar.gltf.loader import load_gltf
from avatar.posing import Pose
from render.camera import Camera
from render.materials import TextureSlot
from render.scene import DirectionalLight
from render.stage import AvatarStage, StageOptions
from render.surface import Antialias
from tests.gltf_buffers import GltfBuffers
from tests.render.pbr_quad import CAMERA, SIZE, QuadSpec, halves, png_uri, solid, write_quad

MAX_LEVEL_ERROR = 2.0
# Pixels more than a texel away from the halves' border (u = 0.5), on either side.
LEFT = (slice(24, 40), slice(8, 20))
RIGHT = (slice(24, 40), slice(44, 56))
FROM_BEHIND = (0.0, 0.0, 1.0)  # travels +Z: the quad (normal +Z) is in full shade
FROM_THE_SIDE = (-1.0, 0.0, 0.0)  # grazing: N.L = 0, the middle of the toon ramp
FROM_THE_FRONT = (0.0, 0.0, -1.0)  # travels -Z: the quad is fully lit and shows its base colour
TOONY = 0.9


def _mtoon_material(base_rgba=(1.0, 1.0, 1.0, 1.0), base_texture: int | None = None, **mtoon) -> dict:
    pbr: dict = {"baseColorFactor": list(base_rgba)}
    if base_texture is not None:
        pbr["baseColorTexture"] = {"index": base_texture}
    return {"pbrMetallicRoughness": pbr,
            "extensions": {"VRMC_materials_mtoon": {"specVersion": "1.0", "shadingToonyFactor": TOONY, **mtoon}}}


def _render(rc, path: Path, light: tuple[float, float, float], camera: Camera = CAMERA,
            transparent: bool = False, time_s: float = 0.0, sky: float = 0.0, ground: float = 0.0) -> np.ndarray:
    doc = load_gltf(path)
    options = StageOptions(width=SIZE, height=SIZE, samples=0, antialias=Antialias.NONE, transparent=transparent,
                           background=(0.0, 0.0, 0.0, 0.0 if transparent else 1.0))
    with AvatarStage(doc, options, rc=rc) as stage:
        stage.scene.camera = camera
        stage.scene.lights = [DirectionalLight(direction=light, intensity=1.0)]
        stage.scene.ambient_sky, stage.scene.ambient_ground = (sky,) * 3, (ground,) * 3
        image = stage.render(Pose(), time_s=time_s)
    return image.astype(np.float64)


def _quad(rc, tmp_path: Path, material: dict, images: tuple[np.ndarray, ...], light, camera: Camera = CAMERA,
          time_s: float = 0.0) -> np.ndarray:
    return _render(rc, write_quad(tmp_path / "quad.gltf", QuadSpec(material, images=images)), light, camera,
                   time_s=time_s)[..., :3]


def _close(region: np.ndarray, expected_rgb, what: str) -> None:
    measured = region.reshape(-1, 3)
    error = np.abs(measured - np.asarray(expected_rgb, np.float64)).max()
    assert error <= MAX_LEVEL_ERROR, f"{what}: measured {measured.mean(axis=0).round(1)}, expected {np.round(expected_rgb, 1)}"


def _level(linear: float) -> float:
    return math.sqrt(linear) * 255.0


# ------------------------------------------------------------------------------ shade
def test_shade_is_the_shade_colour_times_the_shade_texture_not_the_base(rc, tmp_path):
    blue_base, shade = solid((0, 0, 255)), halves((0, 255, 0), (255, 0, 0))
    material = _mtoon_material(base_texture=0, shadeColorFactor=[0.5, 0.5, 0.5], shadeMultiplyTexture={"index": 1})
    image = _quad(rc, tmp_path, material, (blue_base, shade), FROM_BEHIND)
    _close(image[LEFT], (0, _level(0.5), 0), "shaded left half: 0.5 x the green shade texel")
    _close(image[RIGHT], (_level(0.5), 0, 0), "shaded right half: 0.5 x the red shade texel")


def test_a_shade_texture_that_is_the_base_texture_is_read_once_and_still_drawn(rc, tmp_path):
    """VRoid writes the base texture as the shade texture too: drawn from the one lookup, the shade
    is still the shade colour times the texel, without the base colour factor (0.5 here)."""
    material = _mtoon_material(base_rgba=(0.5, 0.5, 0.5, 1.0), base_texture=0, shadeColorFactor=[1.0, 1.0, 1.0],
                               shadeMultiplyTexture={"index": 0})
    path = write_quad(tmp_path / "quad.gltf", QuadSpec(material, images=(halves((255, 0, 0), (0, 255, 0)),)))
    with AvatarStage(load_gltf(path), StageOptions(width=8, height=8), rc=rc) as stage:
        (item,) = stage.model.draw_items
        assert item.shade_is_base and TextureSlot.SHADE not in item.textures
    image = _render(rc, path, FROM_BEHIND)[..., :3]
    _close(image[LEFT], (255, 0, 0), "shade = the red texel, not halved")
    _close(image[RIGHT], (0, 255, 0), "shade = the green texel, not halved")


def test_without_a_shade_texture_the_shade_is_the_shade_colour(rc, tmp_path):
    material = _mtoon_material(base_texture=0, shadeColorFactor=[0.25, 0.5, 0.75])
    image = _quad(rc, tmp_path, material, (solid((0, 0, 255)),), FROM_BEHIND)
    _close(image[LEFT], (_level(0.25), _level(0.5), _level(0.75)), "shade colour, whatever the base")


def test_the_shade_texture_of_a_vrm0_material_is_read(test_data):
    from avatar.vrm.mtoon import mtoon_of_document
    from render.materials import drawn_textures, shading_params

    doc = load_gltf(test_data / "vrm/Godette_vrm_v4.vrm")
    mtoon = mtoon_of_document(doc)
    body = next(i for i, m in enumerate(doc.materials) if m.name == "Body")
    assert mtoon[body].shade_multiply_texture is not None  # _ShadeTexture of materialProperties
    shading = shading_params(doc.materials[body], mtoon=mtoon[body])
    primitive = next(p for m in doc.meshes for p in m.primitives if p.material == body)
    assert TextureSlot.SHADE in drawn_textures(doc.materials[body], shading.kind, primitive, "Godette", mtoon[body])


# ------------------------------------------------------------------------------ shading shift
def test_shading_shift_texture_moves_the_ramp(rc, tmp_path):
    """Grazing light puts the flat quad mid-ramp (0.5); the texture's R times its scale (-1) shifts
    the left half fully into shade, the right half (R = 0) stays mid-ramp."""
    shift = halves((255, 0, 0), (0, 0, 0))
    material = _mtoon_material(shadeColorFactor=[0.0, 0.0, 0.0], shadingShiftTexture={"index": 0, "scale": -1.0})
    image = _quad(rc, tmp_path, material, (shift,), FROM_THE_SIDE)
    _close(image[LEFT], (0, 0, 0), "left half shifted into shade")
    _close(image[RIGHT], (_level(0.5),) * 3, "right half mid-ramp")


# ------------------------------------------------------------------------------ matcap and rim
def _matcap_top_red_bottom_green(size: int = 8) -> np.ndarray:
    image = solid((255, 0, 0), size)
    image[size // 2:, :, :3] = (0, 255, 0)
    return image


@pytest.mark.parametrize("above", [True, False])
def test_matcap_is_looked_up_by_the_view_space_normal(rc, tmp_path, above):
    """MToon 1.0: uv = (X.N, Y.N) * 0.495 + 0.5 in a view frame kept upright. Seen from 45 degrees
    above, the quad's normal points down the view: v = 0.5 - 0.35 (the image's top rows, red);
    seen from below, the bottom rows (green). The surface itself is black (shade, black shade)."""
    material = _mtoon_material(shadeColorFactor=[0.0, 0.0, 0.0], base_rgba=(0.0, 0.0, 0.0, 1.0),
                               matcapFactor=[1.0, 1.0, 1.0], matcapTexture={"index": 0}, rimLightingMixFactor=0.0)
    s = 3.0 / math.sqrt(2.0)
    camera = Camera(position=(0.0, s if above else -s, s), target=(0.0, 0.0, 0.0), fov_y_deg=20.0, near=0.5, far=10.0)
    image = _quad(rc, tmp_path, material, (_matcap_top_red_bottom_green(),), FROM_BEHIND, camera)
    middle = image[28:36, 28:36]
    _close(middle, (255, 0, 0) if above else (0, 255, 0), "matcap texel")


def test_matcap_factor_and_rim_texture_mask(rc, tmp_path):
    """Rim light (matcap + parametric rim) is multiplied by the rim texture: black on the left masks
    it, white on the right keeps matcap (0.25 grey texel x factor) + parametric rim (lift 1: full)."""
    grey = solid((128, 128, 128))
    mask = halves((0, 0, 0), (255, 255, 255))
    material = _mtoon_material(shadeColorFactor=[0.0, 0.0, 0.0], base_rgba=(0.0, 0.0, 0.0, 1.0),
                               matcapFactor=[1.0, 0.0, 0.0], matcapTexture={"index": 0},
                               parametricRimColorFactor=[0.0, 0.0, 0.3], parametricRimLiftFactor=1.0,
                               parametricRimFresnelPowerFactor=1.0, rimMultiplyTexture={"index": 1},
                               rimLightingMixFactor=0.0)
    image = _quad(rc, tmp_path, material, (grey, mask), FROM_BEHIND)
    _close(image[LEFT], (0, 0, 0), "rim masked out")
    _close(image[RIGHT], (_level((128 / 255) ** 2), 0, _level(0.3)), "matcap red + parametric blue rim")


def test_rim_lighting_mix_scales_the_rim_by_the_light(rc, tmp_path):
    """rimLightingMixFactor 1: the rim takes the light falling on the surface; in full shade under
    no ambient light that is none, so the rim disappears (at 0 it shows whatever the light)."""
    images = {}
    for mix in (0.0, 1.0):
        material = _mtoon_material(shadeColorFactor=[0.0, 0.0, 0.0], base_rgba=(0.0, 0.0, 0.0, 1.0),
                                   parametricRimColorFactor=[0.5, 0.5, 0.5], parametricRimLiftFactor=1.0,
                                   rimLightingMixFactor=mix)
        images[mix] = _quad(rc, tmp_path, material, (), FROM_BEHIND)
    _close(images[0.0][LEFT], (_level(0.5),) * 3, "unlit rim")
    _close(images[1.0][LEFT], (0, 0, 0), "rim lit by no light")


# ------------------------------------------------------------------------------ outline width
def _sphere(path: Path, material: dict, images: tuple[np.ndarray, ...], rings: int = 24, segments: int = 48) -> Path:
    """A unit UV sphere: u = 0.5 + atan2(x, z) / 2 pi (so u > 0.5 on the right seen from +Z)."""
    positions, uvs = [], []
    for r in range(rings + 1):
        theta = math.pi * r / rings
        for s in range(segments + 1):
            phi = 2 * math.pi * s / segments - math.pi  # atan2(x, z) from -pi to pi
            positions.append((math.sin(theta) * math.sin(phi), math.cos(theta), math.sin(theta) * math.cos(phi)))
            uvs.append((0.5 + phi / (2 * math.pi), r / rings))
    indices = []
    for r in range(rings):
        for s in range(segments):
            a, b = r * (segments + 1) + s, (r + 1) * (segments + 1) + s
            indices += [a, b, a + 1, a + 1, b, b + 1]  # counter-clockwise seen from outside
    buffers = GltfBuffers()
    p = np.asarray(positions, np.float32)
    attributes = {"POSITION": buffers.add(p, "VEC3", 5126, min=[-1, -1, -1], max=[1, 1, 1]),
                  "NORMAL": buffers.add(p, "VEC3", 5126),
                  "TEXCOORD_0": buffers.add(np.asarray(uvs, np.float32), "VEC2", 5126)}
    primitive = {"attributes": attributes, "indices": buffers.add(np.asarray(indices, np.uint16), "SCALAR", 5123),
                 "material": 0}
    document = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
                "meshes": [{"primitives": [primitive]}], "materials": [material],
                "images": [{"uri": png_uri(i)} for i in images], "textures": [{"source": i} for i in range(len(images))],
                **buffers.document_fields()}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_outline_width_texture_masks_the_outline(rc, tmp_path):
    """A red 0.1 m outline around a unit sphere, its width texture's G black on the left half (u <
    0.5) and white on the right: the outline ring shows on the right of the silhouette only."""
    mask = halves((255, 0, 255), (0, 255, 0))  # only G counts: R and B are set where G is not
    material = _mtoon_material(shadeColorFactor=[0.2, 0.2, 0.2], outlineWidthMode="worldCoordinates",
                               outlineWidthFactor=0.1, outlineColorFactor=[1.0, 0.0, 0.0],
                               outlineLightingMixFactor=0.0, outlineWidthMultiplyTexture={"index": 0})
    camera = Camera(position=(0.0, 0.0, 6.0), target=(0.0, 0.0, 0.0), fov_y_deg=30.0, near=0.5, far=20.0)
    image = _render(rc, _sphere(tmp_path / "sphere.gltf", material, (mask,)), FROM_BEHIND, camera, transparent=True)
    covered = image[..., 3] > 0
    row = image.shape[0] // 2
    columns = np.flatnonzero(covered[row])
    left, right = columns.min(), columns.max()
    # The sphere's own silhouette spans about +-1 m; 0.1 m is about 1.6 pixels at this distance.
    half_width_px = SIZE / 2 / (6.0 * math.tan(math.radians(15.0)))
    centre = (SIZE - 1) / 2
    assert right - centre > half_width_px + 0.5, "the outline grows the right silhouette"
    assert centre - left < half_width_px + 0.5, "no outline on the left"
    reddish = image[row, right][:3]
    assert reddish[0] > 150 and reddish[1] < 60, f"the right edge is outline red: {reddish}"


@pytest.mark.parametrize("distance,samples,drawn", [(6.0, 0, False), (3.0, 0, True), (6.0, 4, True)])
def test_an_outline_under_half_a_pixel_is_drawn_only_when_multisampled(rc, tmp_path, distance, samples, drawn):
    """A 2 cm red outline around a unit sphere, 64 pixels high at 30 degrees: from 6 m its nearest
    point (5 m away) is 0.48 px wide, from 3 m 1.2 px. Single-sampled, the narrow one would only
    speckle the silhouette and is skipped (render/model.py MIN_OUTLINE_PX)."""
    material = _mtoon_material(base_rgba=(0.2, 0.2, 0.2, 1.0), shadeColorFactor=[0.2, 0.2, 0.2],
                               outlineWidthMode="worldCoordinates", outlineWidthFactor=0.02,
                               outlineColorFactor=[1.0, 0.0, 0.0], outlineLightingMixFactor=0.0)
    camera = Camera(position=(0.0, 0.0, distance), target=(0.0, 0.0, 0.0), fov_y_deg=30.0, near=0.5, far=20.0)
    doc = load_gltf(_sphere(tmp_path / "sphere.gltf", material, ()))
    options = StageOptions(width=SIZE, height=SIZE, samples=samples, background=(0.0, 0.0, 0.0, 1.0),
                           antialias=Antialias.MSAA if samples else Antialias.NONE)
    with AvatarStage(doc, options, rc=rc) as stage:
        stage.scene.camera = camera
        stage.scene.lights = [DirectionalLight(direction=FROM_BEHIND, intensity=1.0)]
        image = stage.render(Pose()).astype(int)
    reddish = int((image[..., 0] > image[..., 1] + 12).sum())
    assert (reddish > 0) == drawn, f"{reddish} reddish pixels"


SPHERE_CAMERA = Camera(position=(0.0, 0.0, 6.0), target=(0.0, 0.0, 0.0), fov_y_deg=30.0, near=0.5, far=20.0)


def _sphere_row_of(n_y: float) -> int:
    """The image row where the sphere's centre column has a normal with this y (n_y > 0: above)."""
    half_height = 6.0 * math.tan(math.radians(15.0))
    return int(round((SIZE - 1) / 2 - n_y / half_height * SIZE / 2))


@pytest.mark.parametrize("equalization", [0.0, 1.0])
def test_gi_equalization_evens_out_the_ambient_light(rc, tmp_path, equalization):
    """White sky, black ground, the sphere in full shade with a black shade colour: only the ambient
    light shows (x 0.35, mesh.glsl). Without equalization a normal half up gets 0.75 of the sky, half
    down 0.25; fully equalized both get the average, 0.5."""
    material = _mtoon_material(shadeColorFactor=[0.0, 0.0, 0.0], giEqualizationFactor=equalization)
    image = _render(rc, _sphere(tmp_path / "sphere.gltf", material, ()), FROM_BEHIND, SPHERE_CAMERA, sky=1.0)
    centre = SIZE // 2
    up, down = image[_sphere_row_of(0.5), centre, :3], image[_sphere_row_of(-0.5), centre, :3]
    if equalization == 1.0:
        _close(up[None], (_level(0.5 * 0.35),) * 3, "half-up normal, equalized")
        _close(down[None], (_level(0.5 * 0.35),) * 3, "half-down normal, equalized")
    else:
        assert up[0] > _level(0.7 * 0.35) - 2 and down[0] < _level(0.3 * 0.35) + 2, (up, down)


@pytest.mark.parametrize("power", [1.0, 3.0, 2.5, 12.0])
def test_rim_fresnel_power(rc, tmp_path, power):
    """Parametric rim alone (black surface, no light or ambient, lighting mix 0): the colour is
    (1 - N.V) ^ power. Whole powers up to 8 are multiplied out in the shader, others use pow()."""
    material = _mtoon_material(base_rgba=(0.0, 0.0, 0.0, 1.0), shadeColorFactor=[0.0, 0.0, 0.0],
                               parametricRimColorFactor=[1.0, 1.0, 1.0], parametricRimFresnelPowerFactor=power,
                               parametricRimLiftFactor=0.0, rimLightingMixFactor=0.0)
    image = _render(rc, _sphere(tmp_path / "sphere.gltf", material, ()), FROM_BEHIND, SPHERE_CAMERA)
    eye = np.array(SPHERE_CAMERA.position)
    tan_half = math.tan(math.radians(SPHERE_CAMERA.fov_y_deg / 2))
    for n_y in (0.3, 0.6, 0.8):
        row = _sphere_row_of(n_y)
        # The ray through the pixel's centre meets the unit sphere where the normal is the point.
        ray = np.array([0.0, ((SIZE - 1) / 2 - row) / (SIZE / 2) * tan_half, -1.0])
        ray /= np.linalg.norm(ray)
        along = -(eye @ ray) - math.sqrt((eye @ ray) ** 2 - (eye @ eye - 1.0))
        normal = eye + along * ray
        rim = (1.0 - normal @ -ray) ** power
        _close(image[row, SIZE // 2, :3][None], (_level(rim),) * 3, f"rim at n_y {normal[1]:.2f}, power {power}")


@pytest.mark.parametrize("mix", [0.0, 1.0])
def test_outline_lighting_mix(rc, tmp_path, mix):
    """A red outline around a sphere whose lit and shade colours are both 0.25 grey (so the lit
    surface is 0.25 under the unit light wherever the ramp falls): at mix 0 the outline is its colour
    as is, at 1 the colour times 0.25."""
    material = _mtoon_material(base_rgba=(0.25, 0.25, 0.25, 1.0), shadeColorFactor=[0.25, 0.25, 0.25],
                               outlineWidthMode="worldCoordinates",
                               outlineWidthFactor=0.15, outlineColorFactor=[1.0, 0.0, 0.0],
                               outlineLightingMixFactor=mix)
    image = _render(rc, _sphere(tmp_path / "sphere.gltf", material, ()), FROM_BEHIND, SPHERE_CAMERA, transparent=True)
    row = SIZE // 2
    columns = np.flatnonzero(image[row, :, 3] > 0)
    edge = image[row, columns.max(), :3]  # the outermost covered pixel: outline
    if mix == 0.0:
        _close(edge[None], (255, 0, 0), "unlit outline")
    else:
        _close(edge[None], (_level(0.25), 0, 0), "outline times the lit surface")


# ------------------------------------------------------------------------------ UV animation
RED, GREEN = (255, 0, 0), (0, 255, 0)


@pytest.mark.parametrize("animation, time_s, left, right", [
    ({}, 1.0, RED, GREEN),  # no animation
    ({"uvAnimationScrollXSpeedFactor": 0.5}, 0.0, RED, GREEN),  # at time 0 nothing has moved
    ({"uvAnimationScrollXSpeedFactor": 0.5}, 1.0, GREEN, RED),  # half a texture in 1 s: the halves swap
    ({"uvAnimationRotationSpeedFactor": math.pi}, 1.0, GREEN, RED),  # half a turn about the centre
], ids=["still", "time-0", "scroll", "rotation"])
def test_uv_animation_moves_the_textures_with_time(rc, tmp_path, animation, time_s, left, right):
    material = _mtoon_material(base_texture=0, **animation)
    image = _quad(rc, tmp_path, material, (halves(RED, GREEN),), FROM_THE_FRONT, time_s=time_s)
    _close(image[LEFT], left, "left half")
    _close(image[RIGHT], right, "right half")


def test_uv_animation_mask_scales_the_speed(rc, tmp_path):
    """The mask's B channel (white on the left, black on the right) lets only the left half scroll."""
    mask = halves((0, 0, 255), (255, 255, 0))  # only B counts
    material = _mtoon_material(base_texture=0, uvAnimationScrollXSpeedFactor=0.5, uvAnimationMaskTexture={"index": 1})
    image = _quad(rc, tmp_path, material, (halves(RED, GREEN), mask), FROM_THE_FRONT, time_s=1.0)
    _close(image[LEFT], GREEN, "the masked-in left half scrolled")
    _close(image[RIGHT], GREEN, "the masked-out right half stayed")


@pytest.mark.parametrize("distance", [5.0, 8.0])
def test_screen_coordinates_outline_keeps_its_width_on_screen(rc, tmp_path, distance):
    """screenCoordinates: outlineWidthFactor is a fraction of the picture's height. 0.05 of 64 px is
    3.2 px around the sphere's silhouette, at any distance (a world width would shrink with it)."""
    material = _mtoon_material(shadeColorFactor=[0.2, 0.2, 0.2], outlineWidthMode="screenCoordinates",
                               outlineWidthFactor=0.05, outlineColorFactor=[1.0, 0.0, 0.0],
                               outlineLightingMixFactor=0.0)
    camera = Camera(position=(0.0, 0.0, distance), target=(0.0, 0.0, 0.0), fov_y_deg=30.0, near=0.5, far=20.0)
    path = _sphere(tmp_path / "sphere.gltf", material, ())
    with_outline = _render(rc, path, FROM_BEHIND, camera, transparent=True)
    material["extensions"]["VRMC_materials_mtoon"]["outlineWidthMode"] = "none"
    without = _render(rc, _sphere(tmp_path / "plain.gltf", material, ()), FROM_BEHIND, camera, transparent=True)
    row = SIZE // 2
    grown = [np.flatnonzero(image[row, :, 3] > 0) for image in (with_outline, without)]
    right = grown[0].max() - grown[1].max()
    left = grown[1].min() - grown[0].min()
    assert abs(right - 3.2) <= 1.0 and abs(left - 3.2) <= 1.0, (left, right)
    column = SIZE // 2
    grown = [np.flatnonzero(image[:, column, 3] > 0) for image in (with_outline, without)]
    assert abs((grown[1].min() - grown[0].min()) - 3.2) <= 1.0, "the same width vertically"
