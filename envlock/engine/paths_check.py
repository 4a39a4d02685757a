"""The path rules every archive must pass before rattler links anything (pure, no I/O).

rattler trusts the paths an archive names (ENGINE-NOTES, "Installing"): a `_path` of
`../x` is linked outside the prefix, a climbing one deletes a file elsewhere when the
failed link is rolled back, an absolute tar member makes it abort. So every path an
archive names is held to these rules first:

- a path is relative and normalised: no empty, `.` or `..` component, no leading `/`
  or `\\`, no drive (`C:`), no NUL; a backslash counts as a separator (Windows);
- a symbolic link's target is relative, and resolved against the link's folder,
  following every symbolic link of the archive (or of the whole environment: a virtual
  realpath), it stays inside; loops count as leaving;
- no path goes through a symbolic link that a package of the set creates;
- a hard link names an earlier regular-file member of the same archive;
- an entry point's name (`name = module:func` in info/link.json) is one plain component;
- tar members are files, folders or links (no devices or FIFOs), none named twice.

Links are followed without regard to case (a case-insensitive disk, macOS or Windows,
follows `D/..` through `d`), which may refuse more than Linux needs, never less.
Everything here takes names and returns an `Offence` (the package, the path, why) or
None; the caller words it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from envlock.engine.archive_listing import Listing, Member

_SEPARATORS = re.compile(r"[\\/]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_HOPS = 40  # links followed while resolving one target, as Linux's ELOOP limit
EXCERPT = 80


@dataclass(frozen=True, slots=True)
class Offence:
    """What is wrong: `path` (as the archive wrote it) of `package`, and `reason`."""

    package: str
    path: str
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Layout:
    """Where a noarch: python package's paths land in the environment."""

    site_packages: str  # lib/python3.8/site-packages, or Lib/site-packages on Windows
    scripts: str  # bin, or Scripts on Windows
    windows: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Placed:
    """One package's paths as they land in the environment (relocated)."""

    package: str
    paths: tuple[str, ...]
    symlinks: tuple[tuple[str, str], ...]  # (link path, target as written)


def excerpt(text: str) -> str:
    """`text` cut to EXCERPT characters, NUL and control characters shown escaped."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= EXCERPT else shown[: EXCERPT - 1] + "…"


def path_problem(path: str) -> str | None:
    """Why `path` may not name anything inside a prefix, or None when it may."""
    parts = _SEPARATORS.split(path.removesuffix("/"))
    checks = (
        (not path, "an empty path"),
        ("\x00" in path, "a NUL character in the path"),
        (path[:1] in ("/", "\\"), "an absolute path"),
        (_DRIVE.match(path) is not None, "a Windows drive path"),
        (".." in parts, "a `..` component"),
        (
            any(p in ("", ".") for p in parts),
            "a path that is not normalised (an empty or `.` part)",
        ),
    )
    return next((reason for failed, reason in checks if failed), None)


def _parts(path: str) -> list[str]:
    return [p for p in _SEPARATORS.split(path) if p not in ("", ".")]


def _key(parts: Sequence[str]) -> str:
    return "/".join(parts).casefold()


class _Links:
    """Symbolic links by case-folded path; resolves targets as a virtual realpath."""

    def __init__(self, links: Iterable[tuple[str, str]]) -> None:
        self.by_key: dict[str, list[tuple[str, str]]] = {}
        for path, target in links:
            self.by_key.setdefault(_key(_parts(path)), []).append((path, target))

    def through(self, path: str) -> str | None:
        """The symbolic link (a proper ancestor) that `path` goes through, if any."""
        parts = _parts(path)
        for end in range(1, len(parts)):
            found = self.by_key.get(_key(parts[:end]))
            if found:
                return found[0][0]
        return None

    def resolve(self, folder: list[str], target: str, hops: int = 0) -> list[str] | None:
        """The parts `target` resolves to from `folder`, or None when it leaves the root
        (absolute, climbing above it, or looping)."""
        if hops > _MAX_HOPS or path_problem(target) in _ABSOLUTE:
            return None
        parts = list(folder)
        for part in _parts(target):
            if part == "..":
                if not parts:
                    return None
                parts.pop()
                continue
            parts.append(part)
            alternatives = self.by_key.get(_key(parts), ())
            resolved = [self.resolve(parts[:-1], t, hops + 1) for _, t in alternatives]
            if any(r is None for r in resolved):
                return None
            if resolved:
                parts = list(resolved[0] or [])
        return parts

    def leaving(self) -> tuple[str, str] | None:
        """(link path, target) of the first link whose target leaves the root."""
        for links in self.by_key.values():
            for path, target in links:
                if self.resolve(_parts(path)[:-1], target) is None:
                    return path, target
        return None


_ABSOLUTE = ("an absolute path", "a Windows drive path", "a NUL character in the path")


def members_problem(package: str, members: Sequence[Member]) -> Offence | None:
    """The first member of one archive that breaks the rules (names, kinds, duplicates,
    hard links, symbolic links leaving the archive's root or written through)."""
    seen: dict[str, str] = {}
    for member in members:
        reason = path_problem(member.name)
        if reason is None and member.kind == "other":
            reason = "a device or FIFO member (only files, folders and links are allowed)"
        if reason is None and member.kind != "dir" and member.name in seen:
            reason = "a member named twice (the second would replace the first)"
        if reason is None and member.kind == "hardlink":
            reason = _hardlink_problem(member, seen)
        if reason is not None:
            return Offence(package, member.name, reason)
        seen[member.name] = member.kind
    links = _Links((m.name, m.target) for m in members if m.kind == "symlink")
    return _links_problem(package, links, [m.name for m in members])


def _hardlink_problem(member: Member, seen: Mapping[str, str]) -> str | None:
    if path_problem(member.target) is not None:
        return f"a hard link to `{excerpt(member.target)}`, outside the archive"
    if seen.get(member.target) != "file":
        return f"a hard link to `{excerpt(member.target)}`, not an earlier file of the archive"
    return None


def _links_problem(package: str, links: _Links, paths: Iterable[str]) -> Offence | None:
    found = _through_problem(package, links, paths)
    if found is not None:
        return found
    leaving = links.leaving()
    if leaving is None:
        return None
    path, target = leaving
    return Offence(
        package, path, f"a symbolic link to `{excerpt(target)}`, which leaves the prefix"
    )


def _through_problem(package: str, links: _Links, paths: Iterable[str]) -> Offence | None:
    for path in paths:
        via = links.through(path)
        if via is not None:
            return Offence(package, path, f"a path through the symbolic link `{excerpt(via)}`")
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class InfoPaths:
    """What an archive's info files say it installs (paths as written, not relocated)."""

    paths: tuple[str, ...]
    entry_points: tuple[str, ...]
    noarch_python: bool


def info_problem(package: str, listing: Listing) -> tuple[Offence | None, InfoPaths]:
    """Check the paths in info/paths.json, info/files and info/link.json's entry points."""
    empty = InfoPaths(paths=(), entry_points=(), noarch_python=False)
    for name in listing.duplicate_info:
        return Offence(package, name, "an info file named twice in the archive"), empty
    paths: list[str] = []
    try:
        if "info/paths.json" in listing.info:
            paths += _paths_json(listing.info["info/paths.json"])
        files = listing.info.get("info/files", b"").decode("utf-8").splitlines()
        link = json.loads(listing.info.get("info/link.json", b"{}") or b"{}")
        noarch = link.get("noarch", {}) if isinstance(link, dict) else {}
        names = noarch.get("entry_points", []) if isinstance(noarch, dict) else []
        entry_points = [str(e).split("=", 1)[0].strip() for e in names]
    except (ValueError, TypeError, AttributeError) as error:
        return Offence(package, "info/", f"unreadable info files ({excerpt(str(error))})"), empty
    if "info/paths.json" not in listing.info:
        paths += files  # rattler's fallback: info/files names what is linked
    for path in [*paths, *files]:
        if (reason := path_problem(path)) is not None:
            return Offence(package, path, reason), empty
    for name in entry_points:
        reason = path_problem(name)
        if reason is None and _SEPARATORS.search(name):
            reason = "an entry point name with a folder in it"
        if reason is not None:
            return Offence(package, name, f"{reason} (entry point in info/link.json)"), empty
    noarch_python = isinstance(noarch, dict) and noarch.get("type") == "python"
    index = json.loads(listing.info.get("info/index.json", b"{}") or b"{}")
    noarch_python = noarch_python or (isinstance(index, dict) and index.get("noarch") == "python")
    return None, InfoPaths(paths=tuple(paths), entry_points=tuple(entry_points),
                           noarch_python=noarch_python)  # fmt: skip


def _paths_json(data: bytes) -> list[str]:
    document = json.loads(data)
    entries = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise TypeError("info/paths.json holds no `paths` list")
    out = []
    for entry in entries:
        path = entry.get("_path") if isinstance(entry, dict) else None
        if not isinstance(path, str):
            raise TypeError("an info/paths.json entry without a `_path` text")
        out.append(path)
    return out


def relocate(path: str, info: InfoPaths, layout: Layout) -> str:
    """Where `path` of a package lands: noarch: python moves site-packages/ and
    python-scripts/ (as rattler does); everything else stays."""
    if info.noarch_python:
        for old, new in (("site-packages/", layout.site_packages), ("python-scripts/",
                                                                      layout.scripts)):  # fmt: skip
            if path.startswith(old):
                return f"{new}/{path[len(old) :]}"
    return path


def placed(package: str, info: InfoPaths, symlinks: Sequence[tuple[str, str]],
           layout: Layout) -> Placed:  # fmt: skip
    """One package's paths and symbolic links where they land in the environment."""
    paths = [relocate(p, info, layout) for p in info.paths]
    for name in info.entry_points:
        if layout.windows:
            paths += [f"{layout.scripts}/{name}-script.py", f"{layout.scripts}/{name}.exe"]
        else:
            paths.append(f"{layout.scripts}/{name}")
    links = tuple((relocate(p, info, layout), t) for p, t in symlinks)
    return Placed(package=package, paths=tuple(paths), symlinks=links)


def set_problem(packages: Sequence[Placed]) -> Offence | None:
    """The first path of the environment that goes through a symbolic link any package
    creates, or a symbolic link that, following all the others, leaves the prefix."""
    links = _Links(link for p in packages for link in p.symlinks)
    if not links.by_key:
        return None
    for package in packages:
        found = _through_problem(package.package, links, package.paths)
        if found is not None:
            return found
    leaving = links.leaving()
    if leaving is None:
        return None
    path, target = leaving
    owner = next(p.package for p in packages if (path, target) in p.symlinks)
    return Offence(owner, path, f"a symbolic link to `{excerpt(target)}`, which leaves the "
                   "prefix (following the links of the other packages)")  # fmt: skip


__all__ = [
    "EXCERPT",
    "InfoPaths",
    "Layout",
    "Offence",
    "Placed",
    "excerpt",
    "info_problem",
    "members_problem",
    "path_problem",
    "placed",
    "relocate",
    "set_problem",
]
