"""What a conda archive holds, read raw: tar member names and links, and its info files.

rattler extracts every tar member of an archive into the package cache and links what
info/paths.json lists, trusting both (see ENGINE-NOTES: a `../` `_path` is linked
outside the prefix, an absolute member name makes it abort). envlock reads the archive
itself first, with Python's tarfile in stream mode over bz2 or zstd: names and link
targets exactly as written (rattler's own streaming reader cleans `./x` to `x` and
stops at the first name it dislikes, which would hide the rest), in one forward pass
that never writes anything.

`read_listing(path, members=True)` reads every member (a full decompression: the caller
caches the verdict); `members=False` reads only the info files, and for a `.tar.bz2`
stops at the first payload member after the info block (`Listing.info_first` of a full
read says whether that is enough). Unreadable archives raise `ArchiveUnreadableError`.
"""

from __future__ import annotations

import bz2
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

INFO_FILES = ("info/index.json", "info/paths.json", "info/files", "info/link.json")
MemberKind = Literal["file", "dir", "symlink", "hardlink", "other"]
# An info file larger than this is not one a package builder wrote.
_INFO_LIMIT = 256 << 20


class ArchiveUnreadableError(ValueError):
    """The archive cannot be read as a conda package (a broken tar, zip or stream)."""


@dataclass(frozen=True, slots=True)
class Member:
    """One tar member: `name` and, for links, `target`, both exactly as written."""

    name: str
    kind: MemberKind
    target: str = ""
    section: str = ""  # the .conda part it came from ("info", "pkg"); "" for .tar.bz2


@dataclass(frozen=True, kw_only=True, slots=True)
class Listing:
    """An archive as read: its info files (bytes, by member name; absent ones missing),
    its members (empty when only the info files were read), and facts of its layout."""

    info: dict[str, bytes]
    members: tuple[Member, ...] = ()
    # .tar.bz2: the info/ members all come before the payload (a later, partial read of
    # the info files alone sees them all). Always True for .conda (info is its own part).
    info_first: bool = True
    # .conda: zip entries other than metadata.json, one info-*.tar.zst, one pkg-*.tar.zst.
    odd_zip_entries: tuple[str, ...] = field(default=())
    duplicate_info: tuple[str, ...] = field(default=())


def read_listing(path: Path, *, members: bool = True) -> Listing:
    """Read `path` (a .tar.bz2 or .conda); see the module docstring."""
    try:
        if path.name.endswith(".tar.bz2"):
            with bz2.open(path, "rb") as stream:
                return _read_tar_bz2(stream, members=members)
        if path.name.endswith(".conda"):
            return _read_conda(path, members=members)
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, ValueError) as error:
        if isinstance(error, ArchiveUnreadableError):
            raise
        raise ArchiveUnreadableError(f"{path.name}: unreadable archive: {error}") from error
    raise ArchiveUnreadableError(f"{path.name}: not a .tar.bz2 or .conda archive")


def _kind(member: tarfile.TarInfo) -> MemberKind:
    if member.isreg():
        return "file"
    if member.isdir():
        return "dir"
    if member.issym():
        return "symlink"
    if member.islnk():
        return "hardlink"
    return "other"


def _walk(
    stream: IO[bytes],
    *,
    section: str,
    info: dict[str, bytes],
    out: list[Member] | None,
    duplicates: list[str],
    stop_after_info: bool,
) -> bool:
    """Read one tar stream; collect info files into `info` and members into `out`.

    Returns whether every info/ member came before the first payload member. With
    `stop_after_info`, returns at the first payload member after the info block.
    """
    seen_payload = False
    info_first = True
    with tarfile.open(fileobj=stream, mode="r|", errorlevel=2) as tar:
        for member in tar:
            name = member.name
            is_info = name.startswith("info/")
            if not is_info:
                seen_payload = True
                if stop_after_info and info:
                    return True
            elif seen_payload:
                info_first = False
            kind = _kind(member)
            if out is not None:
                out.append(Member(name, kind, member.linkname, section))
            if name in INFO_FILES and kind == "file":
                if name in info:
                    duplicates.append(name)
                if member.size > _INFO_LIMIT:
                    raise ArchiveUnreadableError(f"{name} declares {member.size} bytes")
                handle = tar.extractfile(member)
                info[name] = handle.read() if handle is not None else b""
    return info_first


def _read_tar_bz2(stream: IO[bytes], *, members: bool) -> Listing:
    info: dict[str, bytes] = {}
    found: list[Member] = []
    duplicates: list[str] = []
    info_first = _walk(stream, section="", info=info, out=found if members else None,
                       duplicates=duplicates, stop_after_info=not members)  # fmt: skip
    return Listing(info=info, members=tuple(found), info_first=info_first,
                   duplicate_info=tuple(duplicates))  # fmt: skip


def _read_conda(path: Path, *, members: bool) -> Listing:
    import zstandard

    info: dict[str, bytes] = {}
    found: list[Member] = []
    duplicates: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = [entry.filename for entry in archive.infolist()]
        parts = {
            kind: [n for n in names if n.startswith(f"{kind}-") and n.endswith(".tar.zst")]
            for kind in ("info", "pkg")
        }
        odd = [n for n in names if n != "metadata.json" and n not in parts["info"] + parts["pkg"]]
        odd += parts["info"][1:] + parts["pkg"][1:]  # a second info or pkg part
        odd += sorted({n for n in names if names.count(n) > 1})
        sections = ("info", "pkg") if members else ("info",)
        for section in sections:
            for name in parts[section][:1]:
                try:
                    with (
                        archive.open(name) as raw,
                        zstandard.ZstdDecompressor().stream_reader(raw) as stream,
                    ):
                        _walk(stream, section=section, info=info,
                              out=found if members else None, duplicates=duplicates,
                              stop_after_info=False)  # fmt: skip
                except zstandard.ZstdError as error:
                    raise ArchiveUnreadableError(f"{path.name}: {name}: {error}") from error
    return Listing(info=info, members=tuple(found), odd_zip_entries=tuple(odd),
                   duplicate_info=tuple(duplicates))  # fmt: skip


__all__ = ["INFO_FILES", "ArchiveUnreadableError", "Listing", "Member", "read_listing"]
