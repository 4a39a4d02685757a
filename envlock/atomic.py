"""Atomic file writes: a temp file beside the target, fsync, then os.replace.

A reader never sees a half-written lock, and a failure leaves the old file as it was.
Ctrl-C or SIGTERM during a write is acted on once the write is whole (or undone), so no
`.<name>.*.tmp` file is ever left beside a lock.
`new_file` makes the temp file for writers that rename it themselves (downloads, the
package cache's verified-stamps) with the mode `open()` gives.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def _read_umask() -> int:
    # os.umask can only be read by setting it; do it once, at import, before any threads.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _mode_for(path: Path) -> int:
    """The mode a replaced file keeps, or what `open()` would give a new one (0666 & ~umask).

    mkstemp creates 0600 files: without this, locks and environments written by envlock
    could not be shared with a group on a cluster.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_UMASK


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Report a failure as one about `path`, not about the temp file beside it."""
    try:
        yield
    except OSError as error:
        if error.filename is None or error.filename == str(path):
            raise
        raise OSError(error.errno, error.strerror, str(path)) from error


def _stage(path: Path, data: bytes, staged: list[Path]) -> Path:
    """Write `data` to a temp file beside `path`, fsynced, with `path`'s mode; return it.

    The temp file's name is put in `staged` *before* the file exists, so that the
    caller's clean-up (which unlinks every name in `staged`) covers an interrupt at any
    point, even one between creating the file and this function returning.
    """
    with _naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
            staged.append(tmp)
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600)
            except FileExistsError:
                staged.remove(tmp)
                continue
            break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), _mode_for(path))
            os.fsync(fh.fileno())
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from error
    return tmp


def _unlink_all(staged: list[Path]) -> None:
    for tmp in staged:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Hold Ctrl-C and SIGTERM back while files are staged and renamed (main thread only),
    then act on them: a write is not torn in the middle, and no temp file outlives it.
    Yields the list of the signals that arrived so far.

    Signals that arrived are sent again once the old handlers are back, so they act as
    they would have (Ctrl-C: KeyboardInterrupt; SIGTERM: by default the process ends).
    """
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived
        return

    def hold(signum: int, _frame: FrameType | None) -> None:
        arrived.append(signum)

    # an ignored signal stays ignored (nohup, a background job): nothing to hold back
    wanted = [s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) != signal.SIG_IGN]
    before = {signum: signal.signal(signum, hold) for signum in wanted}
    try:
        yield arrived
    finally:
        for signum, handler in before.items():
            # None: a handler not set from Python; the default is the nearest we can give
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        for again in dict.fromkeys(arrived):
            signal.raise_signal(again)


def new_file(folder: Path, name: str, suffix: str = "") -> tuple[int, Path]:
    """A new file (O_EXCL) `.<name>.<random><suffix>` in `folder`, open for writing: its
    descriptor and path. Its mode is what open() gives, 0666 less the umask
    (tempfile.mkstemp makes 0600 files, which a shared package cache cannot use)."""
    while True:
        path = folder / f".{name}.{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666), path
        except FileExistsError:
            continue


def replace_unsynced(path: Path, data: bytes) -> None:
    """Write `data` to a temporary name beside `path` and rename it over `path`, without
    fsync: for cache records that are cheap to rebuild (after a crash a record is whole,
    or empty/unparsable and so ignored). The temporary file never outlives a failure."""
    fd, tmp = new_file(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically, creating parent folders as needed."""
    write_many_bytes({path: data})


def write_text(path: Path, text: str) -> None:
    """Replace `path` with UTF-8 `text` atomically (newlines written as given)."""
    write_many_bytes({path: text.encode("utf-8")})


def write_many(files: Mapping[Path, str]) -> None:
    """Write several text files (UTF-8) so that either all new contents land or none do;
    see `write_many_bytes`."""
    write_many_bytes({path: text.encode("utf-8") for path, text in files.items()})


def write_many_bytes(files: Mapping[Path, bytes]) -> None:
    """Write several files so that either all new contents land or none do.

    Every file is first written to a temp file beside its target; only when all of them
    are on disk are they renamed into place. A failure before the renames leaves every
    old file untouched, and no temp file is left behind whatever happens: Ctrl-C and
    SIGTERM are held back while the files are written; one that arrived before the
    renames cancels them (nothing is replaced), one during the renames waits for the last.
    """
    staged: list[Path] = []
    with _signals_held() as arrived:
        try:
            pairs = [(_stage(path, data, staged), path) for path, data in files.items()]
            if arrived:
                return  # interrupted: nothing replaced; the signal is acted on below
            for tmp, path in pairs:
                with _naming(path):
                    tmp.replace(path)
        finally:
            _unlink_all(staged)  # after the renames only names that no longer exist
