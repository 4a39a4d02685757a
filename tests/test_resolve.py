"""`envlock resolve` on the demo mirror: locks conda-lock reads, guard, check, update."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from envlock.mirror import Mirror, build_mirror
from envlock.mirror.catalog import demo_catalog
from tests.helpers import (
    REPO,
    conda_lock_command,
    invoke,
    repodata_fails_first,
    serve_folder,
)
from tests.helpers import resolve_on as resolve

M3NET = REPO / "recipes" / "m3net.yml"
PLATFORMS = ("linux-64", "osx-64", "win-64")


@pytest.fixture(scope="module")
def m3net_lock(demo_mirror: Mirror, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """m3net resolved once on the demo mirror (all three platforms); the lock folder."""
    out = tmp_path_factory.mktemp("locks")
    ran = resolve(demo_mirror.channel_alias, str(M3NET), "-o", str(out))
    assert ran.exit_code == 0, ran.stderr
    return out / "m3net"


def _packages(lock_dir: Path, platform: str) -> dict[str, dict[str, Any]]:
    from envlock.lock.condalock import read_lock

    lock = read_lock(lock_dir / "conda-lock.yml")
    return {p.name: {"version": p.version, "build": p.build} for p in lock.for_platform(platform)}


def test_m3net_locks_every_platform_and_conda_lock_reads_them(m3net_lock: Path) -> None:
    from tests.helpers.locks import parse_with_conda_lock

    assert sorted(p.name for p in m3net_lock.iterdir()) == [
        "conda-lock.yml",
        "linux-64.lock",
        "osx-64.lock",
        "win-64.lock",
    ]
    parsed = parse_with_conda_lock(m3net_lock / "conda-lock.yml")
    assert sorted(parsed.metadata.platforms) == list(PLATFORMS)
    assert [c.url for c in parsed.metadata.channels] == ["pytorch", "nvidia", "pyg", "conda-forge"]
    assert parsed.metadata.custom_metadata is not None
    torch = {d.platform: d for d in parsed.package if d.name == "pytorch"}
    assert torch["linux-64"].url.endswith("pytorch-1.13.1-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2")
    assert "cuda11.7" in torch["win-64"].url
    assert torch["osx-64"].url.endswith("pytorch-1.13.1-py3.8_0.tar.bz2")
    assert all(d.hash.md5 and d.hash.sha256 for d in parsed.package)
    linux = _packages(m3net_lock, "linux-64")
    assert linux["pytorch-mutex"]["build"] == "cuda"
    assert linux["pytorch-cuda"]["version"] == "11.7"
    assert linux["torchvision"]["build"].endswith("cu117")
    assert linux["pyg"]["build"].endswith("torch_1.13.0_cu117")
    assert linux["networkx"]["version"] == "3.0"  # 3.1 is newer than exclude_newer 2023-03-01


@pytest.mark.parametrize("platform", PLATFORMS)
def test_explicit_file_matches_conda_lock_render(
    m3net_lock: Path, platform: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [conda_lock_command(), "render", "--kind", "explicit", "-p", platform,
         str(m3net_lock / "conda-lock.yml")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rendered = (tmp_path / f"conda-{platform}.lock").read_text()

    def lines(text: str) -> list[str]:
        return sorted(x for x in text.splitlines() if x and not x.startswith(("#", "@")))

    ours = (m3net_lock / f"{platform}.lock").read_text()
    assert lines(ours) == lines(rendered)
    assert f"# platform: {platform}" in ours


def test_same_inputs_give_identical_bytes(demo_mirror: Mirror, tmp_path: Path) -> None:
    for out in ("a", "b"):
        ran = resolve(demo_mirror.channel_alias, str(M3NET), "-o", str(tmp_path / out))
        assert ran.exit_code == 0, ran.stderr
    for name in ("conda-lock.yml", *(f"{p}.lock" for p in PLATFORMS)):
        a = (tmp_path / "a" / "m3net" / name).read_bytes()
        assert a == (tmp_path / "b" / "m3net" / name).read_bytes(), name


def _recipe_copy(tmp_path: Path, old: str = "", new: str = "") -> Path:
    text = M3NET.read_text()
    assert old in text
    path = tmp_path / "m3net.yml"
    path.write_text(text.replace(old, new) if old else text)
    return path


def test_check_fresh_noop_then_stale_names_the_input(demo_mirror: Mirror, tmp_path: Path) -> None:
    recipe = _recipe_copy(tmp_path)
    out = tmp_path / "locks"
    args = [str(recipe), "-o", str(out), "-p", "linux-64"]
    assert resolve(demo_mirror.channel_alias, *args).exit_code == 0
    before = (out / "m3net" / "conda-lock.yml").stat().st_mtime_ns

    fresh = invoke(["resolve", *args, "--check", "--json"])
    assert fresh.exit_code == 0, fresh.stderr
    assert fresh.json()["recipes"][0]["status"] == "fresh"
    again = resolve(demo_mirror.channel_alias, *args)
    assert again.exit_code == 0
    assert "unchanged" in again.stdout
    assert (out / "m3net" / "conda-lock.yml").stat().st_mtime_ns == before

    recipe.write_text(recipe.read_text().replace("networkx,", "networkx <3,"))
    stale = invoke(["resolve", *args, "--check"])
    assert stale.exit_code == 3
    assert "linux-64: specs: + networkx <3, - networkx" in stale.stdout
    moved = invoke(["resolve", *args, "--check", "--exclude-newer", "2023-05-01", "--json"])
    assert moved.exit_code == 3
    reasons = moved.json()["recipes"][0]["stale"]
    assert any("exclude_newer: 2023-03-01T00:00:00+00:00 → 2023-05-01T00:00:00+00:00" in r
               for r in reasons)  # fmt: skip

    resolved = resolve(demo_mirror.channel_alias, *args)  # a stale lock is simply re-solved
    assert resolved.exit_code == 0, resolved.stderr
    assert _packages(out / "m3net", "linux-64")["networkx"]["version"] == "2.8.8"
    assert invoke(["resolve", *args, "--check"]).exit_code == 0


def test_check_imports_neither_rattler_nor_conda_lock(m3net_lock: Path) -> None:
    code = (
        "import sys\n"
        "from envlock.cli import run\n"
        f"code = run(['resolve', {str(M3NET)!r}, '-o', {str(m3net_lock.parent)!r}, '--check'])\n"
        "heavy = sorted(m for m in ('rattler', 'conda_lock') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stderr


def test_one_platform_is_replaced_and_the_others_kept(demo_mirror: Mirror, tmp_path: Path) -> None:
    args = [str(M3NET), "-o", str(tmp_path)]
    assert resolve(demo_mirror.channel_alias, *args).exit_code == 0
    before = {p: _packages(tmp_path / "m3net", p) for p in PLATFORMS}
    linux_lock = (tmp_path / "m3net" / "linux-64.lock").read_bytes()
    ran = resolve(demo_mirror.channel_alias, *args, "-p", "osx-64", "--force", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert [p["platform"] for p in ran.json()["recipes"][0]["platforms"]] == ["osx-64"]
    assert {p: _packages(tmp_path / "m3net", p) for p in PLATFORMS} == before
    assert (tmp_path / "m3net" / "linux-64.lock").read_bytes() == linux_lock
    assert invoke(["resolve", *args, "--check"]).exit_code == 0

    fewer = tmp_path / "m3net.yml"  # same name, one platform fewer
    fewer.write_text(M3NET.read_text().replace("osx-64, win-64", "osx-64"))
    stale = invoke(["resolve", str(fewer), "-o", str(tmp_path), "--check"])
    assert stale.exit_code == 3
    assert "platforms: the lock has linux-64, osx-64, win-64, the recipe asks for" in stale.stdout
    assert resolve(demo_mirror.channel_alias, str(fewer), "-o", str(tmp_path)).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "m3net").iterdir()) == [
        "conda-lock.yml",
        "linux-64.lock",
        "osx-64.lock",
    ]


def test_check_ignores_the_channel_alias(
    demo_mirror: Mirror, http_mirror: str, tmp_path: Path
) -> None:
    out = tmp_path / "locks"
    args = [str(M3NET), "-o", str(out), "-p", "osx-64"]
    assert resolve(demo_mirror.channel_alias, *args).exit_code == 0
    assert resolve(http_mirror, *args, "--check").exit_code == 0


def test_exclude_newer_option_overrides_the_recipe(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(
        demo_mirror.channel_alias, str(M3NET), "-o", str(tmp_path), "-p", "osx-64",
        "--exclude-newer", "2023-05-01",
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert _packages(tmp_path / "m3net", "osx-64")["networkx"]["version"] == "3.1"
    bad = invoke(["resolve", str(M3NET), "--exclude-newer", "yesterday"])
    assert bad.exit_code == 2
    assert "--exclude-newer 'yesterday' is not a date" in bad.stderr


def test_unsatisfiable_recipe_exits_1_and_keeps_the_old_lock(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    recipe = _recipe_copy(tmp_path)
    out = tmp_path / "locks"
    args = [str(recipe), "-o", str(out)]
    assert resolve(demo_mirror.channel_alias, *args).exit_code == 0
    old = {p.name: p.read_bytes() for p in (out / "m3net").iterdir()}

    recipe.write_text(recipe.read_text().replace("numpy <1.24", "numpy >=1.25"))
    ran = resolve(demo_mirror.channel_alias, *args, "--json")
    assert ran.exit_code == 1
    doc = ran.json()
    assert doc["envlock_error"] == 1
    assert doc["code"] == 1
    assert doc["where"] == str(recipe)
    assert "no set of packages satisfies the request for linux-64" in doc["message"]
    assert "numpy >=1.25" in doc["message"]
    assert "the channels offer numpy 1.24.2, 1.23.5" in doc["message"]
    assert {p.name: p.read_bytes() for p in (out / "m3net").iterdir()} == old


@pytest.fixture(scope="module")
def cpu_only_mirror(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    """The demo catalog without a single CUDA build."""
    from envlock.stacks.cuda import variant_of

    stack = {"pytorch", "torchvision", "torchaudio", "pyg", "pytorch-cuda", "pytorch-mutex"}
    records = [
        r
        for r in demo_catalog()
        if r.name not in stack
        or not (variant_of(r.name, r.version, r.build).is_cuda or r.build.startswith("cuda"))
    ]
    return build_mirror(tmp_path_factory.mktemp("cpu-mirror"), records)


def test_cuda_recipe_on_a_cpu_only_mirror_writes_nothing(
    cpu_only_mirror: Mirror, tmp_path: Path
) -> None:
    ran = resolve(cpu_only_mirror.channel_alias, str(M3NET), "-o", str(tmp_path), "-p", "linux-64")
    assert ran.exit_code == 1
    message = " ".join(ran.stderr.split())
    assert "No candidates were found for pytorch 1.13.* *cuda11.7*" in message
    assert "the channels offer pytorch" in message
    assert "pytorch 1.13.1: cpu; python 3.8" in message
    assert not (tmp_path / "m3net").exists()


def test_guard_trips_when_the_solver_hands_back_a_cpu_build(
    cpu_only_mirror: Mirror, tmp_path: Path
) -> None:
    """A request that does not pin builds: the real solver picks CPU, the guard says no."""
    from envlock.errors import AnswerIsNoError
    from envlock.models import CudaIntent, SpecSet
    from envlock.resolve import guard
    from envlock.resolve.solver import solve_platforms
    from envlock.stacks.table import virtual_packages

    specset = SpecSet(
        platform="linux-64",
        specs=("python 3.8.*", "pytorch 1.13.*", "torchvision 0.14.*"),
        channels=("pytorch", "conda-forge"),
        virtual_packages=virtual_packages("linux-64", cuda="11.7"),
        intent=CudaIntent(cuda="11.7", runtime="pytorch-cuda", guarded=("torchvision",)),
    )
    solved = solve_platforms(
        [specset], channel_alias=cpu_only_mirror.channel_alias, cache_dir=tmp_path
    )
    packages = solved["linux-64"].packages
    with pytest.raises(AnswerIsNoError) as caught:
        guard.check([specset], {"linux-64": packages})
    message = str(caught.value)
    assert "linux-64 (recipe asks for CUDA 11.7):" in message
    assert "pytorch 1.13.1 py3.8_cpu_0 from pytorch is a CPU build, not a cuda11.7 build" in message
    assert "pytorch-mutex 1.0 cpu from pytorch selects the CPU variant" in message
    assert "the CUDA runtime package pytorch-cuda 11.7 was not chosen" in message
    assert "torchvision 0.14.1 py38_cpu from pytorch is a CPU build, not cu117" in message


@pytest.fixture(scope="module")
def newer_mirror(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    """The demo catalog plus a newer numpy (linux-64) and a newer networkx, both in range."""
    catalog = list(demo_catalog())
    numpy = next(
        r for r in catalog
        if r.name == "numpy" and r.version == "1.23.5" and r.subdir == "linux-64"
        and r.build.startswith("py38")
    )  # fmt: skip
    networkx = next(r for r in catalog if r.name == "networkx" and r.version == "3.0")
    catalog += [
        dataclasses.replace(numpy, version="1.23.6", timestamp=numpy.timestamp + 86_400_000),
        dataclasses.replace(networkx, version="3.0.1", timestamp=networkx.timestamp + 86_400_000),
    ]
    return build_mirror(tmp_path_factory.mktemp("newer-mirror"), catalog)


def test_update_moves_only_the_named_package(
    demo_mirror: Mirror, newer_mirror: Mirror, tmp_path: Path
) -> None:
    args = [str(M3NET), "-o", str(tmp_path)]
    assert resolve(demo_mirror.channel_alias, *args).exit_code == 0
    before = {p: _packages(tmp_path / "m3net", p) for p in PLATFORMS}

    ran = resolve(newer_mirror.channel_alias, *args, "--update", "numpy", "--json")
    assert ran.exit_code == 0, ran.stderr
    moved = ran.json()["recipes"][0]["moved"]
    assert moved == [
        {
            "platform": "linux-64",
            "name": "numpy",
            "old": "1.23.5 py38h7042d01_0",
            "new": "1.23.6 py38h7042d01_0",
        }
    ]
    after = {p: _packages(tmp_path / "m3net", p) for p in PLATFORMS}
    assert after["linux-64"]["networkx"]["version"] == "3.0"  # newer exists, not updated
    before["linux-64"]["numpy"]["version"] = "1.23.6"
    assert after == before

    unknown = resolve(newer_mirror.channel_alias, *args, "--update", "nosuchpkg")
    assert unknown.exit_code == 2
    assert "--update nosuchpkg: not in the lock" in unknown.stderr


def test_environment_yml_input(demo_mirror: Mirror, tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: plain-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.8\n"
        "  - numpy<1.24\n  - networkx\n"
    )
    ran = resolve(demo_mirror.channel_alias, str(env), "-o", str(tmp_path), "-p", "linux-64")
    assert ran.exit_code == 0, ran.stderr
    linux = _packages(tmp_path / "plain-env", "linux-64")
    assert linux["numpy"]["version"] == "1.23.5"
    assert "python" in linux
    assert (
        invoke(["resolve", str(env), "-o", str(tmp_path), "-p", "linux-64", "--check"]).exit_code
        == 0
    )


def test_a_channel_named_in_a_spec_is_searched_on_the_mirror(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    # As in real exports (FSadrieh/BERTchen): `pytorch::` names a channel the list lacks.
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: channel-spec\nchannels:\n  - conda-forge\n  - nvidia\ndependencies:\n"
        "  - python=3.8\n  - pytorch::pytorch=1.13.1=*cuda11.7*\n  - pytorch::pytorch-cuda=11.7\n"
    )
    ran = resolve(demo_mirror.channel_alias, str(env), "-o", str(tmp_path), "-p", "linux-64")
    assert ran.exit_code == 0, ran.stderr
    from envlock.lock.condalock import read_lock

    lock = read_lock(tmp_path / "channel-spec" / "conda-lock.yml")
    torch = next(p for p in lock.for_platform("linux-64") if p.name == "pytorch")
    assert (torch.version, torch.channel) == ("1.13.1", "pytorch")
    assert [c.url for c in lock.channels] == ["conda-forge", "nvidia", "pytorch"]


@pytest.mark.http
def test_http_mirror_gives_the_same_lock_but_urls(
    demo_mirror: Mirror, http_mirror: str, tmp_path: Path
) -> None:
    args = [str(M3NET), "-p", "linux-64", "-p", "win-64"]
    assert resolve(demo_mirror.channel_alias, *args, "-o", str(tmp_path / "f")).exit_code == 0
    ran = resolve(http_mirror, *args, "-o", str(tmp_path / "h"))
    assert ran.exit_code == 0, ran.stderr
    for name in ("conda-lock.yml", "linux-64.lock", "win-64.lock"):
        via_file = (tmp_path / "f" / "m3net" / name).read_text()
        via_http = (tmp_path / "h" / "m3net" / name).read_text()
        assert via_http.count(http_mirror) > 10
        assert via_http.replace(http_mirror, demo_mirror.channel_alias) == via_file


def test_json_document_and_summary(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(demo_mirror.channel_alias, str(M3NET), "-o", str(tmp_path), "--json")
    assert ran.exit_code == 0, ran.stderr
    doc = ran.json()
    assert doc["envlock_resolve"] == 1
    assert doc["exit_code"] == 0
    (recipe,) = doc["recipes"]
    assert recipe["status"] == "written"
    rows = {p["platform"]: p for p in recipe["platforms"]}
    linux = {h["label"]: h for h in rows["linux-64"]["highlights"]}
    assert linux["pytorch"]["build"] == "py3.8_cuda11.7_cudnn8.5.0_0"
    assert linux["CUDA runtime"]["name"] == "pytorch-cuda"
    assert linux["cuDNN"]["version"] == "8.5"
    assert rows["osx-64"]["notes"] == ["osx-64 has no CUDA builds: CPU variant"]
    assert rows["linux-64"]["package_count"] > 20
    assert "m3net · osx-64" in ran.stderr  # human output goes to stderr under --json
    json.dumps(doc)  # plain data only


def test_credentials_in_the_alias_never_reach_the_lock(http_mirror: str, tmp_path: Path) -> None:
    secret = http_mirror.replace("http://", "http://user:hunter2@")
    ran = resolve(secret, str(M3NET), "-o", str(tmp_path), "-p", "osx-64", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert "hunter2" not in ran.stdout + ran.stderr
    for path in (tmp_path / "m3net").iterdir():
        text = path.read_text()
        assert "hunter2" not in text
        assert "user@" not in text


def test_a_failing_fetch_exits_4_without_leaking_a_token(http_mirror: str, tmp_path: Path) -> None:
    ran = resolve(
        http_mirror + "/t/tok-123/missing", str(M3NET), "-o", str(tmp_path), "-p", "osx-64"
    )
    assert ran.exit_code == 4
    # (the test server may print its own traceback above: only envlock's message counts)
    message = " ".join(ran.stderr.split("envlock failed:", 1)[1].split())
    assert message.startswith("could not fetch the channels' repodata for osx-64")
    assert f"{http_mirror}/t/<TOKEN>/missing/" in message  # masked where it was sent
    assert "tok-123" not in message
    assert not (tmp_path / "m3net").exists()


@pytest.mark.http
def test_transient_http_errors_are_retried(demo_mirror: Mirror, tmp_path: Path) -> None:
    """Every repodata URL first answers 503: the resolve still succeeds, same lock."""
    handler = repodata_fails_first()
    with serve_folder(demo_mirror.root, handler) as base:
        ran = resolve(base, str(M3NET), "-o", str(tmp_path), "-p", "osx-64")
    assert ran.exit_code == 0, ran.stderr
    assert any(p.endswith("repodata.json") for p in handler.seen)
    assert _packages(tmp_path / "m3net", "osx-64")["pytorch"]["build"] == "py3.8_0"
