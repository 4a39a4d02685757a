"""The demo mirror's record type and the helpers its channel tables share.

A `CatalogRecord` is what goes into one package's `info/index.json`, plus its channel
and archive format. Records are frozen: filter them or swap one with
`dataclasses.replace` to build a custom mirror (`build_mirror(dest, records=...)`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CHANNELS: tuple[str, ...] = ("pytorch", "nvidia", "pyg", "conda-forge")
SUBDIRS: tuple[str, ...] = ("linux-64", "osx-64", "win-64", "noarch")
FORMATS: tuple[str, ...] = (".tar.bz2", ".conda")

# The build number is the last all-digit `_`-separated field: `py3.8_cpu_0` → 0,
# `he550d4f_1_cpython` → 1, `16_linux64_mkl` → 16, `py38_cu117` → 0.
_BUILD_NUMBER = re.compile(r"(?:^|_)(\d+)(?=_|$)")


@dataclass(frozen=True, kw_only=True, slots=True)
class CatalogRecord:
    """One package of the demo mirror: what goes into its `info/index.json`.

    `timestamp` is the real publication time in milliseconds since the epoch; `fmt` is
    the archive format (`.tar.bz2` or `.conda`); `noarch` is "python", "generic" or None.
    """

    channel: str
    subdir: str
    name: str
    version: str
    build: str
    build_number: int
    timestamp: int
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    noarch: str | None = None
    fmt: str = ".tar.bz2"
    license: str = ""
    track_features: str = ""

    @property
    def stem(self) -> str:
        """`name-version-build`, the archive name without its extension."""
        return f"{self.name}-{self.version}-{self.build}"

    @property
    def filename(self) -> str:
        """The archive file name as it appears in repodata.json."""
        return self.stem + self.fmt

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists for tuples), keys in a fixed order."""
        return {
            "channel": self.channel,
            "subdir": self.subdir,
            "name": self.name,
            "version": self.version,
            "build": self.build,
            "build_number": self.build_number,
            "timestamp": self.timestamp,
            "depends": list(self.depends),
            "constrains": list(self.constrains),
            "noarch": self.noarch,
            "fmt": self.fmt,
            "license": self.license,
            "track_features": self.track_features,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CatalogRecord:
        """The inverse of `to_dict`."""
        return cls(
            channel=str(data["channel"]),
            subdir=str(data["subdir"]),
            name=str(data["name"]),
            version=str(data["version"]),
            build=str(data["build"]),
            build_number=int(data["build_number"]),
            timestamp=int(data["timestamp"]),
            depends=tuple(str(d) for d in data.get("depends", ())),
            constrains=tuple(str(d) for d in data.get("constrains", ())),
            noarch=None if data.get("noarch") is None else str(data["noarch"]),
            fmt=str(data.get("fmt", ".tar.bz2")),
            license=str(data.get("license", "")),
            track_features=str(data.get("track_features", "")),
        )


def catalog_sha256(records: Iterable[CatalogRecord], *, salt: str = "") -> str:
    """A hash of the records (order-independent) and `salt` (the archive layout version)."""
    rows = sorted(json.dumps(r.to_dict(), sort_keys=True) for r in records)
    digest = hashlib.sha256(salt.encode())
    for row in rows:
        digest.update(row.encode() + b"\n")
    return digest.hexdigest()


def rec(  # noqa: PLR0917 - positional fields keep the tables below one line per record
    channel: str,
    subdir: str,
    name: str,
    version: str,
    build: str,
    timestamp: int,
    depends: Iterable[str] = (),
    *,
    constrains: Iterable[str] = (),
    noarch: str | None = None,
    fmt: str | None = None,
    license: str = "",
    track_features: str = "",
) -> CatalogRecord:
    """A record as the channel tables write it; build number read from the build string,
    format `.conda` on conda-forge and `.tar.bz2` elsewhere unless `fmt` says otherwise."""
    numbers = _BUILD_NUMBER.findall(build)
    return CatalogRecord(
        channel=channel,
        subdir=subdir,
        name=name,
        version=version,
        build=build,
        build_number=int(numbers[-1]) if numbers else 0,
        timestamp=timestamp,
        depends=tuple(depends),
        constrains=tuple(constrains),
        noarch=noarch,
        fmt=fmt or (".conda" if channel == "conda-forge" else ".tar.bz2"),
        license=license,
        track_features=track_features,
    )


# The platforms and pythons the channel tables build for.
PYTHONS: tuple[str, ...] = ("3.8", "3.9", "3.10")
PLATFORMS: tuple[str, ...] = ("linux-64", "osx-64", "win-64")
CUDA_PLATFORMS: tuple[str, ...] = ("linux-64", "win-64")


def py_pin(py: str) -> str:
    """The python pin a compiled package carries: `python >=3.8,<3.9.0a0`."""
    major, minor = py.split(".")
    return f"python >={py},<{major}.{int(minor) + 1}.0a0"


def py_abi(py: str) -> str:
    """conda-forge's ABI pin: `python_abi 3.8.* *_cp38`."""
    return f"python_abi {py}.* *_cp{py.replace('.', '')}"


def py_tag(py: str) -> str:
    """`3.10` → `310`, as in build strings (`py310_cpu`)."""
    return py.replace(".", "")
