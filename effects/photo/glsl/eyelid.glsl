// Eye opening with a closing lid. The warp mesh has slid the photo's upper lid down to the edge
// v = closure; here the eye below the edge is redrawn from the photo unsqueezed (no smeared
// iris), and the stretched lid above it is evened toward skin sampled around the eye, with a
// soft lash line at the edge. v runs 0 (upper lid) .. 1 (lower lid) in the unblinking eye.
#if defined VERTEX_SHADER
in vec3 in_pos;
in vec2 in_uv;
in float in_v;
in float in_along;  // 0 .. 1 from one eye corner to the other
in vec2 in_lid_uv;  // the photo just above this column's upper lid (lid skin)
in vec2 in_lid_step;  // uv step from the upper lid to the lower lid of this column
uniform vec2 u_size;
out vec2 v_uv;
out float v_v;
out float v_along;
out vec2 v_lid_uv;
out vec2 v_lid_step;
void main() {
    v_uv = in_uv;
    v_lid_uv = in_lid_uv;
    v_lid_step = in_lid_step;
    v_v = in_v;
    v_along = in_along;
    gl_Position = vec4(in_pos.x / u_size.x * 2.0 - 1.0, 1.0 - in_pos.y / u_size.y * 2.0, 0.0, 1.0);
}
#endif

#if defined FRAGMENT_SHADER
#define LID_FILL 0.6  // how much of the stretched photo lid is replaced by even skin
uniform sampler2D u_photo;
uniform float u_closure;   // 0 open .. 1 closed
uniform vec3 u_lid;        // skin colour of the lid (linear 0..1 of the photo's values)
uniform vec3 u_lash;       // colour of the lash line
uniform vec2 u_gaze_uv;    // how far the middle of the eye (the iris) moves, in uv
in vec2 v_uv;
in float v_v;
in float v_along;
in vec2 v_lid_uv;
in vec2 v_lid_step;
out vec4 f_color;
void main() {
    // gaze: the eye's content slides inside the opening, most in the middle (the iris) and not
    // at all on the lid margins and corners, so the eye outline stays put
    const float PI = 3.14159265;
    float inner = sqrt(max(sin(PI * clamp(v_along, 0.0, 1.0)) * sin(PI * clamp(v_v, 0.0, 1.0)), 0.0));
    vec3 eye = texture(u_photo, v_uv - u_gaze_uv * inner).rgb;
    float px = max(fwidth(v_v), 1e-4);           // v units per pixel
    float edge = u_closure * 1.04;               // lids overlap slightly when shut
    float lid = (1.0 - smoothstep(edge - px, edge + px, v_v)) * step(1e-4, u_closure);
    // the lid is a convex fold: a touch darker toward its edge
    float along = clamp(v_v / max(edge, 1e-3), 0.0, 1.0);
    // lid skin: the photo's skin above the lid, mirrored (detail), pulled toward the sampled
    // median lid colour (even tone), darker toward the edge
    vec3 above = texture(u_photo, v_lid_uv - v_lid_step * (0.3 + 0.6 * (u_closure - v_v))).rgb;
    vec3 skin = mix(above, u_lid, 0.45) * mix(1.03, 0.88, along * along);
    float lash_w = max(1.6 * px, 0.10 * u_closure);
    float lash = smoothstep(edge - lash_w - px, edge - lash_w * 0.3, v_v) * lid;
    skin = mix(skin, u_lash, 0.8 * lash * smoothstep(0.0, 0.3, u_closure));
    float a = mix(1.0, LID_FILL, lid);
    f_color = vec4(mix(eye, skin, lid) * a, a);  // premultiplied
}
#endif
