"""One result envelope per command, and the one place that shows it and picks the exit code.

A command ends by wrapping its core result's plain mapping (`to_dict()`) in an
`Envelope` that names the command and the outcome, and handing it to `emit`: under
`--json` stdout gets exactly one document, `{"envlock_<command>": 1, ...payload}`;
the human rendering (if any) runs first and goes to stdout, or to stderr under
`--json` (the command's `Output` decides). `emit` returns the exit code the outcome
maps to. Errors take the same road: `emit_error` builds the `envlock_error` document
(the only place it is built) and `envlock.cli.run` sends every error through it.

Outcomes and exit codes (CONTRACTS.md "Exit codes by situation"):
    ok 0 · no 1 (the answer is no) · bad_input 2 · stale 3 · world_failed 4.
A run with several outcomes (resolve with several recipes) exits with the one first in
`PRIORITY`: bad input wins, then the highest code.

This module imports no rich: `diff --json` and `resolve --json` print their document
without loading it; the error paragraph loads it only when there is an error to show.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from envlock.errors import EnvlockError

Outcome = Literal["ok", "no", "bad_input", "stale", "world_failed"]

EXIT_CODES: Mapping[Outcome, int] = {
    "ok": 0,
    "no": 1,
    "bad_input": 2,
    "stale": 3,
    "world_failed": 4,
}
# Several outcomes in one run: bad input first (CONTRACTS: a command that finds problems
# *and* has bad input exits with the bad-input code), then the highest code.
PRIORITY: tuple[Outcome, ...] = ("bad_input", "world_failed", "stale", "no", "ok")
_BY_CODE: Mapping[int, Outcome] = {code: outcome for outcome, code in EXIT_CODES.items()}
# The word before an error paragraph on stderr, by exit code: `envlock stale: ...`.
_LABELS: Mapping[int, str] = {1: "no", 2: "error", 3: "stale", 4: "failed"}


def outcome_of(error: EnvlockError) -> Outcome:
    """The outcome an error stands for, by its class's exit code (unknown codes: the world)."""
    return _BY_CODE.get(error.exit_code, "world_failed")


def overall(outcomes: Iterable[Outcome]) -> Outcome:
    """The outcome of a run made of several (`ok` for none): the first in `PRIORITY`."""
    seen = set(outcomes)
    return next((o for o in PRIORITY if o in seen), "ok")


@dataclass(frozen=True, slots=True)
class Envelope:
    """A command's result: its name, its document's version, its payload and outcome.

    `payload` is the plain mapping the core result produces (`to_dict()`); the version
    key is the envelope's alone, so a payload that carries it is refused.
    """

    command: str
    payload: Mapping[str, Any]
    outcome: Outcome = "ok"
    version: int = 1

    @property
    def key(self) -> str:
        """The document's first key, `envlock_<command>`."""
        return f"envlock_{self.command}"

    @property
    def exit_code(self) -> int:
        """The process exit code of this outcome."""
        return EXIT_CODES[self.outcome]

    def document(self) -> dict[str, Any]:
        """The `--json` document: the version key first, then the payload in its order."""
        if self.key in self.payload:
            raise ValueError(f"{self.key}: the payload carries the envelope's version key")
        return {self.key: self.version, **self.payload}


def emit(envelope: Envelope, *, json_mode: bool, human: Callable[[], object] | None = None) -> int:
    """Show a command's result and return its exit code.

    `human()` draws the result for people (it runs in both modes; its `Output` sends it
    to stderr under --json); pass None for a command that shows nothing more. Under
    `json_mode` the envelope's document then goes to stdout, alone.
    """
    if human is not None:
        human()
    if json_mode:
        write_json(envelope.document())
    return envelope.exit_code


def write_json(document: Mapping[str, Any]) -> None:
    """Write one JSON document to stdout and flush (the one place envlock prints JSON)."""
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    sys.stdout.flush()


def error_envelope(error: EnvlockError) -> Envelope:
    """An error's envelope: `{"envlock_error": 1, "code": N, "message": "...", "where": ...}`."""
    return Envelope("error", error.to_dict(), outcome=outcome_of(error))


def emit_error(error: EnvlockError, *, json_mode: bool) -> int:
    """Report an error: its paragraph on stderr always, its document on stdout under --json.

    Returns the error's exit code (the class's: an unknown one stays as it is).
    """
    emit(error_envelope(error), json_mode=json_mode, human=lambda: _show_error(error))
    return error.exit_code


def _show_error(error: EnvlockError) -> None:
    from envlock.ui.output import make_console  # rich loads only when there is an error

    console = make_console(stderr=True)
    label = _LABELS.get(error.exit_code, "error")
    console.print(f"[bold red]envlock {label}:[/bold red] ", end="")
    console.print(str(error), markup=False, highlight=False)
