"""What `envlock create` reports: the progress animation (off under NO_COLOR), quoted
activate lines and the JSON counts, unknown download sizes, and too little disk space."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.models import Package
from tests.helpers import invoke
from tests.helpers.environments import (
    rebase,
    said,
    write_locks,
)

pytestmark = pytest.mark.usefixtures("isolated")


def test_no_color_stops_the_progress_animation(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the output as a terminal
    animated = invoke(["create", str(lock_dir), "-p", str(tmp_path / "a")])
    assert animated.exit_code == 0, animated.stderr
    assert "\x1b[?25l" in animated.stdout  # the bars hide the cursor while they animate
    monkeypatch.setenv("NO_COLOR", "1")
    ran = invoke(["create", str(lock_dir), "-p", str(tmp_path / "b")])
    assert ran.exit_code == 0, ran.stderr
    assert "\x1b[?25l" not in ran.stdout
    assert "\r" not in ran.stdout


def test_activate_lines_quote_the_path_and_json_shapes_match(
    tmp_path: Path, lock_dir: Path, m3net: tuple[Package, ...]
) -> None:
    prefix = tmp_path / "my envs" / "it's here"
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stderr
    doc = ran.json()
    quoted = "'" + str(prefix).replace("'", "'\"'\"'") + "'"
    assert doc["activate"] == [f"conda activate {quoted}", f"micromamba activate {quoted}"]
    assert f"conda activate {quoted}" in ran.stderr
    assert set(doc["fetched"]) == set(doc["reused_from_cache"]) == {"packages", "bytes"}
    assert doc["fetched"]["packages"] + doc["reused_from_cache"]["packages"] == len(m3net)
    assert doc["reused_from_cache"]["bytes"] + doc["fetched"]["bytes"] == sum(
        p.size or 0 for p in m3net
    )


def test_dry_run_says_unknown_sizes_are_unknown(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], http_mirror: str, fresh_pkgs: Path
) -> None:
    # explicit files record no sizes, and an http URL is not asked for one
    folder = write_locks(tmp_path / "lk" / "http", rebase(m3net, mirror, http_mirror), root=mirror)
    (folder / "conda-lock.yml").unlink()
    ran = invoke(["create", str(folder), "-p", str(tmp_path / "env"), "--dry-run"])
    assert ran.exit_code == 0, ran.stderr
    text = " ".join(ran.stdout.split())
    assert f"{len(m3net)} to download (size unknown)" in text
    assert f"disk needed: unknown ({len(m3net)} archive(s) of unknown size)" in text
    assert "about 0 B" not in text
    assert "0 B (+" not in text
    doc = invoke(["create", str(folder), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert doc.json()["plan"]["disk_needed_bytes_estimate"] is None


def test_too_little_space_for_the_downloads_is_refused_before_starting(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import envlock.create.target

    monkeypatch.setattr(envlock.create.target, "free_bytes", lambda _path: 1000)
    prefix = tmp_path / "env"
    ran = invoke(["create", str(lock_dir), "-p", str(prefix), "--json"])
    assert ran.exit_code == 4, ran.stderr
    message = ran.json()["message"]
    assert message.startswith("not enough disk space: ")
    assert f"must be downloaded into {fresh_pkgs} but only 1000 bytes are free" in message
    assert not prefix.exists()
    assert not (fresh_pkgs / "archives").exists()
    assert "warning" in said(ran)
