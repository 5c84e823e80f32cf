// Synthesized mouth interior inside the inner-lip opening: dark cavity, upper teeth under the
// upper lip, a hint of lower teeth and tongue. p.x runs 0..1 corner to corner, p.y 0 (upper
// lip) .. 1 (lower lip). Drawn over the stretched photo with alpha u_open (premultiplied).
#if defined VERTEX_SHADER
in vec3 in_pos;
in vec2 in_param;
uniform vec2 u_size;
out vec2 v_p;
void main() {
    v_p = in_param;
    gl_Position = vec4(in_pos.x / u_size.x * 2.0 - 1.0, 1.0 - in_pos.y / u_size.y * 2.0, 0.0, 1.0);
}
#endif

#if defined FRAGMENT_SHADER
uniform float u_open;        // opacity of the interior (0 closed)
uniform float u_teeth;       // visible upper-teeth height as a fraction of the opening
uniform vec3 u_teeth_color;
uniform vec3 u_cavity_color;
in vec2 v_p;
out vec4 f_color;
void main() {
    float side = abs(v_p.x - 0.5) * 2.0;                  // 0 centre .. 1 corners
    float shade = 1.0 - 0.75 * side * side;               // corners recede into shadow
    vec3 cavity = u_cavity_color * (0.55 + 0.45 * (1.0 - side)) * (0.7 + 0.3 * v_p.y);
    vec3 tongue = vec3(0.55, 0.24, 0.25) * shade;
    cavity = mix(cavity, tongue * 0.8, smoothstep(0.65, 1.0, v_p.y) * (1.0 - side) * 0.7);
    float px = max(fwidth(v_p.y), 1e-4);
    // upper teeth: a band under the upper lip, with soft gaps between the incisors
    float upper = 1.0 - smoothstep(u_teeth - px, u_teeth + px, v_p.y);
    float gap = smoothstep(0.0, 0.12, abs(fract((v_p.x - 0.5) * 7.0 + 0.5) - 0.5));
    vec3 teeth = u_teeth_color * shade * (0.82 + 0.18 * gap) * (1.0 - 0.25 * v_p.y / max(u_teeth, 1e-3))
                 * (0.72 + 0.28 * smoothstep(0.0, 0.35 * u_teeth, v_p.y));  // shadow of the upper lip
    float lower = smoothstep(1.0 - 0.45 * u_teeth - px, 1.0 - 0.45 * u_teeth + px, v_p.y) * 0.55;
    vec3 color = mix(cavity, teeth, upper * (1.0 - side * 0.6));
    color = mix(color, u_teeth_color * shade * 0.7, lower * (1.0 - side));
    // fade the edges into the lips so no hard seam shows
    float edge = smoothstep(0.0, 2.0 * px, v_p.y) * smoothstep(0.0, 2.0 * px, 1.0 - v_p.y);
    float a = u_open * mix(0.85, 1.0, edge);
    f_color = vec4(color * a, a);
}
#endif
