"""`envlock mirror` deletes only what it can prove it made (issue 9, case 10).

A forged stamp naming other folders, links out of the mirror, files the user put in a
channel folder, and stamps that are corrupt in every way are each met with exit 2 and
nothing deleted (checked on the whole tree, and outside the mirror folder); a real
rebuild, a build interrupted half-way and a stamp saved with CRLF ends still work.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.mirror import CatalogRecord, build_mirror, demo_catalog
from envlock.mirror.stamp import STAMP
from tests.helpers import invoke

# A small mirror: two channels, a handful of packages (builds in a fraction of a second).
SMALL = tuple(
    r
    for r in demo_catalog()
    if (r.channel, r.subdir) in {("pytorch", "noarch"), ("conda-forge", "noarch")}
)


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every path under `root` (links not followed): file bytes, link targets, 'dir'."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = f"-> {path.readlink()}"
        elif path.is_dir():
            out[key] = "dir"
        else:
            out[key] = path.read_bytes()
    return out


def _refused(dest: Path) -> str:
    ran = invoke(["mirror", str(dest), "--json"])
    assert ran.exit_code == 2, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr
    message: str = ran.json()["message"]
    return message


def _stamp(dest: Path, **data: object) -> None:
    (dest / STAMP).write_text(json.dumps({"envlock_mirror_stamp": 2, **data}))


def _moved(records: tuple[CatalogRecord, ...]) -> list[CatalogRecord]:
    """The same records published a moment later: another catalog, so a rebuild."""
    return [dataclasses.replace(r, timestamp=r.timestamp + 1) for r in records]


# ---------------------------------------------------------------- forged stamps


@pytest.mark.parametrize("version", [1, 2])
def test_a_forged_stamp_naming_another_folder_deletes_nothing(tmp_path: Path, version: int) -> None:
    dest = tmp_path / "mirror"
    (dest / "thesis" / "noarch").mkdir(parents=True)
    (dest / "thesis" / "noarch" / "chapter1.tex").write_text("months of work\n")
    (dest / "thesis" / "notes.txt").write_text("more work\n")
    data = (dest / "thesis" / "noarch" / "chapter1.tex").read_bytes()
    forged: dict[str, object] = {"catalog_sha256": "0" * 64, "channels": ["thesis"],
                                 "counts": {}}  # fmt: skip
    if version == 2:  # even listing the file with its true hash proves nothing of notes.txt
        forged["files"] = {"thesis/noarch/chapter1.tex": hashlib.sha256(data).hexdigest()}
    (dest / STAMP).write_text(json.dumps({"envlock_mirror_stamp": version, **forged}))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep\n")
    before, around = _tree(dest), _tree(tmp_path / "outside")
    message = _refused(dest)
    assert "which envlock mirror cannot prove it made" in message
    assert "thesis/" in message
    assert "nothing was deleted or rebuilt" in message
    assert _tree(dest) == before
    assert _tree(tmp_path / "outside") == around


def test_channel_names_in_a_forged_stamp_never_reach_outside_the_mirror(
    tmp_path: Path,
) -> None:
    dest = tmp_path / "mirror"
    dest.mkdir()
    victim = tmp_path / "victim"
    (victim / "noarch").mkdir(parents=True)
    (victim / "noarch" / "data.bin").write_bytes(b"precious")
    _stamp(dest, catalog_sha256="0" * 64, counts={}, files={},
           channels=["..", "../victim", str(victim), ".", "", "a\\..\\..\\victim"])  # fmt: skip
    around = _tree(tmp_path / "victim")
    built = build_mirror(dest, SMALL)  # the folder holds only the stamp: built anew
    assert built.rebuilt and built.channels == ("pytorch", "conda-forge")
    assert _tree(victim) == around


def test_a_channel_folder_that_is_a_link_out_of_the_mirror_is_not_followed(
    tmp_path: Path,
) -> None:
    dest = tmp_path / "mirror"
    build_mirror(dest, SMALL)
    outside = tmp_path / "outside"
    (outside / "noarch").mkdir(parents=True)
    (outside / "noarch" / "repodata.json").write_text("{}\n")
    (outside / "noarch" / "mine.txt").write_text("mine\n")
    for path in sorted((dest / "pytorch").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (dest / "pytorch").rmdir()
    (dest / "pytorch").symlink_to(outside)
    before, around = _tree(dest), _tree(outside)
    with pytest.raises(BadInputError, match=r"holds pytorch, which envlock mirror cannot"):
        build_mirror(dest, _moved(SMALL))
    assert _tree(dest) == before
    assert _tree(outside) == around


def test_a_listed_archive_replaced_by_a_link_is_not_followed(tmp_path: Path) -> None:
    dest = tmp_path / "mirror"
    build_mirror(dest, SMALL)
    archive = next((dest / "conda-forge" / "noarch").glob("*.conda"))
    outside = tmp_path / "outside.conda"
    outside.write_bytes(archive.read_bytes())  # the very bytes the manifest lists
    archive.unlink()
    archive.symlink_to(outside)
    before = _tree(dest)
    with pytest.raises(BadInputError, match=f"conda-forge/noarch/{archive.name}"):
        build_mirror(dest, _moved(SMALL))
    assert _tree(dest) == before
    assert outside.read_bytes()


def test_a_file_the_user_put_in_a_channel_folder_stops_the_rebuild(tmp_path: Path) -> None:
    dest = tmp_path / "mirror"
    build_mirror(dest, SMALL)
    (dest / "pytorch" / "noarch" / "my-notes.txt").write_text("mine\n")
    edited = next((dest / "conda-forge" / "noarch").glob("*.conda"))
    edited.write_bytes(edited.read_bytes() + b"edited")
    before = _tree(dest)
    with pytest.raises(BadInputError) as caught:
        build_mirror(dest, _moved(SMALL))
    assert f"conda-forge/noarch/{edited.name}" in caught.value.message
    assert "pytorch/noarch/my-notes.txt" in caught.value.message
    assert _tree(dest) == before


# ---------------------------------------------------------------- corrupt stamps

CORRUPT = {
    "not-json": "{",
    "binary": "\x00\xff garbage",
    "a-list": "[]",
    "another-document": '{"envlock_mirror": 1}',
    "no-catalog": '{"envlock_mirror_stamp": 2, "files": {}}',
    "catalog-a-number": '{"envlock_mirror_stamp": 2, "catalog_sha256": 7, "files": {}}',
    "counts-a-list": '{"envlock_mirror_stamp": 1, "catalog_sha256": "x", "counts": []}',
    "counts-of-text": '{"envlock_mirror_stamp": 1, "catalog_sha256": "x", '
    '"counts": {"pytorch": {"noarch": "many"}}}',
    "channels-a-string": '{"envlock_mirror_stamp": 1, "catalog_sha256": "x", '
    '"channels": "pytorch"}',
    "files-a-list": '{"envlock_mirror_stamp": 2, "catalog_sha256": "x", "files": ["a"]}',
    "version-2-without-files": '{"envlock_mirror_stamp": 2, "catalog_sha256": "x"}',
}


@pytest.mark.parametrize("text", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_stamp_is_not_the_mirrors_and_nothing_is_deleted(
    tmp_path: Path, text: str
) -> None:
    dest = tmp_path / "mirror"
    built = build_mirror(dest, SMALL)
    (dest / STAMP).write_text(text, encoding="latin-1")
    before = _tree(dest)
    message = _refused(dest)
    assert message.startswith(f"{built.root} is not empty and its stamp proves nothing (")
    assert "deletes none of it" in message
    assert _tree(dest) == before


@pytest.mark.parametrize("text", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_stamp_alone_in_its_folder_is_replaced_by_a_build(
    tmp_path: Path, text: str
) -> None:
    dest = tmp_path / "mirror"
    dest.mkdir()
    (dest / STAMP).write_text(text, encoding="latin-1")
    built = build_mirror(dest, SMALL)
    assert built.rebuilt
    assert not build_mirror(dest, SMALL).rebuilt


def test_the_demo_mirror_itself_with_a_corrupt_stamp_says_so(tmp_path: Path) -> None:
    # the first shape the issue found: the up-to-date check read counts without looking
    dest = tmp_path / "mirror"
    built = build_mirror(dest, SMALL)
    stamp = json.loads((dest / STAMP).read_text())
    stamp["counts"] = {"pytorch": None}
    (dest / STAMP).write_text(json.dumps(stamp))
    with pytest.raises(BadInputError, match="counts is not channel → subdir → number"):
        build_mirror(dest, SMALL)
    assert built.root.is_dir()


# ---------------------------------------------------------------- what still works


def test_a_rebuild_replaces_its_own_files_and_drops_a_channel_it_made(tmp_path: Path) -> None:
    dest = tmp_path / "mirror"
    build_mirror(dest, SMALL)
    (dest / "README.txt").write_text("a file beside the channels is left alone\n")
    only_forge = [r for r in _moved(SMALL) if r.channel == "conda-forge"]
    again = build_mirror(dest, only_forge)
    assert again.rebuilt and again.channels == ("conda-forge",)
    assert not (dest / "pytorch").exists()
    assert (dest / "README.txt").read_text().startswith("a file beside")
    stamp = json.loads((dest / STAMP).read_text())
    listed = set(stamp["files"])
    on_disk = {str(p.relative_to(dest)) for p in (dest / "conda-forge").rglob("*") if p.is_file()}
    assert listed == on_disk
    for path, digest in stamp["files"].items():
        assert hashlib.sha256((dest / path).read_bytes()).hexdigest() == digest


def test_a_build_interrupted_half_way_is_the_mirrors_to_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import envlock.engine.index

    dest = tmp_path / "mirror"
    build_mirror(dest, SMALL)
    real = envlock.engine.index.index_channel
    calls: list[Path] = []

    def stops_at_the_second_channel(channel_dir: Path, subdirs: object) -> dict[str, int]:
        calls.append(channel_dir)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(channel_dir, subdirs)  # type: ignore[arg-type]  # passed through

    monkeypatch.setattr(envlock.engine.index, "index_channel", stops_at_the_second_channel)
    with pytest.raises(KeyboardInterrupt):
        build_mirror(dest, _moved(SMALL))
    monkeypatch.undo()
    assert json.loads((dest / STAMP).read_text())["state"] == "building"
    finished = build_mirror(dest, _moved(SMALL))
    assert finished.rebuilt
    assert not build_mirror(dest, _moved(SMALL)).rebuilt


def test_a_stamp_saved_with_crlf_ends_is_read_like_the_original(tmp_path: Path) -> None:
    dest = tmp_path / "mirror"
    build_mirror(dest, SMALL)
    stamp = dest / STAMP
    stamp.write_bytes(stamp.read_bytes().replace(b"\n", b"\r\n"))
    assert not build_mirror(dest, SMALL).rebuilt  # still up to date
    assert build_mirror(dest, _moved(SMALL)).rebuilt  # and still proves its files
