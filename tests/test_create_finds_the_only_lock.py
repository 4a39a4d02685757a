"""`envlock create` without a lock: the one folder in locks/ is used, else it asks which."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.lock.source import only_lock_folder


def test_the_only_lock_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "locks" / "m3net").mkdir(parents=True)
    (tmp_path / "locks" / "notes.txt").write_text("not a lock folder\n")
    assert only_lock_folder() == Path("locks/m3net")


@pytest.mark.parametrize(("folders", "named"), [((), "none"), (("b", "a"), "a, b")])
def test_no_or_several_lock_folders_ask_which(
    folders: tuple[str, ...], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in folders:
        (tmp_path / "locks" / name).mkdir(parents=True)
    with pytest.raises(BadInputError) as raised:
        only_lock_folder()
    assert str(raised.value) == (
        f"say which lock to create from: envlock create NAME (lock folders in locks/: {named})"
    )
    assert raised.value.exit_code == 2
