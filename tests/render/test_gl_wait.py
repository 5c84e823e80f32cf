"""GPU waits release the GIL: while the render thread waits for the rasterizer, other Python
threads (decode, tracking, encoding) keep running."""
from __future__ import annotations

import threading
import time

import moderngl
import numpy as np
import pytest

from render.gl_wait import gl_finish_function
from render.surface import AlphaOutput, OffscreenSurface

# A fragment shader slow enough on any rasterizer that the wait is long (hundreds of ms on llvmpipe).
_SLOW_FRAGMENT = """
#version 330
out vec4 color;
uniform int u_iterations;
void main() {
    vec2 p = gl_FragCoord.xy * 0.001;
    for (int i = 0; i < u_iterations; ++i) {
        p = vec2(sin(p.x * 1.7 + p.y), cos(p.y * 1.3 - p.x));
    }
    color = vec4(abs(p), 0.5, 1.0);
}
"""
_VERTEX = """
#version 330
void main() {
    vec2 corner = vec2(float((gl_VertexID & 1) << 2), float((gl_VertexID & 2) << 1)) - 1.0;
    gl_Position = vec4(corner, 0.0, 1.0);
}
"""


def _queue_slow_draw(rc, surface: OffscreenSurface, iterations: int) -> None:
    program = rc.ctx.program(vertex_shader=_VERTEX, fragment_shader=_SLOW_FRAGMENT)
    program["u_iterations"].value = iterations
    surface.use()
    # Other tests on this context leave depth testing, culling or blending on: switch them off so
    # every pixel runs the slow shader.
    rc.ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
    rc.ctx.vertex_array(program, []).render(moderngl.TRIANGLES, vertices=3)


def _ticks_during(wait, *args) -> tuple[int, float]:
    """How many times a sleeping Python thread woke up while `wait` ran, and the wait's length."""
    ticks: list[float] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    thread = threading.Thread(target=ticker, daemon=True)
    thread.start()
    time.sleep(0.02)
    start = time.perf_counter()
    result = wait(*args)
    end = time.perf_counter()
    stop.set()
    thread.join()
    return sum(start < t < end for t in ticks), end - start, result


def test_the_platform_gl_finish_is_found() -> None:
    # Linux with Mesa/libglvnd (CI and the development machine) has libGL.so.1.
    assert gl_finish_function() is not None


def test_finish_lets_other_threads_run(rc) -> None:
    with OffscreenSurface(rc, 640, 360, samples=0) as surface:
        _queue_slow_draw(rc, surface, 400)
        ticks, waited, _ = _ticks_during(rc.finish)
        if waited < 0.03:
            assert not rc.info.is_software, f"the slow draw took {waited * 1000:.1f} ms: it did not run"
            pytest.skip(f"the GPU finished in {waited * 1000:.1f} ms: too fast to observe other threads")
        # A thread sleeping 0.5 ms between ticks gets 1-2 ticks per ms when the GIL is free; held,
        # it gets none until the wait ends.
        assert ticks >= waited * 1000 * 0.1, f"{ticks} ticks during a {waited * 1000:.0f} ms GPU wait"


def test_read_back_waits_without_the_gil_and_returns_the_finished_frame(rc) -> None:
    with OffscreenSurface(rc, 640, 360, samples=0) as surface:
        _queue_slow_draw(rc, surface, 400)
        ticks, waited, image = _ticks_during(surface.read, AlphaOutput.PREMULTIPLIED)
        if waited < 0.03:
            assert not rc.info.is_software, f"the slow draw took {waited * 1000:.1f} ms: it did not run"
            pytest.skip(f"the read took {waited * 1000:.1f} ms: too fast to observe other threads")
        assert ticks >= waited * 1000 * 0.1, f"{ticks} ticks during a {waited * 1000:.0f} ms read-back"
        # The frame is the finished draw: opaque everywhere, blue channel 0.5.
        assert image.shape == (360, 640, 4)
        assert (image[..., 3] == 255).all()
        assert np.abs(image[..., 2].astype(int) - 128).max() <= 1


def test_flush_hands_queued_work_over_without_waiting(rc):
    """`RenderContext.flush` submits (glFlush) and returns before a slow draw is done; the draw's
    result is then complete after `finish`."""
    from render.gl_wait import gl_flush_function

    assert gl_flush_function() is not None, "glFlush not found in the platform's GL library"
    surface = OffscreenSurface(rc, 256, 256, samples=0)
    try:
        _queue_slow_draw(rc, surface, 4000)
        started = time.perf_counter()
        rc.flush()
        flushed = time.perf_counter() - started
        rc.finish()
        finished = time.perf_counter() - started
        if finished < 0.03:  # as in test_finish_lets_other_threads_run: only a GPU may be this fast
            assert not rc.info.is_software, f"the slow draw took {finished * 1000:.1f} ms: it did not run"
            pytest.skip(f"the GPU finished in {finished * 1000:.1f} ms: too fast to time a flush against")
        assert flushed < finished / 4, (flushed, finished)
        assert surface.read(AlphaOutput.PREMULTIPLIED)[..., 3].min() == 255
    finally:
        surface.release()
