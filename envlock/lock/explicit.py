"""`@EXPLICIT` files (`conda list --explicit`, `conda-lock render --kind explicit`).

One package URL per line after an `@EXPLICIT` marker, each optionally followed by its
hash (`#<md5>` or `#sha256:<hex>`); `# platform:` and `# input_hash:` header comments as
conda-lock writes them. conda installs the lines in the order given, so envlock writes
them dependencies first. Only conda packages appear: pip packages have no place here.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from envlock.errors import BadInputError, where
from envlock.limits import MAX_SNAPSHOT_BYTES, excerpt, read_text
from envlock.lock.duplicates import ExplicitListings
from envlock.lock.filenames import package_from_url
from envlock.models import Package
from envlock.net.credentials import scrub_url
from envlock.platforms import KNOWN_PLATFORMS, SUBDIRS
from envlock.specnames import dependency_name

EXPLICIT_MARKER = "@EXPLICIT"


@dataclass(frozen=True, kw_only=True, slots=True)
class ExplicitFile:
    """What an explicit file holds: its platform (from `# platform:`) and conda packages."""

    platform: str | None
    packages: tuple[Package, ...]
    input_hash: str | None = None
    path: Path | None = field(default=None, compare=False)


def _components(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each node's strongly connected component (Tarjan's, iterative), as a number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component: dict[str, int] = {}
    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(graph[root])))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    number = len(set(component.values()))
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component[member] = number
                        if member == node:
                            break
    return component


def toposort(packages: Sequence[Package]) -> list[Package]:
    """`packages` ordered so that each comes after the packages it depends on.

    Ties are broken by (name, version, build, url); depends naming packages outside the
    set (virtual packages, pip packages) are ignored, and so does a package depending on
    itself. When only dependency cycles remain, the smallest-named package that waits
    on nothing but members of its own cycle goes next: a cycle is broken inside it, never
    by putting a package before a dependency outside its cycle, and the order is always
    the same for the same input.
    """
    by_name: dict[str, list[Package]] = {}
    for pkg in packages:
        by_name.setdefault(pkg.name, []).append(pkg)
    # dependency_name lower-cases (conda names are case-insensitive): match it so.
    named = {name.lower(): name for name in sorted(by_name, reverse=True)}
    waiting_on: dict[str, set[str]] = {}
    dependents: dict[str, set[str]] = {name: set() for name in by_name}
    for name, pkgs in by_name.items():
        deps = {named[n] for pkg in pkgs for d in pkg.depends if (n := dependency_name(d)) in named}
        deps.discard(name)
        waiting_on[name] = deps
        for dep in deps:
            dependents[dep].add(name)
    component: dict[str, int] | None = None  # computed at the first cycle
    ready = [name for name, deps in waiting_on.items() if not deps]
    heapq.heapify(ready)
    pending = set(by_name)
    order: list[str] = []
    while pending:
        if ready:
            name = heapq.heappop(ready)
        else:
            # Only cycles block: some pending package waits on its own cycle alone (a
            # cycle no other pending package's cycle waits on has such members).
            if component is None:
                component = _components({n: set(d) for n, d in waiting_on.items()})
            comp = component
            name = min(n for n in pending if all(comp[d] == comp[n] for d in waiting_on[n]))
            waiting_on[name].clear()
        pending.discard(name)
        order.append(name)
        for child in sorted(dependents[name]):
            waiting = waiting_on[child]
            if name in waiting:
                waiting.discard(name)
                if not waiting and child in pending:
                    heapq.heappush(ready, child)
    return [
        pkg
        for name in order
        for pkg in sorted(by_name[name], key=lambda p: (p.version, p.build or "", p.url or ""))
    ]


def _line(pkg: Package) -> str:
    url = scrub_url(pkg.url or "")
    if pkg.md5:
        return f"{url}#{pkg.md5}"
    if pkg.sha256:
        return f"{url}#sha256:{pkg.sha256}"
    return url


def render_explicit(platform: str, packages: Sequence[Package], *, input_hash: str) -> str:
    """An explicit file for one platform: header, `@EXPLICIT`, one `url#md5` per line.

    Conda packages only (pip packages and `__` virtual packages are left out), ordered
    dependencies first; URLs are written without credentials. A conda package without a
    URL cannot be written: BadInputError naming it.
    """
    conda = [p for p in packages if p.manager == "conda" and not p.name.startswith("__")]
    for pkg in conda:
        if not pkg.url:
            raise BadInputError(f"{pkg.name} {pkg.version} ({platform}) has no URL to lock")
    lines = [
        "# Generated by envlock (conda-lock's explicit format).",
        f"# platform: {platform}",
        f"# input_hash: {input_hash}",
        "# Install with: envlock create <this file> -n YOURENV",
        "#           or: conda create -n YOURENV --file <this file>",
        EXPLICIT_MARKER,
        *(_line(pkg) for pkg in toposort(conda)),
    ]
    return "\n".join(lines) + "\n"


def read_explicit(path: Path) -> ExplicitFile:
    """Read an `@EXPLICIT` file; BadInputError with file:line for anything else.

    Comments and blank lines are skipped (`# platform:` and `# input_hash:` are kept);
    every other line must be a package URL. Without a `# platform:` header the platform
    is the one subdir (other than noarch) that all URLs share, else None. A leading
    byte-order mark and CRLF line ends are read as conda reads them; a file over
    `MAX_SNAPSHOT_BYTES` is refused unread.
    """
    try:
        text = read_text(path, limit=MAX_SNAPSHOT_BYTES, what="an @EXPLICIT file")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read the explicit file: {exc}", where=str(path)) from None
    platform: str | None = None
    input_hash: str | None = None
    seen_marker = False
    packages: list[Package] = []
    listed = ExplicitListings(path)  # a package named twice is refused, naming both lines
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line.lstrip("#").partition(":")
            if sep and key.strip() == "platform" and value.strip():
                platform = value.strip()
                if platform not in SUBDIRS:
                    raise BadInputError(
                        f"# platform: {excerpt(platform)!r} is not a conda platform "
                        f"(such as {', '.join(KNOWN_PLATFORMS[:4])})",
                        where=where(path, number),
                    )
            elif sep and key.strip() == "input_hash" and value.strip():
                input_hash = value.strip()
            continue
        if line == EXPLICIT_MARKER:
            seen_marker = True
            continue
        if "://" not in line:
            raise BadInputError(
                f"expected a package URL (https://…/<subdir>/<name>-<version>-<build>"
                f".conda#<md5>) in an @EXPLICIT file, got {excerpt(line)!r}",
                where=where(path, number),
            )
        package = package_from_url(line, platform=platform, where=where(path, number))
        listed.add(package, line=number)
        packages.append(package)
    if not seen_marker:
        raise BadInputError(
            f"no {EXPLICIT_MARKER} line: not an explicit file (conda list --explicit or "
            "conda-lock render --kind explicit writes one)",
            where=str(path),
        )
    if platform is None:
        # No `# platform:` header: the one platform subdir the URLs agree on, if any.
        subdirs = {p.subdir for p in packages if p.subdir and p.subdir != "noarch"}
        platform = subdirs.pop() if len(subdirs) == 1 else None
    return ExplicitFile(
        platform=platform, packages=tuple(packages), input_hash=input_hash, path=path
    )


__all__ = ["EXPLICIT_MARKER", "ExplicitFile", "read_explicit", "render_explicit", "toposort"]
