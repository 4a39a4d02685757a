"""Write tiny, valid, byte-reproducible conda packages (`.tar.bz2` and `.conda`).

A package holds `info/index.json`, `info/paths.json`, `info/files` and a small payload.
Every tar member has a fixed mtime, uid/gid 0, no user names and a fixed mode, members
are written in sorted order, and the `.conda` zip uses fixed dates, so the same record
always yields the same bytes (and the same sha256) on any machine.

noarch python packages put their module under `site-packages/`, which the installer
relinks to `lib/pythonX.Y/site-packages` (or `Lib/site-packages` on Windows).
"""

from __future__ import annotations

import bz2
import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import zstandard

from envlock.atomic import write_bytes
from envlock.mirror.record import CatalogRecord

# Bump when the archive layout changes: it is part of the mirror's stamp hash.
LAYOUT_VERSION = "1"
# 2021-01-01T00:00:00Z: any fixed instant would do; zip cannot store dates before 1980.
FIXED_MTIME = 1609459200
_ZIP_DATE = (2021, 1, 1, 0, 0, 0)
_ZSTD_LEVEL = 3


def payload(record: CatalogRecord) -> dict[str, bytes]:
    """The files a package installs, by path relative to the prefix."""
    text = (
        f"envlock demo mirror stub of {record.name} {record.version} ({record.build}, "
        f"{record.channel}/{record.subdir}); not the real software.\n"
    )
    if record.noarch == "python":
        module = record.name.replace("-", "_").lower()
        body = f'"""{text.strip()}"""\n\n__version__ = "{record.version}"\n'
        return {f"site-packages/{module}/__init__.py": body.encode()}
    prefix = "Library/" if record.subdir == "win-64" else ""
    return {f"{prefix}share/envlock-demo/{record.name}.txt": text.encode()}


def index_json(record: CatalogRecord) -> dict[str, Any]:
    """The package's `info/index.json`, as conda-build would write it."""
    data: dict[str, Any] = {
        "name": record.name,
        "version": record.version,
        "build": record.build,
        "build_number": record.build_number,
        "depends": list(record.depends),
        "constrains": list(record.constrains),
        "subdir": record.subdir,
        "timestamp": record.timestamp,
    }
    if record.license:
        data["license"] = record.license
    if record.track_features:
        data["track_features"] = record.track_features
    if record.noarch:
        data["noarch"] = record.noarch
    else:
        os_name, _, bits = record.subdir.partition("-")
        data["platform"] = os_name
        data["arch"] = "x86_64" if bits == "64" else bits
    if not data["constrains"]:
        del data["constrains"]
    return data


def info_files(record: CatalogRecord, files: dict[str, bytes]) -> dict[str, bytes]:
    """The `info/` members describing `files`."""
    paths = [
        {
            "_path": path,
            "path_type": "hardlink",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size_in_bytes": len(data),
        }
        for path, data in sorted(files.items())
    ]
    info: dict[str, bytes] = {
        "info/index.json": _json(index_json(record)),
        "info/paths.json": _json({"paths": paths, "paths_version": 1}),
        "info/files": "".join(f"{p}\n" for p in sorted(files)).encode(),
    }
    if record.noarch == "python":
        info["info/link.json"] = _json(
            {"noarch": {"type": "python"}, "package_metadata_version": 1}
        )
    return info


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _tar(members: Iterable[tuple[str, bytes]]) -> bytes:
    """An uncompressed tar of `members`, in the given order, with fixed metadata."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, data in members:
            member = tarfile.TarInfo(path)
            member.size = len(data)
            member.mtime = FIXED_MTIME
            member.mode = 0o644
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            tar.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def package_bytes(record: CatalogRecord) -> bytes:
    """The archive of `record` in its format (`record.fmt`)."""
    files = payload(record)
    info = info_files(record, files)
    if record.fmt == ".tar.bz2":
        # conda puts info/ first, then the payload, each part sorted
        return bz2.compress(_tar([*sorted(info.items()), *sorted(files.items())]), 9)
    if record.fmt == ".conda":
        compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
        parts = {
            "metadata.json": _json({"conda_pkg_format_version": 2}),
            f"pkg-{record.stem}.tar.zst": compressor.compress(_tar(sorted(files.items()))),
            f"info-{record.stem}.tar.zst": compressor.compress(_tar(sorted(info.items()))),
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, data in parts.items():
                entry = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                entry.create_system = 3
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_STORED
                archive.writestr(entry, data)
        return buffer.getvalue()
    raise ValueError(f"{record.filename}: unknown package format {record.fmt!r}")


def write_package(record: CatalogRecord, channel_dir: Path) -> Path:
    """Write `record`'s archive into `channel_dir/<subdir>/` and return its path."""
    path = channel_dir / record.subdir / record.filename
    write_bytes(path, package_bytes(record))
    return path


def read_index_json(path: Path) -> dict[str, Any]:
    """Read `info/index.json` back from an archive; raises ValueError naming the file."""
    try:
        data = json.loads(_read_info_member(path, "info/index.json"))
    except (OSError, KeyError, ValueError, tarfile.TarError, zipfile.BadZipFile,
            zstandard.ZstdError) as error:  # fmt: skip
        raise ValueError(f"{path}: unreadable conda package: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: info/index.json is not a JSON object")  # noqa: TRY004 - bad file content, not a caller's type error
    return data


def _read_info_member(path: Path, member: str) -> bytes:
    """One member of a package's info/ part (KeyError when absent)."""
    if path.name.endswith(".tar.bz2"):
        with tarfile.open(path, "r:bz2") as tar:
            return _tar_member(tar, member)
    if path.name.endswith(".conda"):
        stem = path.name[: -len(".conda")]
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(f"info-{stem}.tar.zst")
        inner = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
        with tarfile.open(fileobj=io.BytesIO(inner), mode="r:") as tar:
            return _tar_member(tar, member)
    raise ValueError("not a .tar.bz2 or .conda archive")


def _tar_member(tar: tarfile.TarFile, member: str) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise KeyError(f"{member} is not a regular file")
    return handle.read()
