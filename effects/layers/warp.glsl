// Landmark-driven reshaping, drawn over the rectangle the ops touch (the rest was blitted).
// Each op moves the sampling point inside a disc (N_OPS ops, unrolled):
//   bulge (u_vec = 0): sample = c + d * (1 - s * w)   s > 0 enlarges, s < 0 shrinks
//   shift (u_vec != 0): sample = p - u_vec * s * w    content moves along u_vec
// with w = (1 - (|d|/r)^2)^2 inside the radius. Zero strength samples the pixel itself.
#if defined VERTEX_SHADER
uniform vec4 u_rect;  // x0, y0, x1, y1 (px, y down)
uniform vec2 u_size;
void main() {
    vec2 c = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    vec2 px = mix(u_rect.xy, u_rect.zw, c);
    gl_Position = vec4(px / u_size * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_src;
uniform vec2 u_size;
uniform vec4 u_op[N_OPS];   // centre.xy (px), radius (px), strength
uniform vec2 u_vec[N_OPS];  // shift direction (px per unit strength), 0 for bulge
out vec4 f_color;
void main() {
    vec2 p = gl_FragCoord.xy;
    vec2 q = p;
    for (int i = 0; i < N_OPS; ++i) {
        vec2 d = p - u_op[i].xy;
        float r2 = min(dot(d, d) / (u_op[i].z * u_op[i].z), 1.0);
        float w = (1.0 - r2) * (1.0 - r2) * u_op[i].w;
        q -= (dot(u_vec[i], u_vec[i]) > 0.0 ? u_vec[i] : d) * w;
    }
    if (q == p) {
        f_color = texelFetch(u_src, ivec2(p), 0);
    } else {
        f_color = textureLod(u_src, q / u_size, 0.0);
    }
}
#endif
