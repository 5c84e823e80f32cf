// A cartoon head drawn with signed distances over the tracked head, driven by blendshapes.
// Quad space q: x right, y down, the head fits in [-1, 1]^2.
#if defined VERTEX_SHADER
in vec2 in_pos;   // NDC
in vec2 in_q;
out vec2 v_q;
void main() {
    v_q = in_q;
    gl_Position = vec4(in_pos, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform vec3 u_skin;
uniform vec3 u_line;
uniform vec3 u_cheek;
uniform int u_ears;
uniform float u_opacity;
uniform vec4 u_eyes;      // blink left, blink right, wide, look shift x
uniform vec4 u_mouth;     // jaw open, smile, pucker, yaw shift
uniform float u_brows;    // brow raise
in vec2 v_q;
out vec4 f_color;

float ellipse(vec2 p, vec2 c, vec2 r) { return (length((p - c) / r) - 1.0) * min(r.x, r.y); }

vec4 over(vec4 top, vec4 under) { return top + under * (1.0 - top.a); }

vec4 fill(float d, vec3 col, float aa) {
    float a = 1.0 - smoothstep(-aa, aa, d);
    return vec4(col * a, a);
}

void main() {
    vec2 p = v_q;
    float aa = fwidth(p.x) * 1.5;
    float shift = u_mouth.w;
    vec4 c = vec4(0.0);
    // Head (with outline) and ears.
    float head = ellipse(p, vec2(0.0, 0.05), vec2(0.78, 0.86));
    if (u_ears == 1) {
        head = min(head, ellipse(p, vec2(-0.62, -0.62), vec2(0.26)));
        head = min(head, ellipse(p, vec2(0.62, -0.62), vec2(0.26)));
    }
    vec4 base = over(fill(head, u_skin, aa), fill(head - 0.035, u_line, aa));
    if (base.a <= 0.0) discard;
    c = base;
    if (u_ears == 1) {
        c = over(fill(ellipse(p, vec2(-0.62, -0.62), vec2(0.13)), u_cheek, aa), c);
        c = over(fill(ellipse(p, vec2(0.62, -0.62), vec2(0.13)), u_cheek, aa), c);
    }
    // Cheeks.
    c = over(fill(ellipse(p, vec2(-0.42 + shift, 0.3), vec2(0.13, 0.09)), mix(u_skin, u_cheek, 0.8), aa), c);
    c = over(fill(ellipse(p, vec2(0.42 + shift, 0.3), vec2(0.13, 0.09)), mix(u_skin, u_cheek, 0.8), aa), c);
    // Eyes: height closes with the blink, pupils follow the gaze.
    for (int i = 0; i < 2; ++i) {
        float side = i == 0 ? -1.0 : 1.0;
        float blink = i == 0 ? u_eyes.y : u_eyes.x;  // image left = person's right eye
        vec2 ec = vec2(side * 0.3 + shift, 0.0);
        float h = 0.16 * (1.0 + 0.3 * u_eyes.z) * max(1.0 - blink, 0.06);
        c = over(fill(ellipse(p, ec, vec2(0.13, h)), vec3(1.0), aa), c);
        c = over(fill(ellipse(p, ec + vec2(u_eyes.w * 0.05, 0.02), vec2(0.075, min(h, 0.09))), u_line, aa), c);
        vec2 bc = vec2(side * 0.3 + shift, -0.27 - 0.12 * u_brows);
        c = over(fill(ellipse(p, bc, vec2(0.15, 0.03)), u_line, aa), c);
    }
    // Mouth: opens with the jaw, widens with the smile, narrows with a pucker.
    float w = 0.2 * (1.0 + 0.6 * u_mouth.y) * (1.0 - 0.5 * u_mouth.z);
    float mh = 0.025 + 0.25 * u_mouth.x;
    vec2 mc = vec2(shift * 0.8, 0.45 - 0.04 * u_mouth.y);
    c = over(fill(ellipse(p, mc, vec2(w, mh)), vec3(0.45, 0.08, 0.12), aa), c);
    c = over(fill(ellipse(p, mc + vec2(0.0, mh * 0.55), vec2(w * 0.6, mh * 0.35)), vec3(0.95, 0.45, 0.5), aa), c);
    f_color = c * u_opacity;
}
#endif
