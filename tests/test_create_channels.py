"""Where `envlock create` fetches archives from: a mirror over HTTP, private channels (token,
basic auth, `${VAR}` placeholders, passwords in the lock) with no secret written anywhere,
URLs urllib refuses named without their secret, and --channel-alias onto another mirror."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from envlock.lock.condalock import LockChannel
from envlock.models import Package
from tests.helpers import QuietHandler, invoke, serve_folder
from tests.helpers.environments import (
    CHANNELS,
    archive_of,
    installed,
    locked,
    rebase,
    said,
    write_locks,
)

pytestmark = pytest.mark.usefixtures("isolated")

# ---------------------------------------------------------------- over HTTP


@pytest.mark.http
def test_create_over_http(
    tmp_path: Path, mirror: Path, http_mirror: str, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    over_http = rebase(m3net, mirror, http_mirror)
    folder = write_locks(tmp_path / "lk" / "m3net", over_http, root=mirror)
    prefix = tmp_path / "env"
    ran = invoke(["create", str(folder / "linux-64.lock"), "-p", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["fetched"]["packages"] == len(m3net)
    assert installed(prefix) == locked(m3net)
    urls = {json.loads(m.read_text())["url"] for m in (prefix / "conda-meta").glob("*.json")}
    assert all(u.startswith(http_mirror) for u in urls)

    missing = replace(
        archive_of(over_http, "pyg"), url=f"{http_mirror}/pyg/linux-64/nope-1-0.tar.bz2"
    )
    folder = write_locks(
        tmp_path / "lk" / "gone",
        tuple(missing if p.name == "pyg" else p for p in over_http),
        root=mirror,
    )
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(fresh_pkgs)
    ran = invoke(["create", str(folder / "linux-64.lock"), "-p", str(tmp_path / "env2")])
    assert ran.exit_code == 4
    assert "nope-1-0.tar.bz2: HTTP 404" in said(ran)
    assert not (tmp_path / "env2").exists()


# ---------------------------------------------------------------- private channels


SECRET = "s3cr3t-tok"


@pytest.fixture
def private_mirror(mirror: Path) -> Iterator[str]:
    """The demo mirror over HTTP, answering 401 unless the request carries the token
    (`/t/<SECRET>/...`) or basic auth `user:<SECRET>`; yields `http://127.0.0.1:PORT`."""
    import base64

    basic = "Basic " + base64.b64encode(f"user:{SECRET}".encode()).decode()

    class Private(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server names its handler methods so
            if self.path.startswith(f"/t/{SECRET}/"):
                self.path = self.path[len(f"/t/{SECRET}") :]
            elif self.headers.get("Authorization") != basic:
                self.send_error(401, "Unauthorized")
                return
            super().do_GET()

    with serve_folder(mirror, Private) as url:
        yield url


def _no_secret_in(*roots: Path) -> None:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.http
@pytest.mark.parametrize("how", ["token", "basic", "env", "literal"])
def test_create_through_a_private_channel(  # noqa: PLR0917 - fixtures
    tmp_path: Path,
    mirror: Path,
    private_mirror: str,
    m3net: tuple[Package, ...],
    fresh_pkgs: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    # the lock as resolve writes it: credential-free URLs on the private host
    plain = rebase(m3net, mirror, private_mirror)
    folder = write_locks(tmp_path / "lk" / "m3net", plain, root=mirror)
    prefix = tmp_path / "env"
    ran = invoke(["create", str(folder), "-p", str(prefix)])
    assert ran.exit_code == 4
    assert "HTTP 401 Unauthorized" in said(ran)
    assert "--channel-alias" in said(ran)
    assert not prefix.exists()

    args = ["create", str(folder), "-p", str(prefix), "--json"]
    if how == "token":
        args += ["--channel-alias", f"{private_mirror}/t/{SECRET}"]
    elif how == "basic":
        monkeypatch.setenv(
            "ENVLOCK_CHANNEL_ALIAS", private_mirror.replace("//", f"//user:{SECRET}@")
        )
    elif how == "literal":  # a hand-made lock with the password in its URLs
        # (envlock's writers scrub credentials, so the explicit file is written by hand)
        with_password = rebase(m3net, mirror, private_mirror.replace("//", f"//user:{SECRET}@"))
        explicit = tmp_path / "lk" / "literal.lock"
        lines = [f"{p.url}#{p.md5}" for p in with_password]
        explicit.write_text("# platform: linux-64\n@EXPLICIT\n" + "\n".join(lines) + "\n")
        args[1] = str(explicit)
    else:  # conda-lock's used_env_vars: ${VAR} placeholders in the lock's URLs
        templated = rebase(m3net, mirror, f"{private_mirror}/t/${{PRIVATE_TOKEN}}")
        folder = write_locks(tmp_path / "lk" / "undeclared", templated, root=mirror)
        args[1] = str(folder)
        monkeypatch.setenv("PRIVATE_TOKEN", SECRET)
        ran = invoke(args)  # set, but no channel of the lock declares it: never sent
        assert ran.exit_code == 2
        assert (
            "uses ${PRIVATE_TOKEN}, which no channel of the lock on http://127.0.0.1"
            in (ran.json()["message"])
        )
        monkeypatch.delenv("PRIVATE_TOKEN")
        channels = [
            LockChannel(url=f"{private_mirror}/t/${{PRIVATE_TOKEN}}/{c}",
                        used_env_vars=("PRIVATE_TOKEN",))
            for c in CHANNELS
        ]  # fmt: skip
        folder = write_locks(tmp_path / "lk" / "templated", templated, root=mirror,
                             channels=channels)  # fmt: skip
        args[1] = str(folder)
        ran = invoke(args)
        assert ran.exit_code == 2
        assert "${PRIVATE_TOKEN}, not set in the environment" in ran.json()["message"]
        monkeypatch.setenv("PRIVATE_TOKEN", SECRET)
    ran = invoke(args)
    assert ran.exit_code == 0, ran.stderr
    assert installed(prefix) == locked(m3net)
    assert SECRET not in ran.stdout + ran.stderr
    if how in ("token", "basic"):
        shown = ran.json()["plan"]["channel_alias"]
        assert shown.startswith("http://") and ("<TOKEN>" in shown or "<PASSWORD>" in shown)
    urls = {json.loads(m.read_text())["url"] for m in (prefix / "conda-meta").glob("*.json")}
    expected = templated if how == "env" else plain
    assert urls == {p.url for p in expected}  # the lock's URLs, credential-free
    _no_secret_in(prefix, fresh_pkgs)


@pytest.mark.parametrize(
    ("how", "url"),
    [
        ("token", f"http://127.0.0.1:9/t/{SECRET}/c/linux-64/a b-1.0-0.conda"),
        ("password", f"http://u:{SECRET}@127.0.0.1:9/c/linux-64/a b-1.0-0.conda"),
        ("token", f"http://127.0.0.1:port/t/{SECRET}/c/linux-64/a-1.0-0.conda"),
    ],
)
def test_a_url_urllib_refuses_is_named_without_its_secret(
    tmp_path: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch, how: str, url: str
) -> None:
    # urllib's own message quotes the request path (`URL can't contain control
    # characters. '/t/<token>/...'`, `nonnumeric port`): shown with the secrets hidden
    monkeypatch.setenv("PRIVATE_TOKEN", SECRET)
    explicit = tmp_path / "odd.lock"
    explicit.write_text(f"# platform: linux-64\n@EXPLICIT\n{url}#{'0' * 32}\n")
    ran = invoke(["create", str(explicit), "-p", str(tmp_path / "env"), "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert SECRET not in ran.stdout + ran.stderr
    message = ran.json()["message"]
    if ":port/" in url:  # no URL at all: refused as the lock is read, naming its line
        assert "is not a valid URL" in message
        assert ran.json()["where"] == f"{explicit}:3"
    else:
        assert "cannot be requested" in message
        assert "fix the URL in the lock" in message
    assert not (tmp_path / "env").exists()


# ---------------------------------------------------------------- another mirror


def test_channel_alias_rebases_onto_another_mirror(
    tmp_path: Path, mirror: Path, mirror_copy: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    # the lock names a mirror that is gone; the alias points at a copy
    gone = rebase(m3net, mirror, "file:///nonexistent/mirror")
    folder = write_locks(tmp_path / "lk" / "m3net", gone, root=mirror)
    prefix = tmp_path / "env"
    ran = invoke(
        ["create", str(folder), "-p", str(prefix), "--channel-alias", mirror_copy.as_uri()]
    )
    assert ran.exit_code == 0, ran.stderr
    assert installed(prefix) == locked(m3net)
    ran = invoke(["create", str(folder), "-n", "x", "--channel-alias", "mirror.example/conda"])
    assert ran.exit_code == 2
    assert "--channel-alias mirror.example/conda: expected a base URL" in said(ran)
