"""`envlock resolve` with credentials: tokens and passwords in the channel alias reach
no file (lock, cache, output), wrong ones fail with the URL masked, rattler's auth file
lives only for the run, and one host takes one set of credentials."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.helpers import REPO, QuietHandler, serve_folder
from tests.helpers import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"


def test_a_wrong_token_is_masked_not_removed(http_mirror: str, tmp_path: Path) -> None:
    ran = resolve(
        http_mirror + "/t/WRONGTOKEN999", str(CPU_DEMO), "-o", str(tmp_path), "-p", "osx-64"
    )
    assert ran.exit_code == 4
    message = " ".join(ran.stderr.split())
    assert "WRONGTOKEN999" not in message
    # whichever channel failed first: named with the token's place, not without it
    assert re.search(re.escape(f"{http_mirror}/t/<TOKEN>/") + "(pytorch|pyg|conda-forge)/",
                     message), message  # fmt: skip
    assert not re.search(re.escape(http_mirror) + "/(pytorch|pyg|conda-forge)", message)


SECRET_TOKEN = "SeCrEtToKeN4711"


SECRET_PASSWORD = "pw-Hunter2-xyz"


@pytest.fixture(scope="module")
def guarded_mirror(demo_mirror: Mirror) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The demo mirror behind a server that answers 401 without the token or the password.

    `/t/<SECRET_TOKEN>/...` or `Authorization: Basic alice:<SECRET_PASSWORD>`; yields the
    base URL and the (path, authorization kind) of every request it served.
    """
    served: list[tuple[str, str]] = []
    basic = "Basic " + base64.b64encode(f"alice:{SECRET_PASSWORD}".encode()).decode()

    class Guarded(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server names its handler methods so
            prefix = f"/t/{SECRET_TOKEN}/"
            if self.path.startswith(prefix):
                self.path = self.path[len(prefix) - 1 :]
                served.append((self.path, "token"))
            elif self.headers.get("Authorization") == basic:
                served.append((self.path, "basic"))
            else:
                self.send_error(401, "credentials needed")
                return
            super().do_GET()

    with serve_folder(demo_mirror.root, Guarded) as url:
        yield url, served


def _files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    ("kind", "alias_of", "secret"),
    [
        ("token", lambda base: base.replace("//", "//", 1) + f"/t/{SECRET_TOKEN}", SECRET_TOKEN),
        ("basic", lambda base: base.replace("//", f"//alice:{SECRET_PASSWORD}@", 1),
         SECRET_PASSWORD),
    ],
)  # fmt: skip
def test_credentials_reach_no_file(
    guarded_mirror: tuple[str, list[tuple[str, str]]],
    tmp_path: Path,
    kind: str,
    alias_of: Callable[[str], str],
    secret: str,
) -> None:
    base, served = guarded_mirror
    served.clear()
    out = tmp_path / "out"
    ran = resolve(alias_of(base), str(CPU_DEMO), "-o", str(out), "-p", "osx-64", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert {how for _, how in served} == {kind}  # every request carried the credentials
    assert any(path.endswith("repodata.json") for path, _ in served)
    assert secret not in ran.stdout + ran.stderr
    cache = tmp_path / ".envlock-cache"  # the autouse repodata_cache fixture's folder
    assert any(cache.rglob("*.info.json"))  # the cache was written…
    assert _files_holding(cache, secret) == []  # …without the secret
    assert _files_holding(out, secret) == []
    assert _files_holding(tmp_path, secret) == []
    lock = (out / "cpu-demo" / "conda-lock.yml").read_text()
    assert f"url: {base}/pytorch/osx-64/pytorch-2.0.1-py3.10_0.tar.bz2" in lock


def test_wrong_credentials_fail_with_the_url_masked(
    guarded_mirror: tuple[str, list[tuple[str, str]]], tmp_path: Path
) -> None:
    base, _ = guarded_mirror
    alias = base.replace("//", "//alice:wrong-password@", 1)
    ran = resolve(alias, str(CPU_DEMO), "-o", str(tmp_path), "-p", "osx-64")
    assert ran.exit_code == 4
    message = " ".join(ran.stderr.split())
    assert "wrong-password" not in message
    assert "401" in message
    shown = re.escape(base.replace("//", "//alice:<PASSWORD>@", 1))
    assert re.search(shown + "/(pytorch|pyg|conda-forge)/", message), message


@pytest.mark.parametrize("memfd", [True, False])
def test_the_auth_file_lives_only_for_the_run(memfd: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import os
    import stat

    from envlock.engine.access import auth_file
    from envlock.models import SpecSet
    from envlock.resolve.solver import access_for

    if not memfd:  # the fallback other systems take: a 0600 file in a 0700 folder
        monkeypatch.delattr(os, "memfd_create", raising=False)
    elif not hasattr(os, "memfd_create"):
        pytest.skip("no memfd_create on this system")
    specset = SpecSet(platform="linux-64", specs=("python",), channels=("pytorch", "conda-forge"))
    access = access_for([specset], f"https://alice:{SECRET_PASSWORD}@h.example")
    assert access.shown == {
        "https://h.example/pytorch": "https://alice:<PASSWORD>@h.example/pytorch",
        "https://h.example/conda-forge": "https://alice:<PASSWORD>@h.example/conda-forge",
    }
    with auth_file(access.auth) as path:
        assert path is not None
        assert json.loads(path.read_text()) == {
            "h.example": {"BasicHTTP": {"username": "alice", "password": SECRET_PASSWORD}}
        }
        if memfd:
            assert str(path).startswith("/proc/self/fd/")
        else:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not path.exists()
    with auth_file(access_for([specset], "https://h.example").auth) as none:
        assert none is None


def test_one_host_takes_one_set_of_credentials() -> None:
    from envlock.errors import BadInputError
    from envlock.models import SpecSet
    from envlock.resolve.solver import access_for

    specset = SpecSet(
        platform="linux-64",
        specs=("python",),
        channels=("https://h.example/t/tk-1/pytorch", "https://h.example/t/tk-2/conda-forge"),
    )
    with pytest.raises(BadInputError) as caught:
        access_for([specset], "https://h.example")
    assert caught.value.message == (
        "two channel URLs give h.example different credentials "
        "(https://h.example/t/<TOKEN>/conda-forge): one host takes one set of credentials "
        "per resolve"
    )
