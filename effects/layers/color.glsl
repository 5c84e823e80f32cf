// lut (LUT_STEP) and color (COLOR_STEP) grading; colours are premultiplied in the targets.
// Both steps may be compiled into one pass (STEP_ORDER_COLOR_FIRST picks the order): on a
// software rasterizer each full-screen pass costs several ms for its texture read alone.
#if defined VERTEX_SHADER
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_src;
out vec4 f_color;

#if defined LUT_STEP
uniform sampler3D u_lut;
uniform float u_lut_size;
uniform float u_lut_strength;

vec3 lut_step(vec3 rgb) {
    // Texel centres: map 0..1 onto [0.5/N, 1 - 0.5/N].
    vec3 coord = rgb * ((u_lut_size - 1.0) / u_lut_size) + 0.5 / u_lut_size;
    vec3 graded = textureLod(u_lut, coord, 0.0).rgb;
    return mix(rgb, clamp(graded, 0.0, 1.0), u_lut_strength);
}
#endif

#if defined COLOR_STEP
uniform float u_color_strength;
uniform float u_exposure;
uniform float u_contrast;
uniform float u_saturation;
uniform float u_temperature;
uniform float u_vignette;
uniform float u_grain;
uniform float u_time;
uniform vec2 u_size;

vec3 color_step(vec3 rgb) {
    vec3 graded = rgb * u_exposure;
    graded = (graded - 0.5) * u_contrast + 0.5;
    float luma = dot(graded, vec3(0.2126, 0.7152, 0.0722));
    graded = mix(vec3(luma), graded, u_saturation);
    graded *= vec3(1.0 + 0.12 * u_temperature, 1.0, 1.0 - 0.12 * u_temperature);
    if (u_vignette > 0.0) {  // uniform branches: free when off
        vec2 q = gl_FragCoord.xy / u_size - 0.5;
        graded *= 1.0 - u_vignette * smoothstep(0.25, 0.75, length(q * vec2(u_size.x / u_size.y, 1.0)));
    }
    if (u_grain > 0.0) {
        // Interleaved gradient noise (Jimenez 2014): no sin(), cheap on a software rasterizer.
        vec2 g = gl_FragCoord.xy + vec2(fract(u_time * 7.13) * 97.0, fract(u_time * 3.7) * 53.0);
        float n = fract(52.9829189 * fract(dot(g, vec2(0.06711056, 0.00583715))));
        graded += (n - 0.5) * 0.25 * u_grain;
    }
    return mix(rgb, clamp(graded, 0.0, 1.0), u_color_strength);
}
#endif

void main() {
    vec4 c = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);
    vec3 rgb = c.a > 0.0 ? c.rgb / c.a : vec3(0.0);
#if defined STEP_ORDER_COLOR_FIRST
    rgb = color_step(rgb);
#endif
#if defined LUT_STEP
    rgb = lut_step(rgb);
#endif
#if defined COLOR_STEP && !defined STEP_ORDER_COLOR_FIRST
    rgb = color_step(rgb);
#endif
    f_color = vec4(rgb * c.a, c.a);
}
#endif
