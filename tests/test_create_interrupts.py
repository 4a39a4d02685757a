"""`envlock create` interrupted: Ctrl-C or SIGTERM at any moment leaves no staging folder
(the target complete or absent), and a killed run's leftovers are swept by the next one."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envlock.create import staging
from envlock.models import Package
from tests.helpers import REPO, invoke
from tests.helpers.environments import (
    leftovers,
    write_unified_lock,
)

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lock of three packages of 4,000 small files each (linking takes a while)."""
    from envlock.mirror import archive
    from envlock.mirror.record import CatalogRecord

    root = tmp_path_factory.mktemp("many-files")
    channel = root / "conda-forge" / "linux-64"
    channel.mkdir(parents=True)

    def padded(record: CatalogRecord) -> dict[str, bytes]:
        return {f"lib/{record.name}/d{i % 20:02d}/f{i:04d}.py": b"# x\n" * 40 for i in range(4000)}

    original = archive.payload
    archive.payload = padded
    packages = []
    try:
        for name in ("big-a", "big-b", "big-c"):
            record = CatalogRecord(
                channel="conda-forge", subdir="linux-64", name=name, version="1.0",
                build="h0_0", build_number=0, timestamp=1609459200000,
            )  # fmt: skip
            path = archive.write_package(record, channel)
            data = path.read_bytes()
            packages.append(
                Package(
                    name=name,
                    version="1.0",
                    build="h0_0",
                    build_number=0,
                    channel="conda-forge",
                    subdir="linux-64",
                    url=path.as_uri(),
                    md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                )
            )
    finally:
        archive.payload = original
    return write_unified_lock(root / "locks" / "big", packages, root, request=False)


def _run_interrupted(lock: Path, prefix: Path, pkgs: Path, delay: float, signum: int) -> int:
    env = {**os.environ, "ENVLOCK_PKGS_DIR": str(pkgs), "PYTHONPATH": str(REPO)}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "envlock", "create", str(lock), "-p", str(prefix)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        if signum:
            process.send_signal(signum)
    _out, err = process.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    return process.returncode


@pytest.mark.parametrize(
    ("moment", "signum"),
    [(0.5, signal.SIGINT), (0.7, signal.SIGINT), (0.85, signal.SIGINT), (0.7, signal.SIGTERM)],
)
def test_an_interrupt_at_any_moment_leaves_no_staging_folder(
    tmp_path: Path, many_files: Path, moment: float, signum: int
) -> None:
    """A signal at a `moment` of a warm create (a fraction of the time one takes here, so
    that it lands in start-up, verification or linking whatever the machine's speed):
    no staging folder is left, and the target is either complete or absent."""
    pkgs = tmp_path / "pkgs"
    assert _run_interrupted(many_files, tmp_path / "warm", pkgs, 60.0, 0) == 0
    started = time.monotonic()
    assert _run_interrupted(many_files, tmp_path / "warm2", pkgs, 60.0, 0) == 0
    took = time.monotonic() - started  # chooses the moment; nothing asserts on it
    prefix = tmp_path / "envs" / "env"
    code = _run_interrupted(many_files, prefix, pkgs, took * moment, signum)
    parent = prefix.parent
    assert not parent.exists() or leftovers(parent) == []
    if code == 0:  # finished before the signal came
        assert len(list((prefix / "conda-meta").glob("*.json"))) == 3
    else:
        assert code in (4, -signum), code
        assert not prefix.exists()


def test_staging_folders_of_a_killed_run_are_swept_by_the_next_create(
    tmp_path: Path, lock_dir: Path
) -> None:
    envs = tmp_path / "envs"
    envs.mkdir()
    target = envs / "env"
    old = time.time() - 3600

    def folder(name: str, owner: dict[str, object] | None) -> Path:
        path = envs / name
        (path / "lib").mkdir(parents=True)
        (path / "lib" / "x.py").write_text("x")
        if owner is not None:
            (path / staging.OWNER).write_text(json.dumps(owner))
        os.utime(path, (old, old))
        return path

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    host = __import__("socket").gethostname()
    mine = {"target": str(target), "host": host, "pid": int(dead)}
    killed = folder(".env.envlock-new-0123abcd", mine)
    no_owner = folder(".env.envlock-new-4567cdef", None)
    short = folder(".envlock-new-89abcdef", mine)
    running = folder(".env.envlock-new-00000001", {**mine, "pid": os.getpid()})
    other = folder(".other.envlock-new-0123abcd", {**mine, "target": str(envs / "other")})
    short_other = folder(".envlock-new-fedcba98", None)
    aside = folder(".env.envlock-old-0123abcd", None)
    fresh = folder(".env.envlock-new-ffffffff", mine)
    os.utime(fresh)  # just made: maybe a run that is starting
    ran = invoke(["create", str(lock_dir), "-p", str(target)])
    assert ran.exit_code == 0, ran.stderr
    assert not killed.exists()
    assert not no_owner.exists()
    assert not short.exists()
    for kept in (running, other, short_other, aside, fresh):
        assert kept.exists(), kept.name
    assert not (target / staging.OWNER).exists()
