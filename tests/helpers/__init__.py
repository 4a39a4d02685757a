"""Plain helpers every test module may import (fixtures live in tests/conftest.py).

In: nothing at import time but envlock's CLI entry point, imported lazily. Out: the repo
and corpus paths, an in-process CLI runner (`invoke`, `resolve_on`) and what it returns
(`Ran`), a real HTTP server for a folder (`serve_folder`, `QuietHandler`), the conda-lock
command of this interpreter's environment, and small text helpers. Lock builders are in
tests.helpers.locks, the create stage's in tests.helpers.environments.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


@dataclass
class Ran:
    """What one CLI invocation produced."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def invoke(args: Sequence[str]) -> Ran:
    """Run envlock in-process through `envlock.cli.run`, exit codes mapped as in `main`."""
    from envlock.cli import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return Ran(code, out.getvalue(), err.getvalue())


def resolve_on(alias: str, *args: str) -> Ran:
    """`envlock resolve ARGS --channel-alias ALIAS`, in-process."""
    return invoke(["resolve", *args, "--channel-alias", alias])


def conda_lock_command() -> str:
    """The `conda-lock` executable of the environment running the tests: beside
    `sys.executable` (any venv, activated or not), else the first on PATH."""
    beside = Path(sys.executable).parent / "conda-lock"
    if beside.is_file():
        return str(beside)
    found = shutil.which("conda-lock")
    assert found, f"conda-lock is neither beside {sys.executable} nor on PATH"
    return found


def flat(text: str) -> str:
    """`text` with every run of whitespace one space (rich's line wrapping undone)."""
    return " ".join(text.split())


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of `path` that contains `needle`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def copy_replacing(
    tmp_path: Path, source: Path, old: str, new: str, name: str | None = None
) -> Path:
    """A copy of `source` in `tmp_path` (as `name`, default its own) with `old` → `new`;
    `old` must occur."""
    text = source.read_text()
    assert old in text
    path = tmp_path / (name or source.name)
    path.write_text(text.replace(old, new))
    return path


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging every request; subclass it to guard or fail requests."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FailsFirstHandler(QuietHandler):
    """Every repodata URL (`*.json`) first answers 503, then serves the file; a
    `/t/<token>/` path prefix is accepted and dropped. `seen`: the paths answered so far."""

    token: ClassVar[str | None] = None
    seen: ClassVar[set[str]]
    lock: ClassVar[threading.Lock]

    def do_GET(self) -> None:
        if self.token is not None and self.path.startswith(f"/t/{self.token}/"):
            self.path = self.path[len(f"/t/{self.token}") :]
        with self.lock:
            first = self.path.endswith(".json") and self.path not in self.seen
            self.seen.add(self.path)
        if first:
            self.send_error(503, "try again")
            return
        super().do_GET()


def repodata_fails_first(token: str | None = None) -> type[FailsFirstHandler]:
    """A fresh `FailsFirstHandler` class (its own `seen`), accepting `/t/<token>/`."""
    attributes: dict[str, object] = {"token": token, "seen": set(), "lock": threading.Lock()}
    return type("FailsFirst", (FailsFirstHandler,), attributes)


@contextlib.contextmanager
def serve_folder(folder: Path, handler: type[QuietHandler] = QuietHandler) -> Iterator[str]:
    """Serve `folder` with a real HTTP server on 127.0.0.1 (a free port) in a thread;
    yield its base URL `http://127.0.0.1:PORT`, and shut it down afterwards."""

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            # A client that hangs up mid-response (rattler cancelling a request) is not
            # a test failure; anything else still surfaces through the client side.
            pass

    server = QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="http-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


__all__ = [
    "CORPUS",
    "REPO",
    "QuietHandler",
    "Ran",
    "conda_lock_command",
    "copy_replacing",
    "flat",
    "invoke",
    "line_of",
    "resolve_on",
    "serve_folder",
]
