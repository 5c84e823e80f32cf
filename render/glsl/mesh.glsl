// Skinned + morphed mesh with toon (MToon-style) or metallic-roughness shading.
// Defines: SKINNED, MORPHED (MORPH_TANGENTS: the morph texture holds tangent deltas too), HAS_NORMALS,
// HAS_TANGENTS, HAS_UV, HAS_UV1 (a second UV set), HAS_COLORS, MATERIAL_TOON | MATERIAL_PBR |
// MATERIAL_UNLIT, BASE_TEXTURE, EMISSIVE_TEXTURE, MR_TEXTURE (metallic-roughness), OCCLUSION_TEXTURE,
// NORMAL_TEXTURE (needs HAS_TANGENTS), each texture with <NAME>_UV_SLOT (0: a_uv, 1: a_uv1),
// ALPHA_MASK, BLENDED, OUTLINE (inverted-hull pass), MAX_MORPHS, MAX_LIGHTS, LIGHT_COUNT
// (<= MAX_LIGHTS, compile-time so loops unroll), RIM_LIGHT (RIM_POWER_INT: its fresnel power is that
// whole number).
// MToon: SHADE_TEXTURE, SHIFT_TEXTURE, MATCAP_TEXTURE, RIM_TEXTURE, UVANIM_TEXTURE and (OUTLINE pass
// only) OUTLINE_WIDTH_TEXTURE, all read with the base texture's UV transform; SHADE_IS_BASE_TEXTURE
// (the shade texture is the base texture, read once); OUTLINE_SCREEN (the outline width is a
// fraction of the picture's height); UV_ANIMATION (UV scroll and rotation with time).
// SHADE_FROM_BASE: toon without MToon data, shade = shade colour * base colour.

// Per-frame and per-material values live in uniform blocks (std140, vec4-aligned): one buffer
// write per frame and one bind per draw, instead of ~25 uniform calls per draw from Python.
layout(std140) uniform Frame {
    mat4 u_view_projection;
    vec4 u_camera_position_block;               // xyz
    vec4 u_ambient_sky_block;                   // rgb
    vec4 u_ambient_ground_block;                // rgb
    vec4 u_light_direction_block[MAX_LIGHTS];   // xyz: the way the light travels, world space
    vec4 u_light_color_block[MAX_LIGHTS];       // rgb: colour * intensity
    vec4 u_time_block;                          // x: seconds (MToon UV animation), y: width / height
};
layout(std140) uniform Material {
    vec4 u_base_color;
    vec4 u_emissive_block;       // rgb
    vec4 u_shade_color_block;    // rgb
    vec4 u_rim_color_block;      // rgb
    vec4 u_outline_color_block;  // rgb
    vec4 u_toon;                 // shading shift, shading toony, rim fresnel power, rim lift
    vec4 u_surface;              // metallic, roughness, alpha cutoff, outline width (metres, world space)
    vec4 u_base_uv[2];           // rows of the 2x3 UV transform of the base texture (KHR_texture_transform)
    vec4 u_emissive_uv[2];       // the same for the emissive texture
    vec4 u_mr_uv[2];             // ... the metallic-roughness texture
    vec4 u_occlusion_uv[2];      // ... the occlusion texture
    vec4 u_normal_uv[2];         // ... the normal texture
    vec4 u_maps;                 // normal scale, occlusion strength, rim lighting mix, shading shift texture scale
    vec4 u_matcap_color_block;   // rgb: matcapFactor
    vec4 u_uv_animation;         // MToon UV scroll x, scroll y (UV units / s), rotation (rad / s)
    vec4 u_mtoon_mix;            // MToon GI equalization, outline lighting mix
};
#define u_camera_position u_camera_position_block.xyz
#define u_ambient_sky u_ambient_sky_block.rgb
#define u_ambient_ground u_ambient_ground_block.rgb
#define u_light_direction(i) u_light_direction_block[i].xyz
#define u_light_color(i) u_light_color_block[i].rgb
#define u_emissive u_emissive_block.rgb
#define u_shade_color u_shade_color_block.rgb
#define u_rim_color u_rim_color_block.rgb
#define u_outline_color u_outline_color_block.rgb
#define u_shading_shift u_toon.x
#define u_shading_toony u_toon.y
#define u_rim_fresnel_power u_toon.z
#define u_rim_lift u_toon.w
#define u_metallic u_surface.x
#define u_roughness u_surface.y
#define u_alpha_cutoff u_surface.z
#define u_outline_width u_surface.w
#define u_normal_scale u_maps.x
#define u_occlusion_strength u_maps.y
#define u_rim_lighting_mix u_maps.z
#define u_shift_texture_scale u_maps.w
#define u_matcap_color u_matcap_color_block.rgb
#define u_time u_time_block.x
#define u_aspect u_time_block.y
#define u_gi_equalization u_mtoon_mix.x
#define u_outline_lighting_mix u_mtoon_mix.y

vec2 uv_transformed(vec4 rows[2], vec2 uv) {
    vec3 h = vec3(uv, 1.0);
    return vec2(dot(rows[0].xyz, h), dot(rows[1].xyz, h));
}

#ifdef UV_ANIMATION
// MToon 1.0: rotate about (0.5, 0.5), then scroll, both scaled by the mask; before
// KHR_texture_transform. Base, emissive, normal and the MToon textures move, the matcap does not.
vec2 uv_animated(vec2 uv, float mask) {
    float angle = u_uv_animation.z * u_time * mask;
    float c = cos(angle), s = sin(angle);
    return mat2(c, s, -s, c) * (uv - 0.5) + 0.5 + u_uv_animation.xy * (u_time * mask);
}
#endif

#if defined VERTEX_SHADER

in vec3 a_position;
#ifdef HAS_NORMALS
in vec3 a_normal;
#endif
#ifdef HAS_TANGENTS
in vec4 a_tangent;  // xyz: tangent, w: handedness (bitangent = w * cross(normal, tangent))
#endif
#ifdef HAS_UV
in vec2 a_uv;
#endif
#ifdef HAS_UV1
in vec2 a_uv1;
#endif
#ifdef HAS_COLORS
in vec4 a_color;
#endif
#ifdef SKINNED
in vec4 a_joints;
in vec4 a_weights;
uniform sampler2D u_joint_texture;  // per joint one row of 3 texels: the rows of its affine 3x4 matrix
#endif
#ifdef OUTLINE_WIDTH_TEXTURE
uniform sampler2D u_outline_width_texture;
#endif
#if defined OUTLINE && defined UVANIM_TEXTURE
uniform sampler2D u_uvanim_texture;
#endif
#ifdef MORPHED
uniform sampler2D u_morph_texture;  // texel (target * N + vertex) * MORPH_STRIDE + 0 = position delta, + 1 = normal delta
                                    // (+ 2 = tangent delta with MORPH_TANGENTS)
#ifdef MORPH_TANGENTS
#define MORPH_STRIDE 3
#else
#define MORPH_STRIDE 2
#endif
// Its width is 1 << MORPH_WIDTH_LOG2 texels: a shift and a mask find a texel; a division by a
// uniform would be done one lane at a time on a CPU rasterizer (no vector integer division).
uniform int u_vertex_count;
uniform int u_morph_count;  // active targets this frame, <= MAX_MORPHS (a multiple of 4)
// Target index and weight of active target i are component i & 3 of element i >> 2. Packed four to
// a vector: drivers may give every element of a scalar array a whole vec4 slot, and 2 x 128 slots
// would use all 1024 components GL 3.3 guarantees a vertex shader; packed they take 256.
uniform ivec4 u_morph_index[MAX_MORPHS / 4];
uniform vec4 u_morph_weight[MAX_MORPHS / 4];
#endif

uniform mat4 u_model;

out vec3 v_world_position;
out vec3 v_normal;
#ifdef HAS_TANGENTS
out vec4 v_tangent;
#endif
out vec2 v_uv;
#ifdef HAS_UV1
out vec2 v_uv1;
#endif
out vec4 v_color;

#ifdef MORPHED
vec4 morph_texel(int texel) {
    return texelFetch(u_morph_texture, ivec2(texel & ((1 << MORPH_WIDTH_LOG2) - 1), texel >> MORPH_WIDTH_LOG2), 0);
}
#endif

// Normals transform by the inverse transpose of the linear part `m` (a normal stays perpendicular
// to the surface under non-uniform scale; mat3(m) itself tilts it). Up to the factor det(m) that is
// the cofactor matrix, columns m1 x m2, m2 x m0, m0 x m1: three cross products instead of an
// inverse, and finite for a singular m. The sign of det keeps normals outward under mirroring.
vec3 transform_normal(mat3 m, vec3 normal) {
    mat3 cofactor = mat3(cross(m[1], m[2]), cross(m[2], m[0]), cross(m[0], m[1]));
    return normalize(cofactor * normal) * (dot(m[0], cofactor[0]) < 0.0 ? -1.0 : 1.0);
}

#ifdef HAS_TANGENTS
// Tangents lie in the surface: they transform by `m` itself. A mirroring `m` (det < 0) flips the
// handedness, so that w * cross(normal, tangent) still gives the transformed bitangent.
vec4 transform_tangent(mat3 m, vec4 tangent) {
    return vec4(normalize(m * tangent.xyz), dot(m[0], cross(m[1], m[2])) < 0.0 ? -tangent.w : tangent.w);
}
#endif

#ifdef SKINNED
// Row `r` of the weighted sum of this vertex's joint matrices. Joint matrices are affine (glTF
// nodes are TRS), so three rows hold them: 12 texel reads a vertex instead of 16.
vec4 skin_row(int r, ivec4 joints) {
    return a_weights.x * texelFetch(u_joint_texture, ivec2(r, joints.x), 0)
         + a_weights.y * texelFetch(u_joint_texture, ivec2(r, joints.y), 0)
         + a_weights.z * texelFetch(u_joint_texture, ivec2(r, joints.z), 0)
         + a_weights.w * texelFetch(u_joint_texture, ivec2(r, joints.w), 0);
}
#endif

void main() {
    vec3 position = a_position;
#ifdef HAS_NORMALS
    vec3 normal = a_normal;
#else
    vec3 normal = vec3(0.0, 0.0, 1.0);
#endif
#ifdef HAS_TANGENTS
    vec4 tangent = a_tangent;
#endif
#ifdef MORPHED
    // Bounded by the active count, not MAX_MORPHS: no cost for targets at weight 0.
    for (int i = 0; i < u_morph_count; ++i) {
        float weight = u_morph_weight[i >> 2][i & 3];
        int base = (u_morph_index[i >> 2][i & 3] * u_vertex_count + gl_VertexID) * MORPH_STRIDE;
        position += weight * morph_texel(base).xyz;
        normal += weight * morph_texel(base + 1).xyz;
#ifdef MORPH_TANGENTS
        tangent.xyz += weight * morph_texel(base + 2).xyz;
#endif
    }
#endif
#ifdef SKINNED
    // Skinned vertices ignore the mesh node's transform (glTF): the joints place them.
    ivec4 joints = ivec4(a_joints + 0.5);
    vec4 r0 = skin_row(0, joints), r1 = skin_row(1, joints), r2 = skin_row(2, joints);
    vec4 world = vec4(dot(r0, vec4(position, 1.0)), dot(r1, vec4(position, 1.0)), dot(r2, vec4(position, 1.0)), 1.0);
    mat3 linear = transpose(mat3(r0.xyz, r1.xyz, r2.xyz));  // r0..r2 are rows
#else
    vec4 world = u_model * vec4(position, 1.0);
    mat3 linear = mat3(u_model);
#endif
    v_normal = transform_normal(linear, normal);
#ifdef HAS_TANGENTS
    v_tangent = transform_tangent(linear, tangent);
#endif
#ifdef OUTLINE
    float outline_width = u_outline_width;
#ifdef OUTLINE_WIDTH_TEXTURE
    // MToon: the G channel (linear) scales the width; black masks the outline out.
#if OUTLINE_WIDTH_UV_SLOT == 1
    vec2 outline_uv = a_uv1;
#else
    vec2 outline_uv = a_uv;
#endif
#ifdef UV_ANIMATION
    float outline_mask = 1.0;
#ifdef UVANIM_TEXTURE
    outline_mask = textureLod(u_uvanim_texture, uv_transformed(u_base_uv, outline_uv), 0.0).b;
#endif
    outline_uv = uv_animated(outline_uv, outline_mask);
#endif
    outline_width *= textureLod(u_outline_width_texture, uv_transformed(u_base_uv, outline_uv), 0.0).g;
#endif
#ifndef OUTLINE_SCREEN
    world.xyz += v_normal * outline_width;
#endif
#endif
    v_world_position = world.xyz;
#ifdef HAS_UV
    v_uv = a_uv;
#else
    v_uv = vec2(0.0);
#endif
#ifdef HAS_UV1
    v_uv1 = a_uv1;
#endif
#ifdef HAS_COLORS
    v_color = a_color;
#else
    v_color = vec4(1.0);
#endif
    gl_Position = u_view_projection * world;
#if defined OUTLINE && defined OUTLINE_SCREEN
    // MToon screenCoordinates: push the vertex `outline_width` of the picture's height out along
    // its normal as seen on screen, whatever the distance (x scaled back by the aspect ratio).
    vec4 normal_clip = u_view_projection * vec4(v_normal, 0.0);
    // d(ndc)/dt of the point moved along its normal, up to the positive factor w^2
    vec2 on_screen = (normal_clip.xy * gl_Position.w - gl_Position.xy * normal_clip.w) * vec2(u_aspect, 1.0);
    if (dot(on_screen, on_screen) > 1e-12) {
        gl_Position.xy += normalize(on_screen) * vec2(1.0 / u_aspect, 1.0) * (2.0 * outline_width * gl_Position.w);
    }
#endif
}
#endif

#if defined FRAGMENT_SHADER

in vec3 v_world_position;
in vec3 v_normal;
#ifdef NORMAL_TEXTURE
in vec4 v_tangent;
#endif
in vec2 v_uv;
#ifdef HAS_UV1
in vec2 v_uv1;
#define UV_SLOT(slot) ((slot) == 1 ? v_uv1 : v_uv)
#else
#define UV_SLOT(slot) v_uv
#endif
in vec4 v_color;
out vec4 f_color;

uniform sampler2D u_base_texture;
uniform sampler2D u_emissive_texture;
#ifdef MR_TEXTURE
uniform sampler2D u_mr_texture;
#endif
#ifdef OCCLUSION_TEXTURE
uniform sampler2D u_occlusion_texture;
#endif
#ifdef NORMAL_TEXTURE
uniform sampler2D u_normal_texture;
#endif
#ifdef SHADE_TEXTURE
uniform sampler2D u_shade_texture;
#endif
#ifdef SHIFT_TEXTURE
uniform sampler2D u_shift_texture;
#endif
#ifdef MATCAP_TEXTURE
uniform sampler2D u_matcap_texture;
#endif
#ifdef RIM_TEXTURE
uniform sampler2D u_rim_texture;
#endif
#ifdef UVANIM_TEXTURE
uniform sampler2D u_uvanim_texture;
#endif

// Gamma 2.0 instead of 2.2 / the exact sRGB curve: within 3% everywhere that matters and
// several times cheaper than pow() on software rasterizers.
vec3 srgb_to_linear(vec3 c) { return c * c; }
vec3 linear_to_srgb(vec3 c) { return sqrt(clamp(c, 0.0, 1.0)); }

#ifdef MATERIAL_TOON
// Hemisphere ambient light, evened out toward its average by MToon's GI equalization (a toon
// surface should not show its shape through the ambient light).
vec3 toon_ambient(vec3 n) {
    vec3 hemisphere = mix(u_ambient_ground, u_ambient_sky, 0.5 + 0.5 * n.y);
    return mix(hemisphere, 0.5 * (u_ambient_ground + u_ambient_sky), u_gi_equalization);
}

// The shade colour before MToon's shade texture: MToon's own, or derived from the base colour.
vec3 toon_flat_shade(vec3 base_rgb) {
#ifdef SHADE_FROM_BASE
    return u_shade_color * base_rgb;
#else
    return u_shade_color;
#endif
}

#ifdef RIM_LIGHT
// MToon's parametric rim: x ^ fresnel power. A whole power (RIM_POWER_INT, set per material) is
// multiplied out: pow() costs a log and an exp per pixel on a CPU rasterizer.
float rim_fresnel(float x) {
#ifdef RIM_POWER_INT
    float power = x;
    for (int i = 1; i < RIM_POWER_INT; ++i) power *= x;
    return power;
#else
    return pow(x, max(u_rim_fresnel_power, 0.001));
#endif
}
#endif

float toon_ramp(vec3 n, int light, float shift) {
    float toony_scale = 1.0 / max(2.0 - 2.0 * u_shading_toony, 1e-3);
    return clamp((dot(n, -u_light_direction(light)) + shift + 1.0 - u_shading_toony) * toony_scale, 0.0, 1.0);
}
#endif

void main() {
#ifdef UV_ANIMATION
    float uv_animation_mask = 1.0;
#ifdef UVANIM_TEXTURE
    uv_animation_mask = texture(u_uvanim_texture, uv_transformed(u_base_uv, UV_SLOT(UVANIM_UV_SLOT))).b;
#endif
#define ANIMATED(uv) uv_animated(uv, uv_animation_mask)
#else
#define ANIMATED(uv) (uv)
#endif
    vec4 base = u_base_color * v_color;
#ifdef BASE_TEXTURE
    vec4 base_texel = texture(u_base_texture, uv_transformed(u_base_uv, ANIMATED(UV_SLOT(BASE_UV_SLOT))));
    base_texel.rgb = srgb_to_linear(base_texel.rgb);
    base *= base_texel;
#endif
#ifdef ALPHA_MASK
    if (base.a < u_alpha_cutoff) discard;
#endif
#ifdef BLENDED
    float alpha = base.a;
#else
    float alpha = 1.0;
#endif
    vec3 emissive = u_emissive;
#ifdef EMISSIVE_TEXTURE
    emissive *= srgb_to_linear(texture(u_emissive_texture, uv_transformed(u_emissive_uv, ANIMATED(UV_SLOT(EMISSIVE_UV_SLOT)))).rgb);
#endif

    vec3 n = normalize(v_normal);
#ifdef NORMAL_TEXTURE
    {
        // Tangent space (glTF): the tangent, re-orthogonalized against the interpolated normal
        // (Gram-Schmidt), the bitangent w * cross(n, t), and the map's RGB as 2 * rgb - 1 with X
        // and Y scaled by normalTexture.scale.
        vec3 t = normalize(v_tangent.xyz - n * dot(n, v_tangent.xyz));
        vec3 b = cross(n, t) * (v_tangent.w < 0.0 ? -1.0 : 1.0);
        vec3 m = texture(u_normal_texture, uv_transformed(u_normal_uv, ANIMATED(UV_SLOT(NORMAL_UV_SLOT)))).xyz * 2.0 - 1.0;
        n = normalize(mat3(t, b, n) * (m * vec3(u_normal_scale, u_normal_scale, 1.0)));
    }
#endif
    // A back face (double-sided) is the same surface seen from behind: the whole frame flips.
    if (!gl_FrontFacing) n = -n;
    vec3 v = normalize(u_camera_position - v_world_position);
    vec3 color;

#if defined OUTLINE
    vec3 outline_lighting = vec3(1.0);
#ifdef MATERIAL_TOON
    {
        // MToon: the outline colour takes on the lit surface's colour as much as the outline
        // lighting mix asks (estimated here without the surface-only textures).
        vec3 shade = toon_flat_shade(base.rgb);
        vec3 surface = base.rgb * toon_ambient(n) * 0.35;
        for (int i = 0; i < LIGHT_COUNT; ++i) {
            surface += mix(shade, base.rgb, toon_ramp(n, i, u_shading_shift)) * u_light_color(i);
        }
        outline_lighting = mix(vec3(1.0), surface, u_outline_lighting_mix);
    }
#endif
    color = u_outline_color * outline_lighting;
#elif defined MATERIAL_UNLIT
    color = base.rgb;
#elif defined MATERIAL_TOON
    // Toon: the key light decides lit vs shade; ambient only lifts the shade a little, so a lit
    // surface shows its base colour instead of washing out to white.
    // LIGHT_COUNT is a compile-time constant so the loop unrolls (software rasterizers pay for
    // every dynamic loop and branch per pixel).
    vec3 ambient = toon_ambient(n);
    // MToon textures share the base texture's UV transform (an expression moves them together).
#define MTOON_UV(slot) uv_transformed(u_base_uv, ANIMATED(UV_SLOT(slot)))
    // MToon: shadeColorFactor * shadeMultiplyTexture, independent of the base colour.
    vec3 shade = toon_flat_shade(base.rgb);
#if defined SHADE_IS_BASE_TEXTURE && defined BASE_TEXTURE
    shade *= base_texel.rgb;  // the shade multiply texture is the base texture (model.py)
#elif defined SHADE_TEXTURE
    shade *= srgb_to_linear(texture(u_shade_texture, MTOON_UV(SHADE_UV_SLOT)).rgb);
#endif
    float shading_shift = u_shading_shift;
#ifdef SHIFT_TEXTURE
    shading_shift += texture(u_shift_texture, MTOON_UV(SHIFT_UV_SLOT)).r * u_shift_texture_scale;
#endif
    vec3 lit_minus_shade = base.rgb - shade;
    color = base.rgb * ambient * 0.35;
    vec3 lighting = ambient * 0.35;  // the light falling on the surface, for the rim lighting mix
    for (int i = 0; i < LIGHT_COUNT; ++i) {
        float shading = toon_ramp(n, i, shading_shift);
        color += (shade + lit_minus_shade * shading) * u_light_color(i);
        lighting += shading * u_light_color(i);
    }
#if defined RIM_LIGHT || defined MATCAP_TEXTURE
    vec3 rim = vec3(0.0);
#ifdef MATCAP_TEXTURE
    {
        // MToon 1.0: the matcap is looked up by the normal in a view frame kept upright in the world.
        vec3 view_x = normalize(vec3(v.z, 0.0, -v.x));
        vec3 view_y = cross(v, view_x);
        vec2 matcap_uv = vec2(dot(view_x, n), dot(view_y, n)) * 0.495 + 0.5;
        rim += u_matcap_color * srgb_to_linear(texture(u_matcap_texture, matcap_uv).rgb);
    }
#endif
#ifdef RIM_LIGHT
    rim += u_rim_color * rim_fresnel(clamp(1.0 - dot(n, v) + u_rim_lift, 0.0, 1.0));
#endif
#ifdef RIM_TEXTURE
    rim *= srgb_to_linear(texture(u_rim_texture, MTOON_UV(RIM_UV_SLOT)).rgb);
#endif
    color += rim * mix(vec3(1.0), lighting, u_rim_lighting_mix);
#endif
#else  // MATERIAL_PBR: GGX specular + Lambert diffuse, directional lights
    float metallic = u_metallic;
    float roughness = u_roughness;
#ifdef MR_TEXTURE
    {
        vec4 mr = texture(u_mr_texture, uv_transformed(u_mr_uv, UV_SLOT(MR_UV_SLOT)));
        roughness *= mr.g;  // glTF: roughness in G, metallic in B
        metallic *= mr.b;
    }
#endif
    roughness = clamp(roughness, 0.04, 1.0);
    float a2 = roughness * roughness * roughness * roughness;
    vec3 f0 = mix(vec3(0.04), base.rgb, metallic);
    vec3 diffuse_color = base.rgb * (1.0 - metallic);
    vec3 ambient = mix(u_ambient_ground, u_ambient_sky, 0.5 + 0.5 * n.y);
    color = diffuse_color * ambient + f0 * ambient * 0.25;
#ifdef OCCLUSION_TEXTURE
    // Occlusion darkens the ambient (indirect) light only, never the direct lights (glTF).
    {
        float occlusion = texture(u_occlusion_texture, uv_transformed(u_occlusion_uv, UV_SLOT(OCCLUSION_UV_SLOT))).r;
        color *= 1.0 + u_occlusion_strength * (occlusion - 1.0);
    }
#endif
    float n_dot_v = max(dot(n, v), 1e-4);
    for (int i = 0; i < LIGHT_COUNT; ++i) {
        vec3 l = -u_light_direction(i);
        vec3 h = normalize(l + v);
        float n_dot_l = max(dot(n, l), 0.0);
        float n_dot_h = max(dot(n, h), 0.0);
        float d = a2 / (3.14159265 * pow(n_dot_h * n_dot_h * (a2 - 1.0) + 1.0, 2.0));
        float k = (roughness + 1.0) * (roughness + 1.0) / 8.0;
        float g = (n_dot_l / (n_dot_l * (1.0 - k) + k)) * (n_dot_v / (n_dot_v * (1.0 - k) + k));
        vec3 f = f0 + (1.0 - f0) * pow(1.0 - max(dot(h, v), 0.0), 5.0);
        vec3 specular = d * g * f / max(4.0 * n_dot_l * n_dot_v, 1e-4);
        color += (diffuse_color + 3.14159265 * specular) * n_dot_l * u_light_color(i);
    }
#endif
    color += emissive;
    f_color = vec4(linear_to_srgb(color) * alpha, alpha);  // premultiplied
}
#endif
