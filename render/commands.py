"""`vivid avatar render`."""
from __future__ import annotations

import argparse
import difflib
import math
from collections.abc import Collection
from pathlib import Path

import numpy as np
from PIL import Image

from assets.cli_types import degrees, frame_size, seconds_or_zero
from assets.errors import AssetError
from assets.outputs import check_output_path
from avatar.loading import load_avatar_document
from avatar.pose_presets import pose_preset
from avatar.posing import Pose
from avatar.quaternions import quat_from_euler_deg
from render.materials import ShadingStyle
from render.stage import AvatarStage, Shot, StageOptions
from render.surface import Antialias


def _parse_assignments(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise AssetError(f"--{what} '{item}' must look like NAME=VALUE")
        out[name] = value
    return out


def pose_from_args(args: argparse.Namespace) -> Pose:
    base = pose_preset(args.pose)
    rotations = dict(base.rotations)
    for bone, value in _parse_assignments(args.bone, "bone").items():
        try:
            x, y, z = (float(v) for v in value.split(","))
        except ValueError:
            raise AssetError(f"--bone {bone}={value}: give three Euler angles in degrees, e.g. {bone}=0,0,45") from None
        rotations[bone] = quat_from_euler_deg(x, y, z)
    morphs = dict(base.morphs)
    for name, value in _parse_assignments(args.expression, "expression").items():
        morphs[name] = _expression_weight(name, value)
    return Pose(rotations=rotations, morphs=morphs, root_offset=base.root_offset)


def _expression_weight(name: str, value: str) -> float:
    """A morph/expression weight in [0, 1] (glTF and VRM weights are fractions; larger values
    push vertices past the sculpted shape)."""
    try:
        weight = float(value) if value else 1.0
    except ValueError:
        weight = math.nan
    if not 0.0 <= weight <= 1.0:
        raise AssetError(f"--expression {name}={value}: the weight must be a number in [0, 1], "
                         f"e.g. {name}=0.5")
    return weight


MAX_LISTED_NAMES = 60  # beyond this the error points to `vivid avatar info` instead of listing


def check_bone_names(requested: Collection[str], valid: Collection[str], source: str) -> None:
    """AssetError for --bone names the avatar does not have, with the closest names (a wrong
    case is the usual slip: Head vs head) and the list of valid ones."""
    unknown = [name for name in requested if name not in valid]
    if not unknown:
        return
    by_lower = {v.lower(): v for v in valid}
    hints = []
    for name in unknown:
        close = [by_lower[name.lower()]] if name.lower() in by_lower else \
            difflib.get_close_matches(name, list(valid), n=3, cutoff=0.6)
        hints.append(f"'{name}'" + (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""))
    names = sorted(valid)
    listing = (", ".join(names) if len(names) <= MAX_LISTED_NAMES else
               ", ".join(names[:MAX_LISTED_NAMES]) + f", ... ({len(names)} in all; see `vivid avatar info {source}`)")
    raise AssetError(f"{source}: --bone: no bone named {', '.join(hints)}; valid names: {listing or 'none'}")


def _stage_options(args: argparse.Namespace) -> StageOptions:
    width, height = args.size
    if args.msaa is None:  # 4x on a GPU, off on a software rasterizer (where it doubles the time)
        antialias, samples = Antialias.AUTO, 4
    else:  # asked for: applied on any renderer
        antialias, samples = (Antialias.MSAA, args.msaa) if args.msaa else (Antialias.NONE, 0)
    return StageOptions(width=width, height=height, transparent=args.transparent,
                        style=ShadingStyle(args.style), samples=samples, antialias=antialias)


def _render_vrm(doc, args: argparse.Namespace, pose: Pose):
    """VRM files go through the humanoid rig: VRM 0.x is turned to face +Z, bone rotations use the
    normalized (T-pose, identity rest) convention, and expressions resolve through the VRM binds."""
    from avatar.driving.avatar_model import avatar_from_document
    from render.drive_view import DriveShot, DriveView
    from avatar.posing import PosedFrame

    avatar = avatar_from_document(doc, Path(args.avatar))
    check_bone_names(_bone_args(args), avatar.rig.bones, args.avatar)
    expressions = {n: w for n, w in pose.morphs.items() if n in avatar.binding.names()}
    unknown = sorted(set(pose.morphs) - set(expressions))
    if unknown:
        raise AssetError(f"{args.avatar}: no expression named {', '.join(unknown)}; this avatar has: "
                         f"{', '.join(avatar.binding.names()) or 'none'}")
    with DriveView(avatar, _stage_options(args), DriveShot(args.shot)) as view:
        if args.yaw:
            view.stage.scene.camera = view.stage.shot_camera(Shot(args.shot), yaw_deg=args.yaw)
        world = avatar.rig.pose_world(Pose(rotations=pose.rotations)).astype("float32")
        weights = avatar.binding.node_weights(expressions) if expressions else avatar.binding.base
        return view.stage.render_posed(PosedFrame(world, weights, avatar.binding.material_overrides(expressions)))


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")  # JPEG has no alpha: refused with --transparent


def check_image_output(args: argparse.Namespace) -> Path:
    """Check -o before the avatar is loaded."""
    if args.transparent:
        return check_output_path(args.output, (".png",), "a transparent image (--transparent keeps alpha in PNG only)")
    return check_output_path(args.output, IMAGE_SUFFIXES, "an image")


def write_image(path: Path, image: np.ndarray) -> None:
    """PNG keeps the RGBA the renderer gives; JPEG gets the RGB channels (the background is opaque
    without --transparent)."""
    rgb_only = path.suffix.lower() in (".jpg", ".jpeg")
    pixels = np.ascontiguousarray(image[..., :3] if rgb_only else image)
    Image.fromarray(pixels).save(path, **({"quality": 95} if rgb_only else {}))
    print(f"wrote {path} ({image.shape[1]}x{image.shape[0]})")


def _bone_args(args: argparse.Namespace) -> list[str]:
    return list(_parse_assignments(args.bone, "bone"))


def cmd_avatar_render(args: argparse.Namespace) -> int:
    check_image_output(args)
    doc = load_avatar_document(args.avatar)
    pose = pose_from_args(args)
    if Path(args.avatar).suffix.lower() == ".vrm" and args.time is None and args.animation is None:
        write_image(args.output, _render_vrm(doc, args, pose))
        return 0
    check_bone_names(_bone_args(args), {n.name for n in doc.nodes if n.name}, args.avatar)
    with AvatarStage(doc, _stage_options(args)) as stage:
        unknown = [m for m in pose.morphs if m not in stage.poser.morph_names]
        if unknown:
            raise AssetError(f"{args.avatar}: no morph target named {', '.join(unknown)}; "
                             f"this avatar has: {', '.join(stage.poser.morph_names) or 'none'}")
        animation = None
        if args.animation is not None or args.time is not None:
            animation = _animation_index(doc, args.animation, args.avatar)
        stage.scene.camera = stage.shot_camera(Shot(args.shot), yaw_deg=args.yaw)
        image = stage.render(pose, time_s=args.time or 0.0, animation=animation)
    write_image(args.output, image)
    return 0


def _animation_index(doc, name: str | None, source: str) -> int:
    if not doc.animations:
        raise AssetError(f"{source}: --time/--animation given but the file has no animations")
    if name is None:
        return 0
    for index, animation in enumerate(doc.animations):
        if animation.name == name or str(index) == name:
            return index
    names = ", ".join(a.name or str(i) for i, a in enumerate(doc.animations))
    raise AssetError(f"{source}: no animation '{name}'; the file has: {names}")


MSAA_SAMPLES = (0, 2, 4, 8)  # what the README documents and GL drivers commonly offer


def _add_look_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=frame_size, default=(1280, 720), help="output size, e.g. 1280x720")
    parser.add_argument("--transparent", action="store_true", help="transparent background (PNG alpha)")
    parser.add_argument("--style", choices=[s.value for s in ShadingStyle], default="auto",
                        help="auto: toon where the file has MToon data, else PBR")
    parser.add_argument("--msaa", type=int, choices=MSAA_SAMPLES, default=None,
                        help="multisample count: 0 (off), 2, 4 or 8 (default: 4 on a GPU, off on a "
                             "software rasterizer such as llvmpipe)")


def register_avatar_render(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a glTF/VRM avatar to a PNG",
                       description="Render one still of a glTF 2.0 / VRM file: a pose, an expression, an animation time.")
    p.add_argument("avatar", help="a .glb/.gltf/.vrm file, or 'builtin'")
    p.add_argument("-o", "--output", type=Path, default=Path("avatar.png"),
                   help="image to write: .png, or .jpg without --transparent (default avatar.png)")
    p.add_argument("--pose", default="rest", help="named pose: rest, relaxed, arms_raised, wave, thinking")
    p.add_argument("--bone", action="append", default=[], metavar="NAME=X,Y,Z",
                   help="rotate a bone/node by Euler degrees on top of the pose (repeatable)")
    p.add_argument("--expression", action="append", default=[], metavar="NAME=WEIGHT",
                   help="set a morph target weight, e.g. jawOpen=1 (repeatable)")
    p.add_argument("--animation", default=None, help="animation name or index (default: the first)")
    p.add_argument("--time", type=seconds_or_zero, default=None, help="sample the animation at this time in seconds")
    p.add_argument("--shot", choices=[s.value for s in Shot], default="full")
    p.add_argument("--yaw", type=degrees, default=0.0, help="orbit the camera around the avatar, degrees")
    _add_look_options(p)
    p.set_defaults(func=cmd_avatar_render)
