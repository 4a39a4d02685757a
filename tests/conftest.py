"""Shared fixtures: the CLI runner, the corpus folder, the demo mirror."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from envlock.cli import cli

if TYPE_CHECKING:
    from envlock.mirror import Mirror

REPO = Path(__file__).resolve().parent.parent
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
    import contextlib
    import io

    from envlock.cli import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return Ran(code, out.getvalue(), err.getvalue())


def resolve_on(alias: str, *args: str) -> Ran:
    """`envlock resolve ARGS --channel-alias ALIAS`, in-process."""
    return invoke(["resolve", *args, "--channel-alias", alias])


@pytest.fixture(autouse=True)
def repodata_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own repodata cache: none reads or writes the user's ~/.cache."""
    cache = tmp_path / ".envlock-cache"
    monkeypatch.setenv("ENVLOCK_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus, or a skip that says why."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-world corpus tier: {CORPUS} is absent (it sits beside a checkout)")
    return CORPUS


__all__ = ["CORPUS", "REPO", "QuietHandler", "Ran", "cli", "invoke", "resolve_on", "serve_folder"]


# --- the demo mirror (envlock.mirror) and its HTTP tier --------------------------------


@pytest.fixture(scope="session")
def demo_mirror(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    """The demo channels (pytorch, nvidia, pyg, conda-forge), built once per session."""
    from envlock.mirror import build_mirror

    return build_mirror(tmp_path_factory.mktemp("demo-mirror"))


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging every request; subclass it to guard or fail requests."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


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


@pytest.fixture(scope="session")
def http_mirror(demo_mirror: Mirror) -> Iterator[str]:
    """The demo mirror served by a real HTTP server on 127.0.0.1; yields the base URL
    (`http://127.0.0.1:PORT`, channels at `/pytorch`, `/nvidia`, `/pyg`, `/conda-forge`)."""
    with serve_folder(demo_mirror.root) as url:
        yield url
