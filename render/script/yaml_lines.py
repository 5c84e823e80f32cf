"""Load YAML and remember the line of every field (from PyYAML's node marks)."""
from __future__ import annotations

from pathlib import Path

import yaml

from render.script.errors import ScriptError


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mapping keys stay strings: YAML 1.1 would read the key ``on:`` as True."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        self.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:bool":
                key = key_node.value
            else:
                key = self.construct_object(key_node, deep=deep)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: loader.construct_mapping(node, deep=True))


def load_with_lines(text: str, file: str | Path) -> tuple[object, dict[tuple, int]]:
    """Parse ``text``; return the data and {field path: 1-based line}.

    Duplicate keys are an error (PyYAML would silently keep the last one).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScriptError.single(file, 1, (), "the script is empty; see docs/script.md for an example")
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct began (e.g. an unclosed '['); the problem
        # mark is where the parser gave up, often the end of the file.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark else None
        detail = f"{exc.context + ': ' if exc.context else ''}{exc.problem or exc}"
        if exc.context_mark and exc.problem_mark:
            detail += f" (noticed on line {exc.problem_mark.line + 1})"
        raise ScriptError.single(file, line, (), f"YAML syntax error: {detail}") from exc
    except yaml.YAMLError as exc:
        raise ScriptError.single(file, None, (), f"YAML error: {exc}") from exc
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    _walk(node, (), lines, file)
    return data, lines


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int], file: str | Path) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ScriptError.single(
                    file, line, path + (key,), f"duplicate field '{key}' (first on line {seen[key]})"
                )
            seen[key] = line
            lines[path + (key,)] = line
            _walk(value_node, path + (key,), lines, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, file)


def line_of(lines: dict[tuple, int], path: tuple) -> int | None:
    """Line of ``path`` or of its nearest ancestor that has one."""
    p = tuple(path)
    while True:
        if p in lines:
            return lines[p]
        if not p:
            return None
        p = p[:-1]
