// Fast approximate anti-aliasing (the FXAA "console" variant: luma edge detection on four
// diagonal neighbours, then two or four taps along the edge). One full-screen triangle.
// Used instead of MSAA on software rasterizers, where 4x MSAA costs about three times the frame.

#if defined VERTEX_SHADER
out vec2 v_uv;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif

#if defined FRAGMENT_SHADER
in vec2 v_uv;
out vec4 f_color;
uniform sampler2D u_texture;
uniform vec2 u_texel;  // 1 / size

const float EDGE_THRESHOLD_MIN = 1.0 / 32.0;  // ignore edges darker than this (noise in shadows)
const float REDUCE_MUL = 1.0 / 8.0;
const float SPAN_MAX = 8.0;

float luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

void main() {
    // Unfiltered fetches for the edge test (most pixels stop here); filtered taps only on edges.
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 last = textureSize(u_texture, 0) - 1;
    vec4 centre = texelFetch(u_texture, p, 0);
    float l_m = luma(centre.rgb);
    float l_nw = luma(texelFetch(u_texture, clamp(p + ivec2(-1, 1), ivec2(0), last), 0).rgb);
    float l_ne = luma(texelFetch(u_texture, clamp(p + ivec2(1, 1), ivec2(0), last), 0).rgb);
    float l_sw = luma(texelFetch(u_texture, clamp(p + ivec2(-1, -1), ivec2(0), last), 0).rgb);
    float l_se = luma(texelFetch(u_texture, clamp(p + ivec2(1, -1), ivec2(0), last), 0).rgb);
    float l_min = min(l_m, min(min(l_nw, l_ne), min(l_sw, l_se)));
    float l_max = max(l_m, max(max(l_nw, l_ne), max(l_sw, l_se)));
    if (l_max - l_min < max(EDGE_THRESHOLD_MIN, l_max * 0.125)) {
        f_color = centre;
        return;
    }
    vec2 dir = vec2(-((l_nw + l_ne) - (l_sw + l_se)), (l_nw + l_sw) - (l_ne + l_se));
    float reduce = max((l_nw + l_ne + l_sw + l_se) * 0.25 * REDUCE_MUL, 1.0 / 128.0);
    float scale = 1.0 / (min(abs(dir.x), abs(dir.y)) + reduce);
    dir = clamp(dir * scale, vec2(-SPAN_MAX), vec2(SPAN_MAX)) * u_texel;
    vec4 a = 0.5 * (texture(u_texture, v_uv + dir * (1.0 / 3.0 - 0.5)) + texture(u_texture, v_uv + dir * (2.0 / 3.0 - 0.5)));
    vec4 b = a * 0.5 + 0.25 * (texture(u_texture, v_uv - dir * 0.5) + texture(u_texture, v_uv + dir * 0.5));
    float l_b = luma(b.rgb);
    f_color = (l_b < l_min || l_b > l_max) ? a : b;
}
#endif
