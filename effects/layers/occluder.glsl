// Depth-only head occluder: canonical face mesh + a skull ellipsoid, in camera space (cm).
#if defined VERTEX_SHADER
uniform mat4 u_mvp;
in vec3 in_pos;
void main() {
    gl_Position = u_mvp * vec4(in_pos, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
out vec4 f_color;
void main() {
    f_color = vec4(0.0);
}
#endif
