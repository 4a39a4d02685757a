"""A lab's shared package cache: many `envlock create` processes on one ENVLOCK_PKGS_DIR
at once (real processes, the real CLI, a real HTTP server on 127.0.0.1 counting the
requests per path). Each environment is whole, no archive is downloaded twice, no
temporary file is left; a run killed mid-download leaves a `.part` that the next run
sweeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envlock.models import Package
from tests.helpers import REPO
from tests.helpers.environments import installed, locked, rebase, write_locks
from tests.helpers.faults import serve_faults, temp_files

pytestmark = [pytest.mark.http, pytest.mark.slow]

PROCESSES = 8


def _environ(pkgs: Path, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVLOCK_")}
    env.update(
        ENVLOCK_PKGS_DIR=str(pkgs),
        ENVLOCK_CACHE_DIR=str(tmp_path / "cache"),
        ENVLOCK_HTTP_BACKOFF="0",
        NO_COLOR="1",
    )
    return env


def _create(lock: Path, prefix: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "envlock", "create", str(lock), "-p", str(prefix), "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_eight_creates_share_one_cache(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...]
) -> None:
    pkgs = tmp_path / "shared-pkgs"
    env = _environ(pkgs, tmp_path)
    with serve_faults(mirror) as server:
        lock = write_locks(
            tmp_path / "lk" / "m3net", rebase(m3net, mirror, server.url), root=mirror
        )
        started = time.monotonic()
        runs = [_create(lock, tmp_path / f"env{i}", env) for i in range(PROCESSES)]
        outcomes = []
        for run in runs:
            out, err = run.communicate(timeout=240)
            outcomes.append((run.returncode, out, err))
        took = time.monotonic() - started
        counts = {p.filename: server.count(f"/{p.filename}") for p in m3net}
    assert [code for code, _, _ in outcomes] == [0] * PROCESSES, outcomes
    assert set(counts.values()) == {1}, {k: n for k, n in counts.items() if n != 1}
    fetched = sum(json.loads(out)["fetched"]["packages"] for _, out, _ in outcomes)
    reused = sum(json.loads(out)["reused_from_cache"]["packages"] for _, out, _ in outcomes)
    assert fetched + reused == PROCESSES * len(m3net)
    for i in range(PROCESSES):
        assert installed(tmp_path / f"env{i}") == locked(m3net)
    assert temp_files(pkgs) == []
    assert took < 240


def test_a_run_killed_mid_download_is_swept_by_the_next(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...]
) -> None:
    pkgs = tmp_path / "pkgs"
    env = _environ(pkgs, tmp_path)
    target = max(m3net, key=lambda p: Path((p.url or "")[len("file://") :]).stat().st_size)
    with serve_faults(mirror) as server:
        path = f"/{target.channel}/{target.subdir}/{target.filename}"
        server.plan(path, "drip")
        lock = write_locks(
            tmp_path / "lk" / "m3net", rebase(m3net, mirror, server.url), root=mirror
        )
        run = _create(lock, tmp_path / "env", env)
        deadline = time.monotonic() + 60
        while not any(str(target.filename) in name for name in temp_files(pkgs)):
            assert time.monotonic() < deadline, "the dripping download did not start"
            time.sleep(0.05)
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=30)
        left = [pkgs / name for name in temp_files(pkgs)]
        assert left
        old = time.time() - 60
        for part in left:
            os.utime(part, (old, old))  # as if the kill was a minute ago
        again = _create(lock, tmp_path / "env", env)
        out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert json.loads(out)["envlock_create"] == 1
    assert temp_files(pkgs) == []
    assert installed(tmp_path / "env") == locked(m3net)
