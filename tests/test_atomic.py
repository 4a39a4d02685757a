"""Atomic writes: all or nothing, no temp files left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock import atomic


def test_write_text_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "conda-lock.yml"
    atomic.write_text(target, "one\n")
    atomic.write_text(target, "two\n")
    assert target.read_text() == "two\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["conda-lock.yml"]


def test_write_many_lands_nothing_when_one_file_fails(tmp_path: Path) -> None:
    good = tmp_path / "a.lock"
    good.write_text("old\n")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder is needed\n")
    with pytest.raises(OSError, match="not-a-dir"):
        atomic.write_many({good: "new\n", blocker / "b.lock": "new\n"})
    assert good.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.lock", "not-a-dir"]


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path: Path) -> None:
    import os
    import stat

    fresh = tmp_path / "fresh.yml"
    atomic.write_text(fresh, "x\n")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask

    shared = tmp_path / "shared.yml"
    shared.write_text("old\n")
    shared.chmod(0o664)
    atomic.write_many({shared: "new\n"})
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    assert shared.read_text() == "new\n"


def test_a_failure_names_the_target_not_the_temp_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    target = blocker / "x.yml"
    with pytest.raises(OSError) as caught:
        atomic.write_text(target, "x\n")
    assert caught.value.filename in (str(target), str(blocker))
    assert ".tmp" not in str(caught.value.filename)
