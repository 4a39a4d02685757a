"""A package cache shared by many `envlock create` processes at once (a lab's cache).

Why: on a cluster, several jobs create environments from one ENVLOCK_PKGS_DIR at the
same time. Each archive has its own lock file
(`<pkgs>/archives/.envlock-locks/<archive file name>.lock`, the `filelock` package:
flock(2) on POSIX, msvcrt on Windows): the process holding it is the only one that
downloads, verifies or replaces that archive, so no archive is downloaded twice (the
others find it verified once they get the lock) and none is replaced while another
process hashes it. Readers never see a half-written file anyway: downloads are written
to `.<name>.<random>.part` and renamed only once verified.

A process killed outright (SIGKILL, a power cut) leaves its `.part` files behind;
`sweep_stale` removes those, only when their name has envlock's own shape, they have
not changed for STALE_AFTER_S and no live process holds their archive's lock (the
lock dies with its process). A lock held this way is released when the process ends,
however it ends.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from envlock.errors import WorldFailedError
from envlock.net.download import CancelledError

LOCKS = ".envlock-locks"
# `.<archive file name>.<12 hex digits>.part` (envlock.atomic.new_file + PART_SUFFIX).
PART = re.compile(r"^\.(?P<name>.+\.(?:conda|tar\.bz2))\.[0-9a-f]{12}\.part$")
# A verified-stamp being written: `.<archive file name>.json.<12 hex digits>`.
STAMP_TMP = re.compile(r"^\..+\.json\.[0-9a-f]{12}$")
STALE_AFTER_S = 10.0  # a live download writes its .part at least once per read timeout
POLL_S = 0.1
# Lock files hold no data: group-writable, so that every member of a shared cache's group
# can take them (a 0644 file owned by another user cannot be opened for locking).
LOCK_MODE = 0o664


def lock_path(archives: Path, filename: str) -> Path:
    """Where the lock file of archive `filename` lives."""
    return archives / LOCKS / f"{filename}.lock"


@contextlib.contextmanager
def archive_lock(
    archives: Path, filename: str, *, stop: Callable[[], bool] = lambda: False
) -> Iterator[None]:
    """Hold the lock of archive `filename` in the `archives` folder; waits while another
    process (or thread) holds it, checking `stop` every POLL_S (CancelledError once it
    says so). Raises WorldFailedError when the lock file cannot be made."""
    from filelock import FileLock, Timeout

    path = lock_path(archives, filename)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorldFailedError(
            f"cannot make {path.parent} for the package cache's locks: {error.strerror}; "
            "check the permissions of ENVLOCK_PKGS_DIR"
        ) from None
    lock = FileLock(path, mode=LOCK_MODE, thread_local=False)
    while True:
        try:
            lock.acquire(timeout=POLL_S, poll_interval=POLL_S / 4)
            break
        except Timeout:
            if stop():
                raise CancelledError from None
        except OSError as error:
            raise WorldFailedError(
                f"cannot lock {path} in the package cache: {error.strerror}; check the "
                "permissions of ENVLOCK_PKGS_DIR"
            ) from None
    try:
        yield
    finally:
        lock.release()


def held_elsewhere(archives: Path, filename: str) -> bool:
    """True when a live process (or another thread) holds the lock of `filename` now."""
    from filelock import FileLock, Timeout

    path = lock_path(archives, filename)
    if not path.exists():
        return False
    lock = FileLock(path, mode=LOCK_MODE, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return True  # cannot tell: keep the file
    lock.release()
    return False


def sweep_stale(archives: Path, *, now: float | None = None) -> list[str]:
    """Remove what killed envlock processes left in `archives`: `.part` files of envlock's
    own shape untouched for STALE_AFTER_S whose archive no live process is fetching, and
    verified-stamps half-written as long ago. Returns the names removed."""
    now = time.time() if now is None else now
    removed: list[str] = []
    for folder, pattern in ((archives, PART), (archives / ".envlock-verified", STAMP_TMP)):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            match = pattern.match(entry.name)
            if match is None:
                continue
            try:
                info = entry.lstat()
            except OSError:
                continue
            if not entry.is_file() or entry.is_symlink() or now - info.st_mtime < STALE_AFTER_S:
                continue
            name = match.groupdict().get("name")
            if name is not None and held_elsewhere(archives, name):
                continue
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry.name)
    return removed


__all__ = ["LOCKS", "STALE_AFTER_S", "archive_lock", "held_elsewhere", "lock_path", "sweep_stale"]
