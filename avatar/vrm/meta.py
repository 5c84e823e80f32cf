"""VRM meta (title, authors, licence fields) for 0.x ("VRM".meta) and 1.0 ("VRMC_vrm".meta)."""
from __future__ import annotations

from typing import Any

from avatar.gltf.fields import FieldReader
from avatar.vrm.types import VrmMeta

# Fields shown to the user as permissions / licence terms, in the order of each spec.
V0_LICENSE_KEYS = ("allowedUserName", "violentUssageName", "sexualUssageName", "commercialUssageName",
                   "otherPermissionUrl", "licenseName", "otherLicenseUrl")
V1_LICENSE_KEYS = ("avatarPermission", "allowExcessivelyViolentUsage", "allowExcessivelySexualUsage",
                   "commercialUsage", "allowPoliticalOrReligiousUsage", "allowAntisocialOrHateUsage",
                   "creditNotation", "allowRedistribution", "modification", "licenseUrl", "otherLicenseUrl")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _strings(f: FieldReader, spec: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
    return tuple(_text(v) for v in f.array(spec, key, path))


def read_meta_v0(f: FieldReader, spec: dict[str, Any], path: str, image_count: int, texture_sources: list) -> VrmMeta:
    texture = spec.get("texture")
    thumbnail = None
    if isinstance(texture, int) and 0 <= texture < len(texture_sources):
        thumbnail = texture_sources[texture]
    author = _text(spec.get("author"))
    reference = _text(spec.get("reference"))
    return VrmMeta(
        name=_text(spec.get("title")),
        version=_text(spec.get("version")),
        authors=(author,) if author else (),
        contact_information=_text(spec.get("contactInformation")),
        references=(reference,) if reference else (),
        license_url="",
        license_name=_text(spec.get("licenseName")),
        other_license_url=_text(spec.get("otherLicenseUrl")),
        thumbnail_image=thumbnail if thumbnail is not None and 0 <= thumbnail < image_count else None,
        license_fields=tuple((k, _text(spec[k])) for k in V0_LICENSE_KEYS if k in spec),
    )


def read_meta_v1(f: FieldReader, spec: dict[str, Any], path: str, image_count: int) -> VrmMeta:
    thumbnail = f.index(spec, "thumbnailImage", path, "images", image_count, required=False)
    return VrmMeta(
        name=f.str_(spec, "name", path, ""),
        version=_text(spec.get("version")),
        authors=_strings(f, spec, "authors", path),
        contact_information=_text(spec.get("contactInformation")),
        references=_strings(f, spec, "references", path),
        license_url=_text(spec.get("licenseUrl")),
        license_name="",
        other_license_url=_text(spec.get("otherLicenseUrl")),
        thumbnail_image=thumbnail,
        license_fields=tuple((k, _text(spec[k])) for k in V1_LICENSE_KEYS if k in spec),
    )
