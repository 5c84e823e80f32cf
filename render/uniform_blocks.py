"""Bytes of the `Frame` and `Material` uniform blocks of mesh.glsl (std140: every member a vec4
or a mat4, so the layout is plain float32 rows). Keep the field order in step with the shader."""
from __future__ import annotations

import numpy as np

from render.materials import ShadingParams
from render.scene import FrameState

FRAME_BINDING, MATERIAL_BINDING = 0, 1


def frame_block_size(max_lights: int) -> int:
    return (4 + 3 + 2 * max_lights + 1) * 16


def frame_block(frame: FrameState, max_lights: int) -> bytes:
    """View-projection, camera position, ambient colours and up to `max_lights` lights; unused
    light slots are black."""
    directions = np.zeros((max_lights, 4), np.float32)
    directions[:, 1] = -1.0
    colors = np.zeros((max_lights, 4), np.float32)
    for i, light in enumerate(frame.lights[:max_lights]):
        direction = np.asarray(light.direction, np.float64)
        directions[i, :3] = direction / np.linalg.norm(direction)
        colors[i, :3] = np.asarray(light.color, np.float64) * light.intensity
    rows = [
        np.asarray(frame.view_projection, np.float32).T,  # GL wants columns
        [[*frame.camera_position[:3], 0.0], [*frame.ambient_sky, 0.0], [*frame.ambient_ground, 0.0]],
        directions,
        colors,
        [[frame.time_s, frame.size[0] / max(frame.size[1], 1), 0.0, 0.0]],
    ]
    return np.concatenate([np.asarray(r, np.float32).reshape(-1, 4) for r in rows]).tobytes()


def material_block(s: ShadingParams) -> bytes:
    rows = [
        s.base_color,
        (*s.emissive, 0.0),
        (*s.shade_color, 0.0),
        (*s.rim_color, 0.0),
        (*s.outline_color, 0.0),
        (s.shading_shift, s.shading_toony, s.rim_fresnel_power, s.rim_lift),
        (s.metallic, s.roughness, s.alpha_cutoff, s.outline_width_m),
        *((*row, 0.0) for row in s.base_uv.rows()),
        *((*row, 0.0) for row in s.emissive_uv.rows()),
        *((*row, 0.0) for row in s.metallic_roughness_uv.rows()),
        *((*row, 0.0) for row in s.occlusion_uv.rows()),
        *((*row, 0.0) for row in s.normal_uv.rows()),
        (s.normal_scale, s.occlusion_strength, s.rim_lighting_mix, s.shading_shift_texture_scale),
        (*s.matcap_color, 0.0),
        (*s.uv_animation, 0.0),
        (s.gi_equalization, s.outline_lighting_mix, 0.0, 0.0),
    ]
    return np.asarray(rows, np.float32).tobytes()
