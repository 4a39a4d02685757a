"""The CLI skeleton: help for every command, exit-code mapping, JSON errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from envlock.cli import COMMANDS
from tests.helpers import invoke


def test_top_level_help_lists_every_available_command() -> None:
    ran = invoke(["--help"])
    assert ran.exit_code == 0
    assert "Exit codes" in ran.stdout
    for name in COMMANDS:
        assert name in ran.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_text(name: str) -> None:
    ran = invoke([name, "--help"])
    assert ran.exit_code == 0, ran.stderr
    assert len(ran.stdout.splitlines()) > 5, "help should teach, not just list options"


def test_unknown_command_is_bad_input() -> None:
    ran = invoke(["no-such-command"])
    assert ran.exit_code == 2


def test_help_does_not_import_the_engines() -> None:
    code = (
        "import sys; from envlock.cli import run; run(['--help']); "
        "heavy = [m for m in ('rattler', 'conda_lock') if m in sys.modules]; "
        "print('HEAVY:' + ','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_a_usage_error_under_json_is_an_error_document() -> None:
    ran = invoke(["diff", "--json"])
    assert ran.exit_code == 2
    document = ran.json()
    assert document["envlock_error"] == 1
    assert document["code"] == 2
    assert "Missing argument" in document["message"]


def test_file_system_errors_are_reported_not_tracebacks(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    recipe = tmp_path / "r.yml"
    recipe.write_text('name: r\npython: "3.10"\n')
    ran = invoke(["resolve", str(recipe), "-o", str(blocker / "locks"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    document = ran.json()
    assert document["envlock_error"] == 1
    assert document["code"] == 2


@pytest.mark.parametrize(
    ("errno_code", "exit_code"),
    [(36, 2), (20, 2), (30, 4), (28, 4)],  # ENAMETOOLONG, ENOTDIR, EROFS, ENOSPC
)
def test_os_errors_map_to_bad_input_or_world_failed(errno_code: int, exit_code: int) -> None:
    from envlock.cli import _from_os_error

    error = _from_os_error(OSError(errno_code, "boom", "/some/path"))
    assert error.exit_code == exit_code
    assert error.where == "/some/path"


def test_warnings_keep_square_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    from envlock.ui.output import Output

    Output().warn("pip requirements are NOT locked: print-on-steroids[exceptions]>=1.0")
    assert "print-on-steroids[exceptions]>=1.0" in capsys.readouterr().err


def test_no_spinner_under_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from envlock.ui.output import Output

    out = Output()
    monkeypatch.setattr(type(out.console), "is_terminal", property(lambda self: True))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not out.animate
    monkeypatch.delenv("NO_COLOR")
    assert out.animate
