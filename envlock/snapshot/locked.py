"""Locked snapshots: a conda-lock.yml (one platform of it) and an @EXPLICIT file.

Both readers belong to `envlock.lock.condalock` and `envlock.lock.explicit`; this module picks the
platform and turns their packages into a Snapshot with PEP 503 pip names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from packaging.utils import canonicalize_name

from envlock.errors import BadInputError
from envlock.lock.condalock import read_lock
from envlock.models import Package
from envlock.net.channels import channel_name
from envlock.platforms import host_platform
from envlock.snapshot.model import Snapshot


def lock_platforms(path: Path) -> tuple[str, ...]:
    """The platforms a conda-lock.yml holds."""
    lock = read_lock(path)
    return tuple(sorted(set(lock.platforms) | set(lock.packages)))


def choose_platform(
    path: Path, available: Iterable[str], wanted: str | None, prefer: str | None = None
) -> str:
    """`wanted` when given, else `prefer` (the other side's platform) if present, else the
    host's platform if present, else the only one."""
    have = sorted(set(available))
    if wanted is not None:
        if wanted not in have:
            raise BadInputError(
                f"the lock has no platform {wanted}; it has {', '.join(have) or 'none'}: "
                "pass one of those with --platform",
                where=str(path),
            )
        return wanted
    if prefer is not None and prefer in have:
        return prefer
    host = host_platform()
    if host in have:
        return host
    if len(have) == 1:
        return have[0]
    raise BadInputError(
        f"the lock holds several platforms ({', '.join(have) or 'none'}) and none is this "
        f"machine's ({host}): pick one with --platform",
        where=str(path),
    )


def read_lock_snapshot(path: Path, *, platform: str | None, prefer: str | None = None) -> Snapshot:
    """One platform of a conda-lock.yml (see `choose_platform`)."""
    lock = read_lock(path)
    chosen = choose_platform(path, set(lock.platforms) | set(lock.packages), platform, prefer)
    return Snapshot(
        source=str(path),
        kind="lock",
        platform=chosen,
        name=None,
        channels=tuple(channel_name(c.url) for c in lock.channels),
        packages=_normalised(lock.for_platform(chosen)),
        builds_known=True,
        channels_known=True,
    )


def read_explicit_snapshot(path: Path) -> Snapshot:
    """An @EXPLICIT file: name, version, build, channel and subdir from every URL."""
    from envlock.lock.explicit import read_explicit

    explicit = read_explicit(path)
    packages = _normalised(explicit.packages)
    return Snapshot(
        source=str(path),
        kind="explicit",
        platform=explicit.platform,
        name=None,
        channels=tuple(dict.fromkeys(p.channel for p in packages if p.channel)),
        packages=packages,
        builds_known=True,
        channels_known=True,
    )


def _normalised(packages: Iterable[Package]) -> tuple[Package, ...]:
    out = []
    for package in packages:
        if package.manager == "pip":
            out.append(replace(package, name=str(canonicalize_name(package.name))))
        elif package.channel is not None:
            out.append(replace(package, channel=channel_name(package.channel)))
        else:
            out.append(package)
    return tuple(out)
