// Landmark-driven reshaping: each op moves the sampling point inside a disc.
//   bulge (u_vec = 0): sample = c + d * (1 - s * w)   s > 0 enlarges, s < 0 shrinks
//   shift (u_vec != 0): sample = p - u_vec * s * w    content moves along u_vec
// with w = (1 - (|d|/r)^2)^2 inside the radius. Zero strength samples the pixel itself.
#if defined VERTEX_SHADER
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
#define MAX_OPS 16
uniform sampler2D u_src;
uniform vec2 u_size;
uniform int u_count;
uniform vec4 u_op[MAX_OPS];   // centre.xy (px), radius (px), strength
uniform vec2 u_vec[MAX_OPS];  // shift direction (px per unit strength), 0 for bulge
out vec4 f_color;
void main() {
    vec2 p = gl_FragCoord.xy;
    vec2 q = p;
    for (int i = 0; i < u_count; ++i) {
        vec2 d = p - u_op[i].xy;
        float r2 = dot(d, d) / (u_op[i].z * u_op[i].z);
        if (r2 >= 1.0) continue;
        float w = (1.0 - r2) * (1.0 - r2);
        if (dot(u_vec[i], u_vec[i]) > 0.0) {
            q -= u_vec[i] * u_op[i].w * w;
        } else {
            q -= d * u_op[i].w * w;
        }
    }
    if (q == p) {
        f_color = texelFetch(u_src, ivec2(p), 0);
    } else {
        f_color = texture(u_src, q / u_size);
    }
}
#endif
