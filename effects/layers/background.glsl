// Person segmentation compositing: background blur / replace / colour / remove (alpha), and the
// "3D zoom" cut-out (MODE_ZOOM): person and backdrop move in opposite directions in depth.
#if defined VERTEX_SHADER
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_src;     // image so far
uniform sampler2D u_mask;    // person confidence, same framing as the image
uniform sampler2D u_bg;      // replacement / backdrop image (premultiplied)
uniform vec2 u_size;
uniform sampler2D u_blur1;   // the image so far, 4x smaller (box filtered)
uniform sampler2D u_blur2;   // 16x smaller
uniform float u_blur;        // 0..1: mix from the 4x to the 16x level
uniform vec4 u_color;        // premultiplied fill colour
uniform vec2 u_edge;         // mask smoothstep lo, hi
uniform vec4 u_bg_rect;      // cover-fit: uv scale xy, offset zw
uniform float u_amount;
#if defined MODE_ZOOM
uniform vec2 u_pcenter;      // person scale centre (uv)
uniform float u_pscale;
uniform vec2 u_pshift;       // uv
uniform mat3 u_rot;          // backdrop camera rotation
uniform float u_tan;         // tan(fov/2) of the virtual camera
uniform vec2 u_bshift;       // backdrop shift (plane units)
uniform int u_has_bg;
#endif
out vec4 f_color;

vec4 blurred(vec2 uv) {
    return mix(textureLod(u_blur1, uv, 0.0), textureLod(u_blur2, uv, 0.0), u_blur);
}

float person(vec2 uv) {
    return smoothstep(u_edge.x, u_edge.y, textureLod(u_mask, uv, 0.0).r);
}

void main() {
    vec2 uv = gl_FragCoord.xy / u_size;
    vec4 src = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);
#if defined MODE_ZOOM
    vec2 puv = (uv - u_pcenter) / u_pscale + u_pcenter - u_pshift;
    float m = (puv.x < 0.0 || puv.y < 0.0 || puv.x > 1.0 || puv.y > 1.0) ? 0.0 : person(puv);
    vec4 fg = textureLod(u_src, puv, 0.0);
    float aspect = u_size.x / u_size.y;
    vec3 ray = u_rot * vec3((uv.x * 2.0 - 1.0) * u_tan * aspect, (uv.y * 2.0 - 1.0) * u_tan, -1.0);
    vec4 back = vec4(0.0, 0.0, 0.0, 1.0);
    if (ray.z < -1e-3) {
        vec2 hit = ray.xy / -ray.z;  // plane at distance 1
        vec2 buv = hit / (vec2(aspect, 1.0) * u_tan * 2.0) + 0.5 - u_bshift;  // content moves by +u_bshift
        buv = clamp(buv, 0.0, 1.0);
        back = u_has_bg == 1 ? textureLod(u_bg, buv * u_bg_rect.xy + u_bg_rect.zw, 0.0) : blurred(buv);
    }
    vec4 outc = mix(back, fg, m);
    f_color = mix(src, outc, u_amount);
#else
    float m = person(uv);
    vec4 bg;
#if defined MODE_BLUR
    bg = blurred(uv);
#elif defined MODE_REPLACE
    bg = texture(u_bg, uv * u_bg_rect.xy + u_bg_rect.zw);
#elif defined MODE_COLOR
    bg = u_color;
#else  // MODE_REMOVE
    bg = vec4(0.0);
#endif
    f_color = mix(src, mix(bg, src, m), u_amount);
#endif
}
#endif
