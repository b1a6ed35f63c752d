"""YAML in and out: read with line numbers, so every problem can point at its line, and
written in the one canonical form.

- ``load_with_lines`` parses a document and maps every value to its line; ``YamlError``.
- ``YamlDoc``: one mapping of a document with typed getters that report a problem (file and
  line) instead of raising; the reader (reader.py, read_assessment.py) and the question types'
  ``read_file`` read through it.
- ``dump_yaml``, ``canonical_texts`` and ``set_optional``: the canonical form the writer
  (writer.py) and the question types' ``write_file`` produce.
"""

from __future__ import annotations

import yaml

from diplolearn.courses.rules import ID_PATTERN
from diplolearn.courses.spec import Problem, Source

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


class YamlDoc:
    """One YAML mapping (or a value inside one) with its line map; typed getters that report
    to ``problems`` instead of raising. ``rel`` is the file's path as problems show it."""

    def __init__(self, problems: list[Problem], rel: str, data, lines, base=()):
        self.problems, self.rel, self.data, self.lines, self.base = (
            problems,
            rel,
            data,
            lines,
            base,
        )

    def source(self, *path) -> Source:
        full = (*self.base, *path)
        while full and full not in self.lines:
            full = full[:-1]
        return Source(self.rel, self.lines.get(full, 1))

    def problem(self, message: str, *path) -> None:
        self.problems.append(Problem(self.source(*path), message))

    def sub(self, *path) -> YamlDoc:
        value = self.data
        for key in path:
            value = value[key]
        return YamlDoc(self.problems, self.rel, value, self.lines, (*self.base, *path))

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.problem(f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})", key)

    def get(self, key, kind, *, required=True, default=None):
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(f"the field {key!r} is missing")
            return default
        value = self.data[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            names = {
                str: "text",
                int: "a whole number",
                bool: "true or false",
                list: "a list",
                dict: "a mapping",
            }
            self.problem(f"{key!r} must be {names.get(kind, getattr(kind, '__name__', kind))}", key)
            return default
        return value

    def texts(self, key, *, required=True) -> dict[str, str]:
        value = self.get(key, dict, required=required, default={})
        result = {}
        for language, text in value.items():
            if not isinstance(text, str):
                self.problem(f"{key}.{language} must be text", key, language)
            else:
                result[str(language)] = text
        return result

    def number(self, key, *, required=True):
        """A whole or decimal number, kept as written (int or float)."""
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(f"the field {key!r} is missing")
            return None
        value = self.data[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or value != value
            or value in (float("inf"), float("-inf"))
        ):
            self.problem(f"{key!r} must be a number", key)
            return None
        return value

    def identifier(self, key="id") -> str:
        value = self.get(key, str, default="")
        if value and not ID_PATTERN.match(value):
            self.problem(
                f"{value!r} is not a valid id (lower-case letters, digits and hyphens, "
                "starting with a letter or digit, at most 63 characters)",
                key,
            )
        return value


# --- the canonical form ----------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Indent list items under their key, as most people write YAML by hand."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def dump_yaml(data) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,
        indent=2,
    )


def canonical_texts(mapping: dict) -> dict:
    """Translated texts as written: by language in alphabetical order, empty ones left out."""
    return {language: mapping[language] for language in sorted(mapping) if mapping[language]}


def set_optional(data: dict, key: str, value, default=None) -> None:
    """Write ``key`` only when ``value`` is neither its default nor empty."""
    if value not in (default, None, {}, []):
        data[key] = value
