"""The one HTTP policy: settings, which failures are retried, and downloads that follow it
(real HTTP servers on 127.0.0.1, real `envlock create` and `envlock resolve`)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from envlock.errors import BadInputError, WorldFailedError
from envlock.mirror import Mirror
from envlock.net.download import Download, Fetched, download
from envlock.net.policy import HttpPolicy, policy_from_env, retried_error, retried_status
from tests.helpers import REPO, QuietHandler, invoke, repodata_fails_first, serve_folder

SECRET = "tok-s3cr3t-9"
ARCHIVE = "pytorch/noarch/pytorch-mutex-1.0-cpu.tar.bz2"


class Script:
    """What a scripted server answers, one entry per request to the archive (then 200s):
    a status ("500"), "hang" (no answer until released), "cut" (half the body, then the
    connection is closed) or "stall" (headers and half the body, then silence)."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.seen: list[str] = []
        self.lock = threading.Lock()
        self.release = threading.Event()

    def next(self, path: str) -> str:
        with self.lock:
            self.seen.append(path)
            return self.answers.pop(0) if self.answers else "200"


@pytest.fixture
def scripted(demo_mirror: Mirror) -> Iterator[tuple[Script, str]]:
    """A server for the demo mirror whose archive requests follow a Script (set its
    `answers`); repodata and everything else is served as it is. Yields (script, base URL)."""
    script = Script()

    class Scripted(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server names its handler methods so
            path = self.path
            if path.startswith(f"/t/{SECRET}/"):
                path = self.path = path[len(f"/t/{SECRET}") :]
            if not path.endswith((".conda", ".tar.bz2")):
                super().do_GET()
                return
            answer = script.next(path)
            body = (demo_mirror.root / path.lstrip("/")).read_bytes()
            if answer.isdigit() and answer != "200":
                self.send_error(int(answer), "scripted")
            elif answer == "hang":
                script.release.wait(10)
            else:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if answer == "200":
                    self.wfile.write(body)
                    return
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if answer == "stall":
                    script.release.wait(10)
                self.close_connection = True

    with serve_folder(demo_mirror.root, Scripted) as url:
        try:
            yield script, url
        finally:
            script.release.set()


def _source(url: str, **policy: float) -> Download:
    settings = {"timeout_s": 5.0, "retries": 3, "backoff_s": 0.0, **policy}
    return Download(
        url=url,
        shown=url.replace(SECRET, "<TOKEN>"),
        secrets=(SECRET,),
        policy=HttpPolicy(
            timeout_s=settings["timeout_s"],
            retries=int(settings["retries"]),
            backoff_s=settings["backoff_s"],
        ),
    )


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- settings


def test_settings_come_from_the_environment_with_defaults() -> None:
    assert policy_from_env({}) == HttpPolicy(timeout_s=60.0, retries=3, backoff_s=0.5)
    env = {"ENVLOCK_HTTP_TIMEOUT": "2.5", "ENVLOCK_HTTP_RETRIES": "0", "ENVLOCK_HTTP_BACKOFF": "0"}
    policy = policy_from_env(env)
    assert policy == HttpPolicy(timeout_s=2.5, retries=0, backoff_s=0.0)
    assert policy.attempts == 1
    assert policy.whole_request_s == 5  # rattler's limit covers a whole repodata body
    assert policy_from_env({"ENVLOCK_HTTP_TIMEOUT": " "}).timeout_s == 60.0  # empty: default


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ENVLOCK_HTTP_TIMEOUT", "soon"),
        ("ENVLOCK_HTTP_TIMEOUT", "0"),
        ("ENVLOCK_HTTP_TIMEOUT", "-5"),
        ("ENVLOCK_HTTP_TIMEOUT", "nan"),
        ("ENVLOCK_HTTP_TIMEOUT", "inf"),
        ("ENVLOCK_HTTP_RETRIES", "1.5"),
        ("ENVLOCK_HTTP_RETRIES", "-1"),
        ("ENVLOCK_HTTP_RETRIES", "11"),
        ("ENVLOCK_HTTP_BACKOFF", "forever"),
        ("ENVLOCK_HTTP_CONNECT_TIMEOUT", "0"),
        ("ENVLOCK_HTTP_DEADLINE", "-1"),
        ("ENVLOCK_HTTP_DEADLINE", "86401"),
    ],
)
def test_a_bad_setting_is_refused_naming_it(variable: str, value: str) -> None:
    with pytest.raises(BadInputError) as caught:
        policy_from_env({variable: value})
    assert caught.value.message.startswith(f"{variable}={value!r}: expected ")
    assert "unset it for the default" in caught.value.message


def test_a_huge_setting_is_shown_cut_short() -> None:
    with pytest.raises(BadInputError) as raised:
        policy_from_env({"ENVLOCK_HTTP_TIMEOUT": "9" * 5000})
    assert str(raised.value).startswith("ENVLOCK_HTTP_TIMEOUT='" + "9" * 40 + "…': expected")
    assert len(str(raised.value)) < 200


def test_the_new_settings_and_the_resolve_bound() -> None:
    env = {"ENVLOCK_HTTP_CONNECT_TIMEOUT": "2", "ENVLOCK_HTTP_DEADLINE": "90"}
    policy = policy_from_env(env)
    assert (policy.connect_timeout_s, policy.deadline_s) == (2.0, 90.0)
    assert HttpPolicy().repodata_bound_s == 480  # 2 x 60 s per request, 4 tries
    assert policy.repodata_bound_s == 90  # never past the deadline
    assert HttpPolicy(deadline_s=30).whole_request_s == 30
    text = HttpPolicy(timeout_s=0.5, retries=1).repodata_bound_text()
    assert text == (
        "at most 1 s per request (twice ENVLOCK_HTTP_TIMEOUT), 2 tries (ENVLOCK_HTTP_RETRIES), "
        "1800 s in all (ENVLOCK_HTTP_DEADLINE)"
    )


def test_backoff_doubles_and_is_capped() -> None:
    policy = HttpPolicy(backoff_s=0.5)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert policy.delay(20) == 30.0
    assert policy.delay(1, retry_after="3") == 3.0  # a server asking for longer is heard
    assert policy.delay(1, retry_after="86400") == 30.0  # ... within the cap
    assert policy.delay(2, retry_after="Wed, 21 Oct 2015 07:28:00 GMT") == 1.0


def test_which_failures_are_retried() -> None:
    import http.client
    import urllib.error

    assert all(retried_status(s) for s in (500, 502, 503, 504, 408, 429))
    assert not any(retried_status(s) for s in (400, 401, 403, 404, 410))
    transient = [
        ConnectionResetError(),
        ConnectionRefusedError(),
        TimeoutError(),
        http.client.IncompleteRead(b"x", 10),
        http.client.RemoteDisconnected("closed"),
        urllib.error.URLError(ConnectionRefusedError()),
        urllib.error.URLError(TimeoutError()),
    ]
    final = [urllib.error.URLError("unknown url type"), OSError("disk"), ValueError("url")]
    assert all(retried_error(e) for e in transient)
    assert not any(retried_error(e) for e in final)


# ---------------------------------------------------------------- archive downloads


@pytest.mark.http
def test_an_archive_answered_500_then_200_is_downloaded_after_a_retry(
    scripted: tuple[Script, str], demo_mirror: Mirror, tmp_path: Path
) -> None:
    script, base = scripted
    script.answers = ["500"]
    want = (demo_mirror.root / ARCHIVE).read_bytes()
    dest = tmp_path / "a.tar.bz2"
    progress: list[int] = []
    got = download(_source(f"{base}/{ARCHIVE}"), dest, on_bytes=progress.append)
    assert len(script.seen) == 2
    assert dest.read_bytes() == want
    assert got == Fetched(
        path=dest,
        sha256=hashlib.sha256(want).hexdigest(),
        md5=hashlib.md5(want, usedforsecurity=False).hexdigest(),
        size=len(want),
    )
    assert sum(progress) == len(want)
    assert _leftovers(tmp_path) == ["a.tar.bz2"]


@pytest.mark.http
@pytest.mark.parametrize("answer", ["cut", "stall"])
def test_a_body_cut_short_or_stalled_is_fetched_again(
    scripted: tuple[Script, str], demo_mirror: Mirror, tmp_path: Path, answer: str
) -> None:
    script, base = scripted
    script.answers = [answer]
    dest = tmp_path / "a.tar.bz2"
    progress: list[int] = []
    source = _source(f"{base}/{ARCHIVE}", timeout_s=0.5)
    download(source, dest, on_bytes=progress.append)
    assert len(script.seen) == 2
    assert dest.read_bytes() == (demo_mirror.root / ARCHIVE).read_bytes()
    if answer == "cut":  # (a stalled read of a whole chunk hands over no bytes at all)
        assert any(n < 0 for n in progress)  # the broken attempt's bytes were taken back
    assert sum(progress) == dest.stat().st_size
    assert _leftovers(tmp_path) == ["a.tar.bz2"]


@pytest.mark.http
@pytest.mark.parametrize(("status", "hint"), [("404", "does not serve"), ("401", "credentials")])
def test_a_4xx_is_final_and_not_retried(
    scripted: tuple[Script, str], tmp_path: Path, status: str, hint: str
) -> None:
    script, base = scripted
    script.answers = [status] * 5
    url = f"{base}/t/{SECRET}/{ARCHIVE}"
    with pytest.raises(WorldFailedError) as caught:
        download(_source(url), tmp_path / "a.tar.bz2")
    assert len(script.seen) == 1
    message = caught.value.message
    assert f"HTTP {status} scripted from {base}/t/<TOKEN>/{ARCHIVE}" in message
    assert hint in message
    assert SECRET not in message
    assert _leftovers(tmp_path) == []


@pytest.mark.http
def test_retries_are_bounded_and_zero_retries_fail_at_once(
    scripted: tuple[Script, str], tmp_path: Path
) -> None:
    script, base = scripted
    script.answers = ["503"] * 10
    with pytest.raises(WorldFailedError) as caught:
        download(_source(f"{base}/t/{SECRET}/{ARCHIVE}", retries=2), tmp_path / "a")
    assert len(script.seen) == 3
    assert caught.value.message.endswith("(tried 3 times)")
    assert "HTTP 503" in caught.value.message
    assert SECRET not in caught.value.message

    script.seen.clear()
    with pytest.raises(WorldFailedError) as caught:
        download(_source(f"{base}/{ARCHIVE}", retries=0), tmp_path / "a")
    assert len(script.seen) == 1
    assert "tried" not in caught.value.message
    assert _leftovers(tmp_path) == []


@pytest.mark.http
def test_backoff_waits_between_tries(scripted: tuple[Script, str], tmp_path: Path) -> None:
    script, base = scripted
    script.answers = ["503", "503"]
    started = time.monotonic()
    download(_source(f"{base}/{ARCHIVE}", backoff_s=0.2), tmp_path / "a")
    assert len(script.seen) == 3
    assert time.monotonic() - started >= 0.2 + 0.4


@pytest.mark.http
def test_a_failed_check_leaves_nothing_and_is_not_retried(
    scripted: tuple[Script, str], tmp_path: Path
) -> None:
    script, base = scripted

    def refuse(fetched: Fetched) -> None:
        assert fetched.path.exists()  # the whole file, not yet in place
        raise WorldFailedError("hash mismatch")

    with pytest.raises(WorldFailedError, match="hash mismatch"):
        download(_source(f"{base}/{ARCHIVE}"), tmp_path / "a", check=refuse)
    assert len(script.seen) == 1
    assert _leftovers(tmp_path) == []


def test_connection_refused_is_retried_then_reported(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/t/{SECRET}/c/noarch/a-1-0.conda"
    with pytest.raises(WorldFailedError) as caught:
        download(_source(url, retries=2), tmp_path / "a")
    message = caught.value.message
    assert "cannot download http://127.0.0.1:" in message
    assert "/t/<TOKEN>/c/noarch/a-1-0.conda" in message
    assert message.endswith("(tried 3 times)")
    assert SECRET not in message
    assert _leftovers(tmp_path) == []


# ---------------------------------------------------------------- envlock create


def _explicit_lock(tmp_path: Path, demo_mirror: Mirror, base: str) -> Path:
    data = (demo_mirror.root / ARCHIVE).read_bytes()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    lock = tmp_path / "mutex.lock"
    lock.write_text(f"# platform: linux-64\n@EXPLICIT\n{base}/{ARCHIVE}#{md5}\n")
    return lock


@pytest.fixture
def pkgs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty package cache, quick back-off."""
    folder = tmp_path / "pkgs"
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(folder))
    monkeypatch.setenv("ENVLOCK_HTTP_BACKOFF", "0")
    return folder


@pytest.mark.http
def test_create_retries_an_archive_answered_500(
    scripted: tuple[Script, str], demo_mirror: Mirror, tmp_path: Path, pkgs: Path
) -> None:
    script, base = scripted
    script.answers = ["500"]
    lock = _explicit_lock(tmp_path, demo_mirror, base)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert len(script.seen) == 2
    assert ran.json()["fetched"]["packages"] == 1
    assert (tmp_path / "env" / "conda-meta").is_dir()
    assert [p.name for p in (pkgs / "archives").iterdir() if p.is_file()] == [Path(ARCHIVE).name]


@pytest.mark.http
def test_create_against_a_server_that_hangs_fails_naming_the_timeout(
    scripted: tuple[Script, str],
    demo_mirror: Mirror,
    tmp_path: Path,
    pkgs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script, base = scripted
    script.answers = ["hang", "hang"]
    monkeypatch.setenv("ENVLOCK_HTTP_TIMEOUT", "0.3")
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", "1")
    lock = _explicit_lock(tmp_path, demo_mirror, base)
    started = time.monotonic()
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 4, ran.stderr
    assert time.monotonic() - started < 10
    assert len(script.seen) == 2
    message = ran.json()["message"]
    assert f"no answer from {base}/{ARCHIVE} within 0.3 s (ENVLOCK_HTTP_TIMEOUT)" in message
    assert message.endswith("(tried 2 times)")
    assert not (tmp_path / "env").exists()
    archives = pkgs / "archives"
    assert not archives.exists() or [p for p in archives.iterdir() if p.is_file()] == []


@pytest.mark.http
def test_create_with_zero_retries_fails_at_once(
    scripted: tuple[Script, str],
    demo_mirror: Mirror,
    tmp_path: Path,
    pkgs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script, base = scripted
    script.answers = ["503"]
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", "0")
    lock = _explicit_lock(tmp_path, demo_mirror, base)
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 4, ran.stderr
    assert len(script.seen) == 1
    assert "HTTP 503 scripted" in ran.json()["message"]


@pytest.mark.http
@pytest.mark.parametrize("case", [(0, "5"), (1, "0")])  # (retries given, ENVLOCK_HTTP_RETRIES)
def test_create_follows_the_policy_its_plan_carries_not_the_environment(
    scripted: tuple[Script, str],
    demo_mirror: Mirror,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[int, str],
) -> None:
    """The command reads the policy once; the plan carries it to every download."""
    from envlock.create.apply import apply_create
    from envlock.create.plan import plan_create

    given, environment = case
    script, base = scripted
    script.answers = ["500"]
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", environment)
    lock = _explicit_lock(tmp_path, demo_mirror, base)
    policy = HttpPolicy(retries=given, backoff_s=0.0)
    planned = plan_create(lock, prefix=tmp_path / "env", pkgs_dir=tmp_path / "pkgs", policy=policy)
    assert planned.policy == policy
    if given == 0:
        with pytest.raises(WorldFailedError, match="HTTP 500 scripted"):
            apply_create(planned)
        assert len(script.seen) == 1
        assert not (tmp_path / "env").exists()
        return
    apply_create(planned)
    assert len(script.seen) == 2
    assert (tmp_path / "env" / "conda-meta").is_dir()


@pytest.mark.parametrize("command", ["create", "resolve"])
def test_a_bad_setting_is_exit_2_before_anything_is_fetched(
    demo_mirror: Mirror, tmp_path: Path, pkgs: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", "many")
    if command == "create":
        lock = _explicit_lock(tmp_path, demo_mirror, demo_mirror.root.as_uri())
        args = ["create", str(lock), "-p", str(tmp_path / "env"), "--json"]
    else:
        recipe = str(REPO / "recipes" / "m3net.yml")
        alias = demo_mirror.root.as_uri()
        args = ["resolve", recipe, "-o", str(tmp_path / "locks"), "-p", "osx-64"]
        args += ["--channel-alias", alias, "--json"]
    ran = invoke(args)
    assert ran.exit_code == 2, ran.stderr
    error = ran.json()
    assert error["message"].startswith("ENVLOCK_HTTP_RETRIES='many': expected a whole number")
    assert error["where"] is None
    assert not (tmp_path / "env").exists()
    assert not (tmp_path / "locks").exists()
    assert not pkgs.exists()


def test_resolve_check_reads_no_network_so_ignores_its_settings(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = str(REPO / "recipes" / "m3net.yml")
    args = ["resolve", recipe, "-o", str(tmp_path / "locks"), "-p", "linux-64"]
    args += ["--channel-alias", demo_mirror.root.as_uri()]
    assert invoke(args).exit_code == 0
    monkeypatch.setenv("ENVLOCK_HTTP_TIMEOUT", "abc")
    checked = invoke([*args, "--check", "--json"])
    assert checked.exit_code == 0, checked.stderr
    assert checked.json()["envlock_resolve"] == 1
    assert invoke(args).exit_code == 2  # a resolve that may fetch still refuses it


# ---------------------------------------------------------------- repodata (rattler)


@pytest.mark.http
@pytest.mark.parametrize("retries", ["0", "2"])
def test_repodata_follows_the_retry_setting(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, retries: str
) -> None:
    """Every repodata URL first answers 503 (with a token in the alias): two retries
    resolve, none fails with exit 4 and the token masked."""
    monkeypatch.setenv("ENVLOCK_HTTP_RETRIES", retries)
    recipe = str(REPO / "recipes" / "m3net.yml")
    with serve_folder(demo_mirror.root, repodata_fails_first(SECRET)) as base:
        alias = f"{base}/t/{SECRET}"
        args = ["resolve", recipe, "-o", str(tmp_path), "-p", "osx-64", "--channel-alias", alias]
        ran = invoke(args)
    assert SECRET not in ran.stdout + ran.stderr
    if retries == "2":
        assert ran.exit_code == 0, ran.stderr
        assert (tmp_path / "m3net" / "conda-lock.yml").is_file()
    else:
        assert ran.exit_code == 4, ran.stderr
        assert f"{base}/t/<TOKEN>/" in " ".join(ran.stderr.split())
        assert not (tmp_path / "m3net").exists()


# ---------------------------------------------------------------- architecture


def test_only_net_opens_sockets() -> None:
    """No module outside envlock/net imports a socket-level library (rattler's client,
    built in envlock/engine/access.py, fetches repodata inside the rattler extension)."""
    import ast

    banned = {"socket", "ssl", "http.client", "http.server", "socketserver", "urllib.request"}
    banned |= {"urllib3", "requests", "httpx", "aiohttp"}
    package = REPO / "envlock"
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.is_relative_to(package / "net"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            found += [f"{path.relative_to(REPO)}: {name}" for name in names if name in banned]
    assert found == []
