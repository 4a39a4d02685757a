"""An environment prefix on disk: conda-meta records plus pip-installed dist-info.

conda-meta/*.json are read as plain JSON (no rattler). A `*.dist-info` (or `*.egg-info`)
in site-packages that no conda-meta record lists among its files was installed by pip.
Channel priority comes from the `.envlock-origin.json` that `create` writes; without it
channels are listed in the order the sorted records first name them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from envlock.create.origin import read_origin
from envlock.errors import BadInputError
from envlock.limits import MAX_RECORD_BYTES, excerpt, load_json, read_text
from envlock.models import Package
from envlock.net.channels import channel_name, split_package_url
from envlock.snapshot.model import Snapshot

_INFO_SUFFIXES = (".dist-info", ".egg-info")
# Characters of METADATA read for its Name and Version headers, which lead the file; the
# rest (a README of any size) is never needed.
_METADATA_HEAD = 256 * 1024


@dataclass(frozen=True, kw_only=True, slots=True)
class PrefixContents:
    """What a prefix holds: conda records and pip packages, each sorted by name."""

    prefix: Path
    conda: tuple[Package, ...]
    pip: tuple[Package, ...]
    channels: tuple[str, ...]
    platform: str | None


def is_prefix(path: Path) -> bool:
    """A folder with conda-meta/ is an environment prefix."""
    return (path / "conda-meta").is_dir()


def scan_prefix(prefix: Path) -> PrefixContents:
    """Read every conda-meta record and every pip-installed distribution of `prefix`."""
    meta = prefix / "conda-meta"
    if not prefix.exists():
        raise BadInputError(
            "no such folder: the environment prefix does not exist; pass the folder "
            "that `conda create -p` or `envlock create` made",
            where=str(prefix),
        )
    if not prefix.is_dir():
        raise BadInputError(
            "this is a file, not an environment prefix; pass the folder that "
            "`conda create -p` or `envlock create` made",
            where=str(prefix),
        )
    if not meta.is_dir():
        raise BadInputError(
            "not an environment prefix: it has no conda-meta/ folder; pass the folder "
            "that `conda create -p` or `envlock create` made",
            where=str(prefix),
        )
    conda: list[Package] = []
    owned: set[str] = set()
    for record_path in sorted(meta.glob("*.json")):
        record = _load_record(record_path)
        conda.append(_record_package(record_path, record))
        files = record.get("files")
        for file in files if isinstance(files, list) else ():
            if isinstance(file, str) and "-info" in file:
                owned.add(_info_root(file.replace("\\", "/")))
    conda.sort(key=lambda p: (p.name, p.version, p.build or ""))
    pip = sorted(_pip_packages(prefix, owned), key=lambda p: p.name)
    origin = read_origin(prefix)
    if origin is not None and origin.channels:
        channels = tuple(channel_name(c) for c in origin.channels)
    else:
        channels = tuple(dict.fromkeys(p.channel for p in conda if p.channel))
    return PrefixContents(
        prefix=prefix,
        conda=tuple(conda),
        pip=tuple(pip),
        channels=channels,
        platform=(origin.platform if origin and origin.platform else _platform_of(conda)),
    )


def read_prefix(prefix: Path) -> Snapshot:
    """A prefix as a Snapshot (kind `prefix`; builds and channels known)."""
    contents = scan_prefix(prefix)
    return Snapshot(
        source=str(prefix),
        kind="prefix",
        platform=contents.platform,
        name=prefix.resolve().name,
        channels=contents.channels,
        packages=contents.conda + contents.pip,
        builds_known=True,
        channels_known=True,
        prefix=str(prefix),
    )


def _load_record(path: Path) -> dict[str, object]:
    """One conda-meta record, bounded (`MAX_RECORD_BYTES`, `MAX_NESTING`): a damaged or
    hostile record is bad input naming its file, never a RecursionError."""
    try:
        text = read_text(path, limit=MAX_RECORD_BYTES, what="a conda-meta record")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(
            f"cannot read this conda-meta record ({excerpt(str(error))}); the prefix is damaged",
            where=str(path),
        ) from None
    try:
        data = load_json(text, path=path)
    except BadInputError as error:
        raise BadInputError(f"{error.message}; the prefix is damaged", where=error.where) from None
    if not isinstance(data, dict) or not data.get("name") or not data.get("version"):
        raise BadInputError(
            "this conda-meta record has no name or version; the prefix is damaged",
            where=str(path),
        )
    return data


def _record_package(path: Path, record: dict[str, object]) -> Package:
    url = _opt(record.get("url"))
    channel = _opt(record.get("channel"))
    subdir = _opt(record.get("subdir"))
    if url and "/" in url and (channel is None or subdir is None):
        base, url_subdir, _ = split_package_url(url)
        channel = channel or base
        subdir = subdir or url_subdir
    build_number = record.get("build_number")
    depends = record.get("depends")
    return Package(
        name=str(record["name"]),
        version=str(record["version"]),
        build=_opt(record.get("build")) or _opt(record.get("build_string")),
        build_number=build_number if isinstance(build_number, int) else None,
        channel=channel_name(channel) if channel else None,
        subdir=subdir,
        url=url,
        md5=_opt(record.get("md5")),
        sha256=_opt(record.get("sha256")),
        depends=tuple(str(d) for d in depends) if isinstance(depends, list) else (),
        manager="conda",
    )


def _info_root(file: str) -> str:
    """`lib/python3.8/site-packages/numpy-1.23.5.dist-info/RECORD` → the .dist-info path."""
    for suffix in _INFO_SUFFIXES:
        index = file.find(suffix)
        if index >= 0:
            return file[: index + len(suffix)]
    return file


def _site_packages(prefix: Path) -> list[Path]:
    found = sorted(prefix.glob("lib/python*/site-packages"))
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir():
        found.append(windows)
    return found


def _pip_packages(prefix: Path, owned: set[str]) -> list[Package]:
    packages: dict[str, Package] = {}
    for site in _site_packages(prefix):
        for info in sorted(site.iterdir()):
            if not info.name.endswith(_INFO_SUFFIXES):
                continue
            if info.relative_to(prefix).as_posix() in owned:
                continue
            package = _distribution(info)
            if package is not None:
                packages.setdefault(package.name, package)
    return list(packages.values())


def _distribution(info: Path) -> Package | None:
    """Name and version from METADATA (PKG-INFO for eggs), else from the folder name."""
    name = version = None
    metadata = info / ("METADATA" if info.name.endswith(".dist-info") else "PKG-INFO")
    source = metadata if info.is_dir() else info
    try:
        with source.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(_METADATA_HEAD)  # the headers; a long description may follow
    except OSError:
        head = ""
    for line in head.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        if key == "Name":
            name = value.strip()
        elif key == "Version":
            version = value.strip()
    if not name or not version:
        stem = info.name.rsplit(".", 1)[0]
        parts = stem.split("-")
        if len(parts) < 2:
            return None
        name, version = name or parts[0], version or parts[1]
    return Package(name=str(canonicalize_name(name)), version=version, manager="pip")


def _platform_of(conda: list[Package]) -> str | None:
    subdirs = Counter(p.subdir for p in conda if p.subdir and p.subdir != "noarch")
    return subdirs.most_common(1)[0][0] if subdirs else None


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


__all__ = ["PrefixContents", "is_prefix", "read_prefix", "scan_prefix"]
