// Skinned + morphed mesh with toon (MToon-style) or metallic-roughness shading.
// Defines: SKINNED, MORPHED, HAS_NORMALS, HAS_UV, HAS_COLORS, MATERIAL_TOON | MATERIAL_PBR |
// MATERIAL_UNLIT, BASE_TEXTURE, EMISSIVE_TEXTURE, ALPHA_MASK, BLENDED, OUTLINE (inverted-hull pass), MAX_MORPHS, MAX_LIGHTS, LIGHT_COUNT
// (<= MAX_LIGHTS, compile-time so loops unroll), RIM_LIGHT.

// Per-frame and per-material values live in uniform blocks (std140, vec4-aligned): one buffer
// write per frame and one bind per draw, instead of ~25 uniform calls per draw from Python.
layout(std140) uniform Frame {
    mat4 u_view_projection;
    vec4 u_camera_position_block;               // xyz
    vec4 u_ambient_sky_block;                   // rgb
    vec4 u_ambient_ground_block;                // rgb
    vec4 u_light_direction_block[MAX_LIGHTS];   // xyz: the way the light travels, world space
    vec4 u_light_color_block[MAX_LIGHTS];       // rgb: colour * intensity
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

#if defined VERTEX_SHADER

in vec3 a_position;
#ifdef HAS_NORMALS
in vec3 a_normal;
#endif
#ifdef HAS_UV
in vec2 a_uv;
#endif
#ifdef HAS_COLORS
in vec4 a_color;
#endif
#ifdef SKINNED
in vec4 a_joints;
in vec4 a_weights;
uniform sampler2D u_joint_texture;  // per joint one row of 3 texels: the rows of its affine 3x4 matrix
#endif
#ifdef MORPHED
uniform sampler2D u_morph_texture;  // texel (target * N + vertex) * 2 + 0 = position delta, + 1 = normal delta
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
out vec2 v_uv;
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
#ifdef MORPHED
    // Bounded by the active count, not MAX_MORPHS: no cost for targets at weight 0.
    for (int i = 0; i < u_morph_count; ++i) {
        float weight = u_morph_weight[i >> 2][i & 3];
        int base = (u_morph_index[i >> 2][i & 3] * u_vertex_count + gl_VertexID) * 2;
        position += weight * morph_texel(base).xyz;
        normal += weight * morph_texel(base + 1).xyz;
    }
#endif
#ifdef SKINNED
    // Skinned vertices ignore the mesh node's transform (glTF): the joints place them.
    ivec4 joints = ivec4(a_joints + 0.5);
    vec4 r0 = skin_row(0, joints), r1 = skin_row(1, joints), r2 = skin_row(2, joints);
    vec4 world = vec4(dot(r0, vec4(position, 1.0)), dot(r1, vec4(position, 1.0)), dot(r2, vec4(position, 1.0)), 1.0);
    v_normal = transform_normal(transpose(mat3(r0.xyz, r1.xyz, r2.xyz)), normal);  // r0..r2 are rows
#else
    vec4 world = u_model * vec4(position, 1.0);
    v_normal = transform_normal(mat3(u_model), normal);
#endif
#ifdef OUTLINE
    world.xyz += v_normal * u_outline_width;
#endif
    v_world_position = world.xyz;
#ifdef HAS_UV
    v_uv = a_uv;
#else
    v_uv = vec2(0.0);
#endif
#ifdef HAS_COLORS
    v_color = a_color;
#else
    v_color = vec4(1.0);
#endif
    gl_Position = u_view_projection * world;
}
#endif

#if defined FRAGMENT_SHADER

in vec3 v_world_position;
in vec3 v_normal;
in vec2 v_uv;
in vec4 v_color;
out vec4 f_color;

uniform sampler2D u_base_texture;
uniform sampler2D u_emissive_texture;

// Gamma 2.0 instead of 2.2 / the exact sRGB curve: within 3% everywhere that matters and
// several times cheaper than pow() on software rasterizers.
vec3 srgb_to_linear(vec3 c) { return c * c; }
vec3 linear_to_srgb(vec3 c) { return sqrt(clamp(c, 0.0, 1.0)); }

vec2 uv_transformed(vec4 rows[2], vec2 uv) {
    vec3 h = vec3(uv, 1.0);
    return vec2(dot(rows[0].xyz, h), dot(rows[1].xyz, h));
}

void main() {
    vec4 base = u_base_color * v_color;
#ifdef BASE_TEXTURE
    {
        vec4 t = texture(u_base_texture, uv_transformed(u_base_uv, v_uv));
        base *= vec4(srgb_to_linear(t.rgb), t.a);
    }
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
    emissive *= srgb_to_linear(texture(u_emissive_texture, uv_transformed(u_emissive_uv, v_uv)).rgb);
#endif

    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;
    vec3 v = normalize(u_camera_position - v_world_position);
    vec3 color;

#if defined OUTLINE
    color = u_outline_color * (u_ambient_sky + u_light_color(0) * 0.5);
#elif defined MATERIAL_UNLIT
    color = base.rgb;
#elif defined MATERIAL_TOON
    // Toon: the key light decides lit vs shade; ambient only lifts the shade a little, so a lit
    // surface shows its base colour instead of washing out to white.
    // LIGHT_COUNT is a compile-time constant so the loop unrolls (software rasterizers pay for
    // every dynamic loop and branch per pixel).
    vec3 ambient = mix(u_ambient_ground, u_ambient_sky, 0.5 + 0.5 * n.y);
    vec3 shade = u_shade_color * base.rgb;
    vec3 lit_minus_shade = base.rgb - shade;
    color = base.rgb * ambient * 0.35;
    float toony_scale = 1.0 / max(2.0 - 2.0 * u_shading_toony, 1e-3);
    for (int i = 0; i < LIGHT_COUNT; ++i) {
        float shading = clamp((dot(n, -u_light_direction(i)) + u_shading_shift + 1.0 - u_shading_toony) * toony_scale, 0.0, 1.0);
        color += (shade + lit_minus_shade * shading) * u_light_color(i);
    }
#ifdef RIM_LIGHT
    float rim = pow(clamp(1.0 - dot(n, v) + u_rim_lift, 0.0, 1.0), max(u_rim_fresnel_power, 0.001));
    color += u_rim_color * rim;
#endif
#else  // MATERIAL_PBR: GGX specular + Lambert diffuse, directional lights
    float roughness = clamp(u_roughness, 0.04, 1.0);
    float a2 = roughness * roughness * roughness * roughness;
    vec3 f0 = mix(vec3(0.04), base.rgb, u_metallic);
    vec3 diffuse_color = base.rgb * (1.0 - u_metallic);
    vec3 ambient = mix(u_ambient_ground, u_ambient_sky, 0.5 + 0.5 * n.y);
    color = diffuse_color * ambient + f0 * ambient * 0.25;
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
