"""Field checks for recipe files: one function per kind of value, each raising a message
that names the key and the fix. `envlock.recipe.reader` walks the file and calls these.

Locations: every check receives a `Field` (the dotted key, the file, the 1-based line and
the value exactly as written in the file) so that its error reads
`recipes/m3net.yml:7: stack.cuda: expected a version like "11.7" or "cpu", got 11.77`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from envlock.dates import NoTimeZoneError, parse_cutoff, to_utc
from envlock.errors import BadInputError, where
from envlock.limits import excerpt
from envlock.platforms import KNOWN_PLATFORMS

RECIPE_FORMAT = 1
RECIPE_KEYS: tuple[str, ...] = (
    "envlock",
    "name",
    "description",
    "platforms",
    "python",
    "stack",
    "channels",
    "channel_priority",
    "dependencies",
    "pins",
    "pip",
    "exclude_newer",
)
STACK_KEYS: tuple[str, ...] = (
    "pytorch",
    "cuda",
    "source",
    "torchvision",
    "torchaudio",
    "pyg",
)

_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")
_TORCH_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
_PYTHON_VERSION = re.compile(r"^3\.\d{1,2}(\.\d+)?$")
_CUDA_VERSION = re.compile(r"^\d{1,2}\.\d$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A conda matchspec, read lightly: optional `channel::`, a package name, optional
# `[key=value]` brackets, then a version and build made of the characters conda allows.
_SPEC = re.compile(
    r"^(?:(?P<channel>[A-Za-z0-9_./:~+-]+)::)?"
    r"(?P<name>[A-Za-z0-9_][A-Za-z0-9_.+-]*)"
    r"(?P<brackets>\[[^\]]*\])?"
    r"(?P<rest>[\s0-9A-Za-z_.*,<>=!|~+()-]*)$"
)
_BUILD_OPERATOR = re.compile(r"[=<>!~,|]")
# An exact pin: optional `channel::`, name, `=version` or `==version`, optional `=build`.
_PIN = re.compile(
    r"^(?:[A-Za-z0-9_./:~+-]+::)?[A-Za-z0-9_][A-Za-z0-9_.+-]*"
    r"(?:==?[A-Za-z0-9_.+!]+)(?:=[A-Za-z0-9_.+]+)?$"
)
_PIP_OPTIONS: tuple[str, ...] = (
    "--index-url",
    "-i",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--trusted-host",
    "--pre",
    "--no-index",
    "-e",
    "--editable",
    "-c",
    "--constraint",
    "-r",
    "--requirement",
)


class UnreadScalar(str):
    """The text of an unquoted YAML value that looks typed but is not a valid one.

    `exclude_newer: 2023-02-30` matches YAML's date pattern, yet no such day exists: the
    loader hands it over as this text (with its 1-based line) instead of failing, so a key
    that expects text reads it as text and `exclude_newer` names the bad date.
    """

    line: int
    column: int
    reason: str

    def __new__(cls, text: str, *, line: int, column: int, reason: str) -> UnreadScalar:
        made = super().__new__(cls, text)
        made.line, made.column, made.reason = line, column, reason
        return made


@dataclass(frozen=True, kw_only=True, slots=True)
class Field:
    """One value in a recipe file: its dotted key, location and text as written."""

    key: str
    value: object
    path: Path
    line: int | None
    raw: str | None = None

    @property
    def where(self) -> str:
        return where(self.path, self.line)

    def fail(self, message: str) -> BadInputError:
        """An error for this key (`key: message`) at this file and line."""
        return BadInputError(f"{self.key}: {message}", where=self.where)

    def shown(self) -> str:
        """The value as the user wrote it: strings quoted, numbers as typed; at most an
        excerpt (envlock.limits) of it."""
        if isinstance(self.value, UnreadScalar):
            return excerpt(str(self.value))  # it was written unquoted
        if isinstance(self.value, str):
            return f'"{excerpt(self.value)}"'
        if self.raw is not None:
            return excerpt(self.raw)
        return excerpt(str(self.value))


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The closest known word, if any is close enough to be a likely typo."""
    if len(word) > 2 * max(map(len, choices), default=0):
        return None  # far too long to be a typo (and slow to compare)
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_key(field: Field, choices: Sequence[str], prefix: str = "") -> BadInputError:
    """`unknown key "platfroms": did you mean "platforms"?` (or the list of keys)."""
    name = excerpt(str(field.value))
    close = suggest(str(field.value), choices)
    hint = (
        f'did you mean "{prefix}{close}"?'
        if close
        else f"known keys are {', '.join(prefix + c for c in choices)}"
    )
    return BadInputError(f'unknown key "{prefix}{name}": {hint}', where=field.where)


def _number_trap(field: Field, example: str) -> BadInputError | None:
    """Versions must be strings: an unquoted 3.10 reaches us as the number 3.1."""
    if isinstance(field.value, bool) or not isinstance(field.value, int | float):
        return None
    raw = field.raw if field.raw is not None else str(field.value)
    leaf = field.key.rsplit(".", 1)[-1]
    lossy = str(field.value) != raw
    read_as = f" (YAML reads it as {field.value})" if lossy else ""
    return field.fail(
        f'{raw} is a number{read_as}, versions are strings: quote it, {leaf}: "{raw}"'
        if raw
        else f'versions are strings: quote it, e.g. {leaf}: "{example}"'
    )


def text(field: Field, *, required: bool = False, example: str = "") -> str | None:
    """A plain string value (None when absent and not required)."""
    if field.value is None:
        if required:
            raise field.fail(f"required, e.g. {field.key}: {example}")
        return None
    if isinstance(field.value, dt.date) and field.raw is not None:
        return field.raw  # an unquoted date such as `name: 2023-02-28` is text here
    if not isinstance(field.value, str):
        raise field.fail(f"expected text, got {field.shown()}")
    return str(field.value)


def name(field: Field) -> str:
    """The recipe name: it becomes the lock folder name, so it must be a safe file name."""
    value = text(field, required=True, example="m3net")
    assert value is not None
    if not _NAME.match(value):
        raise field.fail(
            f"{field.shown()} cannot be a folder name: use letters, digits, '.', '_' and '-'"
        )
    return value


def format_version(field: Field) -> int:
    """`envlock: 1`; a newer format is refused with "upgrade envlock"."""
    value = field.value
    if isinstance(value, bool) or not isinstance(value, int):
        raise field.fail(f"expected the recipe format version {RECIPE_FORMAT}, got {field.shown()}")
    if value > RECIPE_FORMAT:
        raise field.fail(
            f"this recipe is format {value} and this envlock reads format {RECIPE_FORMAT}: "
            "upgrade envlock"
        )
    if value < 1:
        raise field.fail(f"expected the recipe format version {RECIPE_FORMAT}, got {value}")
    return value


def python_version(field: Field) -> str:
    """`python: "3.8"` (or "3.8.16")."""
    return _quoted_version(field, _PYTHON_VERSION, "3.8", "3.10.4")


def torch_version(field: Field) -> str:
    """`stack.pytorch: "1.13"` or "1.13.1"."""
    return _quoted_version(field, _TORCH_VERSION, "1.13", "1.13.1")


def _quoted_version(field: Field, pattern: re.Pattern[str], short: str, long: str) -> str:
    """A required version string matching `pattern`; an unquoted number is refused."""
    trap = _number_trap(field, short)
    if trap:
        raise trap
    value = text(field, required=True, example=f'"{short}"')
    assert value is not None
    if not pattern.match(value):
        raise field.fail(f'expected a version like "{short}" or "{long}", got {field.shown()}')
    return value


def cuda_version(field: Field) -> str:
    """`stack.cuda: "11.7"` or "cpu" (default "cpu")."""
    if field.value is None:
        return "cpu"
    value = field.value
    shown = field.raw if field.raw is not None and not isinstance(value, str) else None
    candidate = value if isinstance(value, str) else shown
    if candidate is None or not (candidate == "cpu" or _CUDA_VERSION.match(candidate)):
        raise field.fail(f'expected a version like "11.7" or "cpu", got {field.shown()}')
    trap = _number_trap(field, "11.7")
    if trap:
        raise trap
    assert isinstance(value, str)
    return value


def source(field: Field) -> str:
    """`stack.source: conda` (default) or `pip`."""
    value = text(field) or "conda"
    if value not in ("conda", "pip"):
        raise field.fail(f'expected "conda" or "pip", got {field.shown()}')
    return value


def companion(field: Field, example: str) -> bool | str:
    """`torchvision`/`torchaudio`/`pyg`: true, false or a version string."""
    if field.value is None:
        return False
    if isinstance(field.value, bool):
        return field.value
    trap = _number_trap(field, example)
    if trap:
        raise trap
    if not isinstance(field.value, str) or not _VERSION.match(field.value):
        raise field.fail(f'expected true, false or a version like "{example}", got {field.shown()}')
    return field.value


def channel_priority(field: Field) -> str:
    """`strict` (default) or `flexible`."""
    value = text(field) or "strict"
    if value not in ("strict", "flexible"):
        raise field.fail(f'expected "strict" or "flexible", got {field.shown()}')
    return value


def platform(field: Field) -> str:
    """One platform of `platforms`, with a suggestion for a typo."""
    value = field.value
    if not isinstance(value, str):
        raise field.fail(f"expected a platform such as linux-64, got {field.shown()}")
    if value in KNOWN_PLATFORMS:
        return value
    close = suggest(value, KNOWN_PLATFORMS)
    hint = f'did you mean "{close}"?' if close else f"use one of {', '.join(KNOWN_PLATFORMS)}"
    raise field.fail(f'unknown platform "{excerpt(value)}": {hint}')


def matchspec(field: Field) -> str:
    """A conda matchspec, checked lightly (the solver parses it for real)."""
    value = field.value
    if not isinstance(value, str) or not value.strip():
        raise field.fail(f"expected a conda package spec such as numpy <1.24, got {field.shown()}")
    spec = value.strip()
    match = _SPEC.match(spec)
    rest = re.sub(r"\s*([,|<>=!~])\s*", r"\1", match.group("rest")).split() if match else []
    if not match or len(rest) > 2 or (problem := _shape_problem(rest)):
        what = f" ({problem})" if match and len(rest) <= 2 else ""
        raise field.fail(
            f"{field.shown()} is not a conda package spec{what}: write name, then optionally "
            "a version and a build, e.g. numpy <1.24 or numpy=1.23.5=py38h14f4228_0"
        )
    return spec


def _shape_problem(rest: list[str]) -> str | None:
    """What is wrong with a spec's version/build words (`rest`, operators joined), None
    when nothing. rattler reads `foo=1=2=3` as build "2=3" and `a b c ===` as build
    "c===": a build string never holds `=`, `<`, `>`, `!`, `~`, `,` or `|`."""
    if len(rest) == 2:
        version, build = rest
    elif len(rest) == 1 and rest[0].startswith("=") and not rest[0].startswith("=="):
        version, _, build = rest[0][1:].partition("=")
    else:
        return None
    if _BUILD_OPERATOR.search(build):
        return f'"{excerpt(build)}" cannot be a build string: a build holds no = < > ! ~ , or |'
    if not version:
        return "no version before the build"
    return None


def pin(field: Field) -> str:
    """An exact pin: `name=version=build` (as `import` writes) or `name=version`."""
    spec = matchspec(field)
    if not _PIN.match(spec):
        raise field.fail(
            f"{field.shown()} is not an exact pin: write name=version=build, e.g. "
            "numpy=1.23.5=py38h14f4228_0 (or name=version); ranges and globs belong in "
            "dependencies"
        )
    return spec


def pip_line(field: Field) -> str:
    """One pip requirement line or option line (as in an environment.yml pip section)."""
    value = field.value
    if not isinstance(value, str) or not value.strip():
        raise field.fail(f"expected a pip requirement such as timm==0.4.12, got {field.shown()}")
    line = value.strip()
    if line.startswith("-"):
        option = re.split(r"[\s=]", line, maxsplit=1)[0]
        if option not in _PIP_OPTIONS:
            raise field.fail(
                f"unknown pip option {excerpt(option)!r}: envlock passes {', '.join(_PIP_OPTIONS)}"
            )
        return line
    if "://" in line or line.startswith((".", "/", "~")):
        return line  # a URL, VCS link or path: pip checks it when it installs
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(line)
    except InvalidRequirement:
        raise field.fail(
            f"{field.shown()} is not a pip requirement: write a name with an optional "
            "version, e.g. timm==0.4.12, or a URL such as git+https://..."
        ) from None
    return line


def exclude_newer(field: Field) -> dt.datetime | None:
    """A date (`2023-03-01`, midnight UTC) or a timestamp with a time zone."""
    value = field.value
    if value is None:
        return None
    hint = 'write a date such as 2023-03-01 or a timestamp such as "2023-03-01T12:00:00Z"'
    if isinstance(value, UnreadScalar):
        raise field.fail(f"{field.shown()} is not a date ({value.reason}): {hint}")
    try:
        if isinstance(value, (dt.date, dt.datetime)):
            return to_utc(value)
        if isinstance(value, str):
            return parse_cutoff(value)
    except NoTimeZoneError:
        raise field.fail(f"{field.shown()} has no time zone: add one, e.g. Z for UTC") from None
    except ValueError:
        raise field.fail(f"{field.shown()} is not a date: {hint}") from None
    raise field.fail(f"{field.shown()} is not a date: {hint}")
