"""VRMC_node_constraint 1.0: roll / aim / rotation constraints declared on nodes."""
from __future__ import annotations

from avatar.gltf.document import GltfDocument
from avatar.gltf.fields import FieldReader
from avatar.vrm.types import NodeConstraint

ROLL_AXES = ("X", "Y", "Z")
AIM_AXES = ("PositiveX", "NegativeX", "PositiveY", "NegativeY", "PositiveZ", "NegativeZ")


def read_constraints(f: FieldReader, doc: GltfDocument) -> tuple[NodeConstraint, ...]:
    result = []
    for i, node in enumerate(f.objects(doc.json, "nodes", "")):
        extensions = node.get("extensions")
        if not isinstance(extensions, dict) or "VRMC_node_constraint" not in extensions:
            continue
        path = f"nodes[{i}].extensions.VRMC_node_constraint"
        body = f.obj(extensions, "VRMC_node_constraint", f"nodes[{i}].extensions")
        constraint = f.obj(body, "constraint", path, required=True)
        kinds = [k for k in ("roll", "aim", "rotation") if k in constraint]
        if len(kinds) != 1:
            f.fail(f"{path}.constraint", f"expected exactly one of roll, aim, rotation; got {', '.join(constraint) or 'none'}")
        kind = kinds[0]
        spec = f.obj(constraint, kind, f"{path}.constraint")
        where = f"{path}.constraint.{kind}"
        source = f.index(spec, "source", where, "nodes", len(doc.nodes))
        if source == i:
            f.fail(f"{where}.source", "a node cannot constrain itself")
        axis = None
        if kind == "roll":
            axis = f.choice(spec, "rollAxis", where, ROLL_AXES, None)
        elif kind == "aim":
            axis = f.choice(spec, "aimAxis", where, AIM_AXES, None)
        result.append(NodeConstraint(node=i, kind=kind, source=source,
                                     weight=f.float_(spec, "weight", where, 1.0), axis=axis))
    return tuple(result)
