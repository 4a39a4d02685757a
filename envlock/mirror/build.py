"""Build the offline demo channels (pytorch, nvidia, pyg, conda-forge) into a folder.

`build_mirror(dest)` writes one folder per channel, each with the subdirs linux-64,
osx-64, win-64 and noarch and their repodata.json, from the demo catalog or from records
you pass (filter or `dataclasses.replace` the catalog for a custom mirror). A stamp file
keeps the hash of the catalog the folder was built from (building the same catalog into
the same folder again returns at once) and the list of files the build wrote: a rebuild
deletes only those (envlock.mirror.stamp).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envlock.atomic import write_bytes, write_text
from envlock.errors import BadInputError, WorldFailedError
from envlock.mirror.archive import LAYOUT_VERSION, package_bytes, read_index_json
from envlock.mirror.catalog import (
    CHANNELS,
    FORMATS,
    SUBDIRS,
    CatalogRecord,
    catalog_sha256,
    demo_catalog,
)
from envlock.mirror.stamp import (
    SCRATCH,
    STAMP,
    Stamp,
    StampProblem,
    plan_clearing,
    read_stamp,
    sha256_of,
    stamp_text,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Mirror:
    """A built mirror: its root folder, channel names (priority order) and counts."""

    root: Path
    channels: tuple[str, ...]
    catalog_sha256: str
    counts: dict[str, dict[str, int]]  # channel -> subdir -> package count
    rebuilt: bool

    @property
    def channel_alias(self) -> str:
        """The `--channel-alias` that makes channel names resolve into this mirror."""
        return self.root.as_uri()

    def channel_url(self, channel: str) -> str:
        """The file:// URL of one channel."""
        return (self.root / channel).as_uri()

    def to_dict(self) -> dict[str, Any]:
        """The payload of the `envlock_mirror` document: where, which catalog, what per channel.

        Channels in priority order, each with its URL, package count and per-subdir counts
        (every subdir of `SUBDIRS`, 0 where it holds none).
        """
        return {
            "root": str(self.root),
            "channel_alias": self.channel_alias,
            "catalog_sha256": self.catalog_sha256,
            "rebuilt": self.rebuilt,
            "channels": [
                {
                    "name": channel,
                    "url": self.channel_url(channel),
                    "packages": sum(self.counts[channel].values()),
                    "subdirs": {sub: self.counts[channel].get(sub, 0) for sub in SUBDIRS},
                }
                for channel in self.channels
            ],
        }


def build_mirror(dest: Path, records: Iterable[CatalogRecord] | None = None) -> Mirror:
    """Build the channels of `records` (default: the demo catalog) into `dest`.

    Returns at once when `dest` holds a build of the same records. Otherwise every
    channel folder is rebuilt from scratch, deleting only files the stamp proves the
    mirror made (envlock.mirror.stamp); the final stamp is written last, so an
    interrupted build is redone next time. Raises BadInputError for records that cannot
    form a channel or a folder that is not the mirror's, WorldFailedError when the disk
    or the indexer fails.
    """
    chosen = tuple(demo_catalog() if records is None else records)
    _check_records(chosen)
    digest = catalog_sha256(chosen, salt=LAYOUT_VERSION)
    channels = _channel_order(chosen)
    dest = dest.resolve()
    stamp = _stamp_of(dest)
    if stamp is not None and stamp.catalog_sha256 == digest:
        counts = {ch: dict(subs) for ch, subs in stamp.counts.items()}
        if set(counts) == set(channels) and all(
            (dest / ch / sub / "repodata.json").is_file() for ch in counts for sub in SUBDIRS
        ):
            return Mirror(root=dest, channels=channels, catalog_sha256=digest, counts=counts,
                          rebuilt=False)  # fmt: skip
    old = tuple(c for c in (stamp.channels if stamp else ()) if _is_channel_name(c))
    clearing = plan_clearing(dest, tuple(dict.fromkeys((*old, *channels))), stamp)
    archives = {f"{r.channel}/{r.subdir}/{r.filename}": (r, package_bytes(r)) for r in chosen}
    files: dict[str, str | None] = {
        path: hashlib.sha256(data).hexdigest() for path, (_, data) in archives.items()
    }
    files.update({f"{ch}/{sub}/repodata.json": None for ch in channels for sub in SUBDIRS})
    try:
        dest.mkdir(parents=True, exist_ok=True)
        clearing.apply()
        # the new manifest goes down before any file it lists, so that an interrupted
        # build is the mirror's to clear next time
        write_text(dest / STAMP, stamp_text(building=True, digest=digest, channels=channels,
                                            counts={}, files=files))  # fmt: skip
        counts = {}
        for channel in channels:
            mine = {p: v for p, v in archives.items() if v[0].channel == channel}
            counts[channel] = _build_channel(dest / channel, mine)
        for path in [p for p, v in files.items() if v is None]:
            files[path] = sha256_of(dest / path)
    except OSError as error:
        raise WorldFailedError(f"could not write the demo mirror into {dest}: {error}") from error
    write_text(dest / STAMP, stamp_text(building=False, digest=digest, channels=channels,
                                        counts=counts, files=files))  # fmt: skip
    return Mirror(root=dest, channels=channels, catalog_sha256=digest, counts=counts, rebuilt=True)


def _stamp_of(dest: Path) -> Stamp | None:
    """The stamp of `dest`, or None for a new or empty folder; BadInputError for a folder
    that holds something else and no stamp that proves it is the mirror's."""
    if dest.exists() and not dest.is_dir():
        raise BadInputError(f"{dest} is a file; give envlock mirror a folder")
    try:
        stamp = read_stamp(dest)
    except StampProblem as problem:
        if any(entry.name != STAMP for entry in dest.iterdir()):
            raise BadInputError(
                f"{dest} is not empty and its stamp proves nothing ({problem}), so envlock "
                "mirror cannot tell what in it it made and deletes none of it. Delete the "
                "folder yourself if it is an old demo mirror, or build the mirror into a "
                "new or empty folder"
            ) from None
        return None  # only a broken stamp: nothing to delete, it is written anew
    if stamp is None and dest.is_dir() and any(dest.iterdir()):
        raise BadInputError(
            f"{dest} is not empty and holds no envlock mirror ({STAMP} is missing); "
            "build the demo mirror into a new or empty folder"
        )
    return stamp


def _is_channel_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _safe_channel(name: str) -> str:
    if not _is_channel_name(name):
        raise BadInputError(f"mirror catalog: bad channel name {name!r}")
    return name


def _build_channel(
    channel_dir: Path, archives: dict[str, tuple[CatalogRecord, bytes]]
) -> dict[str, int]:
    """Write a channel's archives (made beforehand, so the stamp could list their hashes)
    into its cleared folder and index it."""
    from envlock.engine.index import index_channel

    for subdir in SUBDIRS:
        (channel_dir / subdir).mkdir(parents=True, exist_ok=True)
    records = [record for record, _ in archives.values()]
    paths = []
    for record, data in archives.values():
        path = channel_dir / record.subdir / record.filename
        write_bytes(path, data)
        paths.append(path)
    try:
        counts = index_channel(channel_dir, SUBDIRS)
    except WorldFailedError:
        # the indexer does not say which archive it choked on: find it
        for path in paths:
            try:
                read_index_json(path)
            except ValueError as error:
                raise WorldFailedError(f"{error}; rebuild the mirror") from error
        raise
    with contextlib.suppress(OSError):
        (channel_dir / SCRATCH).rmdir()  # the indexer's scratch folder, when it is empty
    if sum(counts.values()) != len(records):
        _explain_missing(channel_dir, records)
    return counts


def _explain_missing(channel_dir: Path, records: list[CatalogRecord]) -> None:
    for record in records:
        repodata = json.loads((channel_dir / record.subdir / "repodata.json").read_text())
        key = "packages.conda" if record.fmt == ".conda" else "packages"
        if record.filename not in repodata.get(key, {}):
            raise WorldFailedError(
                f"rattler's indexer left {record.channel}/{record.subdir}/{record.filename} "
                "out of repodata.json; the archive is not a valid conda package"
            )


def _check_records(records: tuple[CatalogRecord, ...]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for record in records:
        key = (record.channel, record.subdir, record.filename)
        if key in seen:
            raise BadInputError(f"mirror catalog: {'/'.join(key)} appears twice")
        seen.add(key)
        if record.subdir not in SUBDIRS:
            raise BadInputError(
                f"mirror catalog: {record.filename} has subdir {record.subdir!r}; "
                f"expected one of {', '.join(SUBDIRS)}"
            )
        if record.fmt not in FORMATS:
            raise BadInputError(
                f"mirror catalog: {record.filename}: format must be .tar.bz2 or .conda"
            )
        _safe_channel(record.channel)


def _channel_order(records: tuple[CatalogRecord, ...]) -> tuple[str, ...]:
    """The known channels in priority order (pytorch > nvidia > pyg > conda-forge), then others."""
    present = {r.channel for r in records}
    known = [c for c in CHANNELS if c in present]
    return (*known, *sorted(present - set(known)))
