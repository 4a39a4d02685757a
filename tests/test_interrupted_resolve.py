"""Ctrl-C or SIGTERM while a lock is written leaves no `.conda-lock.yml.*.tmp` beside it
(issue 9, case 10), and the locks are either all old or all new.

Real signals throughout: delivered to this process at each step of `envlock.atomic`'s
write (SIGINT), to a real `envlock resolve` process at the same steps (SIGINT and
SIGTERM, sent by the process to itself when it reaches them), and from outside to real
`envlock resolve` processes at several moments of their run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from envlock import atomic
from envlock.mirror import Mirror
from tests.helpers import REPO

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"
# Where a write can be interrupted: making a temp file, filling it, its mode, its
# fsync, and the renames into place.
STEPS = ("open", "fchmod", "fsync", "replace")


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def _on_step(monkeypatch: pytest.MonkeyPatch, step: str, act: Callable[[], None]) -> None:
    """Call `act` the first time the write reaches `step` (then do the step itself)."""
    done: list[bool] = []

    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not done:
                done.append(True)
                act()
            return real(*args, **kwargs)

        return wrapped

    if step == "replace":
        monkeypatch.setattr(Path, "replace", wrap(Path.replace))
    else:
        monkeypatch.setattr(os, step, wrap(getattr(os, step)))


def _old_locks(folder: Path) -> dict[Path, str]:
    files = {folder / "conda-lock.yml": "old lock\n", folder / "linux-64.lock": "old explicit\n"}
    for path, text in files.items():
        path.write_text(text)
    return files


@pytest.mark.parametrize("step", STEPS)
def test_ctrl_c_at_any_step_of_a_write_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    old = _old_locks(tmp_path)
    new = {path: f"new {path.name}\n" for path in old}
    _on_step(monkeypatch, step, lambda: signal.raise_signal(signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        atomic.write_many(new)
    assert _temps(tmp_path) == []
    now = {path: path.read_text() for path in old}
    # before the renames the write is called off; once they began they all land
    assert now == (new if step == "replace" else old)


@pytest.mark.parametrize("step", STEPS)
def test_an_exception_at_any_step_of_a_write_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    # an interrupt raised by code (another thread's way of stopping, a test's), not a signal
    old = _old_locks(tmp_path)

    def stop() -> None:
        raise KeyboardInterrupt

    _on_step(monkeypatch, step, stop)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_many(dict.fromkeys(old, "new\n"))
    assert _temps(tmp_path) == []
    assert {path: path.read_text() for path in old} == old


_RESOLVE_SIGNALLED = """
import os, signal, sys
from pathlib import Path
step, signum, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen = []
def wrap(real):
    def wrapped(*args, **kwargs):
        seen.append(1)
        if len(seen) == count:
            os.kill(os.getpid(), signum)
        return real(*args, **kwargs)
    return wrapped
if step == "replace":
    Path.replace = wrap(Path.replace)
else:
    setattr(os, step, wrap(getattr(os, step)))
from envlock.cli import main
sys.argv = ["envlock", *sys.argv[4:]]
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    ("step", "count"), [("open", 1), ("fsync", 1), ("fsync", 2), ("replace", 1)]
)
def test_a_real_resolve_signalled_while_writing_its_locks_leaves_no_temp_file(
    demo_mirror: Mirror, tmp_path: Path, step: str, count: int, signum: int
) -> None:
    out = tmp_path / "locks"
    args = [str(CPU_DEMO), "-p", "linux-64", "-o", str(out)]
    args += ["--channel-alias", demo_mirror.channel_alias]
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            _RESOLVE_SIGNALLED,
            step,
            str(signum),
            str(count),
            "resolve",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    folder = out / "cpu-demo"
    assert _temps(tmp_path) == [], ran.stderr
    written = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    if step == "replace":
        # the renames had begun: they all land, then the signal is acted on
        assert written == ["conda-lock.yml", "linux-64.lock"]
    else:
        assert written == []  # called off before anything was replaced
    if signum == signal.SIGTERM:
        assert ran.returncode == -signal.SIGTERM, ran.stderr
    else:
        assert ran.returncode == 4, ran.stderr
        assert "interrupted" in ran.stderr


def test_real_resolves_interrupted_from_outside_leave_no_temp_file(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    """SIGINT from outside at moments spread over a resolve's run: whatever it stopped,
    no temp file stays, and a lock folder is whole or absent."""
    outcomes: set[int] = set()
    for index, delay in enumerate((0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 1.3)):
        out = tmp_path / f"locks-{index}"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "envlock",
                "resolve",
                str(CPU_DEMO),
                "-p",
                "linux-64",
                "-o",
                str(out),
                "--channel-alias",
                demo_mirror.channel_alias,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        outcomes.add(process.returncode)
        assert process.returncode in (0, 4, -signal.SIGINT), stderr
        assert _temps(out.parent) == [], (delay, stderr)
        folder = out / "cpu-demo"
        written = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        assert written in ([], ["conda-lock.yml", "linux-64.lock"]), (delay, written)
    assert outcomes & {4, -signal.SIGINT}, outcomes  # some runs really were interrupted
