"""Every verified archive's paths checked before rattler sees it (envlock.engine.paths_check).

A hash match proves the bytes are the locked ones, not that they are harmless: a
published package can name `../x` in its info/paths.json, an absolute tar member, a
symbolic link out of the prefix or a `../` entry point, and rattler would write or
delete there (ENGINE-NOTES, "Installing"). `vet` refuses such an archive with a
WorldFailedError (exit 4) naming the archive and the path, before any staging folder
exists and before rattler reads the archive.

Cost: the tar members' names and link targets need a full decompression, so that
verdict is kept per archive content in `<pkgs>/archives/.envlock-vetted/<sha256>.json`
(the sha256 envlock verified, so any other bytes get their own record): the verdict,
the archive's symbolic links (name → target, needed to check the environment as a
whole) and whether its info/ members all come first. The info files themselves
(paths.json, files, link.json, index.json) are read from the verified archive on every
create, which is cheap: .conda keeps them in a small part of their own, and a .tar.bz2
whose info comes first is read only up to its payload. Like the verified-stamps, a
record is trusted as far as the cache folder is: someone who can write there can edit it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envlock.atomic import replace_unsynced
from envlock.create.cache import ARCHIVES, Verified
from envlock.engine import paths_check as rules
from envlock.engine.archive_listing import ArchiveUnreadableError, Listing, read_listing
from envlock.errors import WorldFailedError

VETTED = ".envlock-vetted"
RECORD_VERSION = 1
WORKERS = 4


@dataclass(frozen=True, kw_only=True, slots=True)
class Vetted:
    """An archive that passed: its info files (as read from the verified archive) and its
    symbolic links, which the extracted cache copy must match (envlock.create.extracted)."""

    verified: Verified
    info: dict[str, bytes]
    symlinks: tuple[tuple[str, str], ...]


def vet(
    verified: Sequence[Verified], *, pkgs_dir: Path, platform: str, final: Path
) -> list[Vetted]:
    """Check every archive alone, then the set as one environment for `platform` that
    is to live at `final`.

    Raises WorldFailedError (exit 4) naming the archive and the offending path; nothing
    is written but the verdict records of archives that passed.
    """
    # Full scans (no record yet) decompress whole archives: worth threads (bz2 and zstd
    # release the GIL). Reading info files alone is quicker in a row than in a pool.
    records = [read_record(pkgs_dir, v.sha256) for v in verified]
    scans = [v for v, r in zip(verified, records, strict=True) if r is None]
    scanned: dict[Path, Vetted] = {}
    if scans:
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(scans))) as pool:
            scanned = {v.path: one for v, one in zip(scans, pool.map(
                lambda v: _vet_one(v, pkgs_dir, final, None), scans), strict=True)}  # fmt: skip
    vetted = [
        scanned[v.path] if r is None else _vet_one(v, pkgs_dir, final, r)
        for v, r in zip(verified, records, strict=True)
    ]
    layout = _layout(vetted, platform)
    placed = []
    for one in vetted:
        name = one.verified.path.name
        offence, info = rules.info_problem(name, Listing(info=one.info))
        if offence is not None:
            raise refused(offence, one.verified)
        placed.append(rules.placed(name, info, _payload_links(one.symlinks), layout))
    offence = rules.set_problem(placed)
    if offence is not None:
        culprit = next((v.verified for v in vetted if v.verified.path.name == offence.package),
                       verified[0])  # fmt: skip
        raise refused(offence, culprit, together=True)
    return vetted


def _payload_links(links: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    # info/ is extracted into the cache but never linked into the environment
    return [(name, target) for name, target in links if not name.startswith("info/")]


def _vet_one(
    verified: Verified, pkgs_dir: Path, final: Path, record: dict[str, Any] | None
) -> Vetted:
    """One archive: its `record` when it has one, else a full read checked and recorded."""
    name = verified.path.name
    try:
        if record is not None:
            listing = read_listing(verified.path, members=not record["info_first"])
            return Vetted(verified=verified, info=listing.info, symlinks=record["symlinks"])
        listing = read_listing(verified.path)
    except ArchiveUnreadableError as error:
        raise WorldFailedError(
            f"installing into {final} failed: {name} cannot be read as a conda package "
            f"({error}); nothing was left behind. The archive matches the lock's hash, so "
            "the locked file itself is broken and a retry fails the same way: fix the "
            "channel's file or re-resolve the lock"
        ) from None
    offence = rules.members_problem(name, listing.members)
    if offence is None and listing.odd_zip_entries:
        first = listing.odd_zip_entries[0]
        offence = rules.Offence(name, first, "an unexpected entry of the .conda zip")
    if offence is not None:
        raise refused(offence, verified)
    symlinks = tuple((m.name, m.target) for m in listing.members if m.kind == "symlink")
    write_record(pkgs_dir, verified.sha256, info_first=listing.info_first, symlinks=symlinks)
    return Vetted(verified=verified, info=listing.info, symlinks=symlinks)


def refused(
    offence: rules.Offence, verified: Verified, *, together: bool = False
) -> WorldFailedError:
    """The error a user reads for a hostile archive: which one, which path, why."""
    where = ", with the other packages of the lock" if together else ""
    return WorldFailedError(
        f"{offence.package} ({verified.package.spec()}) is refused: "
        f"`{rules.excerpt(offence.path)}` ({offence.reason}{where}). Installing it "
        "would write or delete outside the environment; its bytes match the lock's "
        "hash, so the locked package itself is hostile or broken. Nothing was "
        "installed and nothing outside the package cache was touched. Do not use this "
        "package: report it to the channel, or re-resolve against a channel you trust"
    )


def _layout(vetted: Sequence[Vetted], platform: str) -> rules.Layout:
    """Where noarch: python paths land: the set's python decides lib/pythonX.Y."""
    if platform.startswith("win"):
        return rules.Layout(site_packages="Lib/site-packages", scripts="Scripts", windows=True)
    python = next((v.verified.package for v in vetted if v.verified.package.name == "python"), None)
    minor = ".".join(python.version.split(".")[:2]) if python is not None else "3"
    return rules.Layout(
        site_packages=f"lib/python{minor}/site-packages", scripts="bin", windows=False
    )


# ---------------------------------------------------------------- verdict records


def record_path(pkgs_dir: Path, sha256: str) -> Path:
    """Where the verdict on the archive content `sha256` is kept."""
    return pkgs_dir / ARCHIVES / VETTED / f"{sha256}.json"


def read_record(pkgs_dir: Path, sha256: str) -> dict[str, Any] | None:
    """The record of a passed archive, or None (absent, unreadable, another version)."""
    try:
        data = json.loads(record_path(pkgs_dir, sha256).read_bytes())
        if data["version"] != RECORD_VERSION or data["sha256"] != sha256:
            return None
        links = tuple((str(n), str(t)) for n, t in data["symlinks"])
        return {"info_first": bool(data["info_first"]), "symlinks": links}
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_record(
    pkgs_dir: Path, sha256: str, *, info_first: bool, symlinks: Sequence[tuple[str, str]]
) -> None:
    """Keep the verdict for `sha256` (temporary name, then rename; no fsync: a torn
    record does not parse and the archive is simply read again). A read-only cache
    keeps no record."""
    path = record_path(pkgs_dir, sha256)
    data = {"version": RECORD_VERSION, "sha256": sha256, "info_first": info_first,
            "symlinks": [list(link) for link in symlinks]}  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_unsynced(path, json.dumps(data, sort_keys=True).encode())
    except OSError:
        return


__all__ = ["VETTED", "Vetted", "read_record", "record_path", "refused", "vet", "write_record"]
