"""VRM expressions that recolour materials or move their textures, and KHR_texture_transform.

The VRMC_vrm_expressions_isBinary_Overrides conformance sample is built for this: its window
shows one cell of an 8x8 atlas chosen by texture transforms (KHR_texture_transform at rest, the
happy / blink expressions' texture transform binds when shown). Every cell a correct viewer can
reach is a green check; the cell a viewer reaches when it ignores isBinary or overrideBlink is a
red cross. Its two meters are texture transforms too: the bar fills with the expression's weight."""
from __future__ import annotations

import math

import numpy as np
import pytest

from avatar.driving.avatar_model import load_drivable
from avatar.driving.driver import AvatarDriver
from avatar.driving.mixer import resolve_overrides
from avatar.gltf.document import UvTransform
from avatar.posing import MaterialOverrides, Pose, PosedFrame
from avatar.vrm.expressions import unity_offset_to_gltf
from avatar.vrm.loader import load_vrm
from assets.errors import AssetError
from render.context import RenderContext
from render.drive_view import DriveShot, DriveView
from render.materials import ShadingParams, with_overrides
from render.stage import StageOptions
from tests.avatar.gltf_helpers import pack_glb, split_glb

SAMPLE = "vrm/VRMC_vrm_expressions_isBinary_Overrides.vrm"
SIZE = (320, 240)


@pytest.fixture(scope="module")
def rc():
    context = RenderContext.headless()
    yield context
    context.release()


def _edited(test_data, tmp_path, name, edit):
    tree, binary = split_glb(test_data / name)
    edit(tree)
    path = tmp_path / name.split("/")[-1]
    path.write_bytes(pack_glb(tree, binary))
    return path


def _render(avatar, view: DriveView, weights: dict[str, float], resolve: bool = True) -> np.ndarray:
    shown = resolve_overrides(weights, avatar.binding.expressions) if resolve else weights
    world = avatar.rig.pose_world(Pose()).astype(np.float32)
    posed = PosedFrame(world, avatar.binding.node_weights(shown), avatar.binding.material_overrides(shown))
    return view.stage.render_posed(posed)[..., :3].astype(np.int32)


def _window_box(image: np.ndarray) -> tuple[slice, slice]:
    """The window: the large patch of green the rest pose shows (its cell 0,0 is a green check)."""
    green = (image[..., 1] > 40) & (image[..., 1] > image[..., 0] + 20)
    rows, cols = np.flatnonzero(green.sum(axis=1) > 20), np.flatnonzero(green.sum(axis=0) > 20)
    assert len(rows) > 40 and len(cols) > 40, "the rest pose shows no green window"
    pad = 4
    return slice(rows[0] + pad, rows[-1] - pad), slice(cols[0] + pad, cols[-1] - pad)


def _is_green(patch: np.ndarray) -> bool:
    return float(patch[..., 1].mean()) > float(patch[..., 0].mean()) + 15


def _yellow(image: np.ndarray) -> int:
    """Pixels of a filled meter bar (dark yellow)."""
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    return int(((r > 90) & (g > 60) & (b < 40) & (r > b + 60)).sum())


@pytest.fixture(scope="module")
def sample(test_data, rc):
    avatar = load_drivable(test_data / SAMPLE)
    view = DriveView(avatar, StageOptions(width=SIZE[0], height=SIZE[1]), DriveShot.FULL, rc=rc)
    yield avatar, view
    view.release()


@pytest.mark.parametrize("weights", [{}, {"happy": 1.0}, {"blink": 1.0}, {"happy": 0.6, "blink": 1.0},
                                     {"happy": 0.4, "blink": 1.0}, {"happy": 1.0, "blink": 0.3}])
def test_conformance_window_shows_a_green_check_for_every_combination(sample, weights):
    avatar, view = sample
    box = _window_box(_render(avatar, view, {}))
    image = _render(avatar, view, weights)
    assert _is_green(image[box]), f"{weights}: the window shows the red cross"


def test_the_sample_can_fail_ignoring_the_override_rules_shows_red(sample):
    """Control: both binds applied raw (happy not forced binary, blink not blended away) reach
    the atlas's red cell, so the green checks above are earned."""
    avatar, view = sample
    box = _window_box(_render(avatar, view, {}))
    image = _render(avatar, view, {"happy": 1.0, "blink": 1.0}, resolve=False)
    assert not _is_green(image[box])
    assert float(image[box][..., 0].mean()) > float(image[box][..., 1].mean()) + 15


def test_meter_bar_fills_with_the_expression_weight(sample):
    """blink is not binary: its meter's texture offset slides with the weight."""
    avatar, view = sample
    empty = _yellow(_render(avatar, view, {}))
    quarter = _yellow(_render(avatar, view, {"blink": 0.25}))
    three_quarters = _yellow(_render(avatar, view, {"blink": 0.75}))
    full = _yellow(_render(avatar, view, {"blink": 1.0}))
    assert empty < 5
    assert 0 < quarter < three_quarters < full
    assert three_quarters / quarter == pytest.approx(3.0, rel=0.25)


def test_driver_carries_material_binds_to_the_renderer(test_data, tmp_path, rc):
    """A colour bind, live: a held hotkey expression recolours the window through AvatarDriver
    -> DrivenFrame -> DriveView, and releasing it restores the material."""
    def edit(tree):
        blink = tree["extensions"]["VRMC_vrm"]["expressions"]["preset"]["blink"]
        blink["materialColorBinds"] = [{"material": 0, "type": "color", "targetValue": [1.0, 0.0, 1.0, 1.0]}]

    avatar = load_drivable(_edited(test_data, tmp_path, SAMPLE, edit))
    with DriveView(avatar, StageOptions(width=SIZE[0], height=SIZE[1]), DriveShot.FULL, rc=rc) as view:
        rest = view.render_rest()[..., :3].astype(np.int32)
        box = _window_box(rest)
        driver = AvatarDriver(avatar)
        frames = {}
        for t, held in ((0.0, None), (2.0, {"blink": 1.0}), (4.0, {"blink": 0.5}), (6.0, None), (8.0, None)):
            driven = driver.update(None, time_s=t, hotkeys=held)
            frames[t] = view.render(driven)[..., :3].astype(np.int32)[box]
        assert driven.materials is None or 0 not in driven.materials.materials()
    green = {t: float(f[..., 1].mean()) for t, f in frames.items()}
    assert green[2.0] < 0.2 * green[0.0], "blink = 1 takes the window's green away (target magenta)"
    assert green[2.0] < green[4.0] < green[0.0], "half a blink is half way"
    assert green[8.0] == pytest.approx(green[0.0], abs=2.0), "released: the material is its own again"


def test_vrm0_material_values_recolour_and_unity_offsets_convert(test_data, tmp_path, rc):
    def edit(tree):
        tree["extensions"]["VRM"]["blendShapeMaster"]["blendShapeGroups"] = [{
            "name": "Joy", "presetName": "joy", "binds": [], "materialValues": [
                {"materialName": "No Name", "propertyName": "_Color", "targetValue": [1.0, 0.0, 0.0, 1.0]},
                {"materialName": "No Name", "propertyName": "_MainTex_ST", "targetValue": [0.5, 0.25, 0.1, 0.2]},
            ]}]

    path = _edited(test_data, tmp_path, "vrm/sphere_cc0.vrm", edit)
    joy = load_vrm(path).expression("happy")
    assert joy.material_color_binds[0].type == "color"
    (transform,) = joy.texture_transform_binds
    assert transform.scale == (0.5, 0.25)
    assert transform.offset == pytest.approx((0.1, 1.0 - 0.25 - 0.2))
    avatar = load_drivable(path)
    with DriveView(avatar, StageOptions(width=SIZE[0], height=SIZE[1]), DriveShot.FULL, rc=rc) as view:
        rest = _render(avatar, view, {})
        happy = _render(avatar, view, {"happy": 1.0})
    sphere = rest.sum(axis=2) > 3 * 60  # the white sphere against the dark background
    assert sphere.mean() > 0.05
    r, g = happy[sphere][:, 0].mean(), happy[sphere][:, 1].mean()
    assert r > 2.5 * g, "joy turns the white sphere red"
    assert abs(rest[sphere][:, 0].mean() - rest[sphere][:, 1].mean()) < 10, "white at rest"


def test_unity_offset_conversion_round_trips_a_cell():
    """Unity's bottom-left cell (0, 0) of a 2x2 atlas is glTF's cell (0, 1)."""
    assert unity_offset_to_gltf((0.5, 0.5), (0.0, 0.0)) == (0.0, 0.5)
    assert unity_offset_to_gltf((1.0, 1.0), (0.0, 0.0)) == (0.0, 0.0)


def test_with_overrides_blends_each_field_toward_its_targets():
    own = ShadingParams(kind="toon", base_color=(1.0, 1.0, 1.0, 1.0), emissive=(0.0, 0.0, 0.0), alpha_mode=0,
                        alpha_cutoff=0.5, double_sided=False, rim_color=(0.0, 0.0, 0.0), matcap_color=(0.0, 0.2, 0.0),
                        base_uv=UvTransform(offset=(0.5, 0.0), rotation=0.3, scale=(0.5, 0.5)))
    overrides = MaterialOverrides(
        colors={(3, "color"): ((0.5, 0.0, 0.0, 0.5), 0.5),  # one expression at 0.5 toward (1, 0, 0, 1)
                (3, "rimColor"): ((0.0, 0.0, 1.0, 1.0), 1.0),
                (3, "matcapColor"): ((0.5, 0.5, 0.5, 0.5), 0.5),  # halfway toward white
                (4, "color"): ((0.0, 0.0, 0.0, 0.0), 1.0)},  # another material
        uv={3: ((0.25, 0.25, 0.0, 0.5), 0.25)})  # at 0.25 toward scale 1, offset (0, 2)
    out = with_overrides(own, 3, overrides)
    assert out.base_color == pytest.approx((1.0, 0.5, 0.5, 1.0))
    assert out.rim_color == pytest.approx((0.0, 0.0, 1.0))
    assert out.matcap_color == pytest.approx((0.5, 0.6, 0.5))
    assert out.base_uv.scale == pytest.approx((0.625, 0.625))
    assert out.base_uv.offset == pytest.approx((0.375, 0.5))
    assert out.base_uv.rotation == 0.3
    assert with_overrides(own, 5, overrides) is own
    assert with_overrides(own, 3, None) is own


def test_khr_texture_transform_matrix_matches_the_extension_reference():
    """T(offset) * R(rotation) * S(scale), 3x3 as the extension's reference shader builds it."""
    transform = UvTransform(offset=(0.2, -0.1), rotation=math.radians(30), scale=(2.0, 0.5))
    c, s = math.cos(transform.rotation), math.sin(transform.rotation)
    translation = np.array([[1, 0, 0.2], [0, 1, -0.1], [0, 0, 1]])
    rotation = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    scale = np.diag([2.0, 0.5, 1.0])
    expected = (translation @ rotation @ scale)[:2]
    np.testing.assert_allclose(np.array(transform.rows()), expected, atol=1e-12)


def test_khr_texture_transform_is_read_and_checked(test_data, tmp_path):
    doc = load_drivable(test_data / SAMPLE).doc
    window = doc.materials[0].base_color_texture
    assert window.uv_transform == UvTransform(offset=(0.0, 0.0), rotation=0.0, scale=(0.125, 0.125))

    def edit(tree):
        info = tree["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]
        info["extensions"]["KHR_texture_transform"]["scale"] = "big"

    with pytest.raises(AssetError, match=r"materials\[0\]\.pbrMetallicRoughness\.baseColorTexture\.extensions\."
                                         r"KHR_texture_transform\.scale: expected an array of 2 numbers"):
        load_vrm(_edited(test_data, tmp_path, SAMPLE, edit))


def test_scripts_pose_carries_material_binds(sample):
    """A script's `expression` beat on a VRM goes through `_vrm_posed`: its binds must come along."""
    from render.timeline.render_script import _vrm_posed

    avatar, _ = sample
    posed = _vrm_posed(avatar, Pose(morphs={"blink": 0.5}))
    (weighted, total), = [posed.materials.uv[m] for m in (3,)]
    assert total == 0.5 and weighted[2] == pytest.approx(0.5 * 0.0009765625)
    assert _vrm_posed(avatar, Pose()).materials is None
