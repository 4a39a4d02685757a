"""A plain conda environment.yml as a recipe, read by conda-lock's own source parser.

conda-lock applies platform selectors (`- cudatoolkit=11.7  # [linux]`) and checks every
conda spec and pip requirement. Its parser rejects pip *option* lines
(`--extra-index-url ...`, `-f ...`, `-e .`), which real environment files carry, so those
lines are blanked (turned into comments, keeping line numbers) before conda-lock sees the
file and kept verbatim in the recipe's pip lines. conda_lock is imported lazily: it costs
about a second.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from envlock.errors import BadInputError, where
from envlock.limits import excerpt
from envlock.recipe import schema
from envlock.recipe.model import Recipe
from envlock.recipe.yamlparse import key_line
from envlock.urls import URL_HINT, shown_url, url_problem

# The platforms conda-lock's selector filter knows; others fall back to the selector-free
# lists (`Recipe.dependencies`).
SELECTOR_PLATFORMS: tuple[str, ...] = (
    "linux-64",
    "linux-aarch64",
    "linux-ppc64le",
    "osx-64",
    "osx-arm64",
    "win-64",
)
_BARE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")  # a spec that is a name only
_PIP_OPTION_ITEM = re.compile(r"^(\s*-\s+)(-\S.*)$")


def load_environment_file(path: Path, data: Mapping[str, Any], text: str) -> Recipe:
    """Turn a parsed environment.yml (`data`, for key checks and lines, parsed from `text`
    and so already held to envlock.limits) into a Recipe."""
    content = _quote_unread(text, data)
    deps = data.get("dependencies")
    if not isinstance(deps, list):
        raise BadInputError(
            "dependencies: an environment.yml needs a dependencies list (and a recipe needs "
            "stack, python or envlock at the top)",
            where=where(path, key_line(data, "dependencies")),
        )
    name = _name(path, data)
    platforms = _platforms(path, data)
    channels = _channels(path, data)
    per_platform = _parse_with_conda_lock(path, content)
    pip_lines = {p: _pip_lines(content, p) for p in SELECTOR_PLATFORMS}
    for platform_pip in pip_lines.values():
        for line in platform_pip:
            schema.pip_line(
                schema.Field(
                    key="dependencies.pip", value=line, path=path, line=_line_of(content, line)
                )
            )
    common = tuple(
        spec for spec in per_platform["linux-64"] if all(spec in v for v in per_platform.values())
    )
    common_pip = tuple(
        line for line in pip_lines["linux-64"] if all(line in v for v in pip_lines.values())
    )
    return Recipe(
        name=name,
        platforms=platforms,
        channels=channels,
        dependencies=common,
        pip=common_pip,
        source_path=path,
        kind="environment",
        lines=tuple(
            sorted(
                (k, number)
                for k in ("name", "channels", "dependencies", "platforms")
                if (number := key_line(data, k)) is not None
            )
        ),
        platform_dependencies=tuple(sorted(per_platform.items())),
        platform_pip=tuple(sorted(pip_lines.items())),
    )


def _unread(node: Any) -> Iterator[schema.UnreadScalar]:
    """Every `UnreadScalar` (an unquoted non-date such as 2023-02-30) in parsed YAML data."""
    if isinstance(node, schema.UnreadScalar):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _unread(key)
            yield from _unread(value)
    elif isinstance(node, list):
        for item in node:
            yield from _unread(item)


def _quote_unread(content: str, data: Mapping[str, Any]) -> str:
    """`content` with each unquoted non-date quoted, keeping line numbers.

    envlock reads `name: 2023-02-30` as text; conda-lock's PyYAML would fail on it with a
    bare "day is out of range for month", so its copy of the file says the same thing
    quoted.
    """
    lines = content.splitlines()
    for scalar in _unread(data):
        index, column = scalar.line - 1, scalar.column
        if index < len(lines) and lines[index][column:].startswith(str(scalar)):
            text = lines[index]
            lines[index] = f'{text[:column]}"{scalar}"{text[column + len(scalar) :]}'
    return "\n".join(lines) + ("\n" if content.endswith("\n") else "")


def _name(path: Path, data: Mapping[str, Any]) -> str:
    value = data.get("name")
    if value is None:
        return path.stem
    raw = value.isoformat() if isinstance(value, dt.date) else None  # `name: 2023-02-28`
    field = schema.Field(key="name", value=value, path=path, line=key_line(data, "name"), raw=raw)
    return schema.name(field)


def _platforms(path: Path, data: Mapping[str, Any]) -> tuple[str, ...]:
    """conda-lock's `platforms:` extension; linux-64 when absent."""
    value = data.get("platforms")
    line = key_line(data, "platforms")
    if value is None:
        return ("linux-64",)
    if not isinstance(value, list) or not value:
        raise BadInputError(
            "platforms: expected a list of platforms, e.g. platforms: [linux-64, osx-64]",
            where=where(path, line),
        )
    return tuple(
        schema.platform(schema.Field(key="platforms", value=item, path=path, line=line))
        for item in value
    )


def _channels(path: Path, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The full ordered channel list; `nodefaults` dropped (as conda-lock does)."""
    value = data.get("channels") or []
    line = key_line(data, "channels")
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise BadInputError(
            "channels: expected a list of channel names or URLs", where=where(path, line)
        )
    for channel in value:
        if (problem := url_problem(channel.strip())) is not None:
            raise BadInputError(
                f"channels: {shown_url(channel.strip())} is not a valid URL ({problem}): "
                f"{URL_HINT}",
                where=where(path, line),
            )
    return tuple(c.strip() for c in value if c.strip() != "nodefaults")


def _blank_pip_options(content: str) -> str:
    """Comment out `- --extra-index-url ...` style items, keeping every line number."""
    lines = content.splitlines()
    out = [
        f"{m.group(1).replace('-', '#', 1)}{m.group(2)}"
        if (m := _PIP_OPTION_ITEM.match(line))
        else line
        for line in lines
    ]
    return "\n".join(out) + "\n"


@contextlib.contextmanager
def _quiet_conda_lock() -> Iterator[None]:
    """conda-lock logs a warning for every line a selector filters out: that is expected."""
    logger = logging.getLogger("conda_lock")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _mapping_url() -> str:
    """A local, empty PyPI→conda name mapping: conda-lock's default is fetched online."""
    return str(resources.files("envlock.recipe") / "data" / "empty-pypi-mapping.json")


def _parse_with_conda_lock(path: Path, content: str) -> dict[str, tuple[str, ...]]:
    """Per selector platform, the conda specs conda-lock reads from the file."""
    with warnings.catch_warnings():
        # conda-lock's vendored conda warns about its own deprecations on import
        warnings.simplefilter("ignore")
        from conda_lock.models.lock_spec import VersionedDependency
        from conda_lock.src_parser.environment_yaml import parse_environment_file

    with tempfile.TemporaryDirectory(prefix="envlock-envfile-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(_blank_pip_options(content), encoding="utf-8")
        try:
            with _quiet_conda_lock():
                spec = parse_environment_file(copy, list(SELECTOR_PLATFORMS), _mapping_url())
        except (
            Exception
        ) as error:  # conda-lock raises RuntimeError, ValueError, InvalidRequirement…
            raise _located(path, content, error) from None
    result: dict[str, tuple[str, ...]] = {}
    for platform, deps in spec.dependencies.items():
        specs = [
            _matchspec(dep)
            for dep in deps
            if dep.manager == "conda" and isinstance(dep, VersionedDependency)
        ]
        result[platform] = _without_redundant_bare(tuple(dict.fromkeys(specs)))
    return result


def _without_redundant_bare(specs: tuple[str, ...]) -> tuple[str, ...]:
    """Drop a bare `name` when another spec names the package with a version or build.

    conda-lock adds a bare `pip` to every file with a pip section, next to the file's own
    `pip=22.3.1`; the bare one asks for nothing more and would be shown as a second spec.
    """
    from envlock.specnames import dependency_name

    bare = {s for s in specs if _BARE_NAME.fullmatch(s.strip())}
    constrained = {dependency_name(s) for s in specs if s not in bare}
    return tuple(s for s in specs if s not in bare or dependency_name(s) not in constrained)


def _matchspec(dep: Any) -> str:
    """`name version build` (with `channel::`) from a conda-lock VersionedDependency."""
    name = f"{dep.conda_channel}::{dep.name}" if dep.conda_channel else dep.name
    version = dep.version or ""
    if dep.build:
        return f"{name} {version or '*'} {dep.build}"
    return f"{name} {version}" if version and version != "*" else name


def _pip_lines(content: str, platform: str) -> tuple[str, ...]:
    """The pip section's lines for one platform, verbatim (options included)."""
    import yaml
    from conda_lock.src_parser.selectors import filter_platform_selectors

    with _quiet_conda_lock():
        filtered = "\n".join(filter_platform_selectors(content, platform=platform))
    data = yaml.load(filtered, Loader=yaml.CSafeLoader)
    lines: list[str] = []
    for item in (data or {}).get("dependencies") or []:
        if isinstance(item, Mapping) and isinstance(item.get("pip"), list):
            lines.extend(str(line).strip() for line in item["pip"] if line is not None)
    return tuple(lines)


def _line_of(content: str, needle: str) -> int | None:
    """The first line mentioning `needle` (for errors conda-lock reports without one)."""
    for number, line in enumerate(content.splitlines(), start=1):
        if needle and needle in line:
            return number
    return None


def _located(path: Path, content: str, error: Exception) -> BadInputError:
    text = str(error).strip()
    quoted = re.search(r"`([^`]+)`", text)
    first = text.splitlines()[0] if text else type(error).__name__
    needle = quoted.group(1) if quoted else (text.splitlines()[1].strip() if "\n" in text else "")
    line = _line_of(content, needle) if needle else None
    return BadInputError(
        f"conda-lock's environment.yml parser rejected this file: {excerpt(first, 200)}"
        + (f" ({excerpt(needle)})" if needle and needle not in first else "")
        + ": fix that line, or write a recipe instead",
        where=where(path, line),
    )
