"""Linking verified archives into a staging folder: the create stage around the engine.

envlock.create.cache has verified every archive against the lock; here each becomes the
engine's plain `Archive` (what it must hold, the lock's URL without credentials), the
set is checked against itself and against the lock (a mismatch or an unmet dependency
is worded here, naming the lock's line), and rattler links it (envlock.engine.install).
The engine's failures come back as data (`InstallFailedError`) and are worded here too.
Ctrl-C and SIGTERM are held back around every engine call and re-raised after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from envlock.create.cache import Verified
from envlock.create.staging import signals_held
from envlock.errors import BadInputError, EnvlockError, WorldFailedError, where
from envlock.lock.source import first_line_with
from envlock.net.channels import split_package_url
from envlock.net.credentials import scrub_url

if TYPE_CHECKING:
    from envlock.engine.failures import InstallFailedError
    from envlock.engine.install import Archive, OnLinked, Prepared
    from envlock.engine.matching import Unmet


def prepare(verified: Sequence[Verified], *, lock: Path, final: Path) -> Prepared:
    """Read each verified archive's record and check the set against itself.

    Raises BadInputError (exit 2, where = `lock` and the package's line) when an archive
    is not the package the lock names, or when an archive's own depends/constrains are
    not met by the locked set (the lock was edited after it was resolved: say pytorch
    pointed at a CPU archive with `pytorch-mutex 1.0 cuda` still locked). Nothing is
    created on disk here. A broken archive is a WorldFailedError naming `final`.
    """
    from envlock.engine import install
    from envlock.engine.failures import InstallFailedError

    archives = [archive_of(v) for v in verified]
    failure: InstallFailedError | None = None
    # Signals held (then re-raised) so that none lands inside the event loop's machinery.
    with signals_held() as arrived:
        try:
            prepared = install.prepare(archives, final=final)
        except InstallFailedError as error:  # worded below, after a held interrupt
            failure = error
    if arrived:
        raise KeyboardInterrupt
    if failure is not None:
        raise worded(failure) from None
    if prepared.mismatched:
        first = prepared.mismatched[0]
        name = first.archive.path.name
        raise BadInputError(
            f"{name}: the lock names {first.wants} but the verified archive "
            f"holds {first.holds}; the lock is inconsistent, re-resolve it",
            where=where(lock, first_line_with(lock, name)),
        )
    if prepared.unmet:
        raise _inconsistent(prepared.unmet, verified, lock)
    return prepared


def install_verified(
    prepared: Prepared,
    *,
    staging: Path,
    final: Path,
    platform: str,
    pkgs_dir: Path,
    on_linked: OnLinked | None = None,
) -> None:
    """Link the prepared archives into the empty folder `staging`, as if it lived at `final`
    (envlock.engine.install.install_verified; its failures worded by `worded`).

    A KeyboardInterrupt (Ctrl-C, or SIGTERM turned into one by the caller) is re-raised
    only after rattler has stopped writing into `staging`, so that the caller's removal
    of it is final; it wins over a failure of the same run.
    """
    from envlock.engine import install
    from envlock.engine.failures import InstallFailedError

    failure: BaseException | None = None
    with signals_held() as arrived:
        try:
            install.install_verified(
                prepared,
                staging=staging,
                final=final,
                platform=platform,
                pkgs_dir=pkgs_dir,
                on_linked=on_linked,
            )
        except BaseException as error:  # re-raised below, after a held interrupt
            failure = error
    if arrived:
        raise KeyboardInterrupt
    if isinstance(failure, InstallFailedError):
        raise worded(failure) from None
    if failure is not None:
        raise failure


def worded(failure: InstallFailedError) -> EnvlockError:
    """The error a user reads for a failed install: "try again" only when a retry can
    help. A failure caused by the lock's content fails the same way every time: a
    noarch: python package without python in the lock (BadInputError, exit 2), or a
    locked archive that cannot be unpacked although its bytes are the ones the lock
    names."""
    cause = failure.cause
    if cause == "os-disk-full":
        return WorldFailedError(
            f"the disk holding {failure.staging.parent} is full; nothing was left behind. "
            "Free some space (or set ENVLOCK_PKGS_DIR to a larger disk) and try again"
        )
    if cause == "os":
        return WorldFailedError(f"installing failed: {failure.detail}; nothing was left behind")
    head = f"installing into {failure.final} failed: {failure.detail}; nothing was left behind."
    if cause == "no-python":
        return BadInputError(
            f"{head} The lock lists noarch: python packages but no python, so it is "
            "incomplete and fails the same way every time: re-resolve it"
        )
    if cause == "disk-full":
        return WorldFailedError(f"{head} Free some space and try again")
    if cause == "unpack":
        return WorldFailedError(
            f"{head} The archive matches the lock's hash, so the locked file itself cannot "
            "be unpacked and a retry fails the same way: fix the channel's file or "
            "re-resolve the lock"
        )
    return WorldFailedError(f"{head} Try again")


def archive_of(verified: Verified) -> Archive:
    """The engine's record of a verified archive: the lock's URL, never a credential
    (placeholders such as ${TOKEN} are kept)."""
    from envlock.engine.install import Archive

    package = verified.package
    url = scrub_url(package.url.split("#", 1)[0]) if package.url else ""
    return Archive(
        path=verified.path,
        name=package.name,
        version=package.version,
        build=package.build,
        sha256=verified.sha256,
        md5=verified.md5,
        size=verified.size,
        url=url,
        channel=split_package_url(url)[0] if url else "",
        index_json=verified.index_json,
    )


def _inconsistent(unmet: Sequence[Unmet], archives: Sequence[Verified], lock: Path) -> EnvlockError:
    first = unmet[0]
    holds = (
        f"the lock holds {first.holds} instead"
        if first.holds is not None
        else "the lock holds no package of that name"
    )
    more = f" (and {len(unmet) - 1} more unmet)" if len(unmet) > 1 else ""
    name = first.package.split(" ", 1)[0]
    archive = next((v for v in archives if v.package.name.lower() == name), None)
    line = first_line_with(lock, archive.path.name) if archive is not None else None
    return BadInputError(
        f"the lock is inconsistent: {first.package} (its archive's info/index.json) "
        f"{'depends on' if first.kind == 'depends' else 'constrains'} `{first.spec}`, but "
        f"{holds}{more}. The lock was edited after it was resolved (its entries no longer "
        "match the archives they name); nothing was installed. Re-resolve it (envlock "
        "resolve RECIPE)",
        where=where(lock, line),
    )


__all__ = ["archive_of", "install_verified", "prepare", "worded"]
