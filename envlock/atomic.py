"""Atomic file writes: a temp file beside the target, fsync, then os.replace.

A reader never sees a half-written lock, and a failure leaves the old file as it was.
`new_file` makes the temp file for writers that rename it themselves (downloads, the
package cache's verified-stamps) with the mode `open()` gives.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path


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


def _stage(path: Path, data: bytes) -> str:
    """Write `data` to a temp file beside `path`, fsynced, with `path`'s mode; return its name."""
    with _naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), _mode_for(path))
            os.fsync(fh.fileno())
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise OSError(error.errno, error.strerror, str(path)) from error
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    return tmp


def new_file(folder: Path, name: str, suffix: str = "") -> tuple[int, Path]:
    """A new file (O_EXCL) `.<name>.<random><suffix>` in `folder`, open for writing: its
    descriptor and path. Its mode is what open() gives, 0666 less the umask
    (tempfile.mkstemp makes 0600 files, which a shared package cache cannot use)."""
    while True:
        path = folder / f".{name}.{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            ), path
        except FileExistsError:
            continue


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically, creating parent folders as needed."""
    tmp = _stage(path, data)
    try:
        with _naming(path):
            Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def write_text(path: Path, text: str) -> None:
    """Replace `path` with UTF-8 `text` atomically (newlines written as given)."""
    write_bytes(path, text.encode("utf-8"))


def write_many(files: Mapping[Path, str]) -> None:
    """Write several files so that either all new contents land or none do.

    Every file is first written to a temp file beside its target; only when all of them
    are on disk are they renamed into place. A failure before the renames leaves every
    old file untouched.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            staged.append((_stage(path, text.encode("utf-8")), path))
        for tmp, path in staged:
            with _naming(path):
                Path(tmp).replace(path)
        staged.clear()
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                Path(tmp).unlink()
