// Photo texture drawn through the deformed warp mesh. Positions are photo pixels (y down);
// texture coordinates are each vertex's rest position, so the rest mesh reproduces the photo.
#if defined VERTEX_SHADER
in vec3 in_pos;
in vec2 in_uv;
uniform vec2 u_size;
uniform float u_depth_scale;
out vec2 v_uv;
void main() {
    v_uv = in_uv;
    gl_Position = vec4(in_pos.x / u_size.x * 2.0 - 1.0, 1.0 - in_pos.y / u_size.y * 2.0,
                       clamp(in_pos.z * u_depth_scale, -0.99, 0.99), 1.0);
}
#endif

#if defined FRAGMENT_SHADER
uniform sampler2D u_photo;
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec4 c = texture(u_photo, v_uv);
    f_color = vec4(c.rgb * c.a, c.a);  // premultiplied
}
#endif
