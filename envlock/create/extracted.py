"""The extracted package cache, trusted only as far as the verified archive vouches for it.

rattler links from `<pkgs>/<name>-<version>-<build>/`, the archive extracted once, and
with `ValidationMode.full()` checks those files against the info/paths.json *beside
them*: someone who can write the cache can edit a file and that paths.json together,
and the edited file is installed while every archive verified. So before rattler
runs, each entry is compared with the verified archive: its info/paths.json and
info/index.json must be byte for byte the archive's (read by envlock.create.vetting),
its symbolic links must point where the archive's do, its own `.lock` record must
name the archive's sha256. An entry that differs, or is not a plain folder, is
removed (that folder only: a link is unlinked, never followed, and shutil.rmtree
follows no link inside), and rattler extracts it again from the verified archive, whose
files full validation then checks against the archive's own paths.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

from envlock.create.vetting import Vetted
from envlock.engine.paths_check import path_problem

_COMPARED = ("info/paths.json", "info/index.json")


def entry_of(pkgs_dir: Path, vetted: Vetted) -> Path | None:
    """`<pkgs>/<name>-<version>-<build>` as rattler names the extracted copy (from the
    archive's own index.json), or None when that is not one plain file name."""
    try:
        index = json.loads(vetted.info.get("info/index.json", b"{}"))
        folder = f"{index['name']}-{index['version']}-{index['build']}"
    except (ValueError, KeyError, TypeError):
        return None
    if path_problem(folder) is not None or "/" in folder or "\\" in folder:
        return None
    return pkgs_dir / folder


def distrusted(entry: Path, vetted: Vetted) -> str | None:
    """Why the extracted copy at `entry` is not the verified archive's, or None."""
    try:
        mode = entry.lstat().st_mode
    except FileNotFoundError:
        return None  # nothing extracted yet: rattler extracts the verified archive
    try:
        info_mode = (entry / "info").lstat().st_mode
    except OSError:
        info_mode = 0
    if not (stat.S_ISDIR(mode) and stat.S_ISDIR(info_mode)):
        return "not a folder with an info folder"
    for name in _COMPARED:
        if _read_plain(entry / name) != vetted.info.get(name):
            return f"{name} differs from the archive's"
    wrong_link = next((n for n, t in vetted.symlinks if _link(entry / n) != t), None)
    if wrong_link is not None:
        return f"the link {wrong_link} is not the archive's"
    sha = _lock_sha256(entry)
    if sha is not None and sha != vetted.verified.sha256:
        return "its .lock names another archive"
    return None


def _link(path: Path) -> str | None:
    try:
        return str(path.readlink())
    except OSError:
        return None


def _read_plain(path: Path) -> bytes | None:
    """The bytes of a regular file at `path` (no link followed), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read()


def _lock_sha256(entry: Path) -> str | None:
    """The archive sha256 rattler's `<entry>.lock` records (8 bytes of revision, then the
    32-byte digest), or None when there is none to compare."""
    data = _read_plain(entry.with_name(entry.name + ".lock"))
    if data is None or len(data) != 40:
        return None
    return data[8:].hex()


def remove_entry(entry: Path) -> None:
    """Remove the extracted copy at `entry`, never following a link out of it."""
    with contextlib.suppress(FileNotFoundError):
        if entry.is_symlink() or not entry.is_dir():
            entry.unlink()
            return
        shutil.rmtree(entry)


def trust_extracted(pkgs_dir: Path, vetted: Sequence[Vetted]) -> list[Path]:
    """Remove every extracted entry the verified archives do not vouch for (see the
    module docstring); returns the entries removed."""
    removed = []
    for one in vetted:
        entry = entry_of(pkgs_dir, one)
        if entry is None or distrusted(entry, one) is None:
            continue
        remove_entry(entry)
        removed.append(entry)
    return removed


__all__ = ["distrusted", "entry_of", "remove_entry", "trust_extracted"]
