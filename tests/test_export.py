"""`envlock export` on real prefixes: installed by rattler from the demo mirror, and by
`envlock create` from a lock; pip-installed dist-info are added by hand.

Proof: export → read_snapshot → diff against the prefix is identical; the export of a
prefix created from a lock diffs identical against that lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from envlock.diff.core import diff
from envlock.lock.condalock import Lock, LockChannel, write_lock
from envlock.lock.explicit import render_explicit
from envlock.mirror import Mirror
from envlock.models import Package
from envlock.net.channels import channel_name
from envlock.snapshot import read_snapshot
from envlock.snapshot.export import export_prefix
from tests.helpers import invoke

if TYPE_CHECKING:
    from rattler import RepoDataRecord

CHANNELS = ("pytorch", "nvidia", "pyg", "conda-forge")
SPECS = ("python 3.8.*", "pytorch 1.13.* *cuda11.7*", "pytorch-cuda 11.7.*", "pyg")
VIRTUALS = (("__cuda", "11.7"), ("__glibc", "2.17"), ("__unix", "0"), ("__linux", "5.4"))


def _solve(root: Path, specs: Sequence[str]) -> list[RepoDataRecord]:
    import rattler
    from rattler import (
        Channel,
        ChannelPriority,
        GenericVirtualPackage,
        MatchSpec,
        PackageName,
        Version,
    )
    from rattler.package import BuildString
    from rattler.platform import Subdir

    return asyncio.run(
        rattler.solve(
            [Channel((root / c).as_uri()) for c in CHANNELS],
            [MatchSpec(s) for s in specs],
            platforms=[Subdir("linux-64"), Subdir("noarch")],
            virtual_packages=[
                GenericVirtualPackage(PackageName(n), Version(v), BuildString("0"))
                for n, v in VIRTUALS
            ],
            channel_priority=ChannelPriority.Strict,
        )
    )


def _packages(records: Sequence[RepoDataRecord]) -> tuple[Package, ...]:
    return tuple(
        Package(
            name=r.name.normalized,
            version=str(r.version),
            build=str(r.build),
            channel=channel_name(r.channel),
            subdir=r.subdir,
            url=r.url,
            md5=r.md5.hex() if r.md5 else None,
            sha256=r.sha256.hex() if r.sha256 else None,
        )
        for r in records
    )


def _add_pip_dist(prefix: Path, name: str, version: str) -> None:
    """What `pip install` leaves behind: a dist-info no conda-meta record owns."""
    site = next(prefix.glob("lib/python*/site-packages"))
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n", encoding="utf-8"
    )
    (info / "INSTALLER").write_text("pip\n", encoding="utf-8")


@pytest.fixture(scope="module")
def solved(demo_mirror: Mirror) -> list[RepoDataRecord]:
    return _solve(demo_mirror.root, SPECS)


@pytest.fixture(scope="module")
def prefix(tmp_path_factory: pytest.TempPathFactory, solved: list[RepoDataRecord]) -> Path:
    """A prefix installed by rattler directly, plus two pip-installed distributions."""
    import rattler

    root = tmp_path_factory.mktemp("export") / "m3net"
    asyncio.run(
        rattler.install(
            solved,
            target_prefix=root,
            cache_dir=tmp_path_factory.mktemp("pkgs"),
            show_progress=False,
        )
    )
    _add_pip_dist(root, "timm", "0.4.12")
    _add_pip_dist(root, "Torch_Scatter", "2.1.1+pt113cu117")
    return root


def test_export_text_is_conda_env_export(prefix: Path, solved: list[RepoDataRecord]) -> None:
    text = export_prefix(prefix, no_builds=False)
    lines = text.splitlines()
    assert lines[0] == "name: m3net"
    assert lines[1] == "channels:"
    assert lines[-1] == f"prefix: {prefix.resolve()}"
    pkgs = sorted(_packages(solved), key=lambda p: p.name)
    deps = lines.index("dependencies:")
    assert lines[deps + 1 : deps + 1 + len(pkgs)] == [
        f"  - {p.name}={p.version}={p.build}" for p in pkgs
    ]
    assert lines[deps + 1 + len(pkgs) :] == [
        "  - pip:",
        "      - timm==0.4.12",
        "      - torch-scatter==2.1.1+pt113cu117",
        f"prefix: {prefix.resolve()}",
    ]
    assert export_prefix(prefix, no_builds=False) == text  # byte-deterministic


def test_export_then_read_diffs_identical_to_the_prefix(prefix: Path, tmp_path: Path) -> None:
    for no_builds in (False, True):
        out = tmp_path / f"export-{no_builds}.yml"
        out.write_text(export_prefix(prefix, no_builds=no_builds), encoding="utf-8")
        exported = read_snapshot(out)
        assert exported.builds_known is not no_builds
        drift = diff(exported, read_snapshot(prefix))
        assert drift.identical, drift.changes
        assert drift.paired == len(exported.packages)


def test_no_builds_lines(prefix: Path) -> None:
    text = export_prefix(prefix, no_builds=True)
    assert "  - pytorch=1.13.1\n" in text or "  - pytorch=1.13.0\n" in text
    assert "cuda11.7" not in text


def test_export_command_writes_atomically_and_reports(prefix: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "env.yml"
    ran = invoke(["export", str(prefix), "-o", str(out)])
    assert ran.exit_code == 0, ran.stderr
    assert out.read_text(encoding="utf-8") == export_prefix(prefix, no_builds=False)
    assert "wrote" in ran.stdout
    stdout = invoke(["export", str(prefix), "--no-builds"])
    assert stdout.stdout == export_prefix(prefix, no_builds=True)
    doc = invoke(["export", str(prefix), "--json"]).json()
    assert doc["envlock_export"] == 1
    assert doc["pip"] == [
        {"name": "timm", "version": "0.4.12"},
        {"name": "torch-scatter", "version": "2.1.1+pt113cu117"},
    ]


def test_export_of_a_folder_that_is_no_prefix(tmp_path: Path) -> None:
    ran = invoke(["export", str(tmp_path), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["where"] == str(tmp_path)


def test_prefix_created_from_a_lock_exports_identical_to_the_lock(
    demo_mirror: Mirror,
    solved: list[RepoDataRecord],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    packages = _packages(solved)
    lock = Lock(
        platforms=("linux-64",),
        channels=tuple(LockChannel(url=demo_mirror.channel_url(c)) for c in CHANNELS),
        content_hash={"linux-64": "test"},
        sources=("recipes/m3net.yml",),
        packages={"linux-64": packages},
    )
    folder = tmp_path / "locks" / "m3net"
    folder.mkdir(parents=True)
    write_lock(folder / "conda-lock.yml", lock)
    (folder / "linux-64.lock").write_text(
        render_explicit("linux-64", packages, input_hash="test"), encoding="utf-8"
    )
    monkeypatch.setenv("ENVLOCK_PKGS_DIR", str(tmp_path / "pkgs"))
    env = tmp_path / "envs" / "m3net"
    created = invoke(
        ["create", str(folder / "conda-lock.yml"), "-p", str(env), "--platform", "linux-64"]
    )
    assert created.exit_code == 0, created.stderr
    exported = tmp_path / "m3net.yml"
    assert invoke(["export", str(env), "-o", str(exported)]).exit_code == 0
    # Channel order comes from the lock (kept by create in the prefix's origin file).
    assert read_snapshot(exported).channels == CHANNELS
    for other in (folder / "conda-lock.yml", folder / "linux-64.lock", env):
        ran = invoke(["diff", str(exported), str(other), "--json"])
        assert ran.exit_code == 0, ran.stdout
        assert ran.json()["identical"] is True


def test_export_of_a_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nonexist"
    ran = invoke(["export", str(missing), "--json"])
    assert ran.exit_code == 2
    assert (ran.json()["where"], ran.json()["message"]) == (
        str(missing),
        "no such folder: the environment prefix does not exist; pass the folder "
        "that `conda create -p` or `envlock create` made",
    )


def test_export_help_gives_exit_codes_and_says_parents_are_created() -> None:
    text = " ".join(invoke(["export", "--help"]).stdout.split())
    assert "Exit codes: 0 written · 2 bad input (PREFIX does not exist" in text
    assert "missing parent folders are created" in text
