"""`envlock resolve` and `create` against real servers on 127.0.0.1: nginx (Debian's
package) serving the demo mirror, and the programmable fault server for what nginx will
not do (a server that never answers, a missing noarch repodata)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from envlock.mirror import Mirror
from envlock.models import Package
from tests.helpers import REPO, invoke
from tests.helpers.environments import rebase, write_locks
from tests.helpers.faults import serve_faults, temp_files
from tests.helpers.nginx import nginx_binary, requests, serve_with_nginx

pytestmark = pytest.mark.http

RECIPE = str(REPO / "recipes" / "m3net.yml")


def _resolve(alias: str, out: Path, *more: str) -> list[str]:
    return ["resolve", RECIPE, "-o", str(out), "-p", "osx-64", "--channel-alias", alias, *more]


def _repodata_downloads(work: Path) -> list[str]:
    return [path for status, size, path in requests(work) if status == 200 and "repodata" in path]


def test_resolve_and_create_through_nginx_and_a_second_resolve_downloads_no_repodata(
    nginx_mirror: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, work = nginx_mirror
    first = invoke([*_resolve(url, tmp_path / "locks"), "--json"])
    assert first.exit_code == 0, first.stderr
    fetched = _repodata_downloads(work)
    assert any(path.endswith("/pytorch/osx-64/repodata.json") for path in fetched)

    again = invoke([*_resolve(url, tmp_path / "locks"), "--force", "--json"])
    assert again.exit_code == 0, again.stderr
    assert _repodata_downloads(work) == fetched  # answered from the cache (or 304)

    pkgs = tmp_path / "pkgs"
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(pkgs))
    lock = tmp_path / "locks" / "m3net" / "conda-lock.yml"
    created = invoke(["create", str(lock), "--platform", "osx-64", "-p", str(tmp_path / "env")])
    assert created.exit_code == 0, created.stderr
    archives = [p for s, _, p in requests(work) if s == 200 and p.endswith((".conda", ".bz2"))]
    assert len(archives) == len(list((tmp_path / "env" / "conda-meta").glob("*.json")))
    assert temp_files(pkgs) == []


def test_a_package_missing_on_nginx_fails_create_cleanly(
    mirror: Path,
    mirror_copy: Path,
    m3net: tuple[Package, ...],
    tmp_path: Path,
    fresh_pkgs: Path,
) -> None:
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; scripts/test.sh does)")
    gone = m3net[len(m3net) // 2]
    (mirror_copy / str(gone.channel) / str(gone.subdir) / str(gone.filename)).unlink()
    with serve_with_nginx(mirror_copy, tmp_path / "nginx-copy") as url:
        lock = write_locks(tmp_path / "lk", rebase(m3net, mirror, url), root=mirror_copy)
        ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 4, ran.stderr
    assert f"{gone.filename}: HTTP 404 Not Found from {url}/" in ran.json()["message"]
    assert temp_files(fresh_pkgs) == []
    assert not (tmp_path / "env").exists()


def test_a_server_that_never_answers_holds_resolve_only_as_long_as_the_settings_say(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVLOCK_HTTP_TIMEOUT", "0.5")  # 1 s per repodata request
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", "1")  # 2 tries: 2 s in all
    with serve_faults(demo_mirror.root) as server:
        server.answer_all(".json", "hang")
        started = time.monotonic()
        ran = invoke([*_resolve(server.url, tmp_path / "locks"), "--json"])
        took = time.monotonic() - started
    assert ran.exit_code == 4, ran.stderr
    message = ran.json()["message"]
    assert message.startswith("the channels' repodata did not arrive within 2 s (at most 1 s")
    assert "2 tries (ENVLOCK_HTTP_RETRIES)" in message
    assert took < 8
    assert not (tmp_path / "locks").exists()


def test_the_deadline_setting_bounds_resolve_too(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVLOCK_HTTP_DEADLINE", "1.5")
    with serve_faults(demo_mirror.root) as server:
        server.answer_all(".json", "hang")
        started = time.monotonic()
        ran = invoke([*_resolve(server.url, tmp_path / "locks"), "--json"])
        took = time.monotonic() - started
    assert ran.exit_code == 4, ran.stderr
    assert "did not arrive within 1.5 s" in ran.json()["message"]
    assert "1.5 s in all (ENVLOCK_HTTP_DEADLINE)" in ran.json()["message"]
    assert took < 6


def test_a_channel_whose_repodata_is_404_is_named_with_its_subdir(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    with serve_faults(demo_mirror.root) as server:
        server.answer_all("/pyg/noarch/repodata.json", "404")
        ran = invoke([*_resolve(server.url, tmp_path / "locks"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    message = ran.json()["message"]
    assert f"channel `pyg` is not served at {server.url}/pyg" in message
    assert "noarch/repodata.json" in message


def test_repodata_answered_500_twice_is_retried(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", "3")
    with serve_faults(demo_mirror.root) as server:
        path = "/pytorch/osx-64/repodata.json"
        server.plan(path, "500", "500")
        ran = invoke([*_resolve(server.url, tmp_path / "locks"), "--json"])
        assert server.count(path) == 3
    assert ran.exit_code == 0, ran.stderr


def test_offline_resolves_from_the_cache_and_names_what_it_lacks(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    with serve_faults(demo_mirror.root) as server:
        online = invoke([*_resolve(server.url, tmp_path / "a"), "--json"])
        assert online.exit_code == 0, online.stderr
        asked = server.count()
        offline = invoke([*_resolve(server.url, tmp_path / "b"), "--offline", "--json"])
        assert offline.exit_code == 0, offline.stderr
        assert server.count() == asked  # not one request
        assert (tmp_path / "b" / "m3net" / "conda-lock.yml").read_text() == (
            tmp_path / "a" / "m3net" / "conda-lock.yml"
        ).read_text()
        # linux-64 (and nvidia, which osx-64 does not use) were never fetched
        missing = [*_resolve(server.url, tmp_path / "c"), "--offline", "--json"]
        missing[missing.index("osx-64")] = "linux-64"
        ran = invoke(missing)
        assert server.count() == asked
    assert ran.exit_code == 4, ran.stderr
    message = ran.json()["message"]
    assert message.startswith("--offline: the repodata cache ")
    # what rattler found missing first: linux-64 of a channel, or nvidia (osx-64 needs none)
    assert "linux-64" in message or "nvidia" in message
    assert "without --offline to fill the cache" in message
    assert not (tmp_path / "c").exists()
