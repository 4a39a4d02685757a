"""Every download fault ends `envlock create` cleanly: the right exit code and words, no
environment, and no temporary file left in the package cache, even while other
downloads of the same run were under way (a real HTTP server on 127.0.0.1 making the
faults, the real CLI). Also: file:// URLs that name no regular file, sources larger than
the lock says, the deadline, cancelling a batch, and the sweep of what killed runs left."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from envlock.create.sharing import archive_lock, sweep_stale
from envlock.errors import BadInputError, WorldFailedError
from envlock.models import Package
from envlock.net.download import Batch, CancelledError, Download, download
from envlock.net.policy import HttpPolicy
from tests.helpers import QuietHandler, invoke, serve_folder
from tests.helpers.environments import installed, locked, rebase, write_locks
from tests.helpers.faults import FaultServer, free_port, serve_faults, temp_files

pytestmark = [pytest.mark.usefixtures("isolated"), pytest.mark.http]


@pytest.fixture
def faults(mirror: Path) -> object:
    with serve_faults(mirror) as server:
        yield server


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny timeouts, one retry, no back-off: every fault test runs in seconds."""
    for name, value in [
        ("ENVLOCK_HTTP_TIMEOUT", "0.5"),
        ("ENVLOCK_HTTP_CONNECT_TIMEOUT", "0.5"),
        ("ENVLOCK_HTTP_RETRIES", "1"),
        ("ENVLOCK_HTTP_BACKOFF", "0"),
        ("ENVLOCK_HTTP_DEADLINE", "2"),
    ]:
        monkeypatch.setenv(name, value)


def _lock(tmp_path: Path, mirror: Path, packages: tuple[Package, ...], base: str) -> Path:
    return write_locks(tmp_path / "lk" / "m3net", rebase(packages, mirror, base), root=mirror)


def _path(package: Package) -> str:
    return f"/{package.channel}/{package.subdir}/{package.filename}"


def _biggest(packages: tuple[Package, ...]) -> Package:
    """The package whose archive is the largest (the lock records no sizes)."""
    return max(packages, key=lambda p: Path((p.url or "").removeprefix("file://")).stat().st_size)


FAULTS = [
    # (the answers planned for one archive, exit code, words of the message)
    (("404",), 4, "HTTP 404 planned from"),
    (("garbage",), 4, "sha256 mismatch"),
    (("short",), 4, "sha256 mismatch"),  # a Content-Length smaller than the body
    (("nolength",), 4, "sha256 mismatch"),  # no Content-Length, the body cut short
    (("cut", "cut"), 4, "broke off after"),  # a truncated body, twice
    (("long", "long"), 4, "broke off after"),  # a Content-Length larger than the body
    (("reset", "reset"), 4, "broke off"),  # a connection reset mid-download
    (("500", "500"), 4, "HTTP 500 planned"),
    (("loop",) * 12, 4, "redirects in a loop"),
    (("hang", "hang"), 4, "within 0.5 s (ENVLOCK_HTTP_TIMEOUT)"),
    (("drip",), 4, "did not finish within 2 s (ENVLOCK_HTTP_DEADLINE"),
]


@pytest.mark.parametrize(("answers", "code", "words"), FAULTS, ids=[f[0][0] for f in FAULTS])
def test_a_fault_fails_create_and_leaves_no_temporary_file(  # noqa: PLR0917 - fixtures
    tmp_path: Path,
    mirror: Path,
    m3net: tuple[Package, ...],
    fresh_pkgs: Path,
    faults: FaultServer,
    quick: None,
    answers: tuple[str, ...],
    code: int,
    words: str,
) -> None:
    target = _biggest(m3net)
    faults.plan(_path(target), *answers)
    lock = _lock(tmp_path, mirror, m3net, faults.url)
    started = time.monotonic()
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    took = time.monotonic() - started
    assert ran.exit_code == code, ran.stdout + ran.stderr
    message = " ".join(ran.json()["message"].split())
    assert words in message
    assert str(target.filename) in message
    assert took < 15
    assert not (tmp_path / "env").exists()
    assert temp_files(fresh_pkgs) == []
    archives = fresh_pkgs / "archives"
    assert target.filename not in {p.name for p in archives.iterdir()}  # nothing unverified


def test_500_twice_then_ok_is_retried(  # noqa: PLR0917 - fixtures
    tmp_path: Path,
    mirror: Path,
    m3net: tuple[Package, ...],
    fresh_pkgs: Path,
    faults: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVLOCK_HTTP_BACKOFF", "0")
    target = _biggest(m3net)
    faults.plan(_path(target), "500", "500")
    lock = _lock(tmp_path, mirror, m3net, faults.url)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert faults.count(_path(target)) == 3
    assert installed(tmp_path / "env") == locked(m3net)
    assert temp_files(fresh_pkgs) == []


def test_a_redirect_to_another_host_is_followed_without_the_credentials(  # noqa: PLR0917 - fixtures
    tmp_path: Path,
    mirror: Path,
    m3net: tuple[Package, ...],
    fresh_pkgs: Path,
    faults: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[str | None] = []

    class Recording(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            heard.append(self.headers.get("Authorization"))
            super().do_GET()

    target = _biggest(m3net)
    with serve_folder(mirror, Recording) as other:
        faults.plan(_path(target), f"redirect:{other}{_path(target)}")
        lock = _lock(tmp_path, mirror, m3net, "http://127.0.0.1:1")  # the alias decides
        alias = faults.url.replace("//", "//user:s3cr3t-redirect@")
        args = ["create", str(lock), "-p", str(tmp_path / "env"), "--channel-alias", alias]
        ran = invoke([*args, "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert heard == [None]  # the other host got the request, not the password
    assert installed(tmp_path / "env") == locked(m3net)
    assert "s3cr3t-redirect" not in ran.stdout + ran.stderr


def test_connection_refused_is_retried_then_fails_cleanly(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path, quick: None
) -> None:
    lock = _lock(tmp_path, mirror, m3net, f"http://127.0.0.1:{free_port()}")
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 4, ran.stderr
    assert "(tried 2 times)" in ran.json()["message"]
    assert temp_files(fresh_pkgs) == []


# ---------------------------------------------------------------- file:// sources


def _explicit(tmp_path: Path, url: str) -> Path:
    lock = tmp_path / "odd.lock"
    lock.write_text(f"# platform: linux-64\n@EXPLICIT\n{url}#{'0' * 32}\n")
    return lock


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_file_url_must_name_a_regular_file(tmp_path: Path, fresh_pkgs: Path, kind: str) -> None:
    if kind == "device":
        path = tmp_path / "zero-1.0-0.conda"
        path.symlink_to("/dev/zero")  # a package file name, endless zeros behind it
    elif kind == "fifo":
        path = tmp_path / "pipe-1.0-0.tar.bz2"
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    else:
        path = tmp_path / "dir-1.0-0.conda"
        path.mkdir()
    url = path.as_uri()
    started = time.monotonic()
    ran = invoke(["create", str(_explicit(tmp_path, url)), "-p", str(tmp_path / "env"), "--json"])
    assert time.monotonic() - started < 10
    assert ran.exit_code == 2, ran.stderr
    assert "is not a regular file (a device, FIFO, socket or folder)" in ran.json()["message"]
    assert temp_files(fresh_pkgs) == []


def test_a_source_larger_than_the_lock_says_is_cut_at_one_byte_more(tmp_path: Path) -> None:
    source_file = tmp_path / "big-1.0-0.conda"
    source_file.write_bytes(b"x" * 5000)
    dest = tmp_path / "cache" / "big-1.0-0.conda"
    dest.parent.mkdir()
    with pytest.raises(WorldFailedError) as caught:
        download(Download(url=source_file.as_uri(), shown="file:///big", size=100), dest)
    assert "holds 5000 bytes, more than the 100 bytes the lock records" in caught.value.message
    assert list(dest.parent.iterdir()) == []


def test_a_server_announcing_more_than_the_lock_says_is_refused_before_reading(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], faults: FaultServer
) -> None:
    target = _biggest(m3net)
    size = (mirror / _path(target).lstrip("/")).stat().st_size
    dest = tmp_path / "a.conda"
    source = Download(url=faults.url + _path(target), shown="shown", size=size - 1)
    with pytest.raises(WorldFailedError, match=f"holds {size} .its Content-Length."):
        download(source, dest)
    assert list(tmp_path.iterdir()) == []


def test_an_explicit_file_with_a_placeholder_is_refused(
    tmp_path: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-aws")
    url = "https://h.example/t/${AWS_SECRET_ACCESS_KEY}/c/linux-64/a-1.0-0.conda"
    ran = invoke(["create", str(_explicit(tmp_path, url)), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    message = ran.json()["message"]
    assert "a-1.0-0.conda: its URL" in message
    assert "uses ${AWS_SECRET_ACCESS_KEY}, but an explicit file cannot declare" in message
    assert "s3cr3t-aws" not in ran.stdout + ran.stderr


# ---------------------------------------------------------------- cancelling, sweeping


def test_a_cancelled_batch_removes_its_temporary_files_at_once(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], faults: FaultServer
) -> None:
    target = _biggest(m3net)
    faults.plan(_path(target), "drip")
    batch = Batch()
    source = Download(url=faults.url + _path(target), shown="shown", policy=HttpPolicy())
    failed: list[BaseException] = []

    def run() -> None:
        try:
            download(source, tmp_path / "a.conda", batch=batch)
        except BaseException as error:  # handed to the test thread
            failed.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 5
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    batch.cancel()
    assert list(tmp_path.iterdir()) == []  # gone before the worker notices
    worker.join(5)
    assert [type(e) for e in failed] == [CancelledError]
    assert list(tmp_path.iterdir()) == []


def test_the_sweep_removes_only_stale_unlocked_temporary_files(tmp_path: Path) -> None:
    archives = tmp_path / "archives"
    archives.mkdir()
    names = {
        "stale": ".a-1.0-0.conda.0123456789ab.part",
        "fresh": ".b-1.0-0.conda.0123456789ab.part",
        "locked": ".c-1.0-0.tar.bz2.0123456789ab.part",
        "not ours": ".d-1.0-0.conda.part",
        "archive": "e-1.0-0.conda",
    }
    for name in names.values():
        (archives / name).write_bytes(b"x")
    old = time.time() - 60
    for key in ("stale", "locked", "not ours", "archive"):
        os.utime(archives / names[key], (old, old))
    with archive_lock(archives, "c-1.0-0.tar.bz2"):  # a live download of c
        removed = sweep_stale(archives)
    assert removed == [names["stale"]]
    assert sorted(p.name for p in archives.iterdir() if p.is_file()) == sorted(
        names[k] for k in ("fresh", "locked", "not ours", "archive")
    )


def test_create_sweeps_what_a_killed_run_left(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    archives = fresh_pkgs / "archives"
    archives.mkdir(parents=True)
    left = archives / f".{_biggest(m3net).filename}.a1b2c3d4e5f6.part"
    left.write_bytes(b"half")
    old = time.time() - 60
    os.utime(left, (old, old))
    lock = write_locks(tmp_path / "lk", m3net, root=mirror)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert not left.exists()
    assert temp_files(fresh_pkgs) == []


def test_a_bad_new_setting_is_refused_naming_it(tmp_path: Path, fresh_pkgs: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENVLOCK_HTTP_DEADLINE", "0")
        ran = invoke(["create", str(_explicit(tmp_path, "file:///x.conda")), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["message"].startswith("ENVLOCK_HTTP_DEADLINE='0': expected a number")


def test_plain_download_errors_stay_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="unsupported URL scheme 'ftp'"):
        download(Download(url="ftp://h/x.conda", shown="ftp://h/x.conda"), tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def test_the_plan_keeps_the_lock_size(m3net: tuple[Package, ...]) -> None:
    from envlock.create.cache import download_for

    package = replace(_biggest(m3net), size=1234)
    assert download_for(package).size == 1234
