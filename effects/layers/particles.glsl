// Stateless GPU particles: particle k of an emitter is born at k / rate (or at a burst's time)
// and its position is the closed form origin + v t + g t^2 / 2, so nothing is simulated on the
// CPU and any time can be drawn directly (time-driven, deterministic).
#if defined VERTEX_SHADER
uniform vec2 u_size;          // frame size (px)
uniform float u_time;
uniform float u_rate;         // particles per second (continuous emission); 0 for bursts
uniform float u_birth0;       // burst: birth time of all its particles
uniform int u_burst;          // 1 = burst mode (instance id = particle index)
uniform vec4 u_origin;        // origin xy (px), line half-width (px), seed
uniform float u_life;
uniform vec2 u_speed;         // min, max (px / s)
uniform vec2 u_dir;           // direction (rad, y down), spread (rad)
uniform vec2 u_gravity;       // px / s^2
uniform vec2 u_psize;         // min, max size (px)
uniform float u_spin;         // rad / s max
uniform int u_shape;          // 0 point, 1 horizontal line, 2 whole screen
uniform int u_ncolors;
uniform vec3 u_colors[8];
out vec2 v_uv;
out vec4 v_tint;

float hash(float n) { return fract(sin(n * 12.9898 + u_origin.w * 78.233) * 43758.5453); }

void main() {
    int corner = gl_VertexID % 6;
    vec2 q = vec2[6](vec2(-1, -1), vec2(1, -1), vec2(1, 1), vec2(-1, -1), vec2(1, 1), vec2(-1, 1))[corner];
    float k;
    float birth;
    if (u_burst == 1) {
        k = float(gl_InstanceID) + 100000.0 * fract(u_birth0 * 0.137);
        birth = u_birth0;
    } else {
        k = floor(u_time * u_rate) - float(gl_InstanceID);
        birth = k / u_rate;
    }
    float age = u_time - birth;
    v_uv = q * 0.5 + 0.5;
    if (age < 0.0 || age > u_life || k < 0.0) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // outside the clip volume: culled
        v_tint = vec4(0.0);
        return;
    }
    float ang = u_dir.x + (hash(k) - 0.5) * u_dir.y;
    float speed = mix(u_speed.x, u_speed.y, hash(k + 1.7));
    vec2 origin = u_origin.xy;
    if (u_shape == 1) origin.x += (hash(k + 3.1) * 2.0 - 1.0) * u_origin.z;
    if (u_shape == 2) origin = vec2(hash(k + 3.1), hash(k + 5.3)) * u_size;
    vec2 pos = origin + vec2(cos(ang), sin(ang)) * speed * age + 0.5 * u_gravity * age * age;
    float size = mix(u_psize.x, u_psize.y, hash(k + 2.3));
    float rot = (hash(k + 4.9) - 0.5) * 2.0 * u_spin * age + hash(k + 6.1) * 6.283 * step(0.001, u_spin);
    mat2 r = mat2(cos(rot), sin(rot), -sin(rot), cos(rot));
    pos += r * (q * 0.5 * size);
    float fade = smoothstep(0.0, 0.08 * u_life, age) * (1.0 - smoothstep(0.7 * u_life, u_life, age));
    vec3 tint = u_ncolors > 0 ? u_colors[int(hash(k + 7.7) * float(u_ncolors)) % u_ncolors] : vec3(1.0);
    v_tint = vec4(tint, 1.0) * fade;
    gl_Position = vec4(pos / u_size * 2.0 - 1.0, 0.0, 1.0);
}
#endif
#if defined FRAGMENT_SHADER
uniform sampler2D u_tex;
uniform float u_opacity;
in vec2 v_uv;
in vec4 v_tint;
out vec4 f_color;
void main() {
    vec4 t = texture(u_tex, v_uv);  // premultiplied
    f_color = vec4(t.rgb * v_tint.rgb, t.a) * v_tint.a * u_opacity;
}
#endif
