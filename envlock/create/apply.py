"""`envlock create`, second half: a plan carried out, with nothing lost on failure.

`apply_create` fetches and verifies every archive against the lock (envlock.create.cache),
links them into a staging folder beside the target (envlock.create.link, through the
engine), writes the origin file, and only then renames the staging folder into place.
Any failure removes the staging folder; an existing environment replaced with `force`
is moved aside first and put back when the final rename fails, so it is never lost.

After verification and before anything is linked, each archive's own info/index.json
depends/constrains are matched (rattler's matchspec semantics) against the locked set:
a lock edited to point an entry at another archive is refused (exit 2) instead of
producing a broken environment. Archives that cannot fit on the package cache's disk
are refused before anything starts (exit 4).

Ctrl-C and SIGTERM: the staging folder is removed only after rattler has stopped writing
into it; a killed run's leftovers are swept by the next create (envlock.create.staging).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from envlock.create import cache as fetch
from envlock.create import staging
from envlock.create import target as targets
from envlock.create.origin import Origin, write_origin
from envlock.create.plan import CreatePlan, Phase
from envlock.create.target import check_target
from envlock.errors import BadInputError, WorldFailedError
from envlock.net.download import Download
from envlock.net.s3 import is_s3

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
    free = targets.free_bytes(plan.pkgs_dir)
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
    from envlock.create.extracted import trust_extracted
    from envlock.create.link import install_verified, prepare
    from envlock.create.vetting import vet

    # Every path of every archive checked before rattler reads one: nothing is created yet.
    vetted = vet(verified, pkgs_dir=plan.pkgs_dir, platform=plan.platform, final=plan.prefix)
    # The archives' own depends checked against the locked set.
    prepared = prepare(verified, lock=plan.lock, final=plan.prefix)
    # Extracted cache entries the verified archives do not vouch for are extracted anew.
    trust_extracted(plan.pkgs_dir, vetted)

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

    sources = {
        i: fetch.download_for(
            plan.packages[i].package, plan.channel_alias, plan.policy, plan.declared
        )
        for i in todo
    }
    sources = _with_s3_client(sources, plan)
    # Cancelled together on failure or Ctrl-C, leaving only verified archives behind.
    fetched = fetch.fetch_all(
        plan.pkgs_dir,
        [(plan.packages[i].package, sources[i]) for i in todo],
        on_bytes=lambda n: report.advance("fetch", n),
        workers=FETCH_WORKERS,
    )
    results.update(zip(todo, fetched, strict=True))
    report.end("fetch")
    return [results[i] for i in range(len(plan.packages))]


def _with_s3_client(sources: dict[int, Download], plan: CreatePlan) -> dict[int, Download]:
    """`sources` with every s3:// one given the engine's S3 client (rattler's S3
    middleware, one for the run), which envlock.net.download streams it through."""
    if not any(is_s3(s.url) for s in sources.values()):
        return sources
    from envlock.engine.s3 import s3_streamer

    stream = s3_streamer(plan.policy)
    return {
        i: dataclasses.replace(s, stream=stream) if is_s3(s.url) else s for i, s in sources.items()
    }


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
    "CreateResult",
    "Progress",
    "apply_create",
    "check_space",
    "interrupted",
]
