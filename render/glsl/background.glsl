// Full-screen background: one triangle from gl_VertexID. IMAGE draws a texture scaled to cover
// the frame; PANORAMA samples an equirectangular 360 image along each pixel's camera ray.

#if defined VERTEX_SHADER
out vec2 v_ndc;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2)) * 2.0 - 1.0;
    v_ndc = p;
    gl_Position = vec4(p, 1.0, 1.0);  // at the far plane: everything drawn later is in front
}
#endif

#if defined FRAGMENT_SHADER
in vec2 v_ndc;
out vec4 f_color;
uniform sampler2D u_texture;
uniform float u_opacity;
#ifdef PANORAMA
uniform mat3 u_camera_to_world;  // rotation part of the inverse view matrix
uniform vec2 u_tan_half_fov;     // (tan(fov_x / 2), tan(fov_y / 2))
#else
uniform vec2 u_uv_scale;   // cover-fit: part of the image that is visible
uniform vec2 u_uv_offset;
#endif
void main() {
#ifdef PANORAMA
    vec3 ray = normalize(u_camera_to_world * vec3(v_ndc * u_tan_half_fov, -1.0));
    float u = 0.5 + atan(ray.x, -ray.z) / (2.0 * 3.14159265);
    float v = 0.5 - asin(clamp(ray.y, -1.0, 1.0)) / 3.14159265;
    vec4 c = texture(u_texture, vec2(u, v));
#else
    vec2 uv = (v_ndc * vec2(0.5, -0.5) + 0.5) * u_uv_scale + u_uv_offset;
    vec4 c = texture(u_texture, uv);
#endif
    f_color = vec4(c.rgb * c.a, c.a) * u_opacity;  // premultiplied
}
#endif
