"""The mirror's stamp, and what `envlock mirror` may delete: only what it can prove it made.

The stamp (`DIR/.envlock-mirror.json`) keeps the catalog hash the folder was built from
and a manifest: every file the build wrote, as `channel/subdir/file name` with its
sha256 (null for the indexer's repodata.json while a build is under way). Before a
rebuild deletes anything, every channel folder it will clear is checked against that
manifest: a file is the mirror's when the manifest lists it and its bytes still have the
listed hash (or, for the indexer's own outputs and interrupted writes, when its name is
one the build makes in a folder the manifest names). Nothing is followed through a
symbolic link, and nothing outside DIR's channel folders is ever considered. Anything
else there stops the rebuild before a byte is deleted, naming what was found.

A stamp that is not JSON, lacks a key or holds the wrong types proves nothing: the folder
is treated as not the mirror's (`StampProblem`), never with a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envlock.errors import BadInputError
from envlock.mirror.catalog import SUBDIRS

STAMP = ".envlock-mirror.json"
# The stamp's version key; not `envlock_mirror`, which is the `envlock mirror --json` document.
STAMP_KEY = "envlock_mirror_stamp"
STAMP_VERSION = 2  # 2: with the manifest of files; 1 (older envlock) had none
INDEX_OUTPUTS = frozenset({"repodata.json"})
SCRATCH = ".tmp"  # rattler's indexer keeps a scratch folder in each channel folder
# A temp file of envlock.atomic beside a file it was writing (left only by SIGKILL).
_ATOMIC_TEMP = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{12}\.tmp")


class StampProblem(Exception):  # noqa: N818 - a reason, not an error shown as such
    """Why a stamp proves nothing: unreadable, not JSON, a missing key, a wrong type."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Stamp:
    """A stamp read back: the built catalog's hash (None while building), its channels,
    counts and (version 2) the manifest of files, None for a version 1 stamp."""

    catalog_sha256: str | None
    channels: tuple[str, ...] = ()
    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    files: Mapping[str, str | None] | None = None


def read_stamp(dest: Path) -> Stamp | None:
    """The stamp of `dest`; None when there is none; StampProblem when it proves nothing."""
    path = dest / STAMP
    if not os.path.lexists(path):
        return None
    if path.is_symlink() or not path.is_file():
        raise StampProblem(f"{STAMP} is not a plain file")
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise StampProblem(f"{STAMP} is not readable JSON ({error})") from None
    if not isinstance(data, dict) or data.get(STAMP_KEY) not in (1, STAMP_VERSION):
        raise StampProblem(f"{STAMP} is not a stamp envlock mirror writes")
    building = data.get("state") == "building"
    digest = data.get("catalog_sha256")
    if not building and not isinstance(digest, str):
        raise StampProblem(f"{STAMP}: catalog_sha256 is missing or not text")
    channels = data.get("channels", [])
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise StampProblem(f"{STAMP}: channels is not a list of names")
    counts = data.get("counts", {})
    if not _counts_shape(counts):
        raise StampProblem(f"{STAMP}: counts is not channel → subdir → number")
    files = data.get("files")
    if data[STAMP_KEY] == STAMP_VERSION and not _files_shape(files):
        raise StampProblem(f"{STAMP}: files is not path → sha256")
    return Stamp(
        catalog_sha256=None if building else digest,
        channels=tuple(channels),
        counts=counts,
        files=files if data[STAMP_KEY] == STAMP_VERSION else None,
    )


def _counts_shape(counts: object) -> bool:
    return isinstance(counts, dict) and all(
        isinstance(sub, dict)
        and all(isinstance(k, str) and type(n) is int and n >= 0 for k, n in sub.items())
        for sub in counts.values()
    )


def _files_shape(files: object) -> bool:
    return isinstance(files, dict) and all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in files.items()
    )


def stamp_text(
    *, building: bool, digest: str, channels: tuple[str, ...], counts: Any, files: Any
) -> str:
    """The stamp's JSON text (sorted, so the same build writes the same bytes)."""
    data: dict[str, Any] = {STAMP_KEY: STAMP_VERSION, "channels": list(channels), "files": files}
    if building:
        data["state"] = "building"
    else:
        data.update(catalog_sha256=digest, counts=counts)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------- clearing


@dataclass(frozen=True, kw_only=True, slots=True)
class Clearing:
    """What clearing some channel folders deletes: files, then folders (if left empty)."""

    files: tuple[Path, ...]
    folders: tuple[Path, ...]

    def apply(self) -> None:
        """Delete the files, then remove the folders that are empty (never anything else)."""
        for path in self.files:
            path.unlink(missing_ok=True)
        for folder in self.folders:
            try:
                folder.rmdir()
            except FileNotFoundError:
                continue


def plan_clearing(dest: Path, channels: tuple[str, ...], stamp: Stamp | None) -> Clearing:
    """What clearing `channels` (folders of `dest`) would delete; BadInputError naming what
    the stamp cannot prove the mirror made, before anything is deleted."""
    manifest = stamp.files if stamp is not None and stamp.files is not None else {}
    files: list[Path] = []
    folders: list[Path] = []
    foreign: list[str] = []
    for channel in channels:
        root = dest / channel
        if not os.path.lexists(root):
            continue
        if not _real_dir(root):
            foreign.append(channel)
            continue
        for sub in sorted(os.scandir(root), key=lambda e: e.name):
            if not (sub.is_dir(follow_symlinks=False) and _is_subfolder(sub.name)):
                foreign.append(f"{channel}/{sub.name}")
                continue
            for entry in sorted(os.scandir(sub.path), key=lambda e: e.name):
                relative = f"{channel}/{sub.name}/{entry.name}"
                if _proven(Path(entry.path), relative, manifest):
                    files.append(Path(entry.path))
                else:
                    foreign.append(relative)
            folders.append(Path(sub.path))
        folders.append(root)
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        proof = (
            "its stamp lists no files (an older envlock wrote it)"
            if stamp is not None and stamp.files is None
            else f"they are not in its stamp ({STAMP}) with the bytes it wrote"
        )
        raise BadInputError(
            f"{dest} holds {shown}, which envlock mirror cannot prove it made: {proof}. "
            "It deletes only what it made, so nothing was deleted or rebuilt. Move those "
            "away (or delete the folder yourself if it is an old demo mirror), or build "
            "the mirror into a new or empty folder"
        )
    return Clearing(files=tuple(files), folders=tuple(folders))


def _real_dir(path: Path) -> bool:
    return stat.S_ISDIR(path.lstat().st_mode)


def _is_subfolder(name: str) -> bool:
    return name in SUBDIRS or name == SCRATCH


def _proven(path: Path, relative: str, manifest: Mapping[str, str | None]) -> bool:
    """Is the regular file `path` (`channel/subdir/name` in the mirror) the mirror's?"""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
    except OSError:
        return False
    if relative not in manifest:
        channel, subdir, name = relative.split("/")
        listed_channel = any(key.startswith(f"{channel}/") for key in manifest)
        if subdir == SCRATCH:
            return listed_channel  # the indexer's scratch files in a channel it indexed
        temp = _ATOMIC_TEMP.fullmatch(name)
        # a write of a listed file cut short by SIGKILL
        return temp is not None and f"{channel}/{subdir}/{temp.group('name')}" in manifest
    expected = manifest[relative]
    if expected is None:  # the indexer's output while a build was under way
        return relative.rsplit("/", 1)[1] in INDEX_OUTPUTS
    return sha256_of(path) == expected


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = [
    "STAMP",
    "STAMP_KEY",
    "Clearing",
    "Stamp",
    "StampProblem",
    "plan_clearing",
    "read_stamp",
    "sha256_of",
    "stamp_text",
]
