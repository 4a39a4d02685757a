"""Shared fixtures: the CLI runner, the corpus folder, the demo mirror (on disk and over
HTTP), and the create stage's locks, package caches and isolation.

Plain helpers (`invoke`, `serve_folder`, lock builders …) live in tests/helpers: test
modules import them from there, never from this file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from hypothesis import settings

from tests.helpers import CORPUS, serve_folder

if TYPE_CHECKING:
    from envlock.mirror import Mirror
    from envlock.models import Package


# The fuzz tier (tests/test_fuzz_readers.py): by default the same examples on every run
# (derandomized, no example database), so CI is deterministic and adds seconds, not
# minutes; HYPOTHESIS_PROFILE=explore draws new random inputs, and many more of them.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=2000, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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


# --- the demo mirror (envlock.mirror) and its HTTP tier --------------------------------


@pytest.fixture(scope="session")
def demo_mirror(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    """The demo channels (pytorch, nvidia, pyg, conda-forge), built once per session."""
    from envlock.mirror import build_mirror

    return build_mirror(tmp_path_factory.mktemp("demo-mirror"))


@pytest.fixture(scope="session")
def http_mirror(demo_mirror: Mirror) -> Iterator[str]:
    """The demo mirror served by a real HTTP server on 127.0.0.1; yields the base URL
    (`http://127.0.0.1:PORT`, channels at `/pytorch`, `/nvidia`, `/pyg`, `/conda-forge`)."""
    with serve_folder(demo_mirror.root) as url:
        yield url


@pytest.fixture
def nginx_mirror(demo_mirror: Mirror, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo mirror served by nginx (Debian's package) on 127.0.0.1: yields (base URL,
    the folder holding its access log, see tests.helpers.nginx.requests). Skips, saying
    why, where nginx is not installed (scripts/test.sh installs it where it can)."""
    from tests.helpers.nginx import nginx_binary, serve_with_nginx

    if nginx_binary() is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; scripts/test.sh does)")
    work = tmp_path / "nginx"
    with serve_with_nginx(demo_mirror.root, work) as url:
        yield url, work


# --- the create stage: locks made without resolve, package caches, isolation ----------
# Modules that create environments say `pytestmark = pytest.mark.usefixtures("isolated")`.


@pytest.fixture(scope="module")
def mirror(demo_mirror: Mirror) -> Path:
    """The demo mirror's root folder."""
    return demo_mirror.root


@pytest.fixture(scope="module")
def m3net(mirror: Path) -> tuple[Package, ...]:
    """A small m3net-like request solved by rattler on the demo mirror (linux-64)."""
    from tests.helpers.environments import M3NET, solve

    return solve(mirror, M3NET, "linux-64")


@pytest.fixture(scope="module")
def lock_dir(
    tmp_path_factory: pytest.TempPathFactory, mirror: Path, m3net: tuple[Package, ...]
) -> Path:
    """A lock folder of `m3net` (conda-lock.yml and linux-64.lock), written once a module."""
    from tests.helpers.environments import write_locks

    return write_locks(tmp_path_factory.mktemp("locks") / "m3net", m3net, root=mirror)


@pytest.fixture(scope="module")
def shared_pkgs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One package cache shared by the tests of a module."""
    return tmp_path_factory.mktemp("pkgs")


@pytest.fixture
def isolated(tmp_path: Path, shared_pkgs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared package cache, envs under tmp_path, cwd = tmp_path."""
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(shared_pkgs))
    monkeypatch.setenv("ENVLOCK_ENVS_DIR", str(tmp_path / "envs"))
    monkeypatch.delenv("ENVLOCK_CHANNEL_ALIAS", raising=False)  # it re-bases every URL
    monkeypatch.delenv("NO_COLOR", raising=False)  # tests that need it set it themselves
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fresh_pkgs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty package cache, so that archives are really fetched."""
    pkgs = tmp_path / "fresh-pkgs"
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(pkgs))
    return pkgs


@pytest.fixture
def mirror_copy(tmp_path: Path, mirror: Path) -> Path:
    """A private copy of the mirror that a test may damage."""
    return Path(shutil.copytree(mirror, tmp_path / "mirror-copy"))
