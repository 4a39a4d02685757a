"""YAML text for machine-written files: a fast loader that keeps text as text, a scalar
quoter for the writer, and line numbers for error messages.

Locks run to thousands of lines: PyYAML's C loader reads them ~8x faster than ruamel.
Every document is composed, then checked (`envlock.limits.check_yaml_nodes`: aliases and
nesting), and only then built into Python objects, so a "billion laughs" is refused
before it expands. `load` names the file and the kind of file in that refusal.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import yaml

from envlock.limits import check_yaml_nodes, excerpt

# A plain scalar is written when it is unambiguous; anything a YAML 1.1 reader would take
# for a number, bool, null or date, or that holds indicators, is quoted.
_PLAIN = re.compile(r"[A-Za-z0-9_$(/.][A-Za-z0-9_$()/.+\-*=<>,!~:#@%&?;^| ]*")
_IMPLICIT = yaml.SafeLoader.yaml_implicit_resolvers
# YAML 1.2 readers (ruamel) also take `1e5`, `0o17` for numbers: quote those too.
_YAML12_NUMBER = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0o[0-7]+")


@functools.lru_cache(maxsize=65536)
def scalar(value: str) -> str:
    """`value` as a YAML scalar that any YAML 1.1 reader (PyYAML, ruamel) reads back as-is."""
    if (
        _PLAIN.fullmatch(value)
        and not value.endswith((" ", ":"))
        and ": " not in value
        and " #" not in value
        and not any(regexp.match(value) for _, regexp in _IMPLICIT.get(value[:1], ()))
        and not _YAML12_NUMBER.fullmatch(value)
    ):
        return value
    if value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar


def safe_loader() -> type[yaml.CSafeLoader]:
    """PyYAML's C safe loader, reading numbers, dates and `yes`/`no` as strings.

    Versions (`1.10`), hashes (all digits) and build strings must stay the text they are:
    only `true`/`false` and nulls are resolved; every other plain scalar is a string.
    """
    return _TextLoader


def load(text: str, *, path: Path, what: str, repeated: int = 0) -> Any:
    """The one YAML document of `text` (read from `path`, a file of kind `what`), scalars
    kept as text (`safe_loader`). BadInputError (exit 2) when its aliases repeat more than
    `repeated` nodes or it nests too deep (envlock.limits); yaml.YAMLError for text that
    is not YAML, for the caller to word."""
    loader = _TextLoader(text)
    loader.envlock_path, loader.envlock_what, loader.envlock_repeated = path, what, repeated
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _TextLoader(yaml.CSafeLoader):
    # What `get_single_data` tells `check_yaml_nodes`; `load` sets them per file.
    envlock_path = Path("<YAML text>")
    envlock_what = "this YAML file"
    envlock_repeated = 0

    def get_single_data(self) -> Any:
        # PyYAML's own: compose, then construct. The node graph is checked in between.
        node = self.get_single_node()
        if node is None:
            return None
        check_yaml_nodes(
            node, path=self.envlock_path, repeated=self.envlock_repeated, what=self.envlock_what
        )
        return self.construct_document(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A value an explicit tag cannot build (`!!int abc`, `!!timestamp 2023-02-30`)
        # raises a plain ValueError without a line (`!!int` of nothing an IndexError,
        # `!!timestamp` of no date an AttributeError): make it a marked YAML error.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError, IndexError, AttributeError) as error:
            shown = excerpt(repr(node.value)) if isinstance(node.value, str) else "this value"
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot construct {excerpt(str(node.tag))} {shown}: {excerpt(str(error))}",
                node.start_mark,
            ) from None


# Only YAML 1.2's booleans (true/false) and nulls are resolved: `yes`, `on`, `1.10`,
# `2023-03-01` and all-digit hashes stay the strings they were written as.
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_TextLoader.yaml_implicit_resolvers = {
    first: [
        (tag, _BOOL if tag == "tag:yaml.org,2002:bool" else regexp)
        for tag, regexp in resolvers
        if tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")
    ]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def node_line(text: str, ypath: tuple[str | int, ...]) -> int | None:
    """1-based line of the node at `ypath`, found by composing the document (error path only)."""
    try:
        node: Any = yaml.compose(text, Loader=safe_loader())
    except yaml.YAMLError:
        return None
    line = 1 if node is not None else None
    for step in ypath:
        if node is None:
            break
        child = None
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode):
            child = node.value[step] if step < len(node.value) else None
        elif isinstance(step, str) and isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == step), None)
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
