// Glitch: an RGB split and scan lines that grow when the mouth opens (custom shader layer).
vec4 effect(vec4 color, vec2 uv) {
    float amount = 0.004 + 0.02 * u_jaw_open;
    float band = step(0.93, fract(sin(floor(uv.y * 40.0) * 91.7 + floor(u_time * 8.0)) * 437.5));
    vec2 shift = vec2(amount + band * 0.03, 0.0);
    vec4 r = texture(u_src, uv + shift);
    vec4 b = texture(u_src, uv - shift);
    vec4 c = vec4(r.r, color.g, b.b, color.a);
    c.rgb *= 0.92 + 0.08 * sin(uv.y * u_size.y * 1.5);
    return c;
}
