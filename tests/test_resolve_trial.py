"""`envlock resolve`: what a newcomer trial found (pip lines, source: pip, bad specs,
offers past the cutoff, several recipes, --update without a lock, platforms a mirror
lacks, masked URLs, credentials kept out of every file)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.conftest import REPO, QuietHandler, invoke, serve_folder
from tests.conftest import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"
MAE = REPO / "recipes" / "mae.yml"
M3NET = REPO / "recipes" / "m3net.yml"


def _copy(tmp_path: Path, source: Path, old: str, new: str, name: str | None = None) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / (name or source.name)
    path.write_text(text.replace(old, new))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- 1. pip lines


def test_pip_lines_are_resolved_around_and_said_to_be_not_locked(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    env = tmp_path / "env.yml"
    env.write_text(
        "name: piped\nchannels: [conda-forge]\ndependencies:\n  - python=3.8\n  - numpy<1.24\n"
        "  - pip\n  - pip:\n    - --extra-index-url https://example.org/simple\n"
        "    - requests==2.31.0\n    - timm==0.4.12\n"
    )
    ran = resolve(demo_mirror.channel_alias, str(env), "-o", str(tmp_path), "-p", "linux-64",
                  "--json")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    err = " ".join(ran.stderr.split())
    assert (
        "warning: piped: pip requirements are NOT locked (envlock has no pip layer yet): "
        f"requests==2.31.0, timm==0.4.12; {tmp_path / 'piped'} holds the conda packages only"
    ) in err
    assert (
        "pip: NOT locked (2): requests==2.31.0, timm==0.4.12 — install them yourself; "
        "the lock holds the conda packages only"
    ) in err
    (recipe,) = ran.json()["recipes"]
    assert recipe["pip_not_locked"] == ["requests==2.31.0", "timm==0.4.12"]
    assert recipe["status"] == "written"
    lock = (tmp_path / "piped" / "conda-lock.yml").read_text()
    assert "manager: pip" not in lock  # no faked pip entries
    assert "numpy" in lock


# ---------------------------------------------------------------- 2. stack.source: pip


@pytest.mark.parametrize(
    ("source", "old", "new"),
    [
        (M3NET, "  cuda:", "  source: pip\n  cuda:"),  # the CUDA case
        (CPU_DEMO, "  cuda: cpu", "  cuda: cpu\n  source: pip"),  # the CPU case
    ],
)
def test_stack_source_pip_is_refused_before_solving(
    demo_mirror: Mirror, tmp_path: Path, source: Path, old: str, new: str
) -> None:
    recipe = _copy(tmp_path, source, old, new)
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path / "out"), "--json")
    assert ran.exit_code == 2, ran.stderr
    doc = ran.json()
    assert doc["message"] == (
        "stack.source: pip: resolving PyTorch wheels arrives with the pip layer; "
        "use source: conda for now"
    )
    assert doc["where"] == f"{recipe}:{_line_of(recipe, 'source: pip')}"
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- 3. bad specs


def test_bad_specs_exit_2_with_lines_and_all_listed(demo_mirror: Mirror, tmp_path: Path) -> None:
    recipe = _copy(
        tmp_path, CPU_DEMO, "dependencies: [numpy, networkx]",
        "dependencies:\n  - numpy >=>1\n  - networkx\n  - pillow >=<3",
    )  # fmt: skip
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path), "--json")
    assert ran.exit_code == 2, ran.stderr
    doc = ran.json()
    assert doc["where"] == f"{recipe}:{_line_of(recipe, 'numpy >=>1')}"
    assert doc["message"].startswith("2 specs are not conda matchspecs: ")
    assert f'line {_line_of(recipe, "numpy >=>1")} dependencies[0] "numpy >=>1"' in doc["message"]
    assert f'line {_line_of(recipe, "pillow")} dependencies[2] "pillow >=<3"' in (doc["message"])
    # --check stays light: it only compares hashes (no rattler, so no spec parsing)
    assert invoke(["resolve", str(recipe), "-o", str(tmp_path), "--check"]).exit_code == 3


# ---------------------------------------------------------------- 4. offers and the cutoff


def test_offers_respect_exclude_newer(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(demo_mirror.channel_alias, str(MAE), "-o", str(tmp_path))
    assert ran.exit_code == 1
    lines = ran.stderr.splitlines()
    assert "No candidates were found for pytorch ==1.8.1 *cuda11.1*." in lines
    assert "the channels offer no pytorch published by 2021-12-31" in lines
    assert "pytorch 1.12.1 and newer exist but were published after the cutoff 2021-12-31" in lines
    assert "2.0.1" not in ran.stderr


def test_offers_split_at_the_cutoff(demo_mirror: Mirror, tmp_path: Path) -> None:
    recipe = _copy(tmp_path, M3NET, 'exclude_newer: "2023-03-01"', 'exclude_newer: "2023-01-01"')
    recipe = _copy(tmp_path, recipe, "numpy <1.24", "numpy >=1.25")
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path), "-p", "osx-64")
    assert ran.exit_code == 1
    lines = ran.stderr.splitlines()
    offered = [x for x in lines if x.startswith("the channels offer numpy")]
    assert offered and offered[0].endswith("published by 2023-01-01"), lines
    later = [x for x in lines if x.startswith("numpy ") and "after the cutoff" in x]
    assert later == ["numpy 1.24.2 exists but was published after the cutoff 2023-01-01"], lines


# ---------------------------------------------------------------- 5. several recipes


def test_several_recipes_keep_the_successes(demo_mirror: Mirror, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("envlock: 1\nname: bad\npython: 3.10\n")
    args = ["-o", str(tmp_path / "locks"), "-p", "linux-64", "--json"]

    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), str(MAE), *args)
    assert ran.exit_code == 1, ran.stderr
    doc = ran.json()
    assert doc["envlock_resolve"] == 1
    assert doc["exit_code"] == 1
    ok, mae = doc["recipes"]
    assert (ok["name"], ok["status"], ok["error"]) == ("cpu-demo", "written", None)
    assert (tmp_path / "locks" / "cpu-demo" / "conda-lock.yml").is_file()
    assert (mae["name"], mae["status"], mae["source"]) == ("mae", "failed", str(MAE))
    assert mae["error"]["code"] == 1
    assert mae["error"]["where"] == str(MAE)
    assert mae["error"]["message"].startswith("no set of packages satisfies the request")
    assert mae["pip_not_locked"] == ["timm==0.4.12"]
    assert not (tmp_path / "locks" / "mae").exists()
    assert "failed mae (exit 1): recipes/mae.yml" in " ".join(ran.stderr.split()).replace(
        str(REPO) + "/", ""
    )

    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), str(bad), str(MAE), *args)
    assert ran.exit_code == 2  # bad input wins over "no"
    statuses = [(r["name"], r["status"]) for r in ran.json()["recipes"]]
    assert statuses == [("cpu-demo", "unchanged"), ("bad", "failed"), ("mae", "failed")]
    failed = ran.json()["recipes"][1]
    assert failed["error"]["code"] == 2
    assert failed["error"]["where"] == f"{bad}:3"


def test_exit_code_of_several_recipes() -> None:
    from envlock.commands.resolve import exit_code
    from envlock.errors import (
        AnswerIsNoError,
        BadInputError,
        EnvlockError,
        WorldFailedError,
    )
    from envlock.resolve.apply import RecipeResult

    def failed(error: EnvlockError) -> RecipeResult:
        return RecipeResult(name="x", source="x.yml", lock_dir=None, status="failed", error=error)

    stale = RecipeResult(name="s", source="s.yml", lock_dir=None, status="stale")
    fresh = RecipeResult(name="f", source="f.yml", lock_dir=None, status="fresh")
    assert exit_code([fresh]) == 0
    assert exit_code([fresh, stale]) == 3
    assert exit_code([failed(AnswerIsNoError("no")), stale]) == 3
    assert exit_code([failed(WorldFailedError("down")), stale]) == 4
    assert exit_code([failed(WorldFailedError("down")), failed(BadInputError("bad"))]) == 2


def test_a_single_failing_recipe_keeps_the_error_document(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    ran = resolve(demo_mirror.channel_alias, str(MAE), "-o", str(tmp_path), "--json")
    assert ran.exit_code == 1
    doc = ran.json()
    assert (doc["envlock_error"], doc["code"], doc["where"]) == (1, 1, str(MAE))


def test_help_documents_several_recipes_and_the_demo_mirror() -> None:
    ran = invoke(["resolve", "--help"])
    text = " ".join(ran.stdout.split())
    assert "--channel-alias file://$PWD/demo/.work/mirror" in text
    assert "demo/mirror " not in text
    assert '`status: "failed"` with `error: {code, message, where}`' in text
    assert "exit code is then 2 if any recipe had bad input" in text
    assert "pip_not_locked" in text


# ---------------------------------------------------------------- 6. --update without a lock


def test_update_without_a_lock_says_so(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(
        demo_mirror.channel_alias, str(CPU_DEMO), "-o", str(tmp_path), "--update", "numpy"
    )
    assert ran.exit_code == 2
    message = " ".join(ran.stderr.split())
    assert (
        f"--update numpy: there is no lock yet at {tmp_path / 'cpu-demo' / 'conda-lock.yml'}; "
        "resolve without --update first"
    ) in message
    assert "Errno" not in message


# ---------------------------------------------------------------- 8. a platform the mirror lacks


def test_a_platform_no_channel_carries_is_named(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(
        demo_mirror.channel_alias, str(CPU_DEMO), "-o", str(tmp_path), "-p", "linux-aarch64"
    )
    assert ran.exit_code == 1
    assert (
        "none of the channels has linux-aarch64 repodata: pytorch, pyg, conda-forge (only "
        "their noarch packages were searched, and they do not satisfy it); check that the "
        "mirror or channel serves linux-aarch64, or resolve for a platform it carries"
    ) in ran.stderr.splitlines()


# ---------------------------------------------------------------- 9, 10. credentials


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

    from envlock.engine.access import access_for, auth_file
    from envlock.models import SpecSet

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
    with auth_file(access) as path:
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
    with auth_file(access_for([specset], "https://h.example")) as none:
        assert none is None


def test_one_host_takes_one_set_of_credentials() -> None:
    from envlock.engine.access import access_for
    from envlock.errors import BadInputError
    from envlock.models import SpecSet

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
