"""`envlock create`: a lock replayed into a verified environment, nothing lost on failure.

Locks are made here without `envlock resolve` (tests/helpers/environments.py, fixtures in
tests/conftest.py): rattler solves a small m3net-like request against the demo mirror and
envlock's own writers write conda-lock.yml and the explicit file. Every install is real
(py-rattler), into temp prefixes, with one package cache shared by the module (tests that
must see a download use a fresh one).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from envlock.create.origin import read_origin
from envlock.models import Package
from tests.helpers import invoke
from tests.helpers.environments import (
    CHANNELS,
    archive_of,
    file_of,
    installed,
    leftovers,
    locked,
    said,
    snapshot,
    solve,
    write_locks,
)

pytestmark = pytest.mark.usefixtures("isolated")

# ---------------------------------------------------------------- the happy path


def test_create_m3net_installs_exactly_the_lock(
    tmp_path: Path, lock_dir: Path, m3net: tuple[Package, ...]
) -> None:
    prefix = tmp_path / "env"
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stderr
    doc = ran.json()
    assert doc["envlock_create"] == 1
    assert doc["prefix"] == str(prefix)
    assert doc["packages"] == len(m3net)
    assert doc["activate"][0] == f"conda activate {prefix}"
    assert installed(prefix) == locked(m3net)
    assert (prefix / "conda-meta" / "history").is_file()
    origin = read_origin(prefix)
    assert origin is not None
    assert origin.platform == "linux-64"
    assert origin.channels == CHANNELS
    assert origin.lock == str((lock_dir / "conda-lock.yml").resolve())
    # conda-meta keeps the lock's URL, not the local cache copy rattler was given
    urls = {json.loads(m.read_text())["url"] for m in (prefix / "conda-meta").glob("*.json")}
    assert urls == {p.url for p in m3net}
    # noarch: python packages are relinked into the locked python's site-packages
    assert (prefix / "lib" / "python3.8" / "site-packages").is_dir()
    assert not (prefix / "CACHEDIR.TAG").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("form", ["conda-lock.yml", "linux-64.lock", "folder", "name"])
def test_create_from_each_lock_form(
    tmp_path: Path, lock_dir: Path, m3net: tuple[Package, ...], form: str
) -> None:
    if form == "name":
        shutil.copytree(lock_dir, tmp_path / "locks" / "m3net")
        source = "m3net"
    else:
        source = str(lock_dir if form == "folder" else lock_dir / form)
    ran = invoke(["create", source, "--json"])
    assert ran.exit_code == 0, ran.stderr
    prefix = tmp_path / "envs" / "m3net"  # named after the lock folder by default
    assert ran.json()["prefix"] == str(prefix)
    assert installed(prefix) == locked(m3net)


def test_dry_run_changes_nothing(tmp_path: Path, lock_dir: Path, fresh_pkgs: Path) -> None:
    ran = invoke(["create", str(lock_dir), "-n", "dry", "--dry-run", "--json"])
    assert ran.exit_code == 0, ran.stderr
    plan = ran.json()["plan"]
    assert ran.json()["dry_run"] is True
    assert plan["download"]["packages"] == len(plan["packages"]) > 0
    assert plan["cached"]["packages"] == 0
    assert plan["download"]["bytes"] > 0
    assert not (tmp_path / "envs").exists()
    assert not fresh_pkgs.exists()


def test_pip_packages_are_reported_not_dropped(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...]
) -> None:
    timm = Package(
        name="timm",
        version="0.4.12",
        manager="pip",
        url="https://files.pythonhosted.org/packages/timm-0.4.12-py3-none-any.whl",
        sha256="0" * 64,
    )
    folder = tmp_path / "lk" / "withpip"
    write_locks(folder, (*m3net, timm), root=mirror)
    (folder / "linux-64.lock").unlink()
    ran = invoke(["create", str(folder), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["pip_not_installed"] == ["timm==0.4.12"]
    assert "timm==0.4.12" in said(ran)
    assert "NOT installed" in said(ran)


# ---------------------------------------------------------------- refusals (exit 2)


def test_existing_prefix_without_force_is_refused_untouched(tmp_path: Path, lock_dir: Path) -> None:
    prefix = tmp_path / "taken"
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "keep.txt").write_text("mine")
    before = snapshot(prefix)
    ran = invoke(["create", str(lock_dir), "-p", str(prefix)])
    assert ran.exit_code == 2
    assert f"{prefix} already exists; nothing was changed. Pass --force" in said(ran)
    assert snapshot(prefix) == before


def test_force_refuses_a_folder_that_is_not_an_environment(tmp_path: Path, lock_dir: Path) -> None:
    prefix = tmp_path / "documents"
    prefix.mkdir()
    (prefix / "thesis.tex").write_text("precious")
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--force"])
    assert ran.exit_code == 2
    assert "is not a conda environment" in said(ran)
    assert (prefix / "thesis.tex").read_text() == "precious"


def test_lock_for_another_platform_lists_what_it_has(
    tmp_path: Path, mirror: Path, lock_dir: Path
) -> None:
    ran = invoke(["create", str(lock_dir), "--platform", "win-64", "--json"])
    assert ran.exit_code == 2
    assert "the lock has no platform win-64; it has linux-64" in ran.json()["message"]
    osx = write_locks(
        tmp_path / "lk" / "osxonly",
        solve(mirror, ("python 3.10.*",), "osx-64"),
        "osx-64",
        root=mirror,
    )
    for source in (osx, osx / "conda-lock.yml", osx / "osx-64.lock"):
        ran = invoke(["create", str(source)])
        assert ran.exit_code == 2, source
        assert "osx-64" in ran.stderr
    assert not (tmp_path / "envs").exists()


def test_unknown_lock_name(tmp_path: Path) -> None:
    ran = invoke(["create", "nosuch"])
    assert ran.exit_code == 2
    assert "no lock named 'nosuch': locks/nosuch/ does not exist here" in said(ran)


# ---------------------------------------------------------------- the world fails (exit 4)


def test_tampered_archive_names_file_and_hashes_and_leaves_no_prefix(
    tmp_path: Path, mirror_copy: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    moved = _on_copy(m3net, mirror_copy)
    target = archive_of(moved, "pytorch")
    with file_of(mirror_copy, target).open("ab") as fh:
        fh.write(b"tampered")
    folder = write_locks(tmp_path / "lk" / "m3net", moved, root=mirror_copy)
    prefix = tmp_path / "env"
    ran = invoke(["create", str(folder), "-p", str(prefix)])
    assert ran.exit_code == 4, ran.stderr
    assert f"{target.filename}: sha256 mismatch: the lock expects {target.sha256}, the" in said(ran)
    assert not prefix.exists()
    assert leftovers(tmp_path) == []
    assert not (fresh_pkgs / "archives" / (target.filename or "")).exists()


def _on_copy(packages: Sequence[Package], copy: Path) -> tuple[Package, ...]:
    return tuple(
        replace(p, url=(copy / (p.channel or "") / (p.subdir or "") / (p.filename or "")).as_uri())
        for p in packages
    )


def test_missing_package_url_exits_4_and_leaves_no_prefix(
    tmp_path: Path, mirror_copy: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    moved = _on_copy(m3net, mirror_copy)
    gone = archive_of(moved, "torchvision")
    file_of(mirror_copy, gone).unlink()
    folder = write_locks(tmp_path / "lk" / "m3net", moved, root=mirror_copy)
    ran = invoke(["create", str(folder), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 4
    assert ran.json()["message"].startswith(f"{gone.filename}: not found at {gone.url}")
    assert not (tmp_path / "env").exists()
    assert leftovers(tmp_path) == []


def test_force_failing_mid_way_keeps_the_old_environment(  # noqa: PLR0917 - fixtures
    tmp_path: Path,
    lock_dir: Path,
    mirror: Path,
    mirror_copy: Path,
    m3net: tuple[Package, ...],
    fresh_pkgs: Path,
) -> None:
    prefix = tmp_path / "env"
    assert invoke(["create", str(lock_dir), "-p", str(prefix)]).exit_code == 0
    (prefix / "notes.txt").write_text("my results")
    before = snapshot(prefix)

    # 1. a tampered archive: refused before anything is linked (the verified copies
    #    cached by the first create would be used instead, so start from an empty cache)
    shutil.rmtree(fresh_pkgs)
    moved = _on_copy(m3net, mirror_copy)
    with file_of(mirror_copy, archive_of(moved, "numpy")).open("ab") as fh:
        fh.write(b"x")
    bad = write_locks(tmp_path / "lk" / "bad", moved, root=mirror_copy)
    ran = invoke(["create", str(bad), "-p", str(prefix), "--force"])
    assert ran.exit_code == 4
    assert snapshot(prefix) == before

    # 2. an archive whose hash matches the lock but which cannot be extracted: the
    #    failure comes while linking, after other packages were linked into staging
    numpy = archive_of(m3net, "numpy")
    shutil.copyfile(file_of(mirror, numpy), file_of(mirror_copy, numpy))  # untampered again
    broken = archive_of(moved, "pyg")
    path = file_of(mirror_copy, broken)
    path.write_bytes(b"not an archive at all")
    import hashlib

    data = path.read_bytes()
    relocked = tuple(
        replace(p, sha256=hashlib.sha256(data).hexdigest(), md5=hashlib.md5(data).hexdigest())
        if p.name == "pyg"
        else p
        for p in _on_copy(m3net, mirror_copy)
    )
    mid = write_locks(tmp_path / "lk" / "mid", relocked, root=mirror_copy)
    ran = invoke(["create", str(mid), "-p", str(prefix), "--force"])
    assert ran.exit_code == 4, ran.stderr
    assert "installing into" in said(ran)
    assert snapshot(prefix) == before
    assert leftovers(tmp_path) == []

    # 3. a good lock with --force replaces it
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--force", "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["replaced_existing"] is True
    assert not (prefix / "notes.txt").exists()
    assert installed(prefix) == locked(m3net)
    assert leftovers(tmp_path) == []


class _Intruder:
    """A Progress that makes `what` appear at `prefix` while create links (a race)."""

    def __init__(self, prefix: Path, what: str) -> None:
        self.prefix, self.what = prefix, what

    def begin(self, phase: str, total: int) -> None:
        if phase != "link":
            return
        if self.what == "empty folder":
            self.prefix.mkdir()
        else:  # another create's environment, finished first
            (self.prefix / "conda-meta").mkdir(parents=True)
            (self.prefix / "conda-meta" / "theirs.json").write_text("{}")
            (self.prefix / "results.txt").write_text("theirs")

    def advance(self, phase: str, amount: int) -> None:
        pass

    def end(self, phase: str) -> None:
        pass


@pytest.mark.parametrize("force", [False, True])
def test_an_environment_that_appears_while_creating_is_replaced_only_with_force(
    tmp_path: Path, lock_dir: Path, m3net: tuple[Package, ...], force: bool
) -> None:
    from envlock.create.apply import apply_create
    from envlock.create.plan import plan_create
    from envlock.errors import BadInputError

    prefix = tmp_path / "envs" / "foo"
    plan = plan_create(lock_dir, name="foo", force=force)
    assert plan.prefix == prefix
    assert not plan.replaces
    if not force:
        with pytest.raises(BadInputError) as refused:
            apply_create(plan, _Intruder(prefix, "environment"))
        assert refused.value.exit_code == 2
        assert str(refused.value) == (
            f"{prefix} appeared while the environment was being created (another envlock "
            "create?); it was left as it is and nothing was changed. Pass --force to "
            "replace it, or choose another -p/-n"
        )
        assert (prefix / "results.txt").read_text() == "theirs"
        assert sorted(p.name for p in prefix.iterdir()) == ["conda-meta", "results.txt"]
    else:
        result = apply_create(plan, _Intruder(prefix, "environment"))
        assert result.replaced
        assert not (prefix / "results.txt").exists()
        assert installed(prefix) == locked(m3net)
    assert leftovers(prefix.parent) == []


def test_an_empty_folder_that_appears_while_creating_counts_as_absent(
    tmp_path: Path, lock_dir: Path, m3net: tuple[Package, ...]
) -> None:
    from envlock.create.apply import apply_create
    from envlock.create.plan import plan_create

    prefix = tmp_path / "envs" / "foo"
    result = apply_create(plan_create(lock_dir, name="foo"), _Intruder(prefix, "empty folder"))
    assert not result.replaced
    assert installed(prefix) == locked(m3net)
    assert leftovers(prefix.parent) == []


def test_link_failure_on_a_new_prefix_leaves_nothing(
    tmp_path: Path, mirror_copy: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    import hashlib

    moved = _on_copy(m3net, mirror_copy)
    path = file_of(mirror_copy, archive_of(moved, "pytorch"))
    path.write_bytes(b"garbage")
    sha256, md5 = hashlib.sha256(b"garbage").hexdigest(), hashlib.md5(b"garbage").hexdigest()
    relocked = tuple(
        replace(p, sha256=sha256, md5=md5) if p.name == "pytorch" else p for p in moved
    )
    folder = write_locks(tmp_path / "lk" / "m3net", relocked, root=mirror_copy)
    ran = invoke(["create", str(folder), "-p", str(tmp_path / "env")])
    assert ran.exit_code == 4
    assert not (tmp_path / "env").exists()
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- the package cache


def test_an_edited_cache_entry_is_not_reused(
    tmp_path: Path, lock_dir: Path, shared_pkgs: Path, m3net: tuple[Package, ...]
) -> None:
    assert invoke(["create", str(lock_dir), "-p", str(tmp_path / "one")]).exit_code == 0
    requests = archive_of(m3net, "requests")
    entry = shared_pkgs / f"{requests.name}-{requests.version}-{requests.build}"
    paths = json.loads((entry / "info" / "paths.json").read_text())["paths"]
    victim = next(p for p in paths if p["_path"].endswith(".py"))
    edited = entry / victim["_path"]
    edited.unlink()  # break the hardlink into the first prefix, then edit the cache copy
    edited.write_text("import os; os.system('evil')\n")

    prefix = tmp_path / "two"
    assert invoke(["create", str(lock_dir), "-p", str(prefix)]).exit_code == 0
    linked = (
        prefix
        / "lib"
        / "python3.8"
        / "site-packages"
        / victim["_path"].removeprefix("site-packages/")
    )
    import hashlib

    assert hashlib.sha256(linked.read_bytes()).hexdigest() == victim["sha256"]


def test_a_tampered_cached_archive_is_fetched_again(
    tmp_path: Path, lock_dir: Path, shared_pkgs: Path, m3net: tuple[Package, ...]
) -> None:
    assert invoke(["create", str(lock_dir), "-p", str(tmp_path / "one")]).exit_code == 0
    idna = archive_of(m3net, "idna")
    cached = shared_pkgs / "archives" / (idna.filename or "")
    cached.write_bytes(b"swapped")
    ran = invoke(["create", str(lock_dir), "-p", str(tmp_path / "two"), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["fetched"]["packages"] == 1
    assert cached.read_bytes() != b"swapped"
