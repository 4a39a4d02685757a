"""The package cache's verified-stamps: a stamp skips re-hashing and gives the same
environment, an archive edited in place or changed too recently is hashed again, and the
plan says `verified` only when the stamp matches the lock."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from envlock.models import Package
from tests.helpers import invoke
from tests.helpers.environments import (
    archive_of,
    snapshot,
    write_locks,
)

pytestmark = pytest.mark.usefixtures("isolated")


def _hash_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the archives envlock.create.cache re-hashes (stamps trusted at once: RACY_NS = 0)."""
    from envlock.create import cache as fetch

    monkeypatch.setattr(fetch, "RACY_NS", 0)
    calls: list[str] = []
    real = fetch.hash_file

    def counting(path: Path, on_bytes: fetch.OnBytes | None = None) -> tuple[str, str, int]:
        calls.append(path.name)
        return real(path, on_bytes)

    monkeypatch.setattr(fetch, "hash_file", counting)
    return calls


def test_verified_stamp_skips_rehashing_and_gives_the_same_environment(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _hash_calls(monkeypatch)
    for name in ("fetched", "hashed", "stamped"):
        calls.clear()
        assert invoke(["create", str(lock_dir), "-p", str(tmp_path / name)]).exit_code == 0
        if name == "hashed":
            assert len(calls) == len(
                [p for p in (fresh_pkgs / "archives").iterdir() if p.is_file()]
            )
    assert calls == []  # the third create trusted every stamp
    # conda-meta from the stamp's index.json equals conda-meta from the archive itself
    assert snapshot(tmp_path / "stamped") == snapshot(tmp_path / "hashed")


def test_stamp_does_not_hide_an_archive_edited_with_its_mtime_restored(
    tmp_path: Path,
    lock_dir: Path,
    fresh_pkgs: Path,
    m3net: tuple[Package, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    calls = _hash_calls(monkeypatch)
    for name in ("one", "two"):  # fetch, then hash and stamp
        assert invoke(["create", str(lock_dir), "-p", str(tmp_path / name)]).exit_code == 0
    idna = archive_of(m3net, "idna")
    cached = fresh_pkgs / "archives" / (idna.filename or "")
    before = cached.stat()
    data = bytearray(cached.read_bytes())
    data[-1] ^= 0xFF  # same size, other bytes, written in place (same inode)
    with cached.open("r+b") as fh:
        fh.write(bytes(data))
    os.utime(cached, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = cached.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    calls.clear()
    ran = invoke(["create", str(lock_dir), "-p", str(tmp_path / "three"), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert calls == [cached.name]  # only the edited archive was re-hashed ...
    assert ran.json()["fetched"]["packages"] == 1  # ... found stale and fetched again
    assert cached.read_bytes() != bytes(data)


def test_stamp_of_a_freshly_changed_archive_is_not_trusted(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _hash_calls(monkeypatch)
    from envlock.create import cache as fetch

    monkeypatch.setattr(fetch, "RACY_NS", 3600 * 10**9)  # every stamp is "racy"
    for name in ("one", "two", "three"):
        calls.clear()
        assert invoke(["create", str(lock_dir), "-p", str(tmp_path / name)]).exit_code == 0
    assert len(calls) == len([p for p in (fresh_pkgs / "archives").iterdir() if p.is_file()])


def test_the_plan_says_verified_only_when_the_stamp_matches(
    tmp_path: Path,
    lock_dir: Path,
    fresh_pkgs: Path,
    m3net: tuple[Package, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from envlock.create import cache as fetch

    monkeypatch.setattr(fetch, "RACY_NS", 0)
    assert invoke(["create", str(lock_dir), "-p", str(tmp_path / "one")]).exit_code == 0

    def states() -> dict[str, str]:
        ran = invoke(["create", str(lock_dir), "-n", "x", "--dry-run", "--json"])
        assert ran.exit_code == 0, ran.stderr
        return {p["name"]: p["state"] for p in ran.json()["plan"]["packages"]}

    assert set(states().values()) == {"recheck"}  # fetched, not yet stamped
    assert invoke(["create", str(lock_dir), "-p", str(tmp_path / "two")]).exit_code == 0
    assert set(states().values()) == {"verified"}
    ran = invoke(["create", str(lock_dir), "-n", "x", "--dry-run"])
    assert "cached (verified)" in ran.stdout
    # a lock whose hash for idna differs from the stamped archive: not "cached"
    idna = archive_of(m3net, "idna")
    other = tuple(replace(p, sha256="0" * 64) if p.name == "idna" else p for p in m3net)
    folder = write_locks(tmp_path / "lk" / "other", other, root=Path("/unused"))
    ran = invoke(["create", str(folder / "conda-lock.yml"), "-n", "y", "--dry-run", "--json"])
    assert ran.exit_code == 0, ran.stderr
    rows = {p["name"]: p for p in ran.json()["plan"]["packages"]}
    assert rows[idna.name]["state"] == "download"
    assert rows[idna.name]["cached"] is False
