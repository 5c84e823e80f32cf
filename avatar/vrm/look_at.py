"""Look-at settings: VRM 1.0 `lookAt` and VRM 0.x `firstPerson` (lookAt* fields)."""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

from avatar.gltf.fields import FieldReader
from avatar.vrm.types import LookAt, LookAtType, RangeMap

log = logging.getLogger(__name__)

DEFAULT_OFFSET_FROM_HEAD_M = (0.0, 0.06, 0.0)  # UniVRM's fallback when a 0.x file gives none
V0_LINEAR_CURVE = [0, 0, 0, 1, 1, 1, 1, 0]  # 0.x default curve: straight line (0,0)->(1,1)
V1_RANGE_MAP_DEFAULT = (90.0, 10.0)  # VRMC_vrm lookAt.rangeMap schema defaults


def unity_to_gltf_v0(vector: tuple[float, float, float]) -> np.ndarray:
    """VRM 0.x writes some vectors in Unity space; UniVRM 0.x exports with Z reversed."""
    return np.array([vector[0], vector[1], -vector[2]], np.float32)


def _xyz(f: FieldReader, spec: dict[str, Any], key: str, path: str, default: tuple[float, float, float]
         ) -> tuple[float, float, float]:
    value = spec.get(key)
    if value is None:
        return default
    if not isinstance(value, dict):
        f.fail(f"{path}.{key}", "expected an object with x, y, z")
    return tuple(f.float_(value, axis, f"{path}.{key}", 0.0) for axis in "xyz")  # type: ignore[return-value]


def read_look_at_v1(f: FieldReader, spec: dict[str, Any], path: str) -> LookAt:
    def range_map(key: str) -> RangeMap:
        body = f.obj(spec, key, path)
        return RangeMap(f.float_(body, "inputMaxValue", f"{path}.{key}", V1_RANGE_MAP_DEFAULT[0]),
                        f.float_(body, "outputScale", f"{path}.{key}", V1_RANGE_MAP_DEFAULT[1]))

    offset = np.asarray(f.floats(spec, "offsetFromHeadBone", path, 3, (0.0, 0.0, 0.0)), np.float32)
    return LookAt(
        type=LookAtType(f.choice(spec, "type", path, ("bone", "expression"), "bone")),
        offset_from_head_bone=offset,
        horizontal_inner=range_map("rangeMapHorizontalInner"),
        horizontal_outer=range_map("rangeMapHorizontalOuter"),
        vertical_down=range_map("rangeMapVerticalDown"),
        vertical_up=range_map("rangeMapVerticalUp"),
    )


def read_look_at_v0(f: FieldReader, spec: dict[str, Any], path: str) -> LookAt:
    def range_map(key: str) -> RangeMap:
        body = f.obj(spec, key, path)
        curve = body.get("curve")
        if curve is not None and curve != V0_LINEAR_CURVE:
            log.warning("%s: %s.%s.curve: non-linear look-at curves are approximated by a straight line",
                        f.name, path, key)
        return RangeMap(f.float_(body, "xRange", f"{path}.{key}", 90.0), f.float_(body, "yRange", f"{path}.{key}", 10.0))

    kind = str(spec.get("lookAtTypeName", "Bone"))
    if kind not in ("Bone", "BlendShape"):
        f.fail(f"{path}.lookAtTypeName", f"{kind!r} is not one of 'Bone', 'BlendShape'")
    return LookAt(
        type=LookAtType.BONE if kind == "Bone" else LookAtType.EXPRESSION,
        offset_from_head_bone=unity_to_gltf_v0(_xyz(f, spec, "firstPersonBoneOffset", path, DEFAULT_OFFSET_FROM_HEAD_M)),
        horizontal_inner=range_map("lookAtHorizontalInner"),
        horizontal_outer=range_map("lookAtHorizontalOuter"),
        vertical_down=range_map("lookAtVerticalDown"),
        vertical_up=range_map("lookAtVerticalUp"),
    )
