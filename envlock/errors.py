"""One exception tree; each class carries the exit code its failure maps to.

Every user-facing failure is an `EnvlockError` whose message says what was wrong,
where (file:line when there is one) and what to do about it. `envlock.cli.run` sends
each one to `envlock.ui.result.emit_error`, the one place that reports it. A stale lock
is not an error: `resolve --check` reports it as the outcome `stale` (exit 3).
"""

from __future__ import annotations


class EnvlockError(Exception):
    """Base of every error envlock reports to a user. Never shown with a traceback."""

    exit_code = 4

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_dict(self) -> dict[str, object]:
        """`{"code", "message", "where"}`: the body of the `envlock_error` document (and of
        a failed recipe's `error` in `envlock_resolve`)."""
        return {"code": self.exit_code, "message": self.message, "where": self.where}


class AnswerIsNoError(EnvlockError):
    """Exit 1: the request was understood and the answer is no (unsatisfiable, guard, drift)."""

    exit_code = 1


class BadInputError(EnvlockError):
    """Exit 2: unreadable or invalid recipe, lock, snapshot, option or target."""

    exit_code = 2


class WorldFailedError(EnvlockError):
    """Exit 4: the network, a hash, the disk or an interrupt failed us."""

    exit_code = 4


def where(path: object, line: int | None = None) -> str:
    """Format a location as `file:line` (1-based line) or just `file`."""
    return f"{path}:{line}" if line is not None else str(path)
