"""Shared fixtures: the CLI runner, the corpus folder, the demo mirror."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from envlock.cli import cli

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


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus, or a skip that says why."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-world corpus tier: {CORPUS} is absent (it sits beside a checkout)")
    return CORPUS


__all__ = ["CORPUS", "REPO", "Ran", "cli", "invoke"]
