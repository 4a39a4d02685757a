"""Helpers for the create-stage tests: locks made without `envlock resolve`.

rattler solves a small m3net-like request against the demo mirror (`solve`), envlock's
own writers write conda-lock.yml and the explicit file (`write_locks`, `write_unified_lock`);
`installed`, `locked`, `leftovers` and `snapshot` read back what an install left.
In: a mirror root, specs, Packages, folders. Out: Packages, lock paths, comparable sets.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from envlock.lock.condalock import Lock, LockChannel, write_lock
from envlock.lock.explicit import render_explicit
from envlock.models import Package
from envlock.net.channels import channel_name

CHANNELS = ("pytorch", "nvidia", "pyg", "conda-forge")
M3NET = ("python 3.8.*", "pytorch 1.13.* *cuda11.7*", "pytorch-cuda 11.7.*", "torchvision", "pyg")
LINUX_VIRTUALS = (("__cuda", "11.7"), ("__glibc", "2.17"), ("__unix", "0"), ("__linux", "5.4"))


# ---------------------------------------------------------------- helpers


def solve(root: Path, specs: Sequence[str], platform: str) -> tuple[Package, ...]:
    """Solve `specs` against the mirror at `root` with rattler; envlock Packages out."""
    import rattler
    from rattler import (
        Channel,
        ChannelPriority,
        GenericVirtualPackage,
        MatchSpec,
        PackageName,
        Version,
    )
    from rattler.package import BuildString
    from rattler.platform import Subdir

    virtuals = LINUX_VIRTUALS if platform.startswith("linux") else (("__unix", "0"),)
    records = asyncio.run(
        rattler.solve(
            [Channel((root / c).as_uri()) for c in CHANNELS],
            [MatchSpec(s) for s in specs],
            platforms=[Subdir(platform), Subdir("noarch")],
            virtual_packages=[
                GenericVirtualPackage(PackageName(n), Version(v), BuildString("0"))
                for n, v in virtuals
            ],
            channel_priority=ChannelPriority.Strict,
        )
    )
    return tuple(
        Package(
            name=r.name.normalized,
            version=str(r.version),
            build=str(r.build),
            build_number=r.build_number,
            channel=channel_name(r.channel),
            subdir=r.subdir,
            url=r.url,
            md5=r.md5.hex() if r.md5 else None,
            sha256=r.sha256.hex() if r.sha256 else None,
            depends=tuple(r.depends),
            size=r.size,
        )
        for r in records
    )


def write_locks(
    folder: Path,
    packages: Sequence[Package],
    platform: str = "linux-64",
    *,
    root: Path,
    channels: Sequence[LockChannel] | None = None,
) -> Path:
    """Write `folder/conda-lock.yml` and `folder/<platform>.lock`; returns the folder.
    `channels`: the lock's metadata.channels (default: the mirror's under `root`)."""
    lock = Lock(
        platforms=(platform,),
        channels=tuple(channels or (LockChannel(url=(root / c).as_uri()) for c in CHANNELS)),
        content_hash={platform: "test"},
        sources=("recipes/m3net.yml",),
        packages={platform: tuple(packages)},
    )
    folder.mkdir(parents=True, exist_ok=True)
    write_lock(folder / "conda-lock.yml", lock)
    (folder / f"{platform}.lock").write_text(
        render_explicit(platform, packages, input_hash="test"), encoding="utf-8"
    )
    return folder


def rebase(packages: Sequence[Package], old: Path | str, new: str) -> tuple[Package, ...]:
    """The same packages with their URLs moved from mirror `old` to base URL `new`."""
    prefix = old.as_uri() if isinstance(old, Path) else old
    return tuple(replace(p, url=(p.url or "").replace(prefix, new, 1)) for p in packages)


def installed(prefix: Path) -> set[tuple[str, str, str, str]]:
    """(name, version, build, channel name) of every conda-meta record in `prefix`."""
    out = set()
    for meta in (prefix / "conda-meta").glob("*.json"):
        record = json.loads(meta.read_text(encoding="utf-8"))
        out.add(
            (record["name"], record["version"], record["build"], channel_name(record["channel"]))
        )
    return out


def said(ran: object) -> str:
    """stderr with rich's line wrapping undone."""
    return " ".join(str(getattr(ran, "stderr", "")).split())


def locked(packages: Sequence[Package]) -> set[tuple[str, str, str, str]]:
    return {(p.name, p.version, p.build or "", p.channel or "") for p in packages}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".envlock-" in p.name)


def snapshot(prefix: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(prefix)): p.read_bytes()
        for p in sorted(prefix.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def archive_of(packages: Sequence[Package], name: str) -> Package:
    return next(p for p in packages if p.name == name)


def file_of(root: Path, package: Package) -> Path:
    return root / (package.channel or "") / (package.subdir or "") / (package.filename or "")


def write_unified_lock(
    folder: Path, packages: Sequence[Package], root: Path, *, request: bool
) -> Path:
    """Write `folder/conda-lock.yml` only (linux-64, the mirror at `root`); with `request`,
    it records the m3net request as `envlock resolve` does. Returns the lock's path."""
    custom = (
        {"envlock-inputs-linux-64": json.dumps({"envlock_inputs": 1, "specs": sorted(M3NET)})}
        if request
        else {}
    )
    lock = Lock(
        platforms=("linux-64",),
        channels=tuple(LockChannel(url=(root / c).as_uri()) for c in CHANNELS),
        content_hash={"linux-64": "test"},
        sources=("recipes/m3net.yml",),
        packages={"linux-64": tuple(packages)},
        custom_metadata=custom,
    )
    folder.mkdir(parents=True, exist_ok=True)
    write_lock(folder / "conda-lock.yml", lock)
    return folder / "conda-lock.yml"


__all__ = [
    "CHANNELS",
    "LINUX_VIRTUALS",
    "M3NET",
    "archive_of",
    "file_of",
    "installed",
    "leftovers",
    "locked",
    "rebase",
    "said",
    "snapshot",
    "solve",
    "write_locks",
    "write_unified_lock",
]
