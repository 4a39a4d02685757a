"""A lock naming one package twice, and a lock with no packages (issue 9, case 5).

Every reader refuses a package named twice (exit 2, both lines named): `create` before
fetching, `diff` because it could not say which of the two the lock means. conda-lock's
own repetition (format v1 lists an identical entry once per category) is still read. An
empty lock is refused by `create` unless the request it records was empty too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from envlock.lock.condalock import Lock, LockChannel, read_lock, write_lock
from envlock.lock.explicit import render_explicit
from envlock.models import Package
from tests.helpers import invoke
from tests.helpers.environments import CHANNELS, archive_of, installed, write_locks

pytestmark = pytest.mark.usefixtures("isolated")


def _entry_block(text: str, name: str) -> tuple[int, str]:
    """(1-based first line, text) of the `- name: NAME` entry of a conda-lock.yml."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line == f"- name: {name}\n")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("- name: ")), len(lines)
    )
    return start + 1, "".join(lines[start:end])


def _appended(lock: Path, block: str) -> int:
    """Append `block` to the lock's `package:` list; returns the line it starts at."""
    text = lock.read_text(encoding="utf-8")
    lock.write_text(text + block, encoding="utf-8")
    return text.count("\n") + 1


def _outside(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


def test_a_conda_lock_naming_a_package_twice_is_refused_naming_both_lines(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    lock = write_locks(tmp_path / "lk" / "twice", m3net, root=mirror) / "conda-lock.yml"
    first, block = _entry_block(lock.read_text(encoding="utf-8"), "zlib")
    zlib = archive_of(m3net, "zlib")
    second = _appended(lock, block.replace(f"version: {zlib.version}", "version: 9.9"))
    before = _outside(tmp_path)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    doc = ran.json()
    assert doc["message"] == (
        f"the lock names zlib twice for linux-64, at lines {first} and {second}, so it is "
        "ambiguous which one is meant and nothing was read from it. A lock lists each "
        "package once per platform; this one was edited or merged by hand. Re-resolve it "
        "(envlock resolve RECIPE), or delete the entry that is not meant"
    )
    assert doc["where"] == f"{lock}:{second}"
    assert not fresh_pkgs.exists()  # refused before anything was fetched
    assert _outside(tmp_path) == before
    # diff refuses it the same way: which zlib would it compare?
    other = write_locks(tmp_path / "lk" / "good", m3net, root=mirror) / "conda-lock.yml"
    ran = invoke(["diff", str(lock), str(other), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["where"] == f"{lock}:{second}"
    assert (
        f"names zlib twice for linux-64, at lines {first} and {second}" in (ran.json()["message"])
    )


def test_an_identical_entry_repeated_in_the_same_category_is_refused_too(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...]
) -> None:
    lock = write_locks(tmp_path / "lk" / "same", m3net, root=mirror) / "conda-lock.yml"
    first, block = _entry_block(lock.read_text(encoding="utf-8"), "xz")
    second = _appended(lock, block)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 2
    assert f"names xz twice for linux-64, at lines {first} and {second}" in ran.json()["message"]


def test_conda_locks_own_repeat_per_category_is_read_once(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...]
) -> None:
    # conda-lock format v1 lists a package once per category (main, dev), identically
    lock = write_locks(tmp_path / "lk" / "dev", m3net, root=mirror) / "conda-lock.yml"
    _, block = _entry_block(lock.read_text(encoding="utf-8"), "xz")
    assert "  category: main\n" in block
    _appended(lock, block.replace("  category: main\n", "  category: dev\n"))
    packages = read_lock(lock).for_platform("linux-64")
    assert [p.name for p in packages].count("xz") == 1
    assert len(packages) == len(m3net)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 0, ran.stderr
    # a dev listing that differs from main is not conda-lock's repeat: refused
    text = lock.read_text(encoding="utf-8")
    differing = block.replace("  category: main\n", "  category: dev\n").replace(
        "  url: ", "  url: file:///elsewhere/x/", 1
    )
    lock.write_text(text[: text.rindex("- name: xz")] + differing, encoding="utf-8")
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 2
    assert "names xz twice for linux-64" in ran.json()["message"]


@pytest.mark.parametrize("same_url", [True, False], ids=["same-line", "another-url"])
def test_an_explicit_file_naming_a_package_twice_is_refused_naming_both_lines(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path, same_url: bool
) -> None:
    explicit = write_locks(tmp_path / "lk" / "twice", m3net, root=mirror) / "linux-64.lock"
    lines = explicit.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines, start=1) if "/zlib-" in line)
    again = lines[first - 1]
    if not same_url:
        again = again.replace("/conda-forge/", "/pytorch/")
    explicit.write_text("\n".join([*lines, again]) + "\n", encoding="utf-8")
    second = len(lines) + 1
    ran = invoke(["create", str(explicit), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert ran.json()["message"] == (
        f"the explicit file names zlib twice, at lines {first} and {second}, so it is "
        "ambiguous which one is meant (conda would be handed both) and nothing was read "
        "from it. A lock lists each package once per platform; this one was edited or "
        "merged by hand. Re-resolve it (envlock resolve RECIPE), or delete the line that "
        "is not meant"
    )
    assert ran.json()["where"] == f"{explicit}:{second}"
    assert not fresh_pkgs.exists()
    ran = invoke(["diff", str(explicit), str(explicit.parent / "conda-lock.yml"), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["where"] == f"{explicit}:{second}"


# ---------------------------------------------------------------- empty locks


def _empty_lock(folder: Path, mirror: Path, *, specs: Sequence[str] | None) -> Path:
    """An empty lock folder (conda-lock.yml and linux-64.lock of one resolve); `specs`
    is the request it records (None: it records none)."""
    custom = (
        {
            "envlock-inputs-linux-64": json.dumps(
                {"envlock_inputs": 1, "specs": sorted(specs), "pip": []}
            )
        }
        if specs is not None
        else {}
    )
    lock = Lock(
        platforms=("linux-64",),
        channels=tuple(LockChannel(url=(mirror / c).as_uri()) for c in CHANNELS),
        content_hash={"linux-64": "h" * 64},
        sources=("recipes/empty.yml",),
        packages={"linux-64": ()},
        custom_metadata=custom,
    )
    folder.mkdir(parents=True)
    write_lock(folder / "conda-lock.yml", lock)
    explicit = render_explicit("linux-64", (), input_hash="h" * 64)
    (folder / "linux-64.lock").write_text(explicit, encoding="utf-8")
    return folder


@pytest.mark.parametrize("kind", ["conda-lock.yml", "linux-64.lock"])
def test_an_empty_lock_recording_no_request_is_refused(
    tmp_path: Path, mirror: Path, kind: str
) -> None:
    lock = _empty_lock(tmp_path / "lk" / "empty", mirror, specs=None) / kind
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert ran.json()["message"] == (
        "the lock lists no package for linux-64 and records no request it was resolved "
        "for, so creating from it would make an empty environment without a word; "
        "nothing was done. Re-resolve it (envlock resolve RECIPE): a lock resolved from "
        "an empty request makes an empty environment"
    )
    assert ran.json()["where"].startswith(str(lock))
    assert not (tmp_path / "env").exists()


@pytest.mark.parametrize("kind", ["conda-lock.yml", "linux-64.lock"])
def test_an_empty_lock_cut_from_a_real_request_is_refused(
    tmp_path: Path, mirror: Path, kind: str
) -> None:
    lock = _empty_lock(tmp_path / "lk" / "cut", mirror, specs=["python 3.8.*", "numpy"]) / kind
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert ran.json()["message"].startswith(
        "the lock lists no package for linux-64 but records that it was resolved for 2 "
        "requested spec(s) (numpy, python 3.8.*), so it was cut after resolve; nothing "
        "was done."
    )
    assert not (tmp_path / "env").exists()


@pytest.mark.parametrize("kind", ["conda-lock.yml", "linux-64.lock"])
def test_an_empty_lock_of_an_empty_request_makes_an_empty_environment(
    tmp_path: Path, mirror: Path, kind: str
) -> None:
    lock = _empty_lock(tmp_path / "lk" / "nothing", mirror, specs=[]) / kind
    prefix = tmp_path / "env"
    ran = invoke(["create", str(lock), "-p", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert (prefix / "conda-meta").is_dir()
    assert installed(prefix) == set()


def test_an_empty_explicit_file_beside_another_resolves_lock_is_refused(
    tmp_path: Path, mirror: Path
) -> None:
    # the sibling conda-lock.yml records an empty request, but for another resolve
    folder = _empty_lock(tmp_path / "lk" / "mixed", mirror, specs=[])
    explicit = folder / "linux-64.lock"
    explicit.write_text(render_explicit("linux-64", (), input_hash="0" * 64), encoding="utf-8")
    ran = invoke(["create", str(explicit), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 2
    assert "records no request it was resolved for" in ran.json()["message"]


def test_an_explicit_name_repeats_only_within_one_platform(tmp_path: Path) -> None:
    from envlock.errors import BadInputError
    from envlock.lock.explicit import read_explicit

    base = "https://conda.anaconda.org/conda-forge"
    path = tmp_path / "mixed.txt"
    # two platforms' zlib: no one platform, but nothing named twice for one of them
    path.write_text(
        f"@EXPLICIT\n{base}/osx-arm64/zlib-1.2.13-h53f4e23_5.conda\n"
        f"{base}/osx-64/zlib-1.2.13-h8a1eda9_5.conda\n"
    )
    assert read_explicit(path).platform is None
    # a noarch line meets every platform
    path.write_text(
        f"@EXPLICIT\n{base}/osx-64/idna-3.4-h0_0.conda\n{base}/noarch/idna-3.4-pyhd8ed1ab_0.conda\n"
    )
    with pytest.raises(BadInputError, match="names idna twice, at lines 2 and 3"):
        read_explicit(path)
