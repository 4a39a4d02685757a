"""Fresh processes that solve must all exit 0 (py-rattler 0.28's exit-crash, see engine/runtime).

Without a defence, a few percent of processes that solved through a Gateway died with
SIGSEGV (139) or SIGABRT (134) at interpreter exit, after all their work was done. These
tests count the exit codes of many fresh processes: one crash fails them.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.helpers import REPO

M3NET = REPO / "recipes" / "m3net.yml"
CLI_RUNS = 40
LIBRARY_RUNS = 24

LIBRARY_SCRIPT = """
import sys
from pathlib import Path
from envlock.resolve.plan import Options, plan
from envlock.resolve.solver import solve_platforms
p = plan(Path(sys.argv[1]), Options(platforms=("linux-64",), out_dir=Path(sys.argv[3])))
solved = solve_platforms(p.specsets, channel_alias=sys.argv[2], cache_dir=Path(sys.argv[3]))
print(len(solved["linux-64"].packages))
"""


def _count(commands: list[list[str]], cache: Path) -> collections.Counter[int]:
    env = {**os.environ, "ENVLOCK_CACHE_DIR": str(cache)}

    def one(cmd: list[str]) -> int:
        return subprocess.run(cmd, capture_output=True, check=False, cwd=REPO, env=env).returncode

    with ThreadPoolExecutor(max_workers=2) as pool:
        return collections.Counter(pool.map(one, commands))


@pytest.mark.slow
def test_cli_resolve_exits_0_in_every_fresh_process(demo_mirror: Mirror, tmp_path: Path) -> None:
    commands = [
        [sys.executable, "-m", "envlock", "resolve", str(M3NET), "-p", "linux-64", "--force",
         "-o", str(tmp_path / str(i)), "--channel-alias", demo_mirror.channel_alias]
        for i in range(CLI_RUNS)
    ]  # fmt: skip
    assert _count(commands, tmp_path / "cache") == {0: CLI_RUNS}


@pytest.mark.slow
def test_library_solve_exits_0_in_every_fresh_process(demo_mirror: Mirror, tmp_path: Path) -> None:
    """A process that solves through envlock.engine and exits normally (no os._exit)."""
    commands = [
        [sys.executable, "-c", LIBRARY_SCRIPT, str(M3NET), demo_mirror.channel_alias,
         str(tmp_path / str(i))]
        for i in range(LIBRARY_RUNS)
    ]  # fmt: skip
    assert _count(commands, tmp_path / "cache") == {0: LIBRARY_RUNS}
