"""Locks `envlock create` refuses before installing: edited by hand (an archive's own
depends, or the request the lock records, contradicted), incomplete (a dependency or
python missing), or not a lock at all (pixi.lock, environment.yml)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from envlock.models import Package
from tests.helpers import invoke, line_of
from tests.helpers.environments import (
    archive_of,
    installed,
    leftovers,
    locked,
    said,
    write_locks,
    write_unified_lock,
)

pytestmark = pytest.mark.usefixtures("isolated")

# ---------------------------------------------------------------- edited


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


def test_an_archive_whose_own_depends_the_lock_does_not_meet_is_refused(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    cuda, cpu = _cpu_swap(mirror, m3net)
    edited = tuple(cpu if p is cuda else p for p in m3net)
    lock = write_unified_lock(tmp_path / "lk" / "edited", edited, mirror, request=False)
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
    assert doc["where"] == f"{lock}:{line_of(lock, cpu.filename or '')}"
    assert not prefix.exists()
    assert leftovers(tmp_path) == []


def test_a_lock_contradicting_its_recorded_request_is_refused_before_fetching(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    cuda, cpu = _cpu_swap(mirror, m3net)
    edited = tuple(cpu if p is cuda else p for p in m3net)
    lock = write_unified_lock(tmp_path / "lk" / "edited", edited, mirror, request=True)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert ran.json()["message"] == (
        f"the lock was edited: pytorch {cpu.version} {cpu.build} does not satisfy the "
        "request `pytorch 1.13.* *cuda11.7*` it was resolved for; nothing was fetched. "
        "Re-resolve it (envlock resolve RECIPE)"
    )
    assert ran.json()["where"] == f"{lock}:{line_of(lock, cpu.filename or '')}"
    assert not fresh_pkgs.exists()
    # the same lock unedited, with the same recorded request, is created
    good = write_unified_lock(tmp_path / "lk" / "good", m3net, mirror, request=True)
    ran = invoke(["create", str(good), "-p", str(tmp_path / "env")])
    assert ran.exit_code == 0, ran.stderr
    assert installed(tmp_path / "env") == locked(m3net)


# ---------------------------------------------------------------- incomplete


def test_a_lock_missing_a_dependency_is_refused_before_fetching(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    folder = write_locks(
        tmp_path / "lk" / "noxz", tuple(p for p in m3net if p.name != "xz"), root=mirror
    )
    lock = folder / "conda-lock.yml"
    python = archive_of(m3net, "python")
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 2
    message = ran.json()["message"]
    assert ran.json()["where"] == str(lock)
    assert message.startswith(
        f"the lock is incomplete for linux-64: python {python.version} needs xz, "
        "which the lock does not list."
    )
    assert "Re-resolve it" in message
    assert "try again" not in message
    assert not fresh_pkgs.exists()
    assert not (tmp_path / "env").exists()


def test_an_explicit_file_without_python_is_refused(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    # cut at a package boundary: everything from python on is gone
    folder = write_locks(
        tmp_path / "lk" / "cut", tuple(p for p in m3net if p.name != "python"), root=mirror
    )
    ran = invoke(["create", str(folder / "linux-64.lock"), "-p", str(tmp_path / "env")])
    assert ran.exit_code == 2
    assert "(noarch: python) need python, which the lock does not list" in said(ran)
    assert "try again" not in said(ran)
    assert not fresh_pkgs.exists()
    assert not (tmp_path / "env").exists()


# ---------------------------------------------------------------- not a lock


def test_a_pixi_lock_or_other_yaml_is_named(tmp_path: Path) -> None:
    pixi = tmp_path / "pixi.lock"
    pixi.write_text("version: 6\nenvironments:\n  default:\n    channels: []\npackages: []\n")
    ran = invoke(["create", str(pixi), "--json"])
    assert ran.exit_code == 2
    message = ran.json()["message"]
    assert ran.json()["where"] == str(pixi)
    assert message.startswith(
        "this is a pixi.lock (format version 6), pixi's lock format, not a lock "
        "envlock reads. envlock create reads a conda-lock.yml"
    )
    env = tmp_path / "environment.yml"
    env.write_text("name: x\nchannels: [conda-forge]\ndependencies: [python]\n")
    ran = invoke(["create", str(env), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["where"] == str(env)
    assert ran.json()["message"].startswith(
        "a YAML document with top-level keys channels, dependencies, name, not a lock"
    )
    assert "envlock resolve" in ran.json()["message"]
