"""One rule for envlock's cache folder (envlock.platforms.cache_root), read by both the
repodata cache (resolve) and the package cache (create); the variables still win."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from envlock.create.cache import default_pkgs_dir
from envlock.platforms import cache_root
from envlock.resolve.plan import default_cache_dir

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX cache folders")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("ENVLOCK_CACHE_DIR", "ENVLOCK_PKGS_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux rule")
def test_linux_follows_xdg_cache_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_root() == home / ".cache" / "envlock"
    assert default_cache_dir() == home / ".cache" / "envlock"
    assert default_pkgs_dir() == home / ".cache" / "envlock" / "pkgs"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    assert default_cache_dir() == home / "xdg" / "envlock"
    assert default_pkgs_dir() == home / "xdg" / "envlock" / "pkgs"


def test_macos_uses_library_caches_for_both(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))  # not a macOS convention
    assert default_cache_dir() == home / "Library" / "Caches" / "envlock"
    assert default_pkgs_dir() == home / "Library" / "Caches" / "envlock" / "pkgs"


def test_the_variables_win(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    monkeypatch.setenv("ENVLOCK_CACHE_DIR", str(home / "repodata"))
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", "~/pkgs")
    assert default_cache_dir() == home / "repodata"
    assert default_pkgs_dir() == home / "pkgs"
