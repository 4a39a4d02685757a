"""What envlock remembers about a prefix it created: the lock, platform and channel order.

conda-meta/*.json records do not keep channel priority, so `create` writes this small
file and `export` reads it to list channels in priority order. It lives beside
conda-meta, not inside it, because conda parses every conda-meta/*.json as a record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from envlock import atomic

ORIGIN_FILE = ".envlock-origin.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class Origin:
    """Where a prefix came from."""

    lock: str
    platform: str
    channels: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "envlock_origin": 1,
            "lock": self.lock,
            "platform": self.platform,
            "channels": list(self.channels),
        }


def write_origin(prefix: Path, origin: Origin) -> None:
    """Record `origin` in `prefix` (atomically)."""
    atomic.write_text(prefix / ORIGIN_FILE, json.dumps(origin.to_dict(), indent=2) + "\n")


def read_origin(prefix: Path) -> Origin | None:
    """The origin recorded in `prefix`, or None when envlock did not create it."""
    path = prefix / ORIGIN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    if not isinstance(data, dict) or data.get("envlock_origin") != 1:
        return None
    channels = data.get("channels")
    return Origin(
        lock=str(data.get("lock", "")),
        platform=str(data.get("platform", "")),
        channels=tuple(str(c) for c in channels) if isinstance(channels, list) else (),
    )
