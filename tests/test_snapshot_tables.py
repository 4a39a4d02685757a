"""`conda list` tables, pip freeze files, @EXPLICIT files and conda-lock platforms."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.lock.condalock import Lock, LockChannel, write_lock
from envlock.models import Package
from envlock.platforms import host_platform
from envlock.snapshot import read_pair, read_snapshot

CONDA_LIST = """\
# packages in environment at /home/me/miniconda3/envs/m3net:
#
# Name                    Version                   Build  Channel
_libgcc_mutex             0.1                 conda_forge    conda-forge
numpy                     1.23.5           py38h14f4228_0
pytorch                   1.13.1          py3.8_cuda11.7_cudnn8.5.0_0    pytorch
Torch_Scatter             2.1.1+pt113cu117          pypi_0    pypi
"""


def test_conda_list_table(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(CONDA_LIST, encoding="utf-8")
    snap = read_snapshot(path)
    assert snap.kind == "conda-list"
    assert snap.prefix == "/home/me/miniconda3/envs/m3net"
    assert snap.name == "m3net"
    assert snap.builds_known and snap.channels_known
    by_name = {p.name: p for p in snap.packages}
    assert by_name["numpy"].channel == "defaults"
    assert by_name["pytorch"] == Package(
        name="pytorch",
        version="1.13.1",
        build="py3.8_cuda11.7_cudnn8.5.0_0",
        channel="pytorch",
    )
    assert by_name["torch-scatter"] == Package(
        name="torch-scatter", version="2.1.1+pt113cu117", manager="pip"
    )


def test_conda_list_bad_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(CONDA_LIST + "oops\n", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.where == f"{path}:8"


def test_pip_freeze_with_options_and_urls(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        "# comment\n--extra-index-url https://download.pytorch.org/whl/cu117\n"
        "-f https://data.pyg.org/whl/torch-1.13.0+cu117.html\n"
        "torch==1.13.1+cu117\nPyYAML==6.0\nzope.interface==5.4.0\n"
        "flash-attn @ https://example.org/flash_attn-2.3.6.tar.gz\n"
        "-e ./local/project\nrequests>=2 ; python_version >= '3.8'\n",
        encoding="utf-8",
    )
    snap = read_snapshot(path)
    assert snap.kind == "pip"
    assert {p.name: p.version for p in snap.packages} == {
        "torch": "1.13.1+cu117",
        "pyyaml": "6.0",
        "zope-interface": "5.4.0",
        "flash-attn": "2.3.6",
        "project": "",
        "requests": ">=2",
    }


def test_unparseable_pip_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("numpy==1.0\n!!! what\n", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.where == f"{path}:2"


def test_explicit_file(tmp_path: Path) -> None:
    path = tmp_path / "whatever.txt"
    path.write_text(
        "# platform: linux-64\n@EXPLICIT\n"
        "https://conda.anaconda.org/pytorch/linux-64/"
        "pytorch-1.13.1-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2#0123456789abcdef0123456789abcdef\n",
        encoding="utf-8",
    )
    snap = read_snapshot(path)
    assert snap.kind == "explicit"
    assert snap.platform == "linux-64"
    (pkg,) = snap.packages
    assert (pkg.name, pkg.version, pkg.build, pkg.channel) == (
        "pytorch",
        "1.13.1",
        "py3.8_cuda11.7_cudnn8.5.0_0",
        "pytorch",
    )


def _lock(tmp_path: Path, platforms: tuple[str, ...]) -> Path:
    packages = {
        plat: (
            Package(
                name="zlib",
                version="1.2.13",
                build="h0",
                channel="conda-forge",
                subdir=plat,
                url=f"https://conda.anaconda.org/conda-forge/{plat}/zlib-1.2.13-h0.conda",
                md5="0" * 32,
                sha256="1" * 64,
            ),
            Package(name="Torch", version="2.0.1", manager="pip", url="https://x/torch.whl"),
        )
        for plat in platforms
    }
    lock = Lock(
        platforms=platforms,
        channels=(LockChannel(url="conda-forge"),),
        content_hash=dict.fromkeys(platforms, "0"),
        sources=("env.yml",),
        packages=packages,
    )
    path = tmp_path / "conda-lock.yml"
    write_lock(path, lock)
    return path


def test_lock_picks_the_only_platform_and_normalises_pip_names(tmp_path: Path) -> None:
    snap = read_snapshot(_lock(tmp_path, ("win-arm64",)))
    assert snap.kind == "lock"
    assert snap.platform == "win-arm64"
    assert snap.channels == ("conda-forge",)
    assert sorted(p.name for p in snap.packages) == ["torch", "zlib"]


def test_lock_prefers_the_host_platform(tmp_path: Path) -> None:
    snap = read_snapshot(_lock(tmp_path, ("win-arm64", host_platform())))
    assert snap.platform == host_platform()


def test_lock_with_several_foreign_platforms_needs_platform(tmp_path: Path) -> None:
    foreign = sorted(p for p in ("win-arm64", "osx-arm64", "linux-ppc64le") if p != host_platform())
    path = _lock(tmp_path, tuple(foreign[:2]))
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert f"several platforms ({foreign[0]}, {foreign[1]})" in caught.value.message
    assert read_snapshot(path, platform=foreign[1]).platform == foreign[1]
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path, platform="linux-aarch64")
    assert caught.value.message.startswith("the lock has no platform linux-aarch64")


def test_lock_takes_the_platform_of_the_other_side(tmp_path: Path) -> None:
    lock = _lock(tmp_path, ("win-arm64", "osx-arm64"))
    explicit = tmp_path / "osx.txt"
    explicit.write_text(
        "# platform: osx-arm64\n@EXPLICIT\n"
        "https://conda.anaconda.org/conda-forge/osx-arm64/zlib-1.2.13-h0.conda\n",
        encoding="utf-8",
    )
    a, b = read_pair(lock, explicit)
    assert (a.platform, b.platform) == ("osx-arm64", "osx-arm64")


def test_an_unreadable_requirement_is_one_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello world this is not\n")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert "\n" not in caught.value.message
    assert caught.value.where == f"{path}:1"
