"""Running py-rattler's async calls from envlock's sync code, and leaving the process safely.

The exit crash (py-rattler 0.28, CPython 3.11). py-rattler runs its futures on a tokio
runtime whose worker threads live until the process ends. When a rattler future finishes,
a worker thread takes the GIL (`Python::with_gil`) to hand the result to the asyncio
loop with `loop.call_soon_threadsafe`, which writes to the loop's self-pipe. The main
thread wakes on that write and can take the GIL while the worker is still inside
`with_gil` (the worker is descheduled between the pipe write and releasing its thread
state). If the main thread then returns from `asyncio.run` and the interpreter
finalises, the worker resumes into a finalising interpreter: CPython 3.11 either
aborts (`PyGILState_Release: thread state ... must be current when releasing`, runtime
state "finalizing") or the thread is torn down with `pthread_exit` through Rust frames
(SIGSEGV, no Python frame). Measured here on a tiny solve: 7 crashes in 200 fresh
processes; `gc.collect()` before exit made it worse (11/200); no other py-rattler release
is available to try.

Two defences, one sound and one for library use:
- `envlock.cli.main` flushes both streams and leaves with `os._exit` when rattler was
  imported: finalisation never runs, so no worker thread can observe it. Every file
  envlock writes is already on disk (atomic writes fsync before renaming) by then.
  0 crashes in 200 processes; tests/test_resolve_exit.py keeps that count.
- For any other process that imported this module (pytest, a library caller), an
  `atexit` hook gives the runtime's threads a short grace period after the last rattler
  call finished, so a worker still inside `with_gil` leaves it before finalisation:
  with a 0.1 s pause, 0 crashes in 200 processes.
"""

from __future__ import annotations

import asyncio
import atexit
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# Seconds a tokio worker may still need after a rattler future resolved (see above).
GRACE_SECONDS = 0.1
_last_done = 0.0


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine that awaits rattler calls to completion, from sync code.

    A fresh event loop per call (`asyncio.run`); refuses to run inside a running loop,
    which would deadlock. Records when it returned, for the exit grace period.
    """
    global _last_done  # noqa: PLW0603 - one process-wide timestamp read at exit
    try:
        return asyncio.run(coroutine)
    finally:
        _last_done = time.monotonic()


def _grace_at_exit() -> None:
    """Wait until GRACE_SECONDS have passed since the last rattler call returned."""
    if _last_done:
        remaining = GRACE_SECONDS - (time.monotonic() - _last_done)
        if remaining > 0:
            time.sleep(remaining)


atexit.register(_grace_at_exit)
