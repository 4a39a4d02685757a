"""Build the offline demo channels (pytorch, nvidia, pyg, conda-forge) into a folder.

`build_mirror(dest)` writes one folder per channel, each with the subdirs linux-64,
osx-64, win-64 and noarch and their repodata.json, from the demo catalog or from records
you pass (filter or `dataclasses.replace` the catalog for a custom mirror). A stamp file
keeps the hash of the catalog the folder was built from: building the same catalog into
the same folder again returns at once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envlock.atomic import write_text
from envlock.errors import BadInputError, WorldFailedError
from envlock.mirror.archive import LAYOUT_VERSION, read_index_json, write_package
from envlock.mirror.catalog import (
    CHANNELS,
    FORMATS,
    SUBDIRS,
    CatalogRecord,
    catalog_sha256,
    demo_catalog,
)

STAMP = ".envlock-mirror.json"
# The stamp's version key; not `envlock_mirror`, which is the `envlock mirror --json` document.
STAMP_KEY = "envlock_mirror_stamp"


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
    channel folder is rebuilt from scratch; the stamp is written last, so an interrupted
    build is redone next time. Raises BadInputError for records that cannot form a
    channel, WorldFailedError when the disk or the indexer fails.
    """
    chosen = tuple(demo_catalog() if records is None else records)
    _check_records(chosen)
    digest = catalog_sha256(chosen, salt=LAYOUT_VERSION)
    channels = _channel_order(chosen)
    dest = dest.resolve()
    stamp = _read_stamp(dest)
    if stamp is not None and stamp.get("catalog_sha256") == digest:
        counts = {
            str(k): {str(s): int(n) for s, n in v.items()} for k, v in stamp["counts"].items()
        }
        if all((dest / ch / sub / "repodata.json").is_file() for ch in counts for sub in SUBDIRS):
            return Mirror(root=dest, channels=channels, catalog_sha256=digest, counts=counts,
                          rebuilt=False)  # fmt: skip
    _refuse_foreign_folder(dest, stamp)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        # mark the folder as ours before touching it, so an interrupted build is redone
        write_text(dest / STAMP, json.dumps({STAMP_KEY: 1, "state": "building"}) + "\n")
        old_channels = stamp.get("channels", []) if stamp else []
        for channel in old_channels:
            if isinstance(channel, str) and channel not in channels:
                shutil.rmtree(dest / _safe_channel(channel), ignore_errors=True)
        counts = {}
        for channel in channels:
            counts[channel] = _build_channel(
                dest / channel, [r for r in chosen if r.channel == channel]
            )
    except OSError as error:
        raise WorldFailedError(f"could not write the demo mirror into {dest}: {error}") from error
    write_text(
        dest / STAMP,
        json.dumps(
            {STAMP_KEY: 1, "catalog_sha256": digest, "channels": list(channels),
             "counts": counts},
            indent=2,
            sort_keys=True,
        )
        + "\n",
    )  # fmt: skip
    return Mirror(root=dest, channels=channels, catalog_sha256=digest, counts=counts, rebuilt=True)


def _refuse_foreign_folder(dest: Path, stamp: dict[str, Any] | None) -> None:
    """Only build into a new or empty folder, or one that holds an envlock mirror."""
    if dest.exists() and not dest.is_dir():
        raise BadInputError(f"{dest} is a file; give envlock mirror a folder")
    if stamp is None and dest.is_dir() and any(dest.iterdir()):
        raise BadInputError(
            f"{dest} is not empty and holds no envlock mirror ({STAMP} is missing); "
            "build the demo mirror into a new or empty folder"
        )


def _safe_channel(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise BadInputError(f"mirror catalog: bad channel name {name!r}")
    return name


def _build_channel(channel_dir: Path, records: list[CatalogRecord]) -> dict[str, int]:
    from envlock.engine.index import index_channel

    if channel_dir.exists():
        shutil.rmtree(channel_dir)
    for subdir in SUBDIRS:
        (channel_dir / subdir).mkdir(parents=True)
    paths = [write_package(record, channel_dir) for record in records]
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


def _read_stamp(dest: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((dest / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
