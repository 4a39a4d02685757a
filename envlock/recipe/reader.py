"""Recipes: the statement of intent a paper's environment is locked from.

`load_recipe(path)` reads a recipe (format 1, CONTRACTS.md) with ruamel.yaml so every
error names file, line, key and the fix, and returns a frozen `Recipe`. A file without
`stack`, `python` or `envlock` at the top is a plain conda environment.yml instead: it is
handed to conda-lock's own parser (`envlock.recipe.envfile`) and comes back as a `Recipe` of kind
"environment", whose `channels` are the full ordered list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from envlock.errors import BadInputError, where
from envlock.models import ChannelPriority
from envlock.recipe import schema

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
    from envlock.recipe.envfile import load_environment_file

    return load_environment_file(path, data)


def peek_name(path: Path) -> str | None:
    """The `name:` of a file that failed to load, when it holds a valid name (else None):
    a failed recipe among several is still shown by its name."""
    try:
        data = _parse_yaml(Path(path).read_text(encoding="utf-8"), Path(path))
        if isinstance(data, Mapping) and isinstance(data.get("name"), str):
            return schema.name(
                schema.Field(key="name", value=data["name"], path=Path(path), line=None)
            )
    except (BadInputError, OSError, UnicodeDecodeError):
        return None
    return None


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
        (f"line {lines[key]} " if key in lines else "") + f'{key} "{spec}" ({problems[spec]})'
        for key, spec in bad
    )
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


def _parse_yaml(content: str, path: Path) -> Any:
    """`content` as ruamel round-trip data; every failure is a BadInputError at its line."""
    return parse_yaml(content, path)


def parse_yaml(content: str, path: Path) -> Any:
    """Read YAML text safely (ruamel round-trip, with lines) or raise BadInputError.

    An unquoted value that looks like a date but is none (`2023-02-30`) comes back as an
    `UnreadScalar` (text) rather than failing; syntax errors, duplicate keys and anchors,
    bad merge keys and explicitly tagged values that do not construct are reported with
    file:line and a hint instead of ruamel's own text.
    """
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError

    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _constructor_class()
    yaml.max_depth = _MAX_DEPTH
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ReusedAnchorWarning)
            return yaml.load(content)
    except MarkedYAMLError as error:
        line, message = _yaml_problem(error)
        raise BadInputError(f"not valid YAML: {message}", where=where(path, line)) from None
    except ReusedAnchorWarning as warning:
        found = re.findall(r"line (\d+)", str(warning))
        anchor = re.search(r"duplicate anchor '([^']*)'", str(warning))
        raise BadInputError(
            f"not valid YAML: the anchor &{anchor.group(1) if anchor else '?'} is defined "
            f"twice{f' (first on line {found[0]})' if found else ''}: give one of them "
            "another name",
            where=where(path, int(found[-1]) if found else None),
        ) from None
    except YAMLError as error:  # ReaderError: a control character, with no mark
        position = getattr(error, "position", None)
        line = content[:position].count("\n") + 1 if isinstance(position, int) else None
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BadInputError(
            f"not valid YAML: {problem}: remove that character", where=where(path, line)
        ) from None
    except RecursionError:
        raise BadInputError(
            f"not valid YAML: nested more than {_MAX_DEPTH} levels deep: no recipe needs that",
            where=str(path),
        ) from None


_MAX_DEPTH = 64
# ruamel problem text → what to tell the user; the first match wins.
_YAML_HINTS: tuple[tuple[str, str], ...] = (
    (
        "expected <block end>, but found '<block sequence start>'",
        "a list item `- ...` is indented differently from the items above it",
    ),
    (
        "expected <block end>",
        "this line does not line up with the mapping or list it belongs to: check the "
        "indentation of this line and the line above (keys of one mapping start in the same "
        "column), or a missing colon",
    ),
    (
        "could not find expected ':'",
        "this line is neither `key: value` nor a list item `- value`: a missing colon "
        "after the key, or a line that belongs to the value above and needs quotes",
    ),
    (
        "mapping values are not allowed here",
        "a second `: ` on one line: quote the value if it contains ': ', or check the "
        "indentation of the line above",
    ),
    (
        "cannot start any token",
        "this character cannot start a value here (tabs cannot indent YAML: use spaces; "
        "quote a value that starts with @ or `)",
    ),
    (
        "expected ',' or ']'",
        "a [ ... ] list is not closed or lacks a comma between items",
    ),
    (
        "expected ',' or '}'",
        "a { ... } mapping is not closed or lacks a comma between items",
    ),
    (
        "found unexpected end of stream",
        "a quoted value is not closed: add the closing quote",
    ),
)


def _yaml_problem(error: Any) -> tuple[int | None, str]:
    """(1-based line, one-paragraph message) for a ruamel MarkedYAMLError."""
    problem = str(error.problem or "")
    context = str(error.context or "")
    problem_line = error.problem_mark.line + 1 if error.problem_mark is not None else None
    context_line = error.context_mark.line + 1 if error.context_mark is not None else None
    line = problem_line or context_line
    if error.problem is None and context:  # our own ConstructorError: the message is whole
        return context_line, context
    if duplicate := re.match(r'found duplicate key "(.*)" with value', problem):
        return line, f'the key "{duplicate.group(1)}" appears twice in one mapping: keep one'
    if alias := re.match(r"found undefined alias '?([^'\s]*)'?", problem):
        return line, f"*{alias.group(1)} refers to no anchor &{alias.group(1)} defined above it"
    if "merging" in problem:  # the context is the `<<:` line, the problem the aliased node
        line = context_line or line
        message = (
            "a merge key `<<:` takes an alias of a mapping (`<<: *defaults`) or a list of them"
        )
    elif "maximum depth" in problem:
        message = f"nested more than {_MAX_DEPTH} levels deep: no recipe needs that"
    else:
        needle, message = next(
            ((n, hint) for n, hint in _YAML_HINTS if n in problem),
            ("", " ".join(part for part in (context, problem) if part) + _YAML_FALLBACK_HINT),
        )
        if needle == "could not find expected ':'" and context_line:
            line = context_line  # the key without a colon is where the scan started
    return line, message


_YAML_FALLBACK_HINT = (
    ": check this line and the one above it (indentation, a missing colon, an unclosed "
    "quote or bracket)"
)


def _constructor_class() -> Any:
    """ruamel's round-trip constructor, made to keep bad dates as text and name the line
    of anything else it cannot build (`!!float abc`, `!!bool maybe`)."""
    from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.nodes import ScalarNode

    class Constructor(RoundTripConstructor):
        def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
            try:
                return super().construct_non_recursive_object(node, tag)
            except MarkedYAMLError:
                raise
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
                mark = node.start_mark
                if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
                    return schema.UnreadScalar(
                        node.value, line=mark.line + 1, column=mark.column, reason=str(error)
                    )
                shown = node.value if isinstance(node, ScalarNode) else "this value"
                raise ConstructorError(
                    f"{shown!s} cannot be read as {node.tag.rsplit(':', 1)[-1]} ({error}): "
                    "quote it if it is text",
                    mark,
                ) from None

    return Constructor


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
    return value.strip()
