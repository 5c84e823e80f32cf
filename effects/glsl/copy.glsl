// Full-screen copy (camera -> target), opaque.
#if defined VERTEX_SHADER
out vec2 v_uv;
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_src;
in vec2 v_uv;
out vec4 f_color;
void main() {
    f_color = texelFetch(u_src, ivec2(gl_FragCoord.xy), 0);
    f_color.a = 1.0;
}
#endif
