"""`vivid avatar ...` subcommands owned by avatar/: `info`. (The lead adds `avatar render`.)"""
from __future__ import annotations

import argparse
import sys

from assets.cli_types import whole_number_at_least
from assets.errors import AssetError
from avatar.gltf.loader import load_gltf
from avatar.loading import resolve_avatar_path
from avatar.info import summary_lines

DEFAULT_MAX_NODES = 80  # node-tree lines printed before eliding (RecursiveSkeletons has 924 nodes)


def register_avatar_commands(avatar_subparsers: argparse._SubParsersAction) -> None:
    """Add our parsers to the `vivid avatar` subcommand group."""
    info = avatar_subparsers.add_parser(
        "info", help="summarize a glTF/GLB/VRM avatar: nodes, skins, morphs, animations, materials, VRM meta",
        description="Print the node tree, skins and joint counts, morph target names, animations with "
                    "durations, vertex/triangle counts, materials and (for VRM) meta, humanoid and expressions.")
    info.add_argument("avatar", help="path to a .gltf, .glb or .vrm file")
    info.add_argument("--max-nodes", type=whole_number_at_least(0), default=DEFAULT_MAX_NODES,
                      help=f"node-tree lines to print (default {DEFAULT_MAX_NODES})")
    info.set_defaults(func=run_info)


def run_info(args: argparse.Namespace) -> int:
    try:
        doc = load_gltf(resolve_avatar_path(args.avatar))  # 'builtin' or a file
        lines = summary_lines(doc, args.max_nodes)
        lines += _vrm_lines(doc)
    except AssetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _vrm_lines(doc) -> list[str]:
    extensions = doc.json.get("extensions")
    if not isinstance(extensions, dict) or not ({"VRM", "VRMC_vrm"} & set(extensions)):
        return []
    from avatar.vrm.loader import vrm_from_document  # VRM parsing builds on the glTF document
    from avatar.vrm.summary import vrm_summary_lines

    return [""] + vrm_summary_lines(vrm_from_document(doc))
