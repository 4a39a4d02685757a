"""What vetting lets through, what it remembers, and the caches it no longer trusts.

Honest packages (noarch: python with entry points, symbolic links inside the prefix)
still install; the tar-member verdict is kept per archive sha256 and reused; an edited
extracted cache entry (issue 9, case 6: a file and its paths.json edited together, or a
link re-pointed) is extracted again from the verified archive instead of installed; a
staging folder is removed without following a link out of it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from envlock.create import staging
from envlock.create.vetting import read_record
from envlock.engine import paths_check
from envlock.models import Package
from tests.helpers import invoke
from tests.helpers.hostile import file, hostile_package, lock_for, outside_snapshot, symlink

pytestmark = pytest.mark.usefixtures("isolated")

ORIGINAL = b"the archive's bytes\n"


@pytest.fixture
def pkgs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "pkgs"
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(folder))
    return folder


def _honest_set(channel: Path) -> list[Package]:
    python = hostile_package(channel, "python", [file("bin/python3.8", b"#!stub\n")],
                             version="3.8.0")  # fmt: skip
    link = {"noarch": {"type": "python", "entry_points": ["tool = goodpkg.cli:main"]},
            "package_metadata_version": 1}  # fmt: skip
    noarch = hostile_package(
        channel, "goodpkg",
        [file("site-packages/goodpkg/__init__.py"), file("site-packages/goodpkg/cli.py"),
         symlink("site-packages/goodpkg/alias.py", "cli.py")],
        link=link, noarch="python", depends=["python"],
    )  # fmt: skip
    libs = hostile_package(
        channel, "libx",
        [file("lib/libx.so.1.0", ORIGINAL), symlink("lib/libx.so.1", "libx.so.1.0"),
         symlink("lib/libx.so", "libx.so.1"), symlink("share/x", "../lib"), file("etc/x.conf")],
        fmt=".conda",
    )  # fmt: skip
    return [python, noarch, libs]


def test_honest_packages_with_entry_points_and_inner_links_install(
    tmp_path: Path, pkgs: Path
) -> None:
    channel = tmp_path / "chan"
    packages = _honest_set(channel)
    lock = lock_for(tmp_path / "lk", packages, channel)
    prefix = tmp_path / "env"
    ran = invoke(["create", str(lock), "-p", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stderr
    site = prefix / "lib" / "python3.8" / "site-packages" / "goodpkg"
    assert (site / "cli.py").is_file()
    assert (site / "alias.py").readlink() == Path("cli.py")
    assert (prefix / "bin" / "tool").is_file()
    assert (prefix / "lib" / "libx.so").readlink() == Path("libx.so.1")
    assert (prefix / "share" / "x" / "libx.so.1.0").read_bytes() == ORIGINAL
    for package in packages:
        assert read_record(pkgs, package.sha256 or "") is not None
    record = read_record(pkgs, packages[2].sha256 or "")
    assert record is not None
    assert ("lib/libx.so", "libx.so.1") in record["symlinks"]


def test_a_second_create_reads_no_archive_member_again(
    tmp_path: Path, pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from envlock.engine.archive_listing import read_listing as real

    channel = tmp_path / "chan"
    lock = lock_for(tmp_path / "lk", _honest_set(channel), channel)
    assert invoke(["create", str(lock), "-p", str(tmp_path / "one")]).exit_code == 0
    reads: list[bool] = []

    def counting(path: Path, *, members: bool = True) -> object:
        reads.append(members)
        return real(path, members=members)

    monkeypatch.setattr("envlock.create.vetting.read_listing", counting)
    assert invoke(["create", str(lock), "-p", str(tmp_path / "two")]).exit_code == 0
    assert reads == [False, False, False]  # info files only: the verdict was kept


def test_the_demo_lock_still_installs(tmp_path: Path, lock_dir: Path) -> None:
    ran = invoke(["create", str(lock_dir), "-p", str(tmp_path / "m3net"), "--json"])
    assert ran.exit_code == 0, ran.stderr


# ---------------------------------------------------------------- issue 9, case 6


def _first_create(tmp_path: Path, pkgs: Path) -> tuple[Path, Path]:
    channel = tmp_path / "chan"
    lock = lock_for(tmp_path / "lk", _honest_set(channel), channel)
    assert invoke(["create", str(lock), "-p", str(tmp_path / "one")]).exit_code == 0
    entry = pkgs / "libx-1.0-0"
    assert (entry / "lib" / "libx.so.1.0").read_bytes() == ORIGINAL
    return lock, entry


def test_case6_an_edited_file_and_its_paths_json_in_the_cache_are_not_installed(
    tmp_path: Path, pkgs: Path
) -> None:
    lock, entry = _first_create(tmp_path, pkgs)
    evil = b"import os; os.system('evil')\n"
    victim = entry / "lib" / "libx.so.1.0"
    victim.unlink()  # break the hard link into the first prefix, then edit the cache copy
    victim.write_bytes(evil)
    paths_json = entry / "info" / "paths.json"
    doc = json.loads(paths_json.read_text())
    for item in doc["paths"]:
        if item["_path"] == "lib/libx.so.1.0":
            item["sha256"], item["size_in_bytes"] = hashlib.sha256(evil).hexdigest(), len(evil)
    paths_json.write_text(json.dumps(doc))

    prefix = tmp_path / "two"
    ran = invoke(["create", str(lock), "-p", str(prefix)])
    assert ran.exit_code == 0, ran.stderr
    assert (prefix / "lib" / "libx.so.1.0").read_bytes() == ORIGINAL
    assert victim.read_bytes() == ORIGINAL  # extracted again from the verified archive


def test_case6_a_link_re_pointed_in_the_cache_is_not_installed(tmp_path: Path, pkgs: Path) -> None:
    lock, entry = _first_create(tmp_path, pkgs)
    (entry / "lib" / "libx.so").unlink()
    (entry / "lib" / "libx.so").symlink_to("/etc/passwd")
    prefix = tmp_path / "two"
    assert invoke(["create", str(lock), "-p", str(prefix)]).exit_code == 0
    assert (prefix / "lib" / "libx.so").readlink() == Path("libx.so.1")


def test_case6_a_cache_entry_swapped_for_a_link_is_unlinked_not_followed(
    tmp_path: Path, pkgs: Path
) -> None:
    lock, entry = _first_create(tmp_path, pkgs)
    elsewhere = tmp_path / "elsewhere"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)
    before = outside_snapshot(elsewhere)
    prefix = tmp_path / "two"
    assert invoke(["create", str(lock), "-p", str(prefix)]).exit_code == 0
    assert outside_snapshot(elsewhere) == before
    assert not entry.is_symlink()
    assert (prefix / "lib" / "libx.so.1.0").read_bytes() == ORIGINAL


# ---------------------------------------------------------------- rollback


def test_removing_a_staging_folder_follows_no_link_out_of_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    (victim / "inner").mkdir(parents=True)
    (victim / "inner" / "secret").write_bytes(b"keep")
    before = outside_snapshot(victim)
    folder = staging.new_staging(tmp_path / "env")
    (folder / "lib").mkdir()
    (folder / "lib" / "out").symlink_to(victim)
    (folder / "inner").symlink_to(victim / "inner")
    staging.remove(folder)
    assert not folder.exists()
    assert outside_snapshot(victim) == before

    swapped = staging.new_staging(tmp_path / "env")
    staging.remove(swapped)
    swapped.symlink_to(victim)  # the staging folder replaced by a link
    staging.remove(swapped)
    assert not swapped.is_symlink()
    assert outside_snapshot(victim) == before


# ---------------------------------------------------------------- the rules alone


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("a/b.txt", None),
        ("Lib/site-packages/x.py", None),
        ("man/man3/File::Spec.3", None),
        ("../x", "a `..` component"),
        ("a/../../x", "a `..` component"),
        ("/etc/passwd", "an absolute path"),
        ("\\\\server\\share", "an absolute path"),
        ("C:\\Windows", "a Windows drive path"),
        ("c:x", "a Windows drive path"),
        ("a\\..\\..\\x", "a `..` component"),
        ("a/\x00/b", "a NUL character in the path"),
        ("./a", "a path that is not normalised (an empty or `.` part)"),
        ("a//b", "a path that is not normalised (an empty or `.` part)"),
        ("", "an empty path"),
    ],
)
def test_path_rules(path: str, reason: str | None) -> None:
    assert paths_check.path_problem(path) == reason


def test_a_link_loop_counts_as_leaving() -> None:
    placed = paths_check.Placed(package="p", paths=("a", "b"), symlinks=(("a", "b"), ("b", "a")))
    offence = paths_check.set_problem([placed])
    assert offence is not None
    assert "leaves the prefix" in offence.reason


def test_links_are_followed_whatever_their_case() -> None:
    a = paths_check.Placed(package="a", paths=(), symlinks=(("d/y", ".."),))
    b = paths_check.Placed(package="b", paths=(), symlinks=(("d/s", "Y/.."),))
    offence = paths_check.set_problem([a, b])
    assert offence == paths_check.Offence(
        "b", "d/s", "a symbolic link to `Y/..`, which leaves the prefix (following the "
        "links of the other packages)"
    )  # fmt: skip
