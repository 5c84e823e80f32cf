// Beauty: skin smoothing restricted to skin inside the face oval (eyes, brows and mouth kept),
// teeth whitening inside the open mouth, brightening. Zero strengths return the pixel unchanged.
// Drawn per face over the face oval's rectangle (the rest of the frame was blitted).
#if defined VERTEX_SHADER
uniform vec4 u_rect;  // x0, y0, x1, y1 (px, y down)
uniform vec2 u_size;
void main() {
    vec2 c = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, c) / u_size * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_src;
uniform vec2 u_size;
// Ellipses as centre + inverse axes (2x2) so that |M (p - c)| < 1 inside.
uniform vec2 u_face_c;
uniform mat2 u_face_m;
uniform vec2 u_mouth_c;
uniform mat2 u_mouth_m;
uniform vec4 u_eyes;      // left eye xy, right eye xy
uniform float u_eye_r;    // eye exclusion radius (px)
uniform float u_radius;   // smoothing radius (px)
uniform float u_smooth;
uniform float u_whiten;
uniform float u_brighten;
out vec4 f_color;

float skin_likelihood(vec3 c) {
    // YCbCr skin rule (Chai & Ngan 1999: Cb 77..127, Cr 133..173), softened at the edges.
    float y = dot(c, vec3(0.299, 0.587, 0.114));
    float cb = 0.5 + dot(c, vec3(-0.168736, -0.331264, 0.5));
    float cr = 0.5 + dot(c, vec3(0.5, -0.418688, -0.081312));
    float a = smoothstep(0.27, 0.31, cb) * (1.0 - smoothstep(0.49, 0.53, cb));
    float b = smoothstep(0.50, 0.54, cr) * (1.0 - smoothstep(0.67, 0.71, cr));
    return a * b * smoothstep(0.08, 0.15, y);
}

void main() {
    ivec2 ip = ivec2(gl_FragCoord.xy);
    vec4 c = texelFetch(u_src, ip, 0);
    vec2 p = gl_FragCoord.xy;
    vec3 rgb = c.rgb;
    {
        float face = length(u_face_m * (p - u_face_c));
        float inside = 1.0 - smoothstep(0.85, 1.0, face);
        float eyes = min(length(p - u_eyes.xy), length(p - u_eyes.zw)) / u_eye_r;
        float mouth = length(u_mouth_m * (p - u_mouth_c));
        float keep = smoothstep(0.8, 1.2, eyes) * smoothstep(0.9, 1.3, mouth);
        float amount = u_smooth * inside * keep;
        if (amount > 0.0) amount *= skin_likelihood(rgb);
        if (amount > 0.003) {
            // 8-tap bilateral ring (two radii): averages similar colours only (pores go, edges stay).
            const vec2 taps[8] = vec2[8](vec2(1.0, 0.0), vec2(0.0, 1.0), vec2(-1.0, 0.0), vec2(0.0, -1.0),
                                         vec2(0.39, 0.39), vec2(-0.39, 0.39), vec2(-0.39, -0.39), vec2(0.39, -0.39));
            vec3 sum = rgb;
            float wsum = 1.0;
            for (int k = 0; k < 8; ++k) {
                vec3 s = textureLod(u_src, (p + u_radius * taps[k]) / u_size, 0.0).rgb;
                vec3 d = s - rgb;
                float w = exp(-dot(d, d) * 180.0);
                sum += s * w;
                wsum += w;
            }
            rgb = mix(rgb, sum / wsum, amount);
        }
        if (u_brighten > 0.0) {
            rgb = mix(rgb, 1.0 - (1.0 - rgb) * (1.0 - rgb), u_brighten * 0.5 * inside * keep);
        }
        if (u_whiten > 0.0 && mouth < 1.0) {
            float luma = dot(rgb, vec3(0.299, 0.587, 0.114));
            float sat = max(rgb.r, max(rgb.g, rgb.b)) - min(rgb.r, min(rgb.g, rgb.b));
            // Teeth: bright and weakly saturated (lips and tongue are saturated red).
            float teeth = smoothstep(0.35, 0.55, luma) * (1.0 - smoothstep(0.18, 0.35, sat));
            float a = u_whiten * teeth * (1.0 - smoothstep(0.7, 1.0, mouth));
            rgb = mix(rgb, min(vec3(luma * 1.15 + 0.05), vec3(1.0)), a);
        }
    }
    f_color = vec4(rgb, c.a);
}
#endif
