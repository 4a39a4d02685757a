"""Hostile archives whose hashes match the lock: refused before anything is written.

Each test builds its archive byte by byte (tests/helpers/hostile.py), locks it with its
real hashes, and runs the real `envlock create` (rattler included) with a sentinel tree
beside the prefix: a hostile package exits 4 naming the package and the path, with a
JSON envelope, no prefix, no staging folder, and the sentinel tree byte-identical.
Issue 9 cases 1, 2, 3 and 6 are named in the tests' names.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from envlock.models import Package
from tests.helpers import invoke, serve_folder
from tests.helpers.hostile import (
    Member,
    file,
    hardlink,
    hostile_package,
    lock_for,
    outside_snapshot,
    symlink,
)

pytestmark = pytest.mark.usefixtures("isolated")

SECRET = b"the sentinel's bytes\n"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/world: the sentinel tree (victim/secret.txt) beside where envs go."""
    root = tmp_path / "world"
    (root / "victim").mkdir(parents=True)
    (root / "victim" / "secret.txt").write_bytes(SECRET)
    (root / "victim" / "keep").mkdir()
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(tmp_path / "pkgs"))
    return root


def _channel(tmp_path: Path) -> Path:
    return tmp_path / "chan"


def _refused(tmp_path: Path, world: Path, packages: Sequence[Package], *names: str) -> str:
    """Create `packages` into world/env: exit 4 naming each of `names`, nothing changed
    outside the prefix, no prefix and no staging folder left. Returns the message."""
    lock = lock_for(tmp_path / "lk", packages, _channel(tmp_path))
    before = outside_snapshot(world)
    ran = invoke(["create", str(lock), "-p", str(world / "env"), "--json"])
    assert outside_snapshot(world) == before
    assert not (world / "env").exists()
    assert not [p for p in world.iterdir() if ".envlock-" in p.name]
    assert ran.exit_code == 4, ran.stdout + ran.stderr
    doc = ran.json()
    assert doc["envlock_error"] == 1
    assert doc["code"] == 4
    message = str(doc["message"])
    for name in names:
        assert name in message, message
    assert "is refused" in message
    return message


def _climb_to(prefix: Path, target: Path) -> str:
    """`../../…/<target>`: enough `..` to reach / from `prefix`, then `target`."""
    return "../" * (len(prefix.parts) + 3) + str(target).lstrip("/")


# ---------------------------------------------------------------- issue 9, cases 1-3


@pytest.mark.parametrize("fmt", [".tar.bz2", ".conda"])
def test_case1_a_path_into_a_sibling_folder_is_refused(
    tmp_path: Path, world: Path, fmt: str
) -> None:
    body = b"written outside\n"
    paths = [{"_path": "../evil-p1-1.0-0/payload.txt", "path_type": "hardlink",
              "sha256": hashlib.sha256(body).hexdigest(), "size_in_bytes": len(body)}]  # fmt: skip
    evil = hostile_package(_channel(tmp_path), "evil-p1", [file("payload.txt", body)],
                           paths=paths, fmt=fmt)  # fmt: skip
    message = _refused(
        tmp_path, world, [evil], f"evil-p1-1.0-0{fmt}", "../evil-p1-1.0-0/payload.txt"
    )
    assert "`..` component" in message
    assert not (world / "evil-p1-1.0-0").exists()


@pytest.mark.parametrize("with_sha", [True, False])
def test_case2_a_climbing_path_to_a_file_elsewhere_deletes_nothing(
    tmp_path: Path, world: Path, with_sha: bool
) -> None:
    climb = _climb_to(world / "env", world / "victim" / "secret.txt")
    entry: dict[str, object] = {"_path": climb, "path_type": "hardlink"}
    if with_sha:
        entry |= {"sha256": hashlib.sha256(b"x").hexdigest(), "size_in_bytes": 1}
    evil = hostile_package(_channel(tmp_path), "evil-p2", [file("a.txt", b"x")], paths=[entry])
    _refused(tmp_path, world, [evil], "evil-p2-1.0-0.tar.bz2", "../../")
    assert (world / "victim" / "secret.txt").read_bytes() == SECRET


def test_case3_an_absolute_member_and_path_never_reach_rattler(tmp_path: Path, world: Path) -> None:
    """Run as its own process: before the fix rattler aborted it (SIGABRT)."""
    target = world / "victim" / "planted.txt"
    body = b"planted\n"
    paths = [{"_path": str(target), "path_type": "hardlink",
              "sha256": hashlib.sha256(body).hexdigest(), "size_in_bytes": len(body)}]  # fmt: skip
    evil = hostile_package(_channel(tmp_path), "evil-p3", [file(str(target), body)], paths=paths)
    lock = lock_for(tmp_path / "lk", [evil], _channel(tmp_path))
    before = outside_snapshot(world)
    env = {**os.environ, "ENVLOCK_PKGS_DIR": str(tmp_path / "pkgs"), "NO_COLOR": "1"}
    ran = subprocess.run(
        [sys.executable, "-m", "envlock", "create", str(lock), "-p", str(world / "env"), "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 4, ran.stderr
    doc = json.loads(ran.stdout)
    assert doc["code"] == 4
    assert "evil-p3-1.0-0.tar.bz2" in doc["message"]
    assert f"`{str(target)[:60]}" in doc["message"]  # a short excerpt of the path
    assert "absolute path" in doc["message"]
    assert "panicked" not in ran.stderr
    assert outside_snapshot(world) == before
    assert not target.exists()
    assert not [p for p in world.iterdir() if ".envlock-" in p.name]


# ---------------------------------------------------------------- info files and links


def test_a_climbing_line_in_info_files_is_refused(tmp_path: Path, world: Path) -> None:
    """Without paths.json rattler links what info/files lists."""
    evil = hostile_package(_channel(tmp_path), "evil-files", [file("a.txt")], paths=[],
                           files="a.txt\n../../victim/secret.txt\n")  # fmt: skip
    _refused(tmp_path, world, [evil], "evil-files-1.0-0.tar.bz2", "../../victim/secret.txt")


def _python(tmp_path: Path) -> Package:
    """A stand-in python 3.8 (rattler needs one for noarch: python packages)."""
    return hostile_package(_channel(tmp_path), "python", [file("bin/python3.8", b"#!stub\n")],
                           version="3.8.0")  # fmt: skip


def test_an_entry_point_named_with_dots_is_refused(tmp_path: Path, world: Path) -> None:
    link = {"noarch": {"type": "python", "entry_points": ["../../x = evil.cli:main"]},
            "package_metadata_version": 1}  # fmt: skip
    evil = hostile_package(_channel(tmp_path), "evil-ep", [file("site-packages/evil/__init__.py")],
                           link=link, noarch="python", depends=["python"])  # fmt: skip
    message = _refused(
        tmp_path, world, [_python(tmp_path), evil], "evil-ep-1.0-0.tar.bz2", "../../x"
    )
    assert "entry point" in message
    assert not (world / "x").exists()


@pytest.mark.parametrize("target", ["/etc", "../../..", "../../victim"])
def test_a_symbolic_link_out_of_the_prefix_is_refused(
    tmp_path: Path, world: Path, target: str
) -> None:
    evil = hostile_package(
        _channel(tmp_path), "evil-ln", [file("share/a"), symlink("share/out", target)]
    )
    message = _refused(tmp_path, world, [evil], "evil-ln-1.0-0.tar.bz2", "share/out", target)
    assert "leaves the prefix" in message


def test_a_symbolic_link_chain_across_two_packages_is_refused(tmp_path: Path, world: Path) -> None:
    """Each link alone stays inside (d/y → the root; d/s → d/y/.. looks like d), but
    d/s, followed through d/y, climbs above the root."""
    a = hostile_package(_channel(tmp_path), "chain-a", [file("d/a"), symlink("d/y", "..")])
    b = hostile_package(_channel(tmp_path), "chain-b", [file("e/b"), symlink("d/s", "y/..")])
    message = _refused(tmp_path, world, [a, b], "chain-b-1.0-0.tar.bz2", "d/s")
    assert "other packages" in message


def test_a_file_written_through_the_packages_own_link_is_refused(
    tmp_path: Path, world: Path
) -> None:
    evil = hostile_package(_channel(tmp_path), "evil-through",
                           [symlink("lib", "share"), file("share/a"), file("lib/b")])  # fmt: skip
    message = _refused(tmp_path, world, [evil], "evil-through-1.0-0.tar.bz2", "lib/b")
    assert "through the symbolic link `lib`" in message


def test_a_file_written_through_another_packages_link_is_refused(
    tmp_path: Path, world: Path
) -> None:
    a = hostile_package(
        _channel(tmp_path), "makes-link", [file("bin/tool"), symlink("bin2", "bin")]
    )
    b = hostile_package(_channel(tmp_path), "uses-link", [file("bin2/tool2")])
    _refused(tmp_path, world, [a, b], "uses-link-1.0-0.tar.bz2", "bin2/tool2")


@pytest.mark.parametrize("target", ["/etc/passwd", "../../victim/secret.txt", "missing.txt"])
def test_a_hard_link_member_to_outside_is_refused(tmp_path: Path, world: Path, target: str) -> None:
    evil = hostile_package(_channel(tmp_path), "evil-hard", [file("a"), hardlink("b", target)])
    message = _refused(tmp_path, world, [evil], "evil-hard-1.0-0.tar.bz2", "`b`")
    assert "hard link" in message


@pytest.mark.parametrize(
    ("path", "reason"),
    [("C:\\..\\x", "drive"), ("..\\..\\victim\\secret.txt", "`..`"), ("\\evil", "absolute")],
)
def test_windows_style_paths_are_refused(
    tmp_path: Path, world: Path, path: str, reason: str
) -> None:
    paths = [{"_path": path, "path_type": "hardlink"}]
    evil = hostile_package(_channel(tmp_path), "evil-win", [file("a")], paths=paths, fmt=".conda")
    message = _refused(tmp_path, world, [evil], "evil-win-1.0-0.conda", path)
    assert reason in message


def test_an_absolute_member_alone_is_refused(tmp_path: Path, world: Path) -> None:
    evil = hostile_package(_channel(tmp_path), "evil-abs", [file("a"), file("/tmp/x-evil")],
                           paths=[{"_path": "a", "path_type": "hardlink"}])  # fmt: skip
    _refused(tmp_path, world, [evil], "evil-abs-1.0-0.tar.bz2", "/tmp/x-evil")


def test_a_second_paths_json_later_in_the_archive_is_refused(tmp_path: Path, world: Path) -> None:
    """tar extraction keeps the last of two members of one name."""
    forged = json.dumps({"paths": [{"_path": "../x", "path_type": "hardlink"}]}).encode()
    evil = hostile_package(
        _channel(tmp_path), "evil-dup", [file("a"), Member("info/paths.json", forged)]
    )
    _refused(tmp_path, world, [evil], "evil-dup-1.0-0.tar.bz2", "info/paths.json")


# ---------------------------------------------------------------- end to end over HTTP


@pytest.mark.http
def test_a_poisoned_channel_resolved_and_created_over_http_deletes_nothing(
    tmp_path: Path, world: Path
) -> None:
    from envlock.engine.index import index_channel

    channel = tmp_path / "mirror" / "evil"
    climb = _climb_to(world / "env", world / "victim" / "secret.txt")
    hostile_package(channel, "evil-p2", [file("a.txt", b"x")],
                    paths=[{"_path": climb, "path_type": "hardlink"}])  # fmt: skip
    index_channel(channel, ["linux-64"])
    recipe = tmp_path / "environment.yml"
    recipe.write_text("name: poisoned\nchannels:\n  - evil\ndependencies:\n  - evil-p2\n")
    before = outside_snapshot(world)
    with serve_folder(tmp_path / "mirror") as url:
        resolved = invoke(["resolve", str(recipe), "-o", str(tmp_path / "locks"), "-p",
                           "linux-64", "--channel-alias", url])  # fmt: skip
        assert resolved.exit_code == 0, resolved.stderr
        lock = tmp_path / "locks" / "poisoned" / "conda-lock.yml"
        assert f"{url}/evil/linux-64/evil-p2-1.0-0.tar.bz2" in lock.read_text()
        ran = invoke(["create", str(lock), "-p", str(world / "env"), "--platform", "linux-64",
                      "--json"])  # fmt: skip
    assert outside_snapshot(world) == before
    assert (world / "victim" / "secret.txt").read_bytes() == SECRET
    assert ran.exit_code == 4, ran.stderr
    assert "evil-p2-1.0-0.tar.bz2" in ran.json()["message"]
    assert not (world / "env").exists()
    assert not [p for p in world.iterdir() if ".envlock-" in p.name]


def test_a_conda_with_a_second_payload_part_is_refused(tmp_path: Path, world: Path) -> None:
    """rattler would extract every `*.tar.zst` part of the zip: only one of each is allowed."""
    import bz2
    import dataclasses
    import zipfile

    import zstandard

    from tests.helpers.hostile import archive_bytes

    honest = hostile_package(_channel(tmp_path), "evil-zip", [file("a")], fmt=".conda")
    path = Path((honest.url or "").removeprefix("file://"))
    extra = archive_bytes(stem="x", fmt=".tar.bz2", index={}, members=[file("b")], paths=None,
                          files=None, link=None)  # fmt: skip
    with zipfile.ZipFile(path, "a") as archive:
        tar = zstandard.ZstdCompressor().compress(bz2.decompress(extra))
        archive.writestr("pkg-evil-zip-1.0-0-more.tar.zst", tar)
    data = path.read_bytes()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    evil = dataclasses.replace(honest, sha256=hashlib.sha256(data).hexdigest(), md5=md5)
    message = _refused(tmp_path, world, [evil], "evil-zip-1.0-0.conda", "pkg-evil-zip-1.0-0-more")
    assert "unexpected entry of the .conda zip" in message
