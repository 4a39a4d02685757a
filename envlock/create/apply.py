"""`envlock create`: replay a lock into a verified environment, with nothing lost on failure.

Plan, then apply. `plan_create` reads the lock, picks the platform and the target prefix
and looks at the package cache: what will be downloaded, what is cached, how many bytes.
`apply_create` fetches and verifies every archive against the lock (envlock.create.cache), links
them into a staging folder beside the target (envlock.engine.install), writes the origin
file, and only then renames the staging folder into place. Any failure removes the
staging folder; an existing environment replaced with `force` is moved aside first and
put back when the final rename fails, so it is never lost.

Before anything is fetched, the plan checks that the lock is complete for the platform
(every dependency of every conda package is locked too) and, when the lock records the
request it was resolved for (envlock resolve keeps it in its metadata), that the locked
packages still satisfy every requested spec. After verification and before anything is
linked, each archive's own info/index.json depends/constrains are matched (rattler's
matchspec semantics) against the locked set: a lock edited to point an entry at another
archive is refused (exit 2) instead of producing a broken environment. Archives that
cannot fit on the package cache's disk are refused before anything starts (exit 4).

Ctrl-C and SIGTERM: the staging folder is removed only after rattler has stopped writing
into it; a killed run's leftovers are swept by the next create (envlock.create.staging).

With a channel alias (`--channel-alias`, `ENVLOCK_CHANNEL_ALIAS`), every package is
fetched from `<alias>/<channel name>/<subdir>/<file name>` instead of the lock's URL (the
hash check still guarantees the bytes); credentials in the alias are used for the
download only. The environment's conda-meta records keep the lock's URLs.

Where environments go without `-p`: see envlock.create.target.envs_dir.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from envlock.create import cache as fetch
from envlock.create import staging
from envlock.create.origin import Origin, write_origin
from envlock.create.target import check_env_name, check_target, envs_dir, free_bytes
from envlock.errors import BadInputError, WorldFailedError
from envlock.lock.source import (
    LockKind,
    check_complete,
    check_request,
    locate_lock,
    read_packages,
)
from envlock.models import Package
from envlock.net.channels import check_channel_alias
from envlock.net.credentials import mask
from envlock.net.policy import policy_from_env
from envlock.platforms import check_platform, host_platform

Phase = Literal["verify", "fetch", "link"]
# What the plan knows of a package's archive: "verified" (cached, and its verified-stamp
# matches the lock), "recheck" (cached, hashed before use), "download" (absent or stale).
CacheState = Literal["verified", "recheck", "download"]
# A rough expansion factor for archives not yet extracted: shown as an estimate only.
UNPACK_FACTOR = 3
FETCH_WORKERS = 4


class Progress(Protocol):
    """What apply_create reports while it works (the CLI draws it with rich)."""

    def begin(self, phase: Phase, total: int) -> None:
        """A phase starts: `verify`/`fetch` count bytes, `link` counts packages."""

    def advance(self, phase: Phase, amount: int) -> None:
        """`amount` more bytes (verify, fetch) or packages (link) are done."""

    def end(self, phase: Phase) -> None:
        """The phase is complete."""


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


@dataclass(frozen=True, kw_only=True, slots=True)
class CreateResult:
    """What apply_create did."""

    plan: CreatePlan
    prefix: Path
    linked: int
    fetched: int
    fetched_bytes: int
    reused: int
    reused_bytes: int
    seconds: float
    replaced: bool

    @property
    def activate(self) -> tuple[str, ...]:
        quoted = shlex.quote(str(self.prefix))  # a path with spaces stays one word
        return (f"conda activate {quoted}", f"micromamba activate {quoted}")

    def to_dict(self) -> dict[str, object]:
        return {
            "prefix": str(self.prefix),
            "platform": self.plan.platform,
            "lock": str(self.plan.lock),
            "packages": self.linked,
            "fetched": {"packages": self.fetched, "bytes": self.fetched_bytes},
            "reused_from_cache": {"packages": self.reused, "bytes": self.reused_bytes},
            "replaced_existing": self.replaced,
            "seconds": round(self.seconds, 3),
            "activate": list(self.activate),
            "pip_not_installed": [f"{p.name}=={p.version}" for p in self.plan.pip],
            "warnings": list(self.plan.warnings),
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
) -> CreatePlan:
    """Read the lock and decide what `create` will do; changes nothing on disk.

    `lock_source` is a conda-lock.yml, a `<platform>.lock` explicit file, a lock folder,
    or a bare NAME meaning `locks/NAME/`. `prefix` wins over `name`; without either the
    environment is named after the lock and placed in `envs_dir()`. `channel_alias`
    re-bases every package URL (see the module docstring). Raises BadInputError (exit 2)
    for an unreadable or incomplete lock, a platform the lock lacks, an unset `${VAR}`
    of a lock URL, an unusable target, or an existing prefix without `force`.
    """
    if prefix is not None and name is not None:
        raise BadInputError("give either -p PREFIX or -n NAME, not both")
    if platform is not None:
        check_platform(platform)
    kind, lock_path, lock_name = locate_lock(lock_source, platform)
    packages, plat, channels = read_packages(kind, lock_path, platform)
    conda = tuple(p for p in packages if p.manager == "conda" and not p.name.startswith("__"))
    pip = tuple(p for p in packages if p.manager == "pip")
    check_complete(conda, lock=lock_path, platform=plat, with_depends=kind == "conda-lock")
    if kind == "conda-lock":
        check_request(conda, lock=lock_path, platform=plat)
    if channel_alias is not None:
        check_channel_alias(channel_alias)
    policy_from_env()  # a bad ENVLOCK_HTTP_* setting is refused here, naming no file
    for package in conda:
        fetch.expected_hash(package)
        fetch.require_filename(package)
        try:
            fetch.download_for(package, channel_alias)  # unset ${VAR}s, bad credentials
        except BadInputError as error:
            raise BadInputError(error.message, where=str(lock_path)) from None

    rule: str | None = None
    if prefix is None:
        env_name = name or lock_name
        check_env_name(env_name)
        envs, rule = envs_dir()
        prefix = envs / env_name
    target = Path(os.path.abspath(Path(prefix).expanduser()))  # noqa: PTH100 - keep symlinked parents as given
    replaces = check_target(target, force=force)

    cache = pkgs_dir or fetch.default_pkgs_dir()
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
    free = free_bytes(target)
    cache_free = free_bytes(cache)
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


# ---------------------------------------------------------------- applying


class _NoProgress:
    def begin(self, phase: Phase, total: int) -> None:
        pass

    def advance(self, phase: Phase, amount: int) -> None:
        pass

    def end(self, phase: Phase) -> None:
        pass


def apply_create(plan: CreatePlan, progress: Progress | None = None) -> CreateResult:
    """Carry out `plan`: verify or fetch every archive, link, then move into place.

    Nothing is lost on failure: a hash mismatch, missing file or network failure stops
    before any prefix exists; a failure while linking removes the staging folder; an
    existing environment (replaced only when the plan allows) stays where it was until
    the new one is complete. Raises WorldFailedError (exit 4) or BadInputError (exit 2).
    """
    report = progress or _NoProgress()
    started = time.monotonic()
    check_target(plan.prefix, force=plan.force)
    check_space(plan)
    try:
        with staging.terminate_as_interrupt():
            return _apply(plan, report, started)
    except OSError as error:
        raise _os_error(error, plan.prefix) from None


def check_space(plan: CreatePlan) -> None:
    """WorldFailedError (exit 4) before anything starts when the archives to download
    cannot fit on the package cache's disk. (The unpack figure is an estimate: a
    warning of the plan only.)"""
    free = free_bytes(plan.pkgs_dir)
    if free is None or free >= plan.download_bytes:
        return
    raise WorldFailedError(
        f"not enough disk space: {plan.download_bytes} bytes of archives must be downloaded "
        f"into {plan.pkgs_dir} but only {free} bytes are free there (and unpacking needs "
        "more); nothing was changed. Free some space, or set ENVLOCK_PKGS_DIR to a larger "
        "disk, and try again"
    )


def _os_error(error: OSError, prefix: Path) -> WorldFailedError:
    if error.errno == errno.ENOSPC:
        return WorldFailedError(
            f"the disk is full while creating {prefix}; nothing half-made was left. Free "
            "some space (or point ENVLOCK_PKGS_DIR / -p at a larger disk) and try again"
        )
    return WorldFailedError(
        f"creating {prefix} failed: {error}; nothing half-made was left and any existing "
        "environment is unchanged"
    )


def _apply(plan: CreatePlan, report: Progress, started: float) -> CreateResult:
    verified = _verify_all(plan, report)
    fetched = [v for v in verified if v.fetched]
    from envlock.engine.install import install_verified, prepare

    # The archives' own depends checked against the locked set: nothing is created yet.
    prepared = prepare(verified, lock=plan.lock, final=plan.prefix)

    plan.prefix.parent.mkdir(parents=True, exist_ok=True)
    staging.sweep_stale(plan.prefix)
    folder = staging.new_staging(plan.prefix)
    try:
        report.begin("link", len(verified))
        install_verified(
            prepared,
            staging=folder,
            final=plan.prefix,
            platform=plan.platform,
            pkgs_dir=plan.pkgs_dir,
            on_linked=lambda _name: report.advance("link", 1),
        )
        report.end("link")
        write_origin(
            folder,
            Origin(lock=str(plan.lock.resolve()), platform=plan.platform, channels=plan.channels),
        )
        staging.release(folder)
        replaced = _move_into_place(folder, plan.prefix, force=plan.force)
    except BaseException:
        staging.remove(folder)
        raise
    return CreateResult(
        plan=plan,
        prefix=plan.prefix,
        linked=len(verified),
        fetched=len(fetched),
        fetched_bytes=sum(v.size for v in fetched),
        reused=len(verified) - len(fetched),
        reused_bytes=sum(v.size for v in verified if not v.fetched),
        seconds=time.monotonic() - started,
        replaced=replaced,
    )


def _verify_all(plan: CreatePlan, report: Progress) -> list[fetch.Verified]:
    """Every archive of the plan, verified against the lock (cached copy or fetched)."""
    report.begin("verify", plan.cached_bytes)
    results: dict[int, fetch.Verified] = {}
    stale: list[int] = []
    for i, planned in enumerate(plan.packages):
        if planned.cached:
            hit = fetch.cached(
                plan.pkgs_dir, planned.package, lambda n: report.advance("verify", n)
            )
            if hit is None:
                stale.append(i)
            else:
                results[i] = hit
    report.end("verify")
    todo = [i for i, p in enumerate(plan.packages) if not p.cached] + stale
    report.begin("fetch", sum(plan.packages[i].size or 0 for i in todo))

    def one(i: int) -> fetch.Verified:
        package = plan.packages[i].package
        return fetch.fetch(
            plan.pkgs_dir,
            package,
            source=fetch.download_for(package, plan.channel_alias),
            on_bytes=lambda n: report.advance("fetch", n),
        )

    pool = ThreadPoolExecutor(max_workers=FETCH_WORKERS)
    futures = {i: pool.submit(one, i) for i in todo}
    try:
        for i, future in futures.items():
            results[i] = future.result()
    finally:
        # On failure or Ctrl-C, drop the queued downloads and do not wait for running
        # ones: they only ever leave verified archives (or nothing) in the cache.
        pool.shutdown(wait=False, cancel_futures=True)
    report.end("fetch")
    return [results[i] for i in range(len(plan.packages))]


# rename(2) errors meaning "something is at the target": a non-empty folder (ENOTEMPTY,
# EEXIST), or a file or symbolic link where a folder goes (ENOTDIR, EISDIR).
_OCCUPIED = frozenset({errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR})


def _move_into_place(folder: Path, prefix: Path, *, force: bool) -> bool:
    """Rename the staging `folder` to `prefix`; True when an old environment was replaced.

    The rename is tried first as it is: it is atomic and takes the place of nothing but
    an absent target or an empty folder, so an environment that appeared at `prefix`
    while this one was being built (a concurrent `envlock create -n NAME`) is never
    touched without `force`: that is the usual exit-2 refusal (the caller removes
    `staging`). With `force`, an existing environment is moved aside, the new one renamed
    into place and the old one removed after; if the final rename fails, the old
    environment is renamed back before the error propagates.
    """
    for attempt in (1, 2):
        try:
            folder.rename(prefix)
        except OSError as error:
            if error.errno not in _OCCUPIED or not (prefix.exists() or prefix.is_symlink()):
                raise
        else:
            return False
        if attempt == 1 and prefix.is_dir() and not prefix.is_symlink():
            # An empty folder counts as absent (see check_target); rename(2) replaces it
            # by itself, other systems need it removed first. rmdir fails on a non-empty
            # one, which the second rename then reports as occupied.
            with contextlib.suppress(OSError):
                prefix.rmdir()
            continue
        break
    if not force:
        raise BadInputError(
            f"{prefix} appeared while the environment was being created (another envlock "
            "create?); it was left as it is and nothing was changed. Pass --force to "
            "replace it, or choose another -p/-n"
        )
    check_target(prefix, force=True)  # whatever appeared must be an environment too
    aside = prefix.parent / staging.sibling_name(prefix, staging.OLD_TAG)
    prefix.rename(aside)
    try:
        folder.rename(prefix)
    except BaseException:
        aside.rename(prefix)
        raise
    staging.remove(aside)
    return True


def interrupted() -> WorldFailedError:
    """The error shown after Ctrl-C: nothing half-made was left."""
    return WorldFailedError(
        "interrupted; no half-made environment was left and any existing one is unchanged"
    )


__all__ = [
    "CreatePlan",
    "CreateResult",
    "PlannedPackage",
    "Progress",
    "apply_create",
    "check_complete",
    "envs_dir",
    "interrupted",
    "locate_lock",
    "plan_create",
]
