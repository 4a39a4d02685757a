"""Build hostile conda packages byte by byte, for the tests that attack `create`.

The mirror's writer (envlock.mirror.archive) makes only valid packages. Here the test
says exactly which tar members an archive holds (files, symbolic links, hard links,
folders, with any name, `../` and absolute ones included) and what its info/paths.json,
info/files and info/link.json say, in either format (.tar.bz2 or .conda). The package
lands in a channel folder; `lock_for` writes a conda-lock.yml whose hashes match it, so
envlock's verification passes and only the vetting of paths stands in the way.

`paths=None` writes the info/paths.json the members honestly call for, a list writes
that list instead, and `[]` leaves paths.json out (rattler then reads info/files).

In: members and info overrides. Out: envlock Packages (url, sha256, md5), lock paths,
and `outside_snapshot`, a comparable picture of a sentinel tree (file bytes, link targets).
"""

from __future__ import annotations

import bz2
import hashlib
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import zstandard

from envlock.lock.condalock import Lock, LockChannel, write_lock
from envlock.mirror.archive import FIXED_MTIME
from envlock.models import Package

Kind = Literal["file", "symlink", "hardlink", "dir"]


@dataclass(frozen=True)
class Member:
    """One tar member: its name as written (no cleaning), kind, bytes or link target."""

    name: str
    data: bytes = b""
    kind: Kind = "file"
    target: str = ""


def file(name: str, data: bytes = b"payload\n") -> Member:
    return Member(name, data)


def symlink(name: str, target: str) -> Member:
    return Member(name, kind="symlink", target=target)


def hardlink(name: str, target: str) -> Member:
    return Member(name, kind="hardlink", target=target)


def paths_of(members: Sequence[Member]) -> list[dict[str, Any]]:
    """The info/paths.json entries a package of `members` would honestly carry."""
    out: list[dict[str, Any]] = []
    for m in members:
        if m.kind == "file":
            sha = hashlib.sha256(m.data).hexdigest()
            out.append({"_path": m.name, "path_type": "hardlink", "sha256": sha,
                        "size_in_bytes": len(m.data)})  # fmt: skip
        elif m.kind == "symlink":
            out.append({"_path": m.name, "path_type": "softlink", "size_in_bytes": 0})
        elif m.kind == "hardlink":
            out.append({"_path": m.name, "path_type": "hardlink"})
    return out


def _tar(members: Sequence[Member]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            # TarInfo cleans nothing on write, but strips a trailing slash: keep the name
            info.name = m.name
            info.mtime, info.uid, info.gid, info.uname, info.gname = FIXED_MTIME, 0, 0, "", ""
            info.mode = 0o755 if m.kind == "dir" else 0o644
            data = b""
            if m.kind == "file":
                info.size, data = len(m.data), m.data
            elif m.kind == "dir":
                info.type = tarfile.DIRTYPE
            else:
                info.type = tarfile.SYMTYPE if m.kind == "symlink" else tarfile.LNKTYPE
                info.linkname = m.target
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def archive_bytes(
    *,
    stem: str,
    fmt: str,
    index: dict[str, Any],
    members: Sequence[Member],
    paths: list[dict[str, Any]] | None,
    files: str | None,
    link: dict[str, Any] | None,
    info_members: Sequence[Member] = (),
) -> bytes:
    """The archive bytes: info/ (index.json, paths.json, files, link.json and any extra
    `info_members`) then the payload `members`, in the given order."""
    info = [Member("info/index.json", _json(index))]
    if paths != []:  # [] leaves paths.json out: rattler then links what info/files lists
        listed_paths = paths if paths is not None else paths_of(members)
        info.append(Member("info/paths.json", _json({"paths": listed_paths, "paths_version": 1})))
    listed = files if files is not None else "".join(f"{m.name}\n" for m in members)
    info.append(Member("info/files", listed.encode()))
    if link is not None:
        info.append(Member("info/link.json", _json(link)))
    info.extend(info_members)
    if fmt == ".tar.bz2":
        return bz2.compress(_tar([*info, *members]), 9)
    zstd = zstandard.ZstdCompressor(level=3)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("metadata.json", _json({"conda_pkg_format_version": 2}))
        archive.writestr(f"pkg-{stem}.tar.zst", zstd.compress(_tar(members)))
        archive.writestr(f"info-{stem}.tar.zst", zstd.compress(_tar(info)))
    return buffer.getvalue()


def hostile_package(
    channel: Path,
    name: str,
    members: Sequence[Member],
    *,
    paths: list[dict[str, Any]] | None = None,
    files: str | None = None,
    link: dict[str, Any] | None = None,
    noarch: str | None = None,
    depends: Sequence[str] = (),
    fmt: str = ".tar.bz2",
    version: str = "1.0",
    build: str = "0",
    info_members: Sequence[Member] = (),
) -> Package:
    """Write package `name` (members as given) into `channel/<subdir>/`; the Package out
    carries its file:// URL and real hashes."""
    subdir = "noarch" if noarch else "linux-64"
    index: dict[str, Any] = {
        "name": name, "version": version, "build": build, "build_number": 0,
        "depends": list(depends), "subdir": subdir, "timestamp": FIXED_MTIME * 1000,
    }  # fmt: skip
    if noarch:
        index["noarch"] = noarch
    else:
        index["platform"], index["arch"] = "linux", "x86_64"
    stem = f"{name}-{version}-{build}"
    data = archive_bytes(stem=stem, fmt=fmt, index=index, members=members, paths=paths,
                         files=files, link=link, info_members=info_members)  # fmt: skip
    path = channel / subdir / f"{stem}{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Package(
        name=name, version=version, build=build, channel=channel.name, subdir=subdir,
        url=path.as_uri(), sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(), depends=tuple(depends),
        size=len(data),
    )  # fmt: skip


def lock_for(folder: Path, packages: Sequence[Package], channel: Path) -> Path:
    """`folder/conda-lock.yml` (linux-64) locking exactly `packages` from `channel`."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = Lock(
        platforms=("linux-64",),
        channels=(LockChannel(url=channel.as_uri()),),
        content_hash={"linux-64": "test"},
        sources=("hostile.yml",),
        packages={"linux-64": tuple(packages)},
    )
    write_lock(folder / "conda-lock.yml", lock)
    return folder / "conda-lock.yml"


def outside_snapshot(root: Path) -> dict[str, object]:
    """Everything under `root` (not following links): file bytes, link targets, folders,
    so that a test can prove nothing outside the prefix changed."""
    seen: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for entry in (*dirnames, *filenames):
            path = Path(dirpath) / entry
            rel = str(path.relative_to(root))
            if path.is_symlink():
                seen[rel] = ("link", str(path.readlink()))
            elif path.is_dir():
                seen[rel] = ("dir",)
            else:
                seen[rel] = ("file", path.read_bytes())
    return seen


__all__ = [
    "Member",
    "archive_bytes",
    "file",
    "hardlink",
    "hostile_package",
    "lock_for",
    "outside_snapshot",
    "paths_of",
    "symlink",
]
