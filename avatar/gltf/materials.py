"""Materials, textures, samplers and images (glTF 2.0 spec "Materials", "Textures").

- Images (bufferView + mimeType, data: URI, or a file next to the asset) are decoded with Pillow
  to (H, W, 4) uint8 RGBA.
- `TextureRef.image` indexes images directly (the texture indirection is resolved here).
- KHR_materials_unlit sets `Material.unlit`; KHR_materials_emissive_strength multiplies
  `emissive_factor`; KHR_texture_transform becomes each `TextureRef.uv_transform` (the raw
  objects stay in ``Material.extensions["KHR_texture_transform"][slot]``, slot = "baseColorTexture",
  ...), next to the material's own raw extensions (e.g. VRMC_materials_mtoon).
"""
from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image as PILImage, UnidentifiedImageError

from avatar.gltf.accessors import AccessorReader
from avatar.gltf.container import UriResolver
from avatar.gltf.document import IDENTITY_UV, AlphaMode, Image, Material, TextureRef, UvTransform
from avatar.gltf.fields import FieldReader

GL_REPEAT = 10497
WRAP_MODES = (33071, 33648, 10497)  # CLAMP_TO_EDGE, MIRRORED_REPEAT, REPEAT
MAG_FILTERS = (9728, 9729)  # NEAREST, LINEAR
MIN_FILTERS = (9728, 9729, 9984, 9985, 9986, 9987)


def read_images(f: FieldReader, tree: dict[str, Any], acc: AccessorReader, resolver: UriResolver) -> tuple[Image, ...]:
    images = []
    for i, spec in enumerate(f.objects(tree, "images", "")):
        path = f"images[{i}]"
        mime = spec.get("mimeType")
        if spec.get("bufferView") is not None:
            view_index = f.index(spec, "bufferView", path, "bufferViews", len(acc.views_json))
            view, _ = acc.view(view_index)
            data = bytes(view)
            where = f"{path}.bufferView"
        else:
            uri = f.str_(spec, "uri", path)
            data = resolver.read(uri, f"{path}.uri")
            mime = mime or UriResolver.mime_from_data_uri(uri)
            where = f"{path}.uri"
        try:
            with PILImage.open(io.BytesIO(data)) as picture:
                pixels = np.asarray(picture.convert("RGBA"), np.uint8)
                mime = mime or PILImage.MIME.get(picture.format or "", "")
        except (UnidentifiedImageError, OSError, ValueError) as error:
            f.fail(where, f"cannot decode the image ({mime or 'unknown type'}): {error}; "
                          "supported: PNG, JPEG and other formats Pillow reads")
        pixels = np.ascontiguousarray(pixels)
        pixels.flags.writeable = False
        images.append(Image(name=f.str_(spec, "name", path, ""), pixels=pixels, mime_type=str(mime or "")))
    return tuple(images)


class MaterialReader:
    def __init__(self, f: FieldReader, tree: dict[str, Any], image_count: int) -> None:
        self.f = f
        self.textures = f.objects(tree, "textures", "")
        self.samplers = f.objects(tree, "samplers", "")
        self.image_count = image_count

    def texture_ref(self, holder: dict[str, Any], slot: str, path: str, transforms: dict[str, Any],
                    scale_key: str | None = None) -> TextureRef | None:
        info = holder.get(slot)
        if info is None:
            return None
        where = f"{path}.{slot}"
        if not isinstance(info, dict):
            self.f.fail(where, "expected a textureInfo object")
        texture_index = self.f.index(info, "index", where, "textures", len(self.textures))
        texture = self.textures[texture_index]
        tpath = f"textures[{texture_index}]"
        image = self.f.index(texture, "source", tpath, "images", self.image_count, required=False)
        if image is None:
            # Only extension image sources (KTX2, WebP) would be left: we cannot decode them.
            self.f.fail(f"{tpath}.source", "missing; image sources given only by extensions "
                                           f"({', '.join(texture.get('extensions', {})) or 'none'}) are not supported")
        sampler: dict[str, Any] = {}
        sampler_index = self.f.index(texture, "sampler", tpath, "samplers", len(self.samplers), required=False)
        spath = f"samplers[{sampler_index}]"
        if sampler_index is not None:
            sampler = self.samplers[sampler_index]
        texcoord = self.f.int_(info, "texCoord", where, 0, minimum=0)
        uv_transform = IDENTITY_UV
        extensions = self.f.obj(info, "extensions", where)
        if "KHR_texture_transform" in extensions:
            transforms[slot] = extensions["KHR_texture_transform"]
            tpath = f"{where}.extensions.KHR_texture_transform"
            spec = self.f.obj(extensions, "KHR_texture_transform", f"{where}.extensions")
            uv_transform = UvTransform(offset=self.f.floats(spec, "offset", tpath, 2, (0.0, 0.0)),
                                       rotation=self.f.float_(spec, "rotation", tpath, 0.0),
                                       scale=self.f.floats(spec, "scale", tpath, 2, (1.0, 1.0)))
            texcoord = self.f.int_(spec, "texCoord", tpath, texcoord, minimum=0)
        return TextureRef(
            image=image,
            texcoord=texcoord,
            uv_transform=uv_transform,
            scale=self.f.float_(info, scale_key, where, 1.0) if scale_key else 1.0,
            mag_filter=self.f.choice(sampler, "magFilter", spath, MAG_FILTERS + (None,), None),
            min_filter=self.f.choice(sampler, "minFilter", spath, MIN_FILTERS + (None,), None),
            wrap_s=self.f.choice(sampler, "wrapS", spath, WRAP_MODES, GL_REPEAT),
            wrap_t=self.f.choice(sampler, "wrapT", spath, WRAP_MODES, GL_REPEAT),
        )

    def material(self, index: int, spec: dict[str, Any]) -> Material:
        path = f"materials[{index}]"
        pbr = self.f.obj(spec, "pbrMetallicRoughness", path)
        ppath = f"{path}.pbrMetallicRoughness"
        transforms: dict[str, Any] = {}
        extensions = dict(self.f.obj(spec, "extensions", path))
        emissive = self.f.floats(spec, "emissiveFactor", path, 3, (0.0, 0.0, 0.0))
        strength_ext = extensions.get("KHR_materials_emissive_strength")
        if isinstance(strength_ext, dict):
            strength = self.f.float_(strength_ext, "emissiveStrength", f"{path}.extensions.KHR_materials_emissive_strength", 1.0)
            emissive = tuple(c * strength for c in emissive)
        material = Material(
            name=self.f.str_(spec, "name", path, ""),
            base_color_factor=self.f.floats(pbr, "baseColorFactor", ppath, 4, (1.0, 1.0, 1.0, 1.0)),
            base_color_texture=self.texture_ref(pbr, "baseColorTexture", ppath, transforms),
            metallic_factor=self.f.float_(pbr, "metallicFactor", ppath, 1.0),
            roughness_factor=self.f.float_(pbr, "roughnessFactor", ppath, 1.0),
            metallic_roughness_texture=self.texture_ref(pbr, "metallicRoughnessTexture", ppath, transforms),
            normal_texture=self.texture_ref(spec, "normalTexture", path, transforms, "scale"),
            occlusion_texture=self.texture_ref(spec, "occlusionTexture", path, transforms, "strength"),
            emissive_factor=emissive,
            emissive_texture=self.texture_ref(spec, "emissiveTexture", path, transforms),
            alpha_mode=AlphaMode[self.f.choice(spec, "alphaMode", path, ("OPAQUE", "MASK", "BLEND"), "OPAQUE")],
            alpha_cutoff=self.f.float_(spec, "alphaCutoff", path, 0.5),
            double_sided=self.f.bool_(spec, "doubleSided", path, False),
            unlit="KHR_materials_unlit" in extensions,
            extensions=extensions | ({"KHR_texture_transform": transforms} if transforms else {}),
        )
        return material
