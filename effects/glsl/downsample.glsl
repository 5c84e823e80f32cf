// 4x box downsample: 4 bilinear taps, each averaging a 2x2 block of the source -> a 4x4 box.
#if defined VERTEX_SHADER
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_src;
uniform vec2 u_src_size;
out vec4 f_color;
void main() {
    vec2 c = floor(gl_FragCoord.xy) * 4.0 + 2.0;  // centre of this texel's 4x4 block (source px)
    vec4 s = textureLod(u_src, (c + vec2(-1.0, -1.0)) / u_src_size, 0.0)
           + textureLod(u_src, (c + vec2(1.0, -1.0)) / u_src_size, 0.0)
           + textureLod(u_src, (c + vec2(-1.0, 1.0)) / u_src_size, 0.0)
           + textureLod(u_src, (c + vec2(1.0, 1.0)) / u_src_size, 0.0);
    f_color = s * 0.25;
}
#endif
