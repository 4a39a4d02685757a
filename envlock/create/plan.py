"""`envlock create`, first half: what create will do, computed without changing anything.

`plan_create` reads the lock, picks the platform and the target prefix and looks at the
package cache: what will be downloaded, what is cached, how many bytes. Before anything
is fetched it checks that the lock is complete for the platform (every dependency of
every conda package is locked too) and, when the lock records the request it was
resolved for (envlock resolve keeps it in its metadata), that the locked packages still
satisfy every requested spec. envlock.create.apply carries the plan out.

With a channel alias (`--channel-alias`, `ENVLOCK_CHANNEL_ALIAS`), every package is
fetched from `<alias>/<channel name>/<subdir>/<file name>` instead of the lock's URL (the
hash check still guarantees the bytes); credentials in the alias are used for the
download only. The environment's conda-meta records keep the lock's URLs.

Where environments go without `-p`: see envlock.create.target.envs_dir.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from envlock.create import cache as fetch
from envlock.create import target as targets
from envlock.create.target import check_apart_from_cache, check_env_name, check_target, envs_dir
from envlock.errors import BadInputError
from envlock.lock.source import (
    LockKind,
    check_complete,
    check_not_empty,
    check_request,
    locate_lock,
    read_packages,
)
from envlock.models import Package
from envlock.net.channels import check_channel_alias
from envlock.net.credentials import Declared, mask
from envlock.net.policy import HttpPolicy
from envlock.platforms import check_platform, host_platform

Phase = Literal["verify", "fetch", "link"]
# What the plan knows of a package's archive: "verified" (cached, and its verified-stamp
# matches the lock), "recheck" (cached, hashed before use), "download" (absent or stale).
CacheState = Literal["verified", "recheck", "download"]
# A rough expansion factor for archives not yet extracted: shown as an estimate only.
UNPACK_FACTOR = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedPackage:
    """One conda package of the plan and the state of its archive in the cache."""

    package: Package
    cached: bool
    size: int | None
    state: CacheState = "download"

    @property
    def state_text(self) -> str:
        """The state as the plan prints it."""
        return {
            "verified": "cached (verified)",
            "recheck": "cached, will be re-checked",
            "download": "download",
        }[self.state]

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.package.name,
            "version": self.package.version,
            "build": self.package.build,
            "channel": self.package.channel,
            "file": self.package.filename,
            "cached": self.cached,
            "state": self.state,
            "size": self.size,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class CreatePlan:
    """Everything `create` will do, computed without changing anything."""

    lock: Path
    kind: LockKind
    name: str
    platform: str
    prefix: Path
    envs_dir_rule: str | None
    force: bool
    replaces: bool
    channels: tuple[str, ...]
    packages: tuple[PlannedPackage, ...]
    pip: tuple[Package, ...]
    pkgs_dir: Path
    download_bytes: int
    cached_bytes: int
    unknown_sizes: int
    # None when an archive to download has no known size (explicit files record none).
    disk_needed_bytes: int | None
    free_bytes: int | None
    # Free bytes on the disk of the package cache (where archives are downloaded to).
    cache_free_bytes: int | None
    warnings: tuple[str, ...]
    # May hold credentials: never printed or written (to_dict shows it masked).
    channel_alias: str | None = field(default=None, repr=False)
    # Timeout and retries of every download, as the command read them once.
    policy: HttpPolicy = field(default_factory=HttpPolicy)
    # The `${NAME}` placeholders the lock's channels declare (envlock.create.cache).
    declared: Declared = field(default_factory=Declared, repr=False)

    @property
    def to_download(self) -> tuple[PlannedPackage, ...]:
        return tuple(p for p in self.packages if not p.cached)

    def to_dict(self) -> dict[str, object]:
        return {
            "lock": str(self.lock),
            "lock_kind": self.kind,
            "name": self.name,
            "platform": self.platform,
            "prefix": str(self.prefix),
            "envs_dir_rule": self.envs_dir_rule,
            "replaces_existing": self.replaces,
            "channels": list(self.channels),
            "channel_alias": mask(self.channel_alias) if self.channel_alias else None,
            "pkgs_dir": str(self.pkgs_dir),
            "packages": [p.to_dict() for p in self.packages],
            "download": {
                "packages": len(self.to_download),
                "bytes": self.download_bytes,
                "unknown_sizes": self.unknown_sizes,
            },
            "cached": {
                "packages": len(self.packages) - len(self.to_download),
                "verified": sum(1 for p in self.packages if p.state == "verified"),
                "bytes": self.cached_bytes,
            },
            "disk_needed_bytes_estimate": self.disk_needed_bytes,
            "free_bytes": self.free_bytes,
            "cache_free_bytes": self.cache_free_bytes,
            "pip_not_installed": [f"{p.name}=={p.version}" for p in self.pip],
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------- planning


def plan_create(
    lock_source: Path | str,
    *,
    platform: str | None = None,
    prefix: Path | None = None,
    name: str | None = None,
    force: bool = False,
    pkgs_dir: Path | None = None,
    channel_alias: str | None = None,
    policy: HttpPolicy | None = None,
) -> CreatePlan:
    """Read the lock and decide what `create` will do; changes nothing on disk.

    `lock_source` is a conda-lock.yml, a `<platform>.lock` explicit file, a lock folder,
    or a bare NAME meaning `locks/NAME/`. `prefix` wins over `name`; without either the
    environment is named after the lock and placed in `envs_dir()`. `channel_alias`
    re-bases every package URL (see the module docstring); `policy` is the HTTP policy
    the downloads follow (default: `HttpPolicy()`). Raises BadInputError (exit 2)
    for an unreadable or incomplete lock, a platform the lock lacks, an unset `${VAR}`
    of a lock URL, an unusable target, or an existing prefix without `force`.
    """
    if prefix is not None and name is not None:
        raise BadInputError("give either -p PREFIX or -n NAME, not both")
    if platform is not None:
        check_platform(platform)
    kind, lock_path, lock_name = locate_lock(lock_source, platform)
    packages, plat, channels = read_packages(kind, lock_path, platform)
    check_not_empty(packages, kind=kind, lock=lock_path, platform=plat)
    conda = tuple(p for p in packages if p.manager == "conda" and not p.name.startswith("__"))
    pip = tuple(p for p in packages if p.manager == "pip")
    check_complete(conda, lock=lock_path, platform=plat, with_depends=kind == "conda-lock")
    if kind == "conda-lock":
        check_request(conda, lock=lock_path, platform=plat)
    if channel_alias is not None:
        check_channel_alias(channel_alias)
    policy = policy or HttpPolicy()
    declared = fetch.declared_for(kind, lock_path, conda)
    for package in conda:
        fetch.expected_hash(package)
        fetch.require_filename(package)
        try:
            # undeclared or unset ${VAR}s, credentials that cannot be sent
            fetch.download_for(package, channel_alias, policy, declared)
        except BadInputError as error:
            raise BadInputError(error.message, where=str(lock_path)) from None

    rule: str | None = None
    if prefix is None:
        env_name = name or lock_name
        check_env_name(env_name)
        envs, rule = envs_dir()
        prefix = envs / env_name
    target = Path(os.path.abspath(Path(prefix).expanduser()))  # noqa: PTH100 - keep symlinked parents as given
    cache = pkgs_dir or fetch.default_pkgs_dir()
    check_apart_from_cache(target, cache)
    replaces = check_target(target, force=force)

    planned = tuple(_planned(cache, p) for p in conda)
    download = sum(p.size or 0 for p in planned if not p.cached)
    cached_bytes = sum(p.size or 0 for p in planned if p.cached)
    unknown = sum(1 for p in planned if p.size is None)
    unpack = sum((p.size or 0) * UNPACK_FACTOR for p in planned if not _extracted(cache, p.package))
    warnings: list[str] = []
    if pip:
        warnings.append(
            f"{len(pip)} pip package(s) in the lock are NOT installed (envlock does not "
            "install the pip layer yet): " + ", ".join(f"{p.name}=={p.version}" for p in pip)
        )
    if plat != host_platform():
        warnings.append(
            f"the environment is for {plat}; it will not run on this {host_platform()} machine"
        )
    free = targets.free_bytes(target)
    cache_free = targets.free_bytes(cache)
    if free is not None and free < download + unpack:
        warnings.append(
            f"about {download + unpack} bytes are needed but only {free} are free on the "
            f"disk holding {target.parent}"
        )
    return CreatePlan(
        lock=lock_path,
        kind=kind,
        name=lock_name,
        platform=plat,
        prefix=target,
        envs_dir_rule=rule,
        force=force,
        replaces=replaces,
        channels=channels,
        packages=planned,
        pip=pip,
        pkgs_dir=cache,
        download_bytes=download,
        cached_bytes=cached_bytes,
        unknown_sizes=unknown,
        disk_needed_bytes=None if unknown else download + unpack,
        free_bytes=free,
        cache_free_bytes=cache_free,
        warnings=tuple(warnings),
        channel_alias=channel_alias,
        policy=policy,
        declared=declared,
    )


def _planned(pkgs_dir: Path, package: Package) -> PlannedPackage:
    archive = fetch.archive_path(pkgs_dir, package)
    cached = archive.is_file() and (package.size is None or archive.stat().st_size == package.size)
    state: CacheState = "download"
    if cached:
        # The verified-stamp (no hashing): a stamp that contradicts the lock means the
        # cached file is not the locked one, so it will be downloaded again.
        stamp = fetch.stamp_state(pkgs_dir, package)
        cached = stamp != "stale"
        state = "verified" if stamp == "verified" else "recheck" if cached else "download"
    size = archive.stat().st_size if cached else package.size
    if size is None and package.url and package.url.startswith("file://"):
        with contextlib.suppress(OSError):
            size = _file_url_path(package.url).stat().st_size
    return PlannedPackage(package=package, cached=cached, size=size, state=state)


def _file_url_path(url: str) -> Path:
    from envlock.net.download import file_path

    return file_path(url)


def _extracted(pkgs_dir: Path, package: Package) -> bool:
    return (pkgs_dir / f"{package.name}-{package.version}-{package.build}").is_dir()


__all__ = ["CacheState", "CreatePlan", "Phase", "PlannedPackage", "plan_create"]
