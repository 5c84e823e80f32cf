// One textured layer drawn over the bound framebuffer: a full-screen triangle from gl_VertexID
// (no vertex buffer) inside the viewport the caller set; uv scale/offset do cover-cropping.
#if defined VERTEX_SHADER
uniform vec2 u_uv_scale;
uniform vec2 u_uv_offset;
uniform bool u_flip_y;  // true for images stored top row first (camera frames, photos)
out vec2 v_uv;
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);  // (0,0) (2,0) (0,2)
    vec2 uv = p * u_uv_scale + u_uv_offset;
    v_uv = u_flip_y ? vec2(uv.x, 1.0 - uv.y) : uv;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#endif

#if defined FRAGMENT_SHADER
uniform sampler2D u_texture;
uniform bool u_premultiply;  // the texture holds straight alpha
uniform float u_opacity;
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec4 c = texture(u_texture, v_uv);
    if (u_premultiply) c.rgb *= c.a;
    f_color = c * u_opacity;  // premultiplied: scale all four channels
}
#endif
