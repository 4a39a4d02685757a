"""`envlock create`, continued: the verified-stamp, http, where environments go, resolve
and diff, incomplete or foreign locks, private channels. Helpers and fixtures live in
tests/test_create.py.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from envlock.mirror import Mirror
from envlock.models import Package
from tests.conftest import QuietHandler, invoke, serve_folder
from tests.test_create import (  # fixtures are imported to be used by name
    archive_of,
    fresh_pkgs,
    installed,
    isolated,
    lock_dir,
    locked,
    m3net,
    mirror,
    mirror_copy,
    rebase,
    said,
    shared_pkgs,
    snapshot,
    write_locks,
)

__all__ = ["fresh_pkgs", "isolated", "lock_dir", "m3net", "mirror", "mirror_copy", "shared_pkgs"]


def _hash_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the archives envlock.create.cache re-hashes (stamps trusted at once: RACY_NS = 0)."""
    from envlock.create import cache as fetch

    monkeypatch.setattr(fetch, "RACY_NS", 0)
    calls: list[str] = []
    real = fetch.hash_file

    def counting(path: Path, on_bytes: fetch.OnBytes | None = None) -> tuple[str, str, int]:
        calls.append(path.name)
        return real(path, on_bytes)

    monkeypatch.setattr(fetch, "hash_file", counting)
    return calls


def test_verified_stamp_skips_rehashing_and_gives_the_same_environment(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _hash_calls(monkeypatch)
    for name in ("fetched", "hashed", "stamped"):
        calls.clear()
        assert invoke(["create", str(lock_dir), "-p", str(tmp_path / name)]).exit_code == 0
        if name == "hashed":
            assert len(calls) == len(
                [p for p in (fresh_pkgs / "archives").iterdir() if p.is_file()]
            )
    assert calls == []  # the third create trusted every stamp
    # conda-meta from the stamp's index.json equals conda-meta from the archive itself
    assert snapshot(tmp_path / "stamped") == snapshot(tmp_path / "hashed")


def test_stamp_does_not_hide_an_archive_edited_with_its_mtime_restored(
    tmp_path: Path,
    lock_dir: Path,
    fresh_pkgs: Path,
    m3net: tuple[Package, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    calls = _hash_calls(monkeypatch)
    for name in ("one", "two"):  # fetch, then hash and stamp
        assert invoke(["create", str(lock_dir), "-p", str(tmp_path / name)]).exit_code == 0
    idna = archive_of(m3net, "idna")
    cached = fresh_pkgs / "archives" / (idna.filename or "")
    before = cached.stat()
    data = bytearray(cached.read_bytes())
    data[-1] ^= 0xFF  # same size, other bytes, written in place (same inode)
    with cached.open("r+b") as fh:
        fh.write(bytes(data))
    os.utime(cached, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = cached.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    calls.clear()
    ran = invoke(["create", str(lock_dir), "-p", str(tmp_path / "three"), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert calls == [cached.name]  # only the edited archive was re-hashed ...
    assert ran.json()["fetched"]["packages"] == 1  # ... found stale and fetched again
    assert cached.read_bytes() != bytes(data)


def test_stamp_of_a_freshly_changed_archive_is_not_trusted(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _hash_calls(monkeypatch)
    from envlock.create import cache as fetch

    monkeypatch.setattr(fetch, "RACY_NS", 3600 * 10**9)  # every stamp is "racy"
    for name in ("one", "two", "three"):
        calls.clear()
        assert invoke(["create", str(lock_dir), "-p", str(tmp_path / name)]).exit_code == 0
    assert len(calls) == len([p for p in (fresh_pkgs / "archives").iterdir() if p.is_file()])


# ---------------------------------------------------------------- the http tier


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


# ---------------------------------------------------------------- where environments go


def test_envs_dir_follows_envlock_then_conda_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from envlock.create.target import envs_dir

    for variable in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS", "CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert envs_dir() == (tmp_path / "envs", "ENVLOCK_ENVS_DIR")
    monkeypatch.delenv("ENVLOCK_ENVS_DIR")
    assert envs_dir()[0] == tmp_path / "home" / ".envlock" / "envs"
    root = tmp_path / "miniconda3"
    (root / "conda-meta").mkdir(parents=True)
    monkeypatch.setenv("CONDA_PREFIX", str(root / "envs" / "work"))
    assert envs_dir() == (root / "envs", "root of $CONDA_PREFIX")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".condarc").write_text("envs_dirs:\n  - ~/conda-envs\n  - /other\n")
    assert envs_dir() == (tmp_path / "home" / "conda-envs", "~/.condarc envs_dirs")
    monkeypatch.setenv("CONDA_ENVS_PATH", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert envs_dir() == (tmp_path / "a", "CONDA_ENVS_PATH")


# ---------------------------------------------------------------- with resolve and diff


def test_resolved_m3net_created_then_diffed_is_identical(
    tmp_path: Path, demo_mirror: Mirror
) -> None:
    recipe = Path(__file__).resolve().parent.parent / "recipes" / "m3net.yml"
    alias = ["--channel-alias", demo_mirror.channel_alias]
    ran = invoke(["resolve", str(recipe), "-p", "linux-64", "-o", "locks", *alias])
    assert ran.exit_code == 0, ran.stderr
    ran = invoke(["create", "m3net", "--json"])  # NAME → locks/m3net/, env named m3net
    assert ran.exit_code == 0, ran.stderr
    prefix = Path(ran.json()["prefix"])
    assert prefix == tmp_path / "envs" / "m3net"
    ran = invoke(["diff", "locks/m3net/conda-lock.yml", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stdout
    assert ran.json()["identical"] is True
    assert ran.json()["channels_compared"] is True


# ---------------------------------------------------------------- newcomer trial (issue 4)


def test_the_environment_root_gets_the_mode_mkdir_gives(
    tmp_path: Path, lock_dir: Path, fresh_pkgs: Path
) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        prefix = tmp_path / "shared-env"
        assert invoke(["create", str(lock_dir), "-p", str(prefix)]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(prefix.stat().st_mode) == 0o755
    assert stat.S_IMODE((prefix / ".envlock-origin.json").stat().st_mode) == 0o644
    archives = fresh_pkgs / "archives"
    modes = {stat.S_IMODE(p.stat().st_mode) for p in archives.iterdir() if p.is_file()}
    assert modes == {0o644}


def test_a_lock_missing_a_dependency_is_refused_before_fetching(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    folder = write_locks(
        tmp_path / "lk" / "noxz", tuple(p for p in m3net if p.name != "xz"), root=mirror
    )
    lock = folder / "conda-lock.yml"
    python = archive_of(m3net, "python")
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 2
    message = ran.json()["message"]
    assert ran.json()["where"] == str(lock)
    assert message.startswith(
        f"the lock is incomplete for linux-64: python {python.version} needs xz, "
        "which the lock does not list."
    )
    assert "Re-resolve it" in message
    assert "try again" not in message
    assert not fresh_pkgs.exists()
    assert not (tmp_path / "env").exists()


def test_an_explicit_file_without_python_is_refused(
    tmp_path: Path, mirror: Path, m3net: tuple[Package, ...], fresh_pkgs: Path
) -> None:
    # cut at a package boundary: everything from python on is gone
    folder = write_locks(
        tmp_path / "lk" / "cut", tuple(p for p in m3net if p.name != "python"), root=mirror
    )
    ran = invoke(["create", str(folder / "linux-64.lock"), "-p", str(tmp_path / "env")])
    assert ran.exit_code == 2
    assert "(noarch: python) need python, which the lock does not list" in said(ran)
    assert "try again" not in said(ran)
    assert not fresh_pkgs.exists()
    assert not (tmp_path / "env").exists()


def test_a_pixi_lock_or_other_yaml_is_named(tmp_path: Path) -> None:
    pixi = tmp_path / "pixi.lock"
    pixi.write_text("version: 6\nenvironments:\n  default:\n    channels: []\npackages: []\n")
    ran = invoke(["create", str(pixi), "--json"])
    assert ran.exit_code == 2
    message = ran.json()["message"]
    assert ran.json()["where"] == str(pixi)
    assert message.startswith(
        "this is a pixi.lock (format version 6), pixi's lock format, not a lock "
        "envlock reads. envlock create reads a conda-lock.yml"
    )
    env = tmp_path / "environment.yml"
    env.write_text("name: x\nchannels: [conda-forge]\ndependencies: [python]\n")
    ran = invoke(["create", str(env), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["where"] == str(env)
    assert ran.json()["message"].startswith(
        "a YAML document with top-level keys channels, dependencies, name, not a lock"
    )
    assert "envlock resolve" in ran.json()["message"]


def test_a_folder_that_is_not_an_environment_is_named_so_at_once(
    tmp_path: Path, lock_dir: Path
) -> None:
    prefix = tmp_path / "notenv"
    prefix.mkdir()
    (prefix / "data.csv").write_text("1,2")
    for extra in ([], ["--force"]):
        ran = invoke(["create", str(lock_dir), "-p", str(prefix), *extra])
        assert ran.exit_code == 2
        assert said(ran) == (
            f"envlock error: {prefix} is a folder that is not a conda environment (no "
            "conda-meta/); envlock will not replace it, even with --force, and nothing in it "
            "was touched. Choose another -p/-n (a new or empty folder)"
        )
        assert "Pass --force" not in said(ran)
    assert sorted(p.name for p in prefix.iterdir()) == ["data.csv"]


def test_path_problems_are_envlock_errors(tmp_path: Path, lock_dir: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = {
        str(afile): f"{afile} is a file, not a conda environment",
        str(afile / "env"): f"cannot create {afile / 'env'}: {afile} is not a folder",
        "": "-p/--prefix needs a path",
    }
    for prefix, expected in cases.items():
        ran = invoke(["create", str(lock_dir), "-p", prefix])
        assert ran.exit_code == 2, prefix
        assert "Usage:" not in ran.stderr
        assert expected in said(ran), said(ran)


def test_the_plan_says_verified_only_when_the_stamp_matches(
    tmp_path: Path,
    lock_dir: Path,
    fresh_pkgs: Path,
    m3net: tuple[Package, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from envlock.create import cache as fetch

    monkeypatch.setattr(fetch, "RACY_NS", 0)
    assert invoke(["create", str(lock_dir), "-p", str(tmp_path / "one")]).exit_code == 0

    def states() -> dict[str, str]:
        ran = invoke(["create", str(lock_dir), "-n", "x", "--dry-run", "--json"])
        assert ran.exit_code == 0, ran.stderr
        return {p["name"]: p["state"] for p in ran.json()["plan"]["packages"]}

    assert set(states().values()) == {"recheck"}  # fetched, not yet stamped
    assert invoke(["create", str(lock_dir), "-p", str(tmp_path / "two")]).exit_code == 0
    assert set(states().values()) == {"verified"}
    ran = invoke(["create", str(lock_dir), "-n", "x", "--dry-run"])
    assert "cached (verified)" in ran.stdout
    # a lock whose hash for idna differs from the stamped archive: not "cached"
    idna = archive_of(m3net, "idna")
    other = tuple(replace(p, sha256="0" * 64) if p.name == "idna" else p for p in m3net)
    folder = write_locks(tmp_path / "lk" / "other", other, root=Path("/unused"))
    ran = invoke(["create", str(folder / "conda-lock.yml"), "-n", "y", "--dry-run", "--json"])
    assert ran.exit_code == 0, ran.stderr
    rows = {p["name"]: p for p in ran.json()["plan"]["packages"]}
    assert rows[idna.name]["state"] == "download"
    assert rows[idna.name]["cached"] is False


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
        folder = write_locks(tmp_path / "lk" / "templated", templated, root=mirror)
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
        ("env", "http://127.0.0.1:9/t/${PRIVATE_TOKEN}/c/linux-64/a b-1.0-0.conda"),
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
    assert "cannot be requested" in message
    assert "fix the URL in the lock" in message
    assert not (tmp_path / "env").exists()


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
