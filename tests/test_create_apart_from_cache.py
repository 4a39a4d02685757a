"""`create` never puts an environment inside the package cache, nor the cache inside an
environment (issue 9, case 10): exit 2 before anything is fetched or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import invoke

pytestmark = pytest.mark.usefixtures("isolated")


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("pkgs/env", "is inside the package cache"),
        ("pkgs/archives/env", "is inside the package cache"),
        ("pkgs", "is the package cache"),
        (".", "holds the package cache"),
        ("link-to-pkgs/env", "is inside the package cache"),  # a link cannot hide it
    ],
)
def test_a_prefix_overlapping_envlock_pkgs_dir_is_refused(
    tmp_path: Path, lock_dir: Path, monkeypatch: pytest.MonkeyPatch, where: str, said: str
) -> None:
    pkgs = tmp_path / "pkgs"
    (pkgs / "archives").mkdir(parents=True)
    (tmp_path / "link-to-pkgs").symlink_to(pkgs)
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(pkgs))
    before = _tree(tmp_path)
    prefix = tmp_path / where if where != "." else tmp_path
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--force", "--json"])
    assert ran.exit_code == 2, ran.stderr
    message = ran.json()["message"]
    assert message.startswith(f"{prefix} {said}")
    assert "nothing was changed" in message
    assert "ENVLOCK_PKGS_DIR" in message
    assert _tree(tmp_path) == before


def test_a_prefix_inside_the_default_package_cache_is_refused(
    tmp_path: Path, lock_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVLOCK_PKGS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    prefix = tmp_path / "xdg" / "envlock" / "pkgs" / "env"
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert ran.json()["message"].startswith(
        f"{prefix} is inside the package cache {tmp_path / 'xdg' / 'envlock' / 'pkgs'}"
    )
    assert not (tmp_path / "xdg").exists()


def test_a_prefix_beside_the_cache_is_created(
    tmp_path: Path, lock_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a name that merely starts like the cache's is not inside it
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(tmp_path / "pkgs"))
    ran = invoke(["create", str(lock_dir), "-p", str(tmp_path / "pkgs-env"), "--dry-run"])
    assert ran.exit_code == 0, ran.stderr
