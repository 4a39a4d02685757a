"""Index a local channel folder with rattler's indexer, keeping real publication dates.

`rattler.index.index_fs` writes `<subdir>/repodata.json` for every subdir of a channel
folder, rewrites depends into canonical form (`pytorch-mutex 1.0 cuda` →
`pytorch-mutex ==1.0 cuda`) and stamps each record with `indexed_timestamp` = now.
The solver's `exclude_newer` prefers `indexed_timestamp`, so left alone every cutoff
would exclude everything: `index_channel` sets it back to the record's own `timestamp`
(the real publication time), or removes it when a record has none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from envlock.atomic import write_text
from envlock.errors import WorldFailedError

PACKAGE_KEYS = ("packages", "packages.conda")


def empty_repodata(subdir: str) -> dict[str, Any]:
    """The repodata.json of a subdir without packages."""
    return {
        "info": {"subdir": subdir},
        "packages": {},
        "packages.conda": {},
        "removed": [],
        "repodata_version": 1,
    }


def index_channel(channel_dir: Path, subdirs: Iterable[str]) -> dict[str, int]:
    """Index `channel_dir` and return the package count per subdir.

    Every subdir in `subdirs` ends up with a repodata.json (an empty one where the
    folder holds no package), written deterministically (sorted keys) with
    `indexed_timestamp` restored to the publication time.
    Raises WorldFailedError when the indexer fails (an unreadable archive aborts it).
    """
    from rattler.index import index_fs

    from envlock.engine.runtime import run

    wanted = sorted(set(subdirs) | {"noarch"})
    for subdir in wanted:
        (channel_dir / subdir).mkdir(parents=True, exist_ok=True)
    try:
        run(index_fs(channel_dir, write_zst=False, write_shards=False, force=True))
    except Exception as error:  # rattler raises its own exception types, none exported
        raise WorldFailedError(
            f"rattler's indexer failed on channel folder {channel_dir}: {error}. "
            "One unreadable archive aborts the whole run; rebuild the mirror into an "
            "empty folder."
        ) from error
    counts: dict[str, int] = {}
    for subdir in wanted:
        path = channel_dir / subdir / "repodata.json"
        repodata = (
            json.loads(path.read_text(encoding="utf-8"))
            if path.is_file()
            else empty_repodata(subdir)
        )
        counts[subdir] = restore_timestamps(repodata)
        write_text(path, json.dumps(repodata, indent=2, sort_keys=True) + "\n")
    return counts


def restore_timestamps(repodata: dict[str, Any]) -> int:
    """Set each record's `indexed_timestamp` to its `timestamp` (or drop it); count them."""
    count = 0
    for key in PACKAGE_KEYS:
        records = repodata.setdefault(key, {})
        for record in records.values():
            count += 1
            if "timestamp" in record:
                record["indexed_timestamp"] = record["timestamp"]
            else:
                record.pop("indexed_timestamp", None)
    return count
