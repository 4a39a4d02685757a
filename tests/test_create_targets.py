"""Where `envlock create` puts an environment: the envs folder from envlock's then conda's
settings, the name from the lock, long names, modes, and folders it will not replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import invoke
from tests.helpers.environments import (
    leftovers,
    said,
)

pytestmark = pytest.mark.usefixtures("isolated")


def test_envs_dir_follows_envlock_then_conda_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from envlock.create.target import envs_dir

    for variable in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS", "CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert envs_dir() == (tmp_path / "envs", "ENVLOCK_ENVS_DIR")
    monkeypatch.delenv("ENVLOCK_ENVS_DIR")
    assert envs_dir()[0] == tmp_path / "home" / ".envlock" / "envs"
    root = tmp_path / "miniconda3"
    (root / "conda-meta").mkdir(parents=True)
    monkeypatch.setenv("CONDA_PREFIX", str(root / "envs" / "work"))
    assert envs_dir() == (root / "envs", "root of $CONDA_PREFIX")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".condarc").write_text("envs_dirs:\n  - ~/conda-envs\n  - /other\n")
    assert envs_dir() == (tmp_path / "home" / "conda-envs", "~/.condarc envs_dirs")
    monkeypatch.setenv("CONDA_ENVS_PATH", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert envs_dir() == (tmp_path / "a", "CONDA_ENVS_PATH")


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


def test_a_250_character_name_is_created(tmp_path: Path, lock_dir: Path) -> None:
    prefix = tmp_path / ("n" * 250)
    ran = invoke(["create", str(lock_dir), "-p", str(prefix)])
    assert ran.exit_code == 0, ran.stderr
    assert (prefix / "conda-meta").is_dir()
    # and replacing it (the environment is moved aside under a short name too)
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--force"])
    assert ran.exit_code == 0, ran.stderr
    assert leftovers(tmp_path) == []


def test_the_environment_root_gets_the_mode_mkdir_gives(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path
) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        prefix = tmp_path / "shared-env"
        assert invoke(["create", str(lock_dir), "-p", str(prefix)]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(prefix.stat().st_mode) == 0o755
    assert stat.S_IMODE((prefix / ".envlock-origin.json").stat().st_mode) == 0o644
    archives = fresh_pkgs / "archives"
    modes = {stat.S_IMODE(p.stat().st_mode) for p in archives.iterdir() if p.is_file()}
    assert modes == {0o644}


def test_a_folder_that_is_not_an_environment_is_named_so_at_once(
    tmp_path: Path, lock_dir: Path
) -> None:
    prefix = tmp_path / "notenv"
    prefix.mkdir()
    (prefix / "data.csv").write_text("1,2")
    for extra in ([], ["--force"]):
        ran = invoke(["create", str(lock_dir), "-p", str(prefix), *extra])
        assert ran.exit_code == 2
        assert said(ran) == (
            f"envlock error: {prefix} is a folder that is not a conda environment (no "
            "conda-meta/); envlock will not replace it, even with --force, and nothing in it "
            "was touched. Choose another -p/-n (a new or empty folder)"
        )
        assert "Pass --force" not in said(ran)
    assert sorted(p.name for p in prefix.iterdir()) == ["data.csv"]


def test_path_problems_are_envlock_errors(tmp_path: Path, lock_dir: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = {
        str(afile): f"{afile} is a file, not a conda environment",
        str(afile / "env"): f"cannot create {afile / 'env'}: {afile} is not a folder",
        "": "-p/--prefix needs a path",
    }
    for prefix, expected in cases.items():
        ran = invoke(["create", str(lock_dir), "-p", prefix])
        assert ran.exit_code == 2, prefix
        assert "Usage:" not in ran.stderr
        assert expected in said(ran), said(ran)
