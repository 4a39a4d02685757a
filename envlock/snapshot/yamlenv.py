"""`conda env export` / micromamba export YAML and environment.yml specs.

PyYAML's C loader keeps a 5,000-line export under a tenth of a second; its error marks
give the line of a syntax error, and a bad entry's line is found by scanning the text.
Scalars stay text (`envlock.lock.yamltext.safe_loader`): `name: 2023-02-30`, `python: 3.10`
and all-digit builds are read as written, never as dates or numbers; a value an explicit
tag cannot construct (`!!int abc`) is bad input naming its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from envlock.errors import BadInputError, where
from envlock.limits import MAX_REPEATED_NODES, excerpt
from envlock.lock import yamltext
from envlock.models import Package
from envlock.snapshot.model import Snapshot, SnapshotKind
from envlock.snapshot.specs import CondaSpec, parse_conda_spec, parse_pip_line

RECIPE_KEYS = ("stack", "python", "envlock")


def load_yaml(path: Path, text: str) -> Any:
    """Parse YAML safely with the C loader, keeping scalars as text; errors name file:line.

    conda and micromamba never write aliases, but an environment.yml is written by hand:
    aliases may repeat up to `MAX_REPEATED_NODES` nodes, as in a recipe.
    """
    try:
        return yamltext.load(
            text, path=path, what="an export or environment.yml", repeated=MAX_REPEATED_NODES
        )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = excerpt(error.problem or "invalid YAML")
        raise BadInputError(
            f"cannot read this file as YAML ({problem}); fix the file or pass another snapshot",
            where=where(path, line),
        ) from None
    except yaml.YAMLError as error:
        raise BadInputError(
            f"cannot read this file as YAML: {excerpt(str(error))}", where=str(path)
        ) from None


def first_line_with(text: str, needle: str) -> int | None:
    """1-based number of the first line containing `needle`, or None."""
    index = text.find(needle)
    return None if index < 0 else text.count("\n", 0, index) + 1


def read_env_yaml(path: Path, text: str, data: dict[str, Any]) -> Snapshot:
    """An export (with or without builds, micromamba's form) or an environment.yml spec."""
    deps = data.get("dependencies")
    if not isinstance(deps, list):
        raise BadInputError(
            "`dependencies` must be a list of packages (as `conda env export` writes it)",
            where=where(path, first_line_with(text, "dependencies")),
        )
    conda: list[CondaSpec] = []
    pip: list[Package] = []
    for entry in deps:
        if isinstance(entry, dict) and "pip" in entry and len(entry) == 1:
            pip.extend(_pip_section(path, text, entry["pip"]))
        elif isinstance(entry, str | int | float) and not isinstance(entry, bool):
            conda.append(_conda_entry(path, text, str(entry)))
        elif entry is not None:
            raise BadInputError(
                f"cannot read dependency {excerpt(repr(entry))}: expected `name=version=build` "
                "or a `pip:` list",
                where=where(path, _entry_line(text, entry)),
            )
    # A file that pins every conda package (`name=ver` or `name=ver=build`) is an export;
    # anything looser (`pytorch`, `numpy>=1.2`) is a spec, where `=3.9` means `3.9.*`.
    # So is a hand-written pin list: no `prefix:` line and no build on any conda line
    # (`conda env export` always writes `prefix:`, and builds unless --no-builds).
    prefix = data.get("prefix")
    spec_mode = any(spec.form != "pinned" for spec in conda) or (
        bool(conda) and prefix is None and all(spec.build is None for spec in conda)
    )
    micromamba = any(spec.subdir is not None or spec.md5 is not None for spec in conda)
    kind: SnapshotKind = "micromamba-export" if micromamba else "export"
    packages = [spec.package(spec_mode=spec_mode) for spec in conda] + pip
    return Snapshot(
        source=str(path),
        kind=kind,
        platform=_platform(conda, data.get("platforms")),
        name=_opt_str(data.get("name")),
        channels=_channels(data.get("channels")),
        packages=tuple(packages),
        builds_known=any(spec.build is not None for spec in conda),
        channels_known=bool(conda) and all(spec.channel is not None for spec in conda),
        prefix=str(prefix) if prefix is not None else None,
        specs=spec_mode,
    )


def _conda_entry(path: Path, text: str, entry: str) -> CondaSpec:
    try:
        return parse_conda_spec(entry)
    except ValueError as error:
        raise BadInputError(
            f"{error}; a conda line reads `name=version=build` (or `name=version`)",
            where=where(path, first_line_with(text, entry)),
        ) from None


def _pip_section(path: Path, text: str, lines: object) -> list[Package]:
    if not isinstance(lines, list):
        raise BadInputError(
            "the `pip:` entry must hold a list of requirement lines",
            where=where(path, first_line_with(text, "pip:")),
        )
    packages: list[Package] = []
    for line in lines:
        try:
            package = parse_pip_line(str(line))
        except ValueError as error:
            raise BadInputError(
                f"{error}; a pip line reads `name==version`",
                where=where(path, first_line_with(text, str(line))),
            ) from None
        if package is not None:
            packages.append(package)
    return packages


def _platform(conda: list[CondaSpec], platforms: object) -> str | None:
    """The one platform the file is for: its `platforms:` list (conda-lock's environment.yml
    key) when that names one, else the one subdir (not noarch) its micromamba lines share."""
    if isinstance(platforms, list) and len(platforms) == 1 and isinstance(platforms[0], str):
        return platforms[0]
    subdirs = {spec.subdir for spec in conda if spec.subdir and spec.subdir != "noarch"}
    return subdirs.pop() if len(subdirs) == 1 else None


def _entry_line(text: str, entry: object) -> int | None:
    """The line of a dependency entry that is neither a spec line nor a `pip:` list."""
    if isinstance(entry, dict) and entry:
        return first_line_with(text, str(next(iter(entry))))
    return first_line_with(text, str(entry)) if isinstance(entry, str | list) and entry else None


def _channels(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(c) for c in value if c is not None)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
