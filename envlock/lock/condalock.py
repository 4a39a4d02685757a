"""conda-lock's unified lockfile (`conda-lock.yml`, format version 1): model, reader, writer.

The reader is forgiving, because published locks vary: key order (`version` first or
last), channels written as plain strings, entries without `optional`, `category` or
`build` (the build then comes from the URL's file name), pip entries, `source` keys, one
package listed once per category, virtual `__` packages (dropped). The writer emits
the keys and entry order conda-lock 4 writes, deterministically, and
`conda_lock.lockfile.parse_conda_lock_file` reads it (the tests prove it).

What a lock keeps of a Package: name, version, build, manager, url (channel and subdir
are read back from it), md5, sha256 and depends. conda-lock stores depends as a mapping
`{name: spec}`; envlock converts on write and back on read. That round trip is exact for
one spec per name (`python >=3.8,<3.9.0a0`, `pytorch-mutex 1.0 cuda`, a bare `psutil`);
lossy bits: two depends on the same name are merged into one comma-joined spec (kept
separate when either has a build part, then only the first survives), a `channel::`
prefix is dropped, and a conda spec written without a space (`numpy>=1.0`) comes back
with one (`numpy >=1.0`). build_number, constrains, size and timestamp are not stored;
category/optional are not modelled (every listed package is part of the lock).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from envlock import atomic
from envlock.errors import BadInputError, where
from envlock.limits import MAX_LOCK_BYTES, excerpt, read_text
from envlock.lock import yamltext
from envlock.lock.duplicates import DuplicateEntryError, LockListings
from envlock.lock.filenames import package_from_url
from envlock.lock.yamltext import node_line, safe_loader, scalar
from envlock.models import Manager, Package
from envlock.net.channels import check_url
from envlock.net.credentials import scrub_url

LOCK_VERSION = 1
_NAME_PREFIX = re.compile(r"[A-Za-z0-9_.\-]+")


@dataclass(frozen=True, kw_only=True, slots=True)
class LockChannel:
    """A channel of the lock in priority order: a name or a URL without credentials."""

    url: str
    used_env_vars: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Lock:
    """A conda-lock.yml: per-platform package sets plus the metadata conda-lock keeps.

    Packages of each platform are kept sorted by (manager, name), and every platform has
    an entry in `packages`, so that two locks with the same content compare equal however
    they were built.
    """

    platforms: tuple[str, ...]
    channels: tuple[LockChannel, ...]
    content_hash: Mapping[str, str]
    sources: tuple[str, ...]
    packages: Mapping[str, tuple[Package, ...]]
    custom_metadata: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Canonical form, computed once at construction (the object is never mutated later).
        merged = {**dict.fromkeys(self.platforms, ()), **self.packages}
        packages = {
            plat: tuple(sorted(pkgs, key=_package_order)) for plat, pkgs in sorted(merged.items())
        }
        object.__setattr__(self, "packages", packages)
        object.__setattr__(self, "content_hash", dict(sorted(self.content_hash.items())))
        object.__setattr__(self, "custom_metadata", dict(sorted(self.custom_metadata.items())))

    def for_platform(self, platform: str) -> tuple[Package, ...]:
        """The packages (conda and pip) locked for `platform`; BadInputError if it has none."""
        if platform in self.packages:
            return self.packages[platform]
        have = sorted(set(self.platforms) | set(self.packages))
        raise BadInputError(
            f"the lock has no platform {platform}; it has {', '.join(have) or 'none'}: "
            "choose one of those with --platform, or re-resolve the recipe for "
            f"{platform}",
            where=str(self.path) if self.path else None,
        )


def _package_order(pkg: Package) -> tuple[str, str, str, str]:
    return (pkg.manager, pkg.name, pkg.version, pkg.build or "")


# ---------------------------------------------------------------- depends <-> mapping


def _split_depend(spec: str) -> tuple[str, str]:
    """`python >=3.8,<3.9.0a0` → (`python`, `>=3.8,<3.9.0a0`); `numpy<2` → (`numpy`, `<2`)."""
    spec = spec.strip()
    if "::" in spec.split(" ", 1)[0]:
        spec = spec.split("::", 1)[1]
    match = _NAME_PREFIX.match(spec)
    if not match:
        return spec, ""
    return match.group(0), spec[match.end() :].strip()


def depends_to_mapping(depends: Sequence[str]) -> dict[str, str]:
    """conda-lock's `dependencies` mapping from record depends (see the module docstring)."""
    out: dict[str, str] = {}
    for dep in depends:
        name, spec = _split_depend(dep)
        if name not in out:
            out[name] = spec
        elif spec and out[name] and " " not in spec and " " not in out[name]:
            out[name] = f"{out[name]},{spec}"
        elif spec and not out[name]:
            out[name] = spec
    return out


def mapping_to_depends(mapping: Mapping[str, str], manager: Manager) -> tuple[str, ...]:
    """Depends strings back from a `dependencies` mapping: conda `name spec`, pip `namespec`."""
    out: list[str] = []
    for name, raw in mapping.items():
        spec = raw.strip()
        if manager == "pip":
            out.append(name if spec in ("", "*") else f"{name}{spec}")
        else:
            out.append(f"{name} {spec}" if spec else name)
    return tuple(out)


# ---------------------------------------------------------------- reading


class _ShapeError(Exception):
    """A structural problem at a path inside the YAML document (keys and list indexes)."""

    def __init__(self, message: str, path: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def read_lock(path: Path) -> Lock:
    """Read a conda-lock.yml (any conda-lock 1.x to 4.x output); BadInputError on bad input."""
    try:
        text = read_text(path, limit=MAX_LOCK_BYTES, what="a conda-lock.yml")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read the lock file: {exc}", where=str(path)) from None
    try:
        data = yamltext.load(text, path=path, what="a conda-lock.yml")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = excerpt(getattr(exc, "problem", None) or str(exc))
        raise BadInputError(
            f"not valid YAML ({problem}): a conda-lock.yml is expected", where=where(path, line)
        ) from None
    try:
        return _lock_from_data(data, path)
    except _ShapeError as problem:
        raise BadInputError(
            problem.message, where=where(path, node_line(text, problem.path))
        ) from None
    except DuplicateEntryError as twice:
        raise twice.error(path, lambda index: node_line(text, ("package", index))) from None


def _lock_from_data(data: object, path: Path) -> Lock:
    if not isinstance(data, dict) or "package" not in data or "metadata" not in data:
        if isinstance(data, dict) and "environments" in data and "packages" in data:
            raise _ShapeError(
                "this is a pixi.lock, not a conda-lock.yml: envlock reads conda-lock's "
                "unified format (top-level keys version, metadata, package)",
                (),
            )
        raise _ShapeError(
            "not a conda-lock lockfile: expected the top-level keys version, metadata "
            "and package (as conda-lock and envlock resolve write them)",
            (),
        )
    _check_version(data.get("version"))
    meta = data["metadata"]
    if not isinstance(meta, dict):
        raise _ShapeError("metadata: expected a mapping", ("metadata",))
    platforms = tuple(_str_list(meta.get("platforms"), ("metadata", "platforms")))
    channels = tuple(_channels(meta.get("channels")))
    content_hash = meta.get("content_hash") or {}
    if not isinstance(content_hash, dict):
        raise _ShapeError("metadata.content_hash: expected platform: hash", ("metadata",))
    sources = tuple(_str_list(meta.get("sources"), ("metadata", "sources")))
    custom = meta.get("custom_metadata") or {}
    if not isinstance(custom, dict):
        raise _ShapeError("metadata.custom_metadata: expected key: text", ("metadata",))
    entries = data["package"] or []
    if not isinstance(entries, list):
        raise _ShapeError("package: expected a list of package entries", ("package",))
    by_platform: dict[str, list[Package]] = {p: [] for p in platforms}
    listed = LockListings()  # a package named twice is refused (envlock.lock.duplicates)
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and str(entry.get("name", "")).startswith("__"):
            continue  # a virtual package (old conda-lock wrote them): nothing to install
        plat, pkg = _entry(entry, ("package", index))
        category = entry.get("category") if isinstance(entry, dict) else None
        if listed.add(plat, pkg, index=index, category=category):
            by_platform.setdefault(plat, []).append(pkg)
    return Lock(
        platforms=platforms or tuple(sorted(by_platform)),
        channels=channels,
        content_hash={str(k): str(v) for k, v in content_hash.items()},
        sources=sources,
        packages={plat: tuple(pkgs) for plat, pkgs in by_platform.items()},
        custom_metadata={str(k): str(v) for k, v in custom.items()},
        path=path,
    )


def _check_version(version: object) -> None:
    if version is None:
        return  # the oldest conda-lock output had no version key; its layout is version 1
    text = str(version).strip()
    if not text.isdigit():
        raise _ShapeError(f"version: expected a whole number, got {excerpt(text)!r}", ("version",))
    if len(text) > 9 or int(text) > LOCK_VERSION:
        raise _ShapeError(
            f"lock format version {text} is newer than this envlock reads "
            f"(version {LOCK_VERSION}): upgrade envlock",
            ("version",),
        )
    if int(text) < LOCK_VERSION:
        raise _ShapeError(f"lock format version {text} is not a conda-lock format", ("version",))


def _str_list(value: object, ypath: tuple[str | int, ...]) -> Iterator[str]:
    if value is None:
        return
    if not isinstance(value, list):
        raise _ShapeError(f"{'.'.join(map(str, ypath))}: expected a list", ypath)
    for item in value:
        if not isinstance(item, str):
            raise _ShapeError(f"{'.'.join(map(str, ypath))}: expected strings", ypath)
        yield item


def _channels(value: object) -> Iterator[LockChannel]:
    ypath: tuple[str | int, ...] = ("metadata", "channels")
    if value is None:
        return
    if not isinstance(value, list):
        raise _ShapeError("metadata.channels: expected a list", ypath)
    for index, item in enumerate(value):
        url = item.get("url") if isinstance(item, dict) else item
        if isinstance(url, str):
            try:
                check_url(url, what="channel")
            except BadInputError as error:
                raise _ShapeError(f"metadata.channels: {error.message}", (*ypath, index)) from None
        if isinstance(item, str):  # conda-lock 1.x wrote bare names
            yield LockChannel(url=item)
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            used = tuple(_str_list(item.get("used_env_vars"), (*ypath, index)))
            yield LockChannel(url=item["url"], used_env_vars=used)
        else:
            raise _ShapeError(
                "metadata.channels: expected a name or {url, used_env_vars}", (*ypath, index)
            )


def _opt_text(value: object) -> str | None:
    return str(value).strip().lower() or None if value is not None else None


def _entry(entry: object, ypath: tuple[str | int, ...]) -> tuple[str, Package]:
    if not isinstance(entry, dict):
        raise _ShapeError("package entry: expected a mapping", ypath)

    def text(key: str) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            who = entry.get("name")
            label = f"package {who}" if isinstance(who, str) and who else "package entry"
            raise _ShapeError(f"{label}: {key}: expected a non-empty string", ypath)
        return value

    name, version, plat, url = text("name"), text("version"), text("platform"), text("url")
    shown = excerpt(name)
    manager = entry.get("manager", "conda")
    if manager not in ("conda", "pip"):
        raise _ShapeError(
            f"package {shown}: manager: expected conda or pip, got {excerpt(str(manager))}",
            ypath,
        )
    hashes = entry.get("hash") or {}
    deps = entry.get("dependencies") or {}
    if not isinstance(hashes, dict) or not isinstance(deps, dict):
        raise _ShapeError(f"package {shown}: hash and dependencies must be mappings", ypath)
    # Kept as written: pip entries may hold a git commit id as their "sha256".
    md5, sha256 = _opt_text(hashes.get("md5")), _opt_text(hashes.get("sha256"))
    depends = mapping_to_depends({str(k): str(v or "") for k, v in deps.items()}, manager)
    if manager == "pip":
        try:
            check_url(url, what="url")
        except BadInputError as exc:
            raise _ShapeError(f"package {shown}: {exc.message}", ypath) from None
        pkg = Package(
            name=name, version=version, url=url, md5=md5, sha256=sha256,
            depends=depends, manager="pip",
        )  # fmt: skip
        return plat, pkg
    try:
        located = package_from_url(url.split("#", 1)[0], platform=plat)
    except BadInputError as exc:
        raise _ShapeError(f"package {shown}: url: {exc.message}", ypath) from None
    build = entry.get("build")
    pkg = Package(
        name=name,
        version=version,
        build=build if isinstance(build, str) and build else located.build,
        channel=located.channel,
        subdir=located.subdir,
        url=located.url,
        md5=md5,
        sha256=sha256,
        depends=depends,
        manager="conda",
    )
    return plat, pkg


# ---------------------------------------------------------------- writing


def render_lock(lock: Lock) -> str:
    """The lock as conda-lock.yml text: deterministic, credential-free, conda-lock-readable.

    Entries are sorted as conda-lock sorts them (manager, name, platform). A conda package
    without an md5 or any package without a URL cannot be written (conda-lock requires
    both): BadInputError naming the package.
    """
    for plat, pkgs in lock.packages.items():
        for pkg in pkgs:
            if not pkg.url:
                raise BadInputError(f"{pkg.name} {pkg.version} ({plat}) has no URL to lock")
            if pkg.manager == "conda" and not pkg.md5:
                raise BadInputError(
                    f"{pkg.name} {pkg.version} ({plat}) has no md5: conda-lock requires one"
                )
    return _header(lock) + _body(lock)


def _header(lock: Lock) -> str:
    source = " ".join(s.replace("\n", " ") for s in lock.sources) or "RECIPE"
    return (
        "# This lock file was generated by envlock in conda-lock's format (version 1).\n"
        "# DO NOT EDIT: re-resolve instead.\n"
        "#\n"
        '# A "lock file" contains a concrete list of package versions (with checksums) to be\n'
        "# installed. Unlike `conda env create`, the resulting environment will not change as\n"
        "# new package versions become available, unless you explicitly update the lock file.\n"
        "#\n"
        '# Install this environment as "YOURENV" with:\n'
        "#     envlock create conda-lock.yml -n YOURENV\n"
        "# or with conda-lock:\n"
        "#     conda-lock install -n YOURENV conda-lock.yml\n"
        "# To re-solve the entire environment, e.g. after changing the recipe:\n"
        f"#     envlock resolve {source}\n"
    )


def _body(lock: Lock) -> str:
    out = [f"version: {LOCK_VERSION}", "metadata:"]
    out.append("  content_hash:" if lock.content_hash else "  content_hash: {}")
    out += [f"    {scalar(k)}: {scalar(v)}" for k, v in lock.content_hash.items()]
    out.append("  channels:" if lock.channels else "  channels: []")
    for ch in lock.channels:
        out.append(f"  - url: {scalar(scrub_url(ch.url))}")
        out.append("    used_env_vars:" if ch.used_env_vars else "    used_env_vars: []")
        out += [f"    - {scalar(v)}" for v in ch.used_env_vars]
    out.append("  platforms:" if lock.platforms else "  platforms: []")
    out += [f"  - {scalar(p)}" for p in lock.platforms]
    out.append("  sources:" if lock.sources else "  sources: []")
    out += [f"  - {scalar(s)}" for s in lock.sources]
    if lock.custom_metadata:  # conda-lock's `dict[str, str]`; envlock keeps its inputs here
        out.append("  custom_metadata:")
        out += [f"    {scalar(k)}: {scalar(v)}" for k, v in lock.custom_metadata.items()]
    rows = sorted(
        ((pkg.manager, pkg.name, plat), pkg) for plat, pkgs in lock.packages.items() for pkg in pkgs
    )  # conda-lock's own order; keys are unique within a lock
    out.append("package:" if rows else "package: []")
    for (manager, name, plat), pkg in rows:
        out += [f"- name: {scalar(name)}", f"  version: {scalar(pkg.version)}"]
        out += [f"  manager: {manager}", f"  platform: {scalar(plat)}"]
        deps = depends_to_mapping(pkg.depends)
        out.append("  dependencies:" if deps else "  dependencies: {}")
        out += [f"    {scalar(k)}: {scalar(v)}" for k, v in deps.items()]
        out.append(f"  url: {scalar(scrub_url(pkg.url or ''))}")
        out.append("  hash:")
        if pkg.md5:
            out.append(f"    md5: {scalar(pkg.md5)}")
        if pkg.sha256:
            out.append(f"    sha256: {scalar(pkg.sha256)}")
        out += ["  category: main", "  optional: false"]
        if manager == "conda" and pkg.build:
            out.append(f"  build: {scalar(pkg.build)}")
    return "\n".join(out) + "\n"


def write_lock(path: Path, lock: Lock) -> None:
    """Write `render_lock(lock)` to `path` atomically."""
    atomic.write_text(path, render_lock(lock))


__all__ = [
    "LOCK_VERSION",
    "Lock",
    "LockChannel",
    "depends_to_mapping",
    "mapping_to_depends",
    "read_lock",
    "render_lock",
    "safe_loader",
    "write_lock",
]
