"""The rendering layer: result envelopes and exit codes, human output, diff reports.

- `envlock.ui.result`: `Envelope`, `emit`, `emit_error` — one JSON document per command,
  the outcome → exit code mapping, the `envlock_error` document (no rich).
- `envlock.ui.output`: `Output`, `make_console` — where human output goes (rich).
- `envlock.ui.diff`: `rich_report`, `markdown_report` — a Drift for people (rich).
- `envlock.ui.check`: `show_check` — a recipe's expansion per platform (rich).
- `envlock.ui.create`: `show_plan`, `RichProgress`, `show_result` — a create (rich).
- `envlock.ui.resolve`: `show_resolve`, `show_recipe` — what resolve did per recipe
  (rich tables load only when something was solved); `recipe_outcome`.

Only commands and `envlock.cli` import this package; the core never does. Names are
loaded on first use, so `from envlock.ui import emit` does not load rich, and
`envlock --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports

if TYPE_CHECKING:
    from envlock.ui.check import show_check
    from envlock.ui.create import RichProgress, show_plan, show_result
    from envlock.ui.diff import describe, headline, markdown_report, rich_report, summary
    from envlock.ui.output import LOG_WIDTH, Output, make_console
    from envlock.ui.resolve import recipe_outcome, show_recipe, show_resolve
    from envlock.ui.result import (
        EXIT_CODES,
        PRIORITY,
        Envelope,
        Outcome,
        emit,
        emit_error,
        error_envelope,
        outcome_of,
        overall,
        write_json,
    )

# public name -> the module that defines it
_HOMES = {
    "EXIT_CODES": "result",
    "PRIORITY": "result",
    "Envelope": "result",
    "Outcome": "result",
    "emit": "result",
    "emit_error": "result",
    "error_envelope": "result",
    "outcome_of": "result",
    "overall": "result",
    "write_json": "result",
    "LOG_WIDTH": "output",
    "Output": "output",
    "make_console": "output",
    "describe": "diff",
    "headline": "diff",
    "markdown_report": "diff",
    "rich_report": "diff",
    "summary": "diff",
    "show_check": "check",
    "RichProgress": "create",
    "show_plan": "create",
    "show_result": "create",
    "recipe_outcome": "resolve",
    "show_recipe": "resolve",
    "show_resolve": "resolve",
}

__all__ = [
    "EXIT_CODES",
    "LOG_WIDTH",
    "PRIORITY",
    "Envelope",
    "Outcome",
    "Output",
    "RichProgress",
    "describe",
    "emit",
    "emit_error",
    "error_envelope",
    "headline",
    "make_console",
    "markdown_report",
    "outcome_of",
    "overall",
    "recipe_outcome",
    "rich_report",
    "show_check",
    "show_plan",
    "show_recipe",
    "show_resolve",
    "show_result",
    "summary",
    "write_json",
]


__getattr__ = lazy_exports(__name__, _HOMES)
