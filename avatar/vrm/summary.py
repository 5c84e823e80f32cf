"""VRM part of `vivid avatar info`: meta and licence, humanoid, expressions, look-at, springs."""
from __future__ import annotations

from avatar.vrm.types import VrmModel


def vrm_summary_lines(model: VrmModel) -> list[str]:
    meta = model.meta
    out = [f"VRM {model.spec_version} ({'VRM' if model.version == 0 else 'VRMC_vrm'}): "
           f"{'faces -Z in the file, normalized to +Z' if model.version == 0 else 'faces +Z'}",
           f"  title: {meta.name or '-'}  version: {meta.version or '-'}  authors: {', '.join(meta.authors) or '-'}"]
    if meta.contact_information:
        out.append(f"  contact: {meta.contact_information}")
    if meta.references:
        out.append(f"  references: {', '.join(meta.references)}")
    out.append("  licence:")
    out += [f"    {key}: {value}" for key, value in meta.license_fields] or ["    (not stated)"]
    bones = model.humanoid.bones
    out.append(f"  humanoid: {len(bones)} bones")
    out.append("    " + ", ".join(f"{name}={node}" for name, node in bones.items()))
    out.append(f"  expressions: {len(model.expressions)}")
    for e in model.expressions:
        flags = (["binary"] if e.is_binary else []) + [
            f"{label}={mode.value}" for label, mode in (("blink", e.override_blink), ("lookAt", e.override_look_at),
                                                        ("mouth", e.override_mouth)) if mode.value != "none"]
        out.append(f"    {e.name}{'' if e.preset else ' (custom)'}: {len(e.morph_binds)} morph, "
                   f"{len(e.material_color_binds)} colour, {len(e.texture_transform_binds)} texture binds"
                   + (f" [{', '.join(flags)}]" if flags else ""))
    if model.look_at is not None:
        la = model.look_at
        out.append(f"  look-at: {la.type.value}, offset from head {[round(float(v), 4) for v in la.offset_from_head_bone]}")
    springs = model.spring_bones
    out.append(f"  spring bones: {len(springs.springs)} springs, {sum(len(s.joints) for s in springs.springs)} joints, "
               f"{len(springs.colliders)} colliders in {len(springs.collider_groups)} groups")
    out.append(f"  MToon materials: {len(model.mtoon)}  node constraints: {len(model.constraints)}")
    return out
