"""`envlock create`: what the second newcomer trial found (issue 4).

An edited lock that swaps in a CPU pytorch is refused (the archives' own depends, and the
request the lock records); Ctrl-C and SIGTERM leave no staging folder, and a killed run's
leftovers are swept; NO_COLOR stops the progress animation; long names, quoted activate
lines, the JSON shape, unknown sizes and a disk too small for the downloads.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from envlock.create import staging
from envlock.lock.condalock import Lock, LockChannel, write_lock
from envlock.models import Package
from tests.conftest import REPO, invoke
from tests.test_create import (  # fixtures are imported to be used by name
    CHANNELS,
    M3NET,
    archive_of,
    fresh_pkgs,
    installed,
    isolated,
    leftovers,
    lock_dir,
    locked,
    m3net,
    mirror,
    rebase,
    said,
    shared_pkgs,
    write_locks,
)

__all__ = ["fresh_pkgs", "isolated", "lock_dir", "m3net", "mirror", "shared_pkgs"]

# ---------------------------------------------------------------- an edited lock


def _cpu_swap(mirror: Path, m3net: Sequence[Package]) -> tuple[Package, Package]:
    """(the locked CUDA pytorch, the same entry pointed at the CPU archive by hand:
    url, build, md5 and sha256 edited, `dependencies:` left as they were)."""
    cuda = archive_of(m3net, "pytorch")
    assert cuda.build and "cuda" in cuda.build
    cpu_build = cuda.build.split("_", 1)[0] + "_cpu_0"
    url = (cuda.url or "").replace(cuda.build, cpu_build)
    data = (mirror / "pytorch" / "linux-64" / url.rsplit("/", 1)[-1]).read_bytes()
    edited = replace(
        cuda,
        build=cpu_build,
        url=url,
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    return cuda, edited


def _write_lock(folder: Path, packages: Sequence[Package], root: Path, *, request: bool) -> Path:
    custom = (
        {"envlock-inputs-linux-64": json.dumps({"envlock_inputs": 1, "specs": sorted(M3NET)})}
        if request
        else {}
    )
    lock = Lock(
        platforms=("linux-64",),
        channels=tuple(LockChannel(url=(root / c).as_uri()) for c in CHANNELS),
        content_hash={"linux-64": "test"},
        sources=("recipes/m3net.yml",),
        packages={"linux-64": tuple(packages)},
        custom_metadata=custom,
    )
    folder.mkdir(parents=True, exist_ok=True)
    write_lock(folder / "conda-lock.yml", lock)
    return folder / "conda-lock.yml"


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_an_archive_whose_own_depends_the_lock_does_not_meet_is_refused(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    cuda, cpu = _cpu_swap(mirror, m3net)
    edited = tuple(cpu if p is cuda else p for p in m3net)
    lock = _write_lock(tmp_path / "lk" / "edited", edited, mirror, request=False)
    prefix = tmp_path / "env"
    ran = invoke(["create", str(lock), "-p", str(prefix), "--json"])
    assert ran.exit_code == 2, ran.stderr
    doc = ran.json()
    mutex = archive_of(m3net, "pytorch-mutex")
    assert doc["message"].startswith(
        f"the lock is inconsistent: pytorch {cpu.version} {cpu.build} (its archive's "
        "info/index.json) depends on `pytorch-mutex"
    )
    assert (
        f"but the lock holds pytorch-mutex {mutex.version} {mutex.build} instead"
        in (doc["message"])
    )
    assert "nothing was installed" in doc["message"]
    assert doc["where"] == f"{lock}:{_line_of(lock, cpu.filename or '')}"
    assert not prefix.exists()
    assert leftovers(tmp_path) == []


def test_a_lock_contradicting_its_recorded_request_is_refused_before_fetching(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    cuda, cpu = _cpu_swap(mirror, m3net)
    edited = tuple(cpu if p is cuda else p for p in m3net)
    lock = _write_lock(tmp_path / "lk" / "edited", edited, mirror, request=True)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert ran.json()["message"] == (
        f"the lock was edited: pytorch {cpu.version} {cpu.build} does not satisfy the "
        "request `pytorch 1.13.* *cuda11.7*` it was resolved for; nothing was fetched. "
        "Re-resolve it (envlock resolve RECIPE)"
    )
    assert ran.json()["where"] == f"{lock}:{_line_of(lock, cpu.filename or '')}"
    assert not fresh_pkgs.exists()
    # the same lock unedited, with the same recorded request, is created
    good = _write_lock(tmp_path / "lk" / "good", m3net, mirror, request=True)
    ran = invoke(["create", str(good), "-p", str(tmp_path / "env")])
    assert ran.exit_code == 0, ran.stderr
    assert installed(tmp_path / "env") == locked(m3net)


# ---------------------------------------------------------------- interrupts


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
    return _write_lock(root / "locks" / "big", packages, root, request=False)


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


# ---------------------------------------------------------------- output and names


def test_no_color_stops_the_progress_animation(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the output as a terminal
    animated = invoke(["create", str(lock_dir), "-p", str(tmp_path / "a")])
    assert animated.exit_code == 0, animated.stderr
    assert "\x1b[?25l" in animated.stdout  # the bars hide the cursor while they animate
    monkeypatch.setenv("NO_COLOR", "1")
    ran = invoke(["create", str(lock_dir), "-p", str(tmp_path / "b")])
    assert ran.exit_code == 0, ran.stderr
    assert "\x1b[?25l" not in ran.stdout
    assert "\r" not in ran.stdout


def test_a_250_character_name_is_created(tmp_path: Path, lock_dir: Path) -> None:
    prefix = tmp_path / ("n" * 250)
    ran = invoke(["create", str(lock_dir), "-p", str(prefix)])
    assert ran.exit_code == 0, ran.stderr
    assert (prefix / "conda-meta").is_dir()
    # and replacing it (the environment is moved aside under a short name too)
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--force"])
    assert ran.exit_code == 0, ran.stderr
    assert leftovers(tmp_path) == []


def test_activate_lines_quote_the_path_and_json_shapes_match(
    tmp_path: Path, lock_dir: Path, m3net: tuple[Package, ...]
) -> None:
    prefix = tmp_path / "my envs" / "it's here"
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stderr
    doc = ran.json()
    quoted = "'" + str(prefix).replace("'", "'\"'\"'") + "'"
    assert doc["activate"] == [f"conda activate {quoted}", f"micromamba activate {quoted}"]
    assert f"conda activate {quoted}" in ran.stderr
    assert set(doc["fetched"]) == set(doc["reused_from_cache"]) == {"packages", "bytes"}
    assert doc["fetched"]["packages"] + doc["reused_from_cache"]["packages"] == len(m3net)
    assert doc["reused_from_cache"]["bytes"] + doc["fetched"]["bytes"] == sum(
        p.size or 0 for p in m3net
    )


def test_dry_run_says_unknown_sizes_are_unknown(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], http_mirror: str, fresh_pkgs: Path
) -> None:
    # explicit files record no sizes, and an http URL is not asked for one
    folder = write_locks(tmp_path / "lk" / "http", rebase(m3net, mirror, http_mirror), root=mirror)
    (folder / "conda-lock.yml").unlink()
    ran = invoke(["create", str(folder), "-p", str(tmp_path / "env"), "--dry-run"])
    assert ran.exit_code == 0, ran.stderr
    text = " ".join(ran.stdout.split())
    assert f"{len(m3net)} to download (size unknown)" in text
    assert f"disk needed: unknown ({len(m3net)} archive(s) of unknown size)" in text
    assert "about 0 B" not in text
    assert "0 B (+" not in text
    doc = invoke(["create", str(folder), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert doc.json()["plan"]["disk_needed_bytes_estimate"] is None


def test_too_little_space_for_the_downloads_is_refused_before_starting(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import envlock.create.target

    monkeypatch.setattr(envlock.create.target, "free_bytes", lambda _path: 1000)
    prefix = tmp_path / "env"
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--json"])
    assert ran.exit_code == 4, ran.stderr
    message = ran.json()["message"]
    assert message.startswith("not enough disk space: ")
    assert f"must be downloaded into {fresh_pkgs} but only 1000 bytes are free" in message
    assert not prefix.exists()
    assert not (fresh_pkgs / "archives").exists()
    assert "warning" in said(ran)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("locks/m3net/conda-lock.yml", "m3net"),
        ("locks/m3net/linux-64.lock", "m3net"),
        ("papers/Yi__conda-lock.yml", "Yi"),
        ("papers/midas.conda-lock.yml", "midas"),
        ("papers/midas-conda-lock.yaml", "midas"),
    ],
)  # fmt: skip
def test_the_default_environment_name_comes_from_the_lock(name: str, expected: str) -> None:
    from envlock.lock.source import lock_name

    assert lock_name(Path(name)) == expected
