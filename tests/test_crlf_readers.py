"""A lock or a prefix saved with CRLF line ends (an editor or a checkout on Windows) is
read by every reader exactly as the same file with LF ends (issue 9, case 10):
`resolve --check`, `resolve --update`, `create` (conda-lock.yml and explicit file),
`diff`, and the prefix readers behind `diff` and `export`."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.helpers import REPO, invoke, resolve_on
from tests.helpers.environments import installed

pytestmark = pytest.mark.usefixtures("isolated")

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"


def _crlf(path: Path) -> None:
    data = path.read_bytes()
    assert b"\r" not in data
    path.write_bytes(data.replace(b"\n", b"\r\n"))


def _planned(lock: Path, prefix: Path) -> list[tuple[str, str, str]]:
    ran = invoke(["create", str(lock), "-p", str(prefix), "--dry-run", "--json"])
    assert ran.exit_code == 0, ran.stderr
    return sorted((p["name"], p["version"], p["build"]) for p in ran.json()["plan"]["packages"])


def test_every_reader_reads_a_crlf_lock_like_an_lf_one(demo_mirror: Mirror, tmp_path: Path) -> None:
    args = (str(CPU_DEMO), "-o", str(tmp_path / "locks"), "-p", "linux-64")
    assert resolve_on(demo_mirror.channel_alias, *args).exit_code == 0
    folder = tmp_path / "locks" / "cpu-demo"
    unified, explicit = folder / "conda-lock.yml", folder / "linux-64.lock"
    lf = tmp_path / "lf"
    lf.mkdir()
    for path in (unified, explicit):
        (lf / path.name).write_bytes(path.read_bytes())
    expected = _planned(lf / unified.name, tmp_path / "env")
    assert expected == _planned(lf / explicit.name, tmp_path / "env")

    _crlf(unified)
    _crlf(explicit)
    # resolve --check reads the CRLF lock's head: fresh, as the LF one is
    assert resolve_on(demo_mirror.channel_alias, *args, "--check").exit_code == 0
    # create plans the same packages from either form
    assert _planned(unified, tmp_path / "env") == expected
    assert _planned(explicit, tmp_path / "env") == expected
    # diff sees no difference between the two forms
    for crlf, same in ((unified, lf / unified.name), (explicit, lf / explicit.name)):
        ran = invoke(["diff", str(crlf), str(same), "--json"])
        assert ran.exit_code == 0, ran.stdout + ran.stderr
    # a real create from the CRLF lock installs what the LF lock names
    prefix = tmp_path / "env"
    ran = invoke(["create", str(unified), "-p", str(prefix)])
    assert ran.exit_code == 0, ran.stderr
    assert sorted((n, v, b) for n, v, b, _ in installed(prefix)) == expected
    # resolve --update reads the CRLF lock it updates
    ran = resolve_on(demo_mirror.channel_alias, *args, "--update", "numpy")
    assert ran.exit_code == 0, ran.stderr


def test_a_prefix_whose_records_have_crlf_ends_is_read_like_the_original(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    args = (str(CPU_DEMO), "-o", str(tmp_path / "locks"), "-p", "linux-64")
    assert resolve_on(demo_mirror.channel_alias, *args).exit_code == 0
    lock = tmp_path / "locks" / "cpu-demo" / "conda-lock.yml"
    prefix = tmp_path / "env"
    assert invoke(["create", str(lock), "-p", str(prefix)]).exit_code == 0
    before = invoke(["export", str(prefix), "--json"])
    assert before.exit_code == 0, before.stderr
    for record in (prefix / "conda-meta").glob("*.json"):
        record.write_bytes(record.read_bytes().replace(b"\n", b"\r\n"))
    after = invoke(["export", str(prefix), "--json"])
    assert after.exit_code == 0, after.stderr
    assert after.json() == before.json()
    ran = invoke(["diff", str(prefix), str(lock), "--json"])
    assert ran.exit_code == 0, ran.stdout
