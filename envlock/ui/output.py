"""Rendering: where human output goes. The core never imports this.

With `--json`, stdout carries exactly one JSON document (written by
`envlock.ui.result.emit`) and human output (tables, progress) goes to stderr; otherwise
human output goes to stdout. Rich honours NO_COLOR and draws no animation when the
stream is not a terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape

# Width for output that is not a terminal (CI logs, pipes, files): wide enough that paths,
# URLs and build strings are not cut mid-word; COLUMNS still wins when set.
LOG_WIDTH = 160


def make_console(*, stderr: bool) -> Console:
    """A console for stdout or stderr: the terminal's width, or LOG_WIDTH for a pipe or file."""
    stream = sys.stderr if stderr else sys.stdout
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    width = None if is_tty or "COLUMNS" in os.environ else LOG_WIDTH
    # emoji=False: `:name:` in a path, a URL or a message is text, never a pictogram (and
    # rich then does not load its 3 ms emoji table for every line printed).
    return Console(stderr=stderr, highlight=False, width=width, soft_wrap=not is_tty, emoji=False)


class Output:
    """The streams of one command run."""

    def __init__(self, *, json_mode: bool = False, quiet: bool = False) -> None:
        self.json_mode = json_mode
        self.quiet = quiet
        self.console = make_console(stderr=json_mode)
        self.err = make_console(stderr=True)

    @property
    def animate(self) -> bool:
        """May progress be animated? Only on a terminal, and never under NO_COLOR."""
        return self.console.is_terminal and not os.environ.get("NO_COLOR")

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Human output (a rich renderable or markup string)."""
        if not self.quiet:
            self.console.print(*objects, **kwargs)

    def warn(self, message: str) -> None:
        """A warning on stderr, always visible, never in the JSON stream."""
        self.err.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)

    @contextlib.contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner while long work runs; none off a terminal or under NO_COLOR."""
        if self.quiet or not self.animate:
            yield
            return
        with self.console.status(message):
            yield
