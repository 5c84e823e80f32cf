"""Shader programs from `.glsl` files: one file per program with `#if defined VERTEX_SHADER`
(and FRAGMENT_SHADER / GEOMETRY_SHADER) sections; permutations by `#define`; compiled once per
(context, file, defines)."""
from __future__ import annotations

from pathlib import Path

import moderngl

from assets.errors import RenderError
from render.context import RenderContext

GLSL_DIR = Path(__file__).resolve().parent / "glsl"
_STAGES = ("VERTEX_SHADER", "FRAGMENT_SHADER", "GEOMETRY_SHADER")


def _stage_source(source: str, stage: str, defines: dict[str, str | int | float]) -> str:
    lines = ["#version 330 core", f"#define {stage} 1"]
    lines += [f"#define {name} {value}" for name, value in sorted(defines.items())]
    # #line keeps compiler messages pointing at the file's own line numbers.
    return "\n".join(lines) + "\n#line 1\n" + source


def load_program(
    rc: RenderContext,
    path: str | Path,
    defines: dict[str, str | int | float] | None = None,
    varyings: tuple[str, ...] = (),
) -> moderngl.Program:
    """Compile (or fetch from the context's cache) the program in `path` with `defines`.

    A relative `path` is looked up in render/glsl/. `varyings` enables transform feedback
    capture of those vertex outputs.
    """
    path = Path(path)
    if not path.is_absolute():
        path = GLSL_DIR / path
    defines = dict(defines or {})
    key = (str(path), tuple(sorted((k, str(v)) for k, v in defines.items())), varyings)
    cached = rc.programs.get(key)
    if cached is not None:
        return cached
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"{path}: cannot read shader file: {exc}") from exc
    stages = {s: _stage_source(source, s, defines) for s in _STAGES if f"defined {s}" in source}
    if "VERTEX_SHADER" not in stages:
        raise RenderError(f"{path}: no '#if defined VERTEX_SHADER' section")
    try:
        program = rc.ctx.program(
            vertex_shader=stages["VERTEX_SHADER"],
            fragment_shader=stages.get("FRAGMENT_SHADER"),
            geometry_shader=stages.get("GEOMETRY_SHADER"),
            varyings=varyings,
        )
    except moderngl.Error as exc:
        raise RenderError(f"{path.name} (defines {defines or 'none'}): shader failed to compile:\n{exc}") from exc
    rc.programs[key] = program
    return program


def set_uniform(program: moderngl.Program, name: str, value: object) -> None:
    """Set a uniform if the compiled program still has it (the compiler drops unused ones)."""
    member = program.get(name, None)
    if member is not None:
        member.value = value


def write_uniform(program: moderngl.Program, name: str, data: bytes) -> None:
    """Write a uniform (array) as raw bytes if the compiled program still has it: one call instead
    of packing values one by one. `data` is cut or zero-padded to the size the compiler kept."""
    member = program.get(name, None)
    if member is None:
        return
    size = member.array_length * member.element_size
    member.write(data[:size].ljust(size, b"\0"))


def set_uniform_array(program: moderngl.Program, name: str, values: list, pad: object) -> None:
    """Set a uniform array, padded with `pad` or cut to the length the compiler kept."""
    member = program.get(name, None)
    if member is None:
        return
    length = member.array_length
    padded = (list(values) + [pad] * length)[:length]
    member.value = padded[0] if length == 1 else padded  # moderngl takes a bare value for length 1
