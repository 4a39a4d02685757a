"""The staging folder `create` builds an environment in, and its removal on any failure.

A new environment is linked into a staging folder beside the target and renamed into
place only when complete. Its name is `.<target name>.envlock-new-<8 hex>`, or
`.envlock-new-<8 hex>` when that would exceed the file system's name limit (NAME_MAX,
usually 255 bytes). Inside it, an owner file (`.envlock-staging.json`: target path, host,
process id) says whose it is; it is removed before the rename.

Removal survives interrupts: Ctrl-C and SIGTERM arriving while a staging folder is being
removed are held back until it is gone. A run killed outright (SIGKILL, power loss)
cannot clean up; the next `create` of the same target sweeps such leftovers first
(`sweep_stale`): only folders named by one of the two staging patterns for this target,
whose owner file names this target (required for the short pattern), older than
STALE_AFTER_S, and not in use (no owner file naming a live process on this host).
An `.envlock-old-` folder (an environment moved aside by `--force`) is never swept.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

NEW_TAG = ".envlock-new-"
OLD_TAG = ".envlock-old-"
OWNER = ".envlock-staging.json"
STALE_AFTER_S = 10.0
_SUFFIX = re.compile(r"[0-9a-f]{8}")


def name_max(folder: Path) -> int:
    """The longest file name (bytes) `folder` takes; 255 when the system does not say."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        limit = os.pathconf(folder, "PC_NAME_MAX")
        if limit > 0:
            return int(limit)
    return 255


def sibling_name(target: Path, tag: str) -> str:
    """`.<name><tag><8 hex>`, or `<tag><8 hex>` when that is too long for the folder."""
    token = secrets.token_hex(4)
    long = f".{target.name}{tag}{token}"
    if len(os.fsencode(long)) <= name_max(target.parent):
        return long
    return f"{tag}{token}"


def new_staging(target: Path) -> Path:
    """A new staging folder beside `target` (mode 0777 less the umask), owner file inside.

    (tempfile.mkdtemp makes 0700 folders; the staging folder becomes the environment's
    root, which others must be able to use.)
    """
    while True:
        path = target.parent / sibling_name(target, NEW_TAG)
        try:
            path.mkdir(mode=0o777)
        except FileExistsError:
            continue
        break
    try:
        owner = {"target": str(target), "host": platform.node(), "pid": os.getpid()}
        (path / OWNER).write_text(json.dumps(owner), encoding="utf-8")
    except BaseException:
        remove(path)
        raise
    return path


def release(staging: Path) -> None:
    """Take the owner file out of a complete staging folder, before it is renamed."""
    with contextlib.suppress(FileNotFoundError):
        (staging / OWNER).unlink()


def _owner(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads((path / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def sweep_stale(target: Path) -> list[Path]:
    """Remove the staging folders of `target` left by killed runs (see the module
    docstring for the rules); returns what was removed. Never raises for a folder it
    cannot read or remove."""
    long = re.compile(re.escape(f".{target.name}{NEW_TAG}") + _SUFFIX.pattern)
    short = re.compile(re.escape(NEW_TAG) + _SUFFIX.pattern)
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for path in entries:
        is_long, is_short = long.fullmatch(path.name), short.fullmatch(path.name)
        if not (is_long or is_short):
            continue
        try:
            if path.is_symlink() or not path.is_dir():
                continue
            if now - path.lstat().st_mtime < STALE_AFTER_S:
                continue
        except OSError:
            continue
        owner = _owner(path)
        if owner is None:
            if not is_long:
                continue  # a short name says nothing of its target
        elif owner.get("target") != str(target):
            continue
        elif owner.get("host") == platform.node() and _alive(owner.get("pid")):
            continue  # in use by a running create
        elif owner.get("host") != platform.node():
            continue  # another machine's run: cannot tell whether it is alive
        remove(path)
        if not path.exists():
            removed.append(path)
    return removed


@contextlib.contextmanager
def signals_held() -> Iterator[list[int]]:
    """Hold back SIGINT and SIGTERM inside the block (main thread only); yields the
    signals that arrived meanwhile."""
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived
        return

    def hold(signum: int, _frame: FrameType | None) -> None:
        arrived.append(signum)

    before = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield arrived
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def remove(path: Path) -> None:
    """Remove a staging folder whatever arrives meanwhile (Ctrl-C, SIGTERM are held).

    Removed twice, a moment apart, in case a writer that was stopping put something back.
    Nothing is followed out of it: a link inside is removed as a link (shutil.rmtree
    follows none), and a staging path that is itself a link now (not the folder this
    run made) is unlinked, never walked into.
    """
    with signals_held():
        if path.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return
        for attempt in range(3):
            shutil.rmtree(path, ignore_errors=True)
            if attempt < 2 and not path.exists():
                time.sleep(0.05)
                if not path.exists():
                    break


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside the block SIGTERM acts as Ctrl-C (KeyboardInterrupt), so `kill PID` takes
    the same clean-up path (main thread only; the old handler is restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    handler: Callable[[int, FrameType | None], None] = interrupt
    before = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


__all__ = [
    "NEW_TAG",
    "OLD_TAG",
    "OWNER",
    "STALE_AFTER_S",
    "name_max",
    "new_staging",
    "release",
    "remove",
    "sibling_name",
    "signals_held",
    "sweep_stale",
    "terminate_as_interrupt",
]
