"""Where a lock comes from and whether it can be installed.

`locate_lock` turns what the user typed (a conda-lock.yml, a `<platform>.lock`, a lock
folder, a bare NAME meaning `locks/NAME/`) into a lock file and its kind, naming a
pixi.lock or any other YAML document for what it is. `read_packages` reads the packages
of one platform and the channel priority order. `check_complete` refuses a lock that was
cut or edited after it was resolved, before anything is fetched.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from envlock.errors import BadInputError, where
from envlock.models import Package
from envlock.net.channels import channel_name, split_package_url
from envlock.platforms import host_platform
from envlock.specnames import dependency_name

LockKind = Literal["conda-lock", "explicit"]
LOCK_FILE = "conda-lock.yml"
LOCKS_DIR = Path("locks")


# A conda build string of a noarch: python package (conda-forge `pyhd8ed1ab_0`, `py_0`).
_NOARCH_PYTHON_BUILD = re.compile(r"py(h[0-9a-f]+)?_\d+")


def check_complete(
    conda: Iterable[Package], *, lock: Path, platform: str, with_depends: bool
) -> None:
    """BadInputError (exit 2) unless the locked conda packages are self-consistent.

    With `with_depends` (a conda-lock.yml records depends), every dependency name of
    every package (virtual `__` packages aside) must be locked too. Explicit files carry
    no depends: then only noarch: python packages (build `py_N`/`pyh<hash>_N`) are
    checked to have python beside them.
    """
    packages = tuple(conda)
    names = {p.name.lower() for p in packages}
    lacking: list[str] = []
    if with_depends:
        for package in packages:
            missing = sorted({dependency_name(d) for d in package.depends} - names - {""})
            missing = [m for m in missing if not m.startswith("__")]
            if missing:
                lacking.append(f"{package.name} {package.version} needs {', '.join(missing)}")
    if "python" not in names:
        noarch = [
            f"{p.name} {p.version}"
            for p in packages
            if p.subdir == "noarch" and _NOARCH_PYTHON_BUILD.fullmatch(p.build or "")
        ]
        if noarch and not lacking:
            lacking.append(
                f"{', '.join(noarch[:5])}{' …' if len(noarch) > 5 else ''} "
                "(noarch: python) need python"
            )
    if lacking:
        shown = "; ".join(lacking[:8]) + (
            f"; and {len(lacking) - 8} more" if len(lacking) > 8 else ""
        )
        raise BadInputError(
            f"the lock is incomplete for {platform}: {shown}, which the lock does not "
            "list. It was cut or edited after it was resolved; installing it would give a "
            "broken environment, so nothing was fetched. Re-resolve it (envlock resolve "
            "RECIPE) to write a complete lock",
            where=where(lock),
        )


def check_request(conda: Iterable[Package], *, lock: Path, platform: str) -> None:
    """BadInputError (exit 2) when the locked packages contradict the request the lock
    records it was resolved for (`metadata.custom_metadata["envlock-inputs-<platform>"]`,
    written by envlock resolve): every requested conda spec must match the locked package
    of its name (rattler's matchspec semantics). A lock without that record passes.
    """
    from envlock.lock.freshness import read_lock_head

    head = read_lock_head(lock)
    request = head.inputs.get(platform) if head is not None else None
    specs = request.get("specs") if request is not None else None
    if not isinstance(specs, list) or not specs:
        return
    from envlock.engine.matching import unmet_request

    packages = tuple(conda)
    unmet = unmet_request([str(s) for s in specs], packages, platform)
    if not unmet:
        return
    first = unmet[0]
    more = f" (and {len(unmet) - 1} more requested spec(s))" if len(unmet) > 1 else ""
    name = (first.holds or "").split(" ", 1)[0]
    package = next((p for p in packages if p.name.lower() == name), None)
    filename = package.filename if package is not None else None
    line = first_line_with(lock, filename) if filename else None
    what = (
        f"{first.holds} does not satisfy the request `{first.spec}`"
        if first.holds is not None
        else f"no locked package answers the request `{first.spec}`"
    )
    raise BadInputError(
        f"the lock was edited: {what} it was resolved for{more}; nothing was fetched. "
        "Re-resolve it (envlock resolve RECIPE)",
        where=where(lock, line),
    )


def check_not_empty(
    packages: Iterable[Package], *, kind: LockKind, lock: Path, platform: str
) -> None:
    """BadInputError (exit 2) when the lock lists no package for `platform`, unless the
    request it records it was resolved for was empty too (then an empty environment is
    what was asked for). An explicit file's request is its sibling conda-lock.yml's, when
    that lock is the same resolve (its content hash is the file's `# input_hash:`).
    """
    if any(True for _ in packages):
        return
    request = _recorded_request(kind, lock, platform)
    if request is not None and not request["specs"] and not request["pip"]:
        return
    if request is None:
        why = (
            "and records no request it was resolved for, so creating from it would make "
            "an empty environment without a word"
        )
    else:
        specs = request["specs"] + request["pip"]
        shown = ", ".join(specs[:5]) + (" …" if len(specs) > 5 else "")
        why = (
            f"but records that it was resolved for {len(specs)} requested spec(s) "
            f"({shown}), so it was cut after resolve"
        )
    line = first_line_with(lock, "package:") if kind == "conda-lock" else None
    raise BadInputError(
        f"the lock lists no package for {platform} {why}; nothing was done. Re-resolve "
        "it (envlock resolve RECIPE): a lock resolved from an empty request makes an "
        "empty environment",
        where=where(lock, line),
    )


def _recorded_request(kind: LockKind, lock: Path, platform: str) -> dict[str, list[str]] | None:
    """The conda specs and pip lines of the request the lock records for `platform` (see
    `check_not_empty`), or None when it records none."""
    from envlock.lock.freshness import read_lock_head

    unified = lock if kind == "conda-lock" else lock.parent / LOCK_FILE
    try:
        head = read_lock_head(unified)
    except BadInputError:
        return None
    if head is None:
        return None
    if kind == "explicit":
        from envlock.lock.explicit import read_explicit

        if read_explicit(lock).input_hash != head.content_hash.get(platform):
            return None  # the sibling is another resolve: it says nothing of this file
    request = head.inputs.get(platform)
    if not isinstance(request, Mapping) or not isinstance(request.get("specs"), list):
        return None  # a record without its specs proves nothing
    return {
        key: [str(s) for s in value] if isinstance(value := request.get(key), list) else []
        for key in ("specs", "pip")
    }


def first_line_with(lock: Path, needle: str) -> int | None:
    """The 1-based number of the first line of `lock` holding `needle` (say, an archive's
    file name); None when there is none or the file cannot be read."""
    try:
        with lock.open("r", encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, start=1):
                if needle in text:
                    return number
    except OSError:
        return None
    return None


def locate_lock(source: Path | str, platform: str | None) -> tuple[LockKind, Path, str]:
    """(kind, file, lock name) for a lock file, a lock folder or a bare NAME (`locks/NAME/`)."""
    path = Path(source).expanduser()
    text = str(source)
    if not path.exists() and "/" not in text and os.sep not in text and path.suffix == "":
        folder = LOCKS_DIR / text
        if not folder.is_dir():
            raise BadInputError(
                f"no lock named {text!r}: {folder}/ does not exist here. Give the path of a "
                "conda-lock.yml, a <platform>.lock file or a lock folder, or run "
                f"`envlock resolve recipes/{text}.yml` first"
            )
        path = folder
    if path.is_dir():
        unified = path / LOCK_FILE
        if unified.is_file():
            return "conda-lock", unified, path.resolve().name
        explicit = path / f"{platform or host_platform()}.lock"
        if explicit.is_file():
            return "explicit", explicit, path.resolve().name
        have = sorted(p.stem for p in path.glob("*.lock"))
        raise BadInputError(
            f"{path}/ holds no {LOCK_FILE} and no {explicit.name}"
            + (f"; it has locks for {', '.join(have)}: choose one with --platform" if have else "")
        )
    if not path.exists():
        raise BadInputError(f"{path}: no such lock file or folder")
    if not path.is_file():
        raise BadInputError(
            f"{path} is not a lock file or folder: give a conda-lock.yml, a <platform>.lock "
            "file or a lock folder"
        )
    return _sniff(path), path, lock_name(path)


def only_lock_folder() -> Path:
    """The one lock folder in `locks/`, for a create that names no lock.

    Raises BadInputError naming the folders found (or none) when there is not exactly one.
    """
    folders = sorted(p for p in LOCKS_DIR.glob("*/") if p.is_dir()) if LOCKS_DIR.is_dir() else []
    if len(folders) == 1:
        return folders[0]
    names = ", ".join(p.name for p in folders) or "none"
    raise BadInputError(
        f"say which lock to create from: envlock create NAME (lock folders in {LOCKS_DIR}/: "
        f"{names})"
    )


def lock_name(path: Path) -> str:
    """The environment name a lock file suggests: its folder for `conda-lock.yml` and
    `*.lock` files (envlock's layout, `locks/<name>/`), else the file's own stem without a
    `conda-lock` part (`paper__conda-lock.yml` → `paper`)."""
    if path.name == LOCK_FILE or path.suffix == ".lock":
        return path.resolve().parent.name
    stem = path.name.split(".", 1)[0]
    for tail in ("__conda-lock", "-conda-lock", "_conda-lock"):
        stem = stem.removesuffix(tail)
    return stem or path.resolve().parent.name


# A top-level YAML key at the start of a line (`version: 6`, `environments:`), not a URL.
# Line ends are made `\n` first: a CRLF lock is read like any other (as YAML reads it).
_TOP_KEY = re.compile(rb"^(?:\xef\xbb\xbf)?([A-Za-z_][A-Za-z0-9_.-]*):(?:[ \t]|$)", re.MULTILINE)
_READS = (
    "envlock create reads a conda-lock.yml (conda-lock's unified format, top-level keys "
    "version, metadata, package), an @EXPLICIT file (<platform>.lock) or a lock folder "
    "holding them"
)


def _sniff(path: Path) -> LockKind:
    """What kind of lock `path` holds, from its first 64 kB; BadInputError saying what
    it is instead for a pixi.lock or another YAML document."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError as error:
        raise BadInputError(f"cannot read the lock: {error.strerror}", where=str(path)) from None
    head = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"@EXPLICIT" in head:
        return "explicit"
    keys = {k.decode() for k in _TOP_KEY.findall(head)}
    if "environments" in keys and "packages" in keys:
        version = re.search(rb"^version:[ \t]*(\S+)", head, re.MULTILINE)
        shown = f" (format version {version.group(1).decode()})" if version else ""
        raise BadInputError(
            f"this is a pixi.lock{shown}, pixi's lock format, not a lock envlock reads. "
            f"{_READS}. Export explicit files from pixi (pixi project export "
            "conda-explicit-spec DIR) and create from one of those",
            where=str(path),
        )
    if keys and not ({"metadata", "package"} & keys):
        hint = (
            " It looks like an environment file or recipe: make a lock from it with "
            "envlock resolve first"
            if "dependencies" in keys
            else ""
        )
        raise BadInputError(
            f"a YAML document with top-level keys {', '.join(sorted(keys))}, not a lock "
            f"envlock reads. {_READS}.{hint}",
            where=str(path),
        )
    if path.suffix == ".lock" and not keys:
        return "explicit"  # read_explicit says what is wrong with it
    return "conda-lock"


def read_packages(
    kind: LockKind, path: Path, platform: str | None
) -> tuple[tuple[Package, ...], str, tuple[str, ...]]:
    """(packages, platform, channel names in priority order) from the lock."""
    if kind == "conda-lock":
        from envlock.lock.condalock import read_lock

        lock = read_lock(path)
        plat = platform or host_platform()
        packages = lock.for_platform(plat)
        return packages, plat, tuple(channel_name(c.url) for c in lock.channels)
    from envlock.lock.explicit import read_explicit

    explicit = read_explicit(path)
    plat = platform or host_platform()
    if explicit.platform and explicit.platform != plat:
        raise BadInputError(
            f"the lock has no platform {plat}; it has {explicit.platform}: choose it with "
            f"--platform, or use the lock for {plat}",
            where=str(path),
        )
    return explicit.packages, plat, _explicit_channels(path, explicit.packages)


def _explicit_channels(path: Path, packages: Iterable[Package]) -> tuple[str, ...]:
    """Channel order for an explicit file: its sibling conda-lock.yml's, else first use."""
    sibling = path.parent / LOCK_FILE
    if sibling.is_file():
        from envlock.lock.condalock import read_lock

        with contextlib.suppress(BadInputError):
            return tuple(channel_name(c.url) for c in read_lock(sibling).channels)
    names: dict[str, None] = {}
    for package in packages:
        if package.url:
            names.setdefault(channel_name(split_package_url(package.url)[0]), None)
    return tuple(names)
