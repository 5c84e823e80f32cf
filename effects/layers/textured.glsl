// Textured triangles in NDC (stickers, face paint, avatar head quads); premultiplied output.
#if defined VERTEX_SHADER
in vec3 in_pos;
in vec2 in_uv;
out vec2 v_uv;
void main() {
    v_uv = in_uv;
    gl_Position = vec4(in_pos, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_tex;
uniform float u_opacity;
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec4 t = texture(u_tex, v_uv) * u_opacity;  // texture is premultiplied
#if defined BLEND_MULTIPLY
    f_color = vec4(mix(vec3(1.0), t.rgb / max(t.a, 1e-4), t.a), 1.0);
#else
    f_color = t;
#endif
}
#endif
