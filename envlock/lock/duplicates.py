"""A lock that names one package twice is refused, naming both lines.

Silently keeping the first entry (or counting both) would install something the lock's
author may not have meant, so every reader of a lock (create, diff, resolve --update)
refuses it the same way: BadInputError (exit 2) with the file, both line numbers, the
package and what to do.

What counts as twice: in a conda-lock.yml, two entries with the same name, platform and
manager, except the one repetition conda-lock's format itself makes (format v1 lists a
package once per category, `main` and `dev`: the same archive, same version, URL and
hashes, though old conda-lock wrote each category's own `dependencies`; the first is
kept). In an @EXPLICIT file, two lines naming the same package for one platform (a noarch
line meets every platform), whatever their URLs (identical lines too: conda would be
handed the package twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from envlock.errors import BadInputError, where
from envlock.models import Package

_ADVICE = (
    "A lock lists each package once per platform; this one was edited or merged by hand. "
    "Re-resolve it (envlock resolve RECIPE), or delete the {what} that is not meant"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Listing:
    index: int
    category: str
    package: Package


class DuplicateEntryError(Exception):
    """Two entries of a conda-lock.yml name one package; `error` turns it into a
    BadInputError once the reader can find their lines (indexes into `package:`)."""

    def __init__(self, *, name: str, platform: str, manager: str, first: int, second: int):
        super().__init__(f"{name} ({platform}, {manager}) listed twice")
        self.name, self.platform, self.manager = name, platform, manager
        self.first, self.second = first, second

    def error(self, path: Path, line_of: Callable[[int], int | None]) -> BadInputError:
        """The BadInputError for `path`; `line_of(index)` is the line of a package entry."""
        first, second = line_of(self.first), line_of(self.second)
        lines = (
            f"lines {first} and {second}"
            if first is not None and second is not None
            else f"entries {self.first + 1} and {self.second + 1} of `package:`"
        )
        manager = "" if self.manager == "conda" else f" ({self.manager})"
        return BadInputError(
            f"the lock names {self.name}{manager} twice for {self.platform}, at {lines}, "
            f"so it is ambiguous which one is meant and nothing was read from it. "
            + _ADVICE.format(what="entry"),
            where=where(path, second),
        )


class LockListings:
    """The conda-lock.yml entries read so far, keyed by (platform, manager, name)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], _Listing] = {}

    def add(self, platform: str, package: Package, *, index: int, category: object) -> bool:
        """True when the entry is new; False for conda-lock's own per-category repeat of
        the same archive (skip it). DuplicateEntryError for any other repeat."""
        key = (platform, package.manager, package.name)
        shown = str(category) if category is not None else "main"
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = _Listing(index=index, category=shown, package=package)
            return True
        if first.category != shown and _same_archive(first.package, package):
            return False
        raise DuplicateEntryError(
            name=package.name,
            platform=platform,
            manager=package.manager,
            first=first.index,
            second=index,
        )


def _same_archive(one: Package, other: Package) -> bool:
    """Do two entries name the same archive (version, URL, no contradicting hash)? Their
    `dependencies` may differ: old conda-lock wrote a category's own view of them."""
    return (
        one.version == other.version
        and one.url == other.url
        and all(
            a is None or b is None or a == b
            for a, b in ((one.md5, other.md5), (one.sha256, other.sha256))
        )
    )


class ExplicitListings:
    """The package lines of an @EXPLICIT file read so far, by name and platform."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: dict[str, list[tuple[str, int]]] = {}

    def add(self, package: Package, *, line: int) -> None:
        """Record `package` read at `line`; BadInputError when its name was read before for
        the same platform (its URL's subdir; a noarch line meets every platform). A file
        listing zlib for osx-64 and osx-arm64 is another matter: it has no one platform."""
        subdir = package.subdir or "noarch"
        earlier = self._seen.setdefault(package.name.lower(), [])
        first = next((n for s, n in earlier if s == subdir or "noarch" in (s, subdir)), None)
        earlier.append((subdir, line))
        if first is None:
            return
        raise BadInputError(
            f"the explicit file names {package.name} twice, at lines {first} and {line}, "
            "so it is ambiguous which one is meant (conda would be handed both) and "
            "nothing was read from it. " + _ADVICE.format(what="line"),
            where=where(self._path, line),
        )


__all__ = ["DuplicateEntryError", "ExplicitListings", "LockListings"]
