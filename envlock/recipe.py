"""Recipes: the statement of intent a paper's environment is locked from.

`load_recipe(path)` reads a recipe (format 1, CONTRACTS.md) with ruamel.yaml so every
error names file, line, key and the fix, and returns a frozen `Recipe`. A file without
`stack`, `python` or `envlock` at the top is a plain conda environment.yml instead: it is
handed to conda-lock's own parser (`envlock.envfile`) and comes back as a `Recipe` of kind
"environment", whose `channels` are the full ordered list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from envlock import recipe_schema as schema
from envlock.errors import BadInputError, where
from envlock.models import ChannelPriority

RecipeKind = Literal["recipe", "environment"]
StackSource = Literal["conda", "pip"]
_RECIPE_MARKERS = ("stack", "python", "envlock")
_RAW_TOKEN = re.compile(r"[^\s,\]}#]+")


@dataclass(frozen=True, kw_only=True, slots=True)
class Stack:
    """The ML stack a recipe names: PyTorch version, CUDA version or "cpu", companions.

    `torchvision`, `torchaudio` and `pyg` are False (not wanted), True (the companion
    version from the stack table) or a version string.
    """

    pytorch: str
    cuda: str = "cpu"
    source: StackSource = "conda"
    torchvision: bool | str = False
    torchaudio: bool | str = False
    pyg: bool | str = False

    @property
    def torch_minor(self) -> str:
        """ "1.13" for "1.13" and "1.13.1"."""
        return ".".join(self.pytorch.split(".")[:2])

    @property
    def wants_cuda(self) -> bool:
        return self.cuda != "cpu"

    def to_dict(self) -> dict[str, object]:
        return {
            "pytorch": self.pytorch,
            "cuda": self.cuda,
            "source": self.source,
            "torchvision": self.torchvision,
            "torchaudio": self.torchaudio,
            "pyg": self.pyg,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Recipe:
    """A validated recipe or environment.yml.

    `lines` maps dotted keys (`python`, `stack.cuda`) to 1-based lines for later errors
    (`Recipe.where("stack.cuda")`). An environment.yml may select lines per platform:
    `platform_dependencies` / `platform_pip` then hold each platform's own list, read
    through `dependencies_for` / `pip_for`.
    """

    name: str
    description: str | None = None
    platforms: tuple[str, ...] = ("linux-64",)
    python: str | None = None
    stack: Stack | None = None
    channels: tuple[str, ...] = ()
    channel_priority: ChannelPriority = "strict"
    dependencies: tuple[str, ...] = ()
    pins: tuple[str, ...] = ()
    pip: tuple[str, ...] = ()
    exclude_newer: dt.datetime | None = None
    source_path: Path | None = None
    kind: RecipeKind = "recipe"
    lines: tuple[tuple[str, int], ...] = ()
    platform_dependencies: tuple[tuple[str, tuple[str, ...]], ...] = ()
    platform_pip: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def where(self, key: str | None = None) -> str | None:
        """`file:line` of a dotted key (or of the file), None for an in-memory recipe."""
        if self.source_path is None:
            return None
        lines = dict(self.lines)
        while key and key not in lines:
            key = key.rpartition(".")[0]  # stack.cuda absent: point at stack
        return where(self.source_path, lines.get(key) if key else None)

    def dependencies_for(self, platform: str) -> tuple[str, ...]:
        """The conda specs this file asks for on `platform` (selectors applied)."""
        return dict(self.platform_dependencies).get(platform, self.dependencies)

    def pip_for(self, platform: str) -> tuple[str, ...]:
        """The pip lines this file asks for on `platform` (selectors applied)."""
        return dict(self.platform_pip).get(platform, self.pip)

    def to_dict(self) -> dict[str, object]:
        """The recipe as plain data (keys in format order, platform lists left out)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "platforms": list(self.platforms),
            "python": self.python,
            "stack": self.stack.to_dict() if self.stack else None,
            "channels": list(self.channels),
            "channel_priority": self.channel_priority,
            "dependencies": list(self.dependencies),
            "pins": list(self.pins),
            "pip": list(self.pip),
            "exclude_newer": self.exclude_newer.isoformat() if self.exclude_newer else None,
            "source_path": str(self.source_path) if self.source_path else None,
        }


def load_recipe(path: Path) -> Recipe:
    """Read and validate a recipe or environment.yml; BadInputError (exit 2) names file:line."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"no such recipe file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"cannot read {path}: {error}") from None
    data = _parse_yaml(content, path)
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
    from envlock.envfile import load_environment_file

    return load_environment_file(path, data)


def _parse_yaml(content: str, path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return YAML(typ="rt", pure=True).load(content)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(str(p) for p in (error.context, error.problem) if p)
        raise BadInputError(
            f"not valid YAML: {problem or error}", where=where(path, line)
        ) from None
    except YAMLError as error:
        raise BadInputError(f"not valid YAML: {error}", where=str(path)) from None


def key_line(mapping: Any, key: str) -> int | None:
    """1-based line of `key` in a ruamel mapping, None when unknown."""
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


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
            if not item:
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
            pins=self.strings("pins", schema.matchspec, "numpy=1.23.5=py38h14f4228_0"),
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
    return value.strip()
