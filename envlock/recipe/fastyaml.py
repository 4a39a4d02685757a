"""A fast first read of plain recipes: PyYAML's C parser, with the positions ruamel gives.

`simple_recipe_data(content)` returns the recipe mapping when the text uses only the
plain subset of YAML every recipe in the docs uses (block or flow mappings and lists,
quoted strings, plain words, small integers, true/false, null), else None. The caller
then reads the file through envlock.recipe.yamlparse (ruamel) exactly as before: every
error message, and every value outside that subset (unquoted `3.10`, dates, `yes`,
anchors, tags, block text), comes from ruamel alone.

Within the subset the values and positions are the ones ruamel's round-trip loader
gives (tests/test_recipe_fast_read.py compares both readers): mappings and lists carry
an `lc` with `key`, `value` and `item` positions (0-based line, column) as ruamel's do.
Why: importing ruamel and its pure-Python parser is ~20 ms of a ~0.3 s `envlock
resolve`, while PyYAML is loaded on that path anyway (the stack table, the lock writer).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["simple_recipe_data"]

# Top-level keys that make a mapping a recipe (an environment.yml goes to conda-lock).
_RECIPE_MARKERS = ("stack", "python", "envlock")
# A plain word that both YAML 1.1 (PyYAML) and 1.2 (ruamel) read as a string starts with
# a letter, `_` or `/`; anything else (numbers, dates, `.inf`, `~`, `=`, `<<`) goes to ruamel.
_WORD_START = re.compile(r"[A-Za-z_/]")
_INTEGER = re.compile(r"0|[1-9][0-9]{0,8}")
_PRINTABLE = re.compile(r"[\n\x20-\x7e]*")
_MAX_DEPTH = 16


class _UnsupportedError(Exception):
    """The text leaves the plain subset: ruamel reads it."""


class _Positions:
    """ruamel's `lc` for one mapping or list: (line, column) of keys, values and items."""

    __slots__ = ("_items", "_keys", "_values")

    def __init__(self) -> None:
        self._keys: dict[Any, tuple[int, int]] = {}
        self._values: dict[Any, tuple[int, int]] = {}
        self._items: list[tuple[int, int]] = []

    def key(self, key: Any) -> tuple[int, int]:
        return self._keys[key]

    def value(self, key: Any) -> tuple[int, int]:
        return self._values[key]

    def item(self, index: int) -> tuple[int, int]:
        return self._items[index]


class _Mapping(dict[str, Any]):
    lc: _Positions


class _List(list[Any]):
    lc: _Positions


def simple_recipe_data(content: str) -> dict[str, Any] | None:
    """The recipe mapping of `content` with ruamel's positions, or None when the text is
    not a plain recipe (ruamel must read it: an error, a value outside the subset)."""
    if not _PRINTABLE.fullmatch(content):  # tabs, CR, non-ASCII: ruamel's columns and errors
        return None
    import yaml

    try:
        data = _document(iter(yaml.parse(content, Loader=yaml.CSafeLoader)))
    except (_UnsupportedError, yaml.YAMLError, StopIteration):
        return None
    if not any(key in data for key in _RECIPE_MARKERS):
        return None
    return data


def _document(events: Any) -> _Mapping:
    """The one document of a stream of parser events: a mapping, without directives."""
    import yaml

    expected = (yaml.StreamStartEvent, yaml.DocumentStartEvent, yaml.MappingStartEvent)
    start = [next(events) for _ in expected]
    if not all(isinstance(e, kind) for e, kind in zip(start, expected, strict=True)):
        raise _UnsupportedError
    if start[1].explicit or start[1].version is not None or start[1].tags:
        raise _UnsupportedError  # `---`, `%YAML`, `%TAG`: ruamel reads them
    data = _mapping(start[2], events, 1)
    if not isinstance(next(events), yaml.DocumentEndEvent):
        raise _UnsupportedError
    if not isinstance(next(events), yaml.StreamEndEvent):
        raise _UnsupportedError  # a second document
    return data


def _node(event: Any, events: Any, depth: int) -> Any:
    import yaml

    if depth > _MAX_DEPTH or getattr(event, "anchor", None) is not None:
        raise _UnsupportedError
    if isinstance(event, yaml.ScalarEvent):
        return _scalar(event)
    if isinstance(event, yaml.MappingStartEvent):
        return _mapping(event, events, depth)
    if isinstance(event, yaml.SequenceStartEvent):
        return _sequence(event, events, depth)
    raise _UnsupportedError  # an alias


def _mapping(start: Any, events: Any, depth: int) -> _Mapping:
    import yaml

    if start.anchor is not None or not start.implicit:
        raise _UnsupportedError
    out = _Mapping()
    out.lc = positions = _Positions()
    for event in events:
        if isinstance(event, yaml.MappingEndEvent):
            return out
        if not isinstance(event, yaml.ScalarEvent):
            raise _UnsupportedError  # a complex key
        key = _node(event, events, depth + 1)
        if not isinstance(key, str) or key in out:
            raise _UnsupportedError  # ruamel reports duplicate keys
        value_event = next(events)
        if isinstance(value_event, yaml.ScalarEvent) and value_event.value == "":
            raise _UnsupportedError  # ruamel places an empty value on the next line
        positions._keys[key] = _mark(event)
        positions._values[key] = _mark(value_event)
        out[key] = _node(value_event, events, depth + 1)
    raise _UnsupportedError


def _sequence(start: Any, events: Any, depth: int) -> _List:
    import yaml

    if start.anchor is not None or not start.implicit:
        raise _UnsupportedError
    out = _List()
    out.lc = positions = _Positions()
    for event in events:
        if isinstance(event, yaml.SequenceEndEvent):
            return out
        if not isinstance(event, yaml.ScalarEvent) or event.value == "":
            raise _UnsupportedError  # nested collections and empty items: ruamel reads them
        positions._items.append(_mark(event))
        out.append(_node(event, events, depth + 1))
    raise _UnsupportedError


def _scalar(event: Any) -> Any:
    """A scalar as ruamel's round-trip loader builds it, or _UnsupportedError."""
    if event.tag is not None and event.implicit == (False, False):
        raise _UnsupportedError  # an explicit tag
    value: str = event.value
    if event.style in ('"', "'"):
        return value
    if event.style not in (None, "") or not event.implicit[0]:
        raise _UnsupportedError  # block text (| >): ruamel keeps its style in a str subclass
    if value in ("true", "false"):
        return value == "true"
    if value in ("null", "~"):
        return None
    if _INTEGER.fullmatch(value):
        return int(value)
    if _WORD_START.match(value) and not _special_word(value):
        return value
    raise _UnsupportedError


def _special_word(value: str) -> bool:
    """Whether PyYAML (YAML 1.1) reads a plain word as something other than a string
    (`yes`, `off`, `Null`, `True`): ruamel (YAML 1.2) differs on those, so it reads them."""
    import yaml

    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers.get(value[:1], [])
    return any(regexp.match(value) for _, regexp in resolvers)


def _mark(event: Any) -> tuple[int, int]:
    return (event.start_mark.line, event.start_mark.column)
