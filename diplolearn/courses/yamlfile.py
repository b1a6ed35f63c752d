"""YAML read with line numbers, so every problem can point at its line."""

from __future__ import annotations

import yaml

# libyaml's parser when PyYAML was built with it (much faster on large courses).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def load_with_lines(text: str, first_line: int = 1):
    """Parse YAML; return (data, lines) where ``lines[path]`` is the 1-based line of the value
    at ``path`` (a tuple of keys and list indices). Duplicate keys are an error."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = (mark.line + first_line) if mark else first_line
        raise YamlError(f"not valid YAML: {getattr(error, 'problem', error)}", line) from error
    lines: dict[tuple, int] = {}
    if node is None:
        return None, lines
    constructor = yaml.SafeLoader("")

    def build(current, path):
        lines[path] = current.start_mark.line + first_line
        if isinstance(current, yaml.MappingNode):
            result = {}
            for key_node, value_node in current.value:
                key = constructor.construct_object(key_node, deep=True)
                if key in result:
                    raise YamlError(
                        f"the key {key!r} appears twice", key_node.start_mark.line + first_line
                    )
                result[key] = build(value_node, (*path, key))
            return result
        if isinstance(current, yaml.SequenceNode):
            return [build(item, (*path, index)) for index, item in enumerate(current.value)]
        return constructor.construct_object(current, deep=True)

    return build(node, ()), lines
