"""Recipes: the statement of intent a paper's environment is locked from.

`load_recipe(path)` reads a recipe (format 1, CONTRACTS.md) with ruamel.yaml so every
error names file, line, key and the fix, and returns a frozen `Recipe` (envlock.recipe.model).
A file without `stack`, `python` or `envlock` at the top is a plain conda environment.yml
instead: it is handed to conda-lock's own parser (`envlock.recipe.envfile`) and comes back as
a `Recipe` of kind "environment", whose `channels` are the full ordered list.
`validate_specs(recipe)` checks every spec with the solver's own parser; `peek_name(path)`
reads the name of a file that failed to load. YAML text is read by envlock.recipe.yamlparse;
a plain recipe is read first by envlock.recipe.fastyaml (PyYAML's C parser, same values and
lines), and any other text or failing recipe through ruamel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from envlock.errors import BadInputError
from envlock.limits import MAX_RECIPE_BYTES, excerpt, read_text
from envlock.models import ChannelPriority
from envlock.recipe import schema
from envlock.recipe.fastyaml import simple_recipe_data
from envlock.recipe.model import Recipe, Stack, StackSource
from envlock.recipe.yamlparse import key_line, parse_yaml
from envlock.urls import URL_HINT, shown_url, url_problem

__all__ = ["load_recipe", "peek_name", "validate_specs"]

_RECIPE_MARKERS = ("stack", "python", "envlock")
_RAW_TOKEN = re.compile(r"[^\s,\]}#]+")


def load_recipe(path: Path) -> Recipe:
    """Read and validate a recipe or environment.yml; BadInputError (exit 2) names file:line."""
    path = Path(path)
    try:
        content = _read(path)
    except FileNotFoundError:
        raise BadInputError(f"no such recipe file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"cannot read {path}: {excerpt(str(error))}") from None
    return _recipe_of(path, content)


def _recipe_of(path: Path, content: str, *, fast: bool = True) -> Recipe:
    """`content` (read from `path`) as a Recipe. A plain recipe is read with PyYAML's C
    parser first (envlock.recipe.fastyaml); any other text, and any recipe that fails a
    check, is read again through ruamel, so every message is ruamel's path's own."""
    if fast and (simple := simple_recipe_data(content)) is not None:
        try:
            return _Reader(path, content, simple).recipe()
        except BadInputError:
            pass  # said again below, with ruamel's data, exactly as before
    data = parse_yaml(content, path)
    if not isinstance(data, Mapping):
        shown = (
            "an empty file" if data is None else ("a list" if isinstance(data, list) else "text")
        )
        raise BadInputError(
            f"expected a recipe (keys name, platforms, python, stack, ...) or an "
            f"environment.yml (keys name, channels, dependencies), got {shown}",
            where=str(path),
        )
    if any(key in data for key in _RECIPE_MARKERS):
        return _Reader(path, content, data).recipe()
    from envlock.recipe.envfile import load_environment_file

    return load_environment_file(path, data, content)


def _read(path: Path) -> str:
    """The text of a recipe or environment.yml, at most `MAX_RECIPE_BYTES` (a byte-order
    mark dropped)."""
    return read_text(path, limit=MAX_RECIPE_BYTES, what="a recipe or environment.yml")


def peek_name(path: Path) -> str | None:
    """The `name:` of a file that failed to load, when it holds a valid name (else None):
    a failed recipe among several is still shown by its name."""
    try:
        data = parse_yaml(_read(Path(path)), Path(path))
        if isinstance(data, Mapping) and isinstance(data.get("name"), str):
            return schema.name(
                schema.Field(key="name", value=data["name"], path=Path(path), line=None)
            )
    except (BadInputError, OSError, UnicodeDecodeError):
        return None
    return None


_SHOWN_SPECS = 10  # bad specs listed in one message; the rest are counted
_SPEC_HINT = (
    "write name, then optionally a version and a build, e.g. numpy <1.24 or "
    "numpy=1.23.5=py38h14f4228_0"
)


def validate_specs(recipe: Recipe) -> None:
    """Parse every dependency and pin with rattler's MatchSpec, the parser solving uses.

    Raises BadInputError (exit 2) listing *all* specs that fail, each with its line; the
    error's `where` is the first one's file:line. This imports rattler (through
    envlock.engine.specs): call it where envlock shows or solves a recipe (`check`,
    `resolve` without `--check`), never on the `resolve --check` path.
    """
    from envlock.engine.specs import spec_problems

    located = _spec_locations(recipe)
    problems = spec_problems(spec for _, spec in located)
    bad = [(key, spec) for key, spec in located if spec in problems]
    if not bad:
        return
    lines = dict(recipe.lines)
    shown = "; ".join(
        (f"line {lines[key]} " if key in lines else "")
        + f'{key} "{excerpt(spec)}" ({excerpt(problems[spec], 160)})'
        for key, spec in bad[:_SHOWN_SPECS]
    ) + (f"; and {len(bad) - _SHOWN_SPECS} more" if len(bad) > _SHOWN_SPECS else "")
    count = (
        "1 spec is not a conda matchspec"
        if len(bad) == 1
        else (f"{len(bad)} specs are not conda matchspecs")
    )
    raise BadInputError(
        f"{count}: {shown}. {_SPEC_HINT[0].upper()}{_SPEC_HINT[1:]}", where=recipe.where(bad[0][0])
    )


def _spec_locations(recipe: Recipe) -> list[tuple[str, str]]:
    """(dotted key, spec) for every conda spec the recipe writes, each spec once."""
    if recipe.kind == "recipe":
        return [
            *((f"dependencies[{i}]", s) for i, s in enumerate(recipe.dependencies)),
            *((f"pins[{i}]", s) for i, s in enumerate(recipe.pins)),
        ]
    # an environment.yml: conda-lock already read it; its specs per selector platform
    specs = [*recipe.dependencies, *(s for _, per in recipe.platform_dependencies for s in per)]
    return [("dependencies", s) for s in dict.fromkeys(specs)]


class _Reader:
    """Walks one recipe mapping, building `Field`s with lines and raw text."""

    def __init__(self, path: Path, content: str, data: Mapping[str, Any]) -> None:
        self.path = path
        self.source = content.splitlines()
        self.data = data
        self.lines: dict[str, int] = {}

    def _position(self, container: Any, key: str | int, *, item: bool) -> tuple[int, int] | None:
        try:
            line, col = container.lc.item(key) if item else container.lc.value(key)
        except (AttributeError, KeyError, TypeError, IndexError):
            return None
        return int(line), int(col)

    def field(self, container: Any, key: str | int, dotted: str, *, item: bool = False) -> Any:
        """A `Field` for `container[key]` (a mapping key or a list index)."""
        present = (0 <= cast(int, key) < len(container)) if item else key in container
        value = container[key] if present else None
        position = self._position(container, key, item=item) if present else None
        line = raw = None
        if position is not None:
            line = position[0] + 1
            if not item and isinstance(key, str):
                line = key_line(container, key) or line
            text = self.source[position[0]] if position[0] < len(self.source) else ""
            token = _RAW_TOKEN.match(text[position[1] :])
            raw = token.group(0) if token else None
            if isinstance(value, str | Mapping | list):
                raw = None
            self.lines[dotted] = line
        return schema.Field(key=dotted, value=value, path=self.path, line=line, raw=raw)

    def check_keys(self, mapping: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
        for key in mapping:
            if key not in known:
                line = key_line(mapping, key)
                field = schema.Field(key=prefix + str(key), value=key, path=self.path, line=line)
                raise schema.unknown_key(field, known, prefix)

    def strings(self, key: str, check: Any, example: str) -> tuple[str, ...]:
        """A list value (`dependencies`, `pins`, `pip`, `channels`), item by item."""
        field = self.field(self.data, key, key)
        if field.value is None:
            return ()
        if not isinstance(field.value, list):
            raise field.fail(f"expected a list, e.g. {key}: [{example}]")
        return tuple(
            check(self.field(field.value, i, f"{key}[{i}]", item=True))
            for i in range(len(field.value))
        )

    def recipe(self) -> Recipe:
        data = self.data
        self.check_keys(data, schema.RECIPE_KEYS, "")
        if "envlock" in data:
            schema.format_version(self.field(data, "envlock", "envlock"))
        name_field = self.field(data, "name", "name")
        if name_field.value is None:
            raise BadInputError(
                "name: required (it names the lock folder), e.g. name: m3net", where=str(self.path)
            )
        name = schema.name(name_field)
        description = schema.text(self.field(data, "description", "description"))
        platforms = self.platforms()
        python = None
        if "python" in data:
            python = schema.python_version(self.field(data, "python", "python"))
        return Recipe(
            name=name,
            description=description,
            platforms=platforms,
            python=python,
            stack=self.stack(),
            channels=self.strings("channels", _channel, "conda-forge"),
            channel_priority=cast(
                ChannelPriority,
                schema.channel_priority(self.field(data, "channel_priority", "channel_priority")),
            ),
            dependencies=self.strings("dependencies", schema.matchspec, "numpy <1.24"),
            pins=self.strings("pins", schema.pin, "numpy=1.23.5=py38h14f4228_0"),
            pip=self.strings("pip", schema.pip_line, "timm==0.4.12"),
            exclude_newer=schema.exclude_newer(self.field(data, "exclude_newer", "exclude_newer")),
            source_path=self.path,
            kind="recipe",
            lines=tuple(sorted(self.lines.items())),
        )

    def platforms(self) -> tuple[str, ...]:
        field = self.field(self.data, "platforms", "platforms")
        if field.value is None:
            return ("linux-64",)
        if not isinstance(field.value, list) or not field.value:
            raise field.fail("expected a list of platforms, e.g. platforms: [linux-64, osx-64]")
        seen: list[str] = []
        for i in range(len(field.value)):
            item = self.field(field.value, i, f"platforms[{i}]", item=True)
            platform = schema.platform(item)
            if platform in seen:
                raise field.fail(f'"{platform}" is listed twice')
            seen.append(platform)
        return tuple(seen)

    def stack(self) -> Stack | None:
        field = self.field(self.data, "stack", "stack")
        if field.value is None:
            return None
        mapping = field.value
        if not isinstance(mapping, Mapping):
            raise field.fail('expected a mapping, e.g. stack: {pytorch: "1.13", cuda: "11.7"}')
        self.check_keys(mapping, schema.STACK_KEYS, "stack.")
        pytorch_field = self.field(mapping, "pytorch", "stack.pytorch")
        if pytorch_field.value is None:
            raise BadInputError(
                'stack.pytorch: required when stack is present, e.g. pytorch: "1.13"',
                where=field.where,
            )
        return Stack(
            pytorch=schema.torch_version(pytorch_field),
            cuda=schema.cuda_version(self.field(mapping, "cuda", "stack.cuda")),
            source=cast(StackSource, schema.source(self.field(mapping, "source", "stack.source"))),
            torchvision=schema.companion(
                self.field(mapping, "torchvision", "stack.torchvision"), "0.14"
            ),
            torchaudio=schema.companion(
                self.field(mapping, "torchaudio", "stack.torchaudio"), "0.13"
            ),
            pyg=schema.companion(self.field(mapping, "pyg", "stack.pyg"), "2.2"),
        )


def _channel(field: schema.Field) -> str:
    value = schema.text(field)
    if not value or not value.strip() or " " in value.strip():
        raise field.fail(f"expected a channel name or URL such as conda-forge, got {field.shown()}")
    problem = url_problem(value.strip())
    if problem is not None:
        raise field.fail(
            f"channel {shown_url(value.strip())} is not a valid URL ({problem}): {URL_HINT}"
        )
    return value.strip()
