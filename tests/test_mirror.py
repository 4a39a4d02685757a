"""The offline demo mirror: real-world records → tiny valid packages → rattler's index."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from envlock.errors import BadInputError
from envlock.mirror import SUBDIRS, CatalogRecord, Mirror, build_mirror, demo_catalog
from envlock.mirror.archive import package_bytes, read_index_json
from tests.helpers import invoke

PAPER_DATE = dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)

M3NET_CUDA = (
    "python 3.8.*",
    "pytorch 1.13.* *cuda11.7*",
    "pytorch-cuda 11.7.*",
    "torchvision * *cu117",
    "pyg * *cu117",
    "numpy <1.24",
    "networkx",
    "matplotlib",
)


def virtual_packages(platform: str, cuda: str | None = None) -> list[Any]:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    def vp(name: str, version: str) -> Any:
        return GenericVirtualPackage(PackageName(name), Version(version), BuildString("0"))

    found = {
        "linux-64": [vp("__unix", "0"), vp("__linux", "5.15"), vp("__glibc", "2.35")],
        "osx-64": [vp("__unix", "0"), vp("__osx", "12.6")],
        "win-64": [vp("__win", "0")],
    }[platform]
    return found + ([vp("__cuda", cuda)] if cuda else [])


def solve(
    root: Path | str,
    specs: Sequence[str],
    platform: str,
    *,
    cuda: str | None = None,
    exclude_newer: dt.datetime | None = None,
    channels: Sequence[str] = ("pytorch", "nvidia", "pyg", "conda-forge"),
    cache: Path | None = None,
) -> dict[str, Any]:
    """A real rattler solve against the mirror; returns records by package name."""
    from rattler import Channel, ChannelPriority, Gateway, MatchSpec, Subdir
    from rattler import solve as rattler_solve

    base = root if isinstance(root, str) else root.as_uri()
    gateway = Gateway(cache_dir=cache) if cache else None
    records = asyncio.run(
        rattler_solve(
            [Channel(f"{base}/{name}") for name in channels],
            # MatchSpec objects: string specs with dotted build globs are refused (ENGINE-NOTES)
            [MatchSpec(spec) for spec in specs],
            gateway=gateway,
            platforms=[Subdir(platform), Subdir("noarch")],
            virtual_packages=virtual_packages(platform, cuda),
            channel_priority=ChannelPriority.Strict,
            exclude_newer=exclude_newer,
        )
    )
    return {record.name.normalized: record for record in records}


def repodata(mirror: Mirror, channel: str, subdir: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (mirror.root / channel / subdir / "repodata.json").read_text(encoding="utf-8")
    )
    return data


# --- building and indexing --------------------------------------------------------------


def test_every_channel_has_every_subdir_with_all_catalog_records(demo_mirror: Mirror) -> None:
    catalog = demo_catalog()
    assert demo_mirror.channels == ("pytorch", "nvidia", "pyg", "conda-forge")
    for channel in demo_mirror.channels:
        for subdir in SUBDIRS:
            data = repodata(demo_mirror, channel, subdir)
            indexed = set(data["packages"]) | set(data["packages.conda"])
            expected = {r.filename for r in catalog if (r.channel, r.subdir) == (channel, subdir)}
            assert indexed == expected, (channel, subdir)
            assert demo_mirror.counts[channel][subdir] == len(expected)
    assert sum(sum(c.values()) for c in demo_mirror.counts.values()) == len(catalog)


def test_both_archive_formats_appear(demo_mirror: Mirror) -> None:
    pytorch = repodata(demo_mirror, "pytorch", "linux-64")
    forge = repodata(demo_mirror, "conda-forge", "linux-64")
    assert pytorch["packages"] and not pytorch["packages.conda"]
    assert forge["packages.conda"] and not forge["packages"]


def test_repodata_has_real_dates_and_the_indexers_depends(demo_mirror: Mirror) -> None:
    data = repodata(demo_mirror, "pytorch", "linux-64")
    cpu = data["packages"]["pytorch-1.13.0-py3.8_cpu_0.tar.bz2"]
    assert cpu["timestamp"] == 1666644799902  # 2022-10-24, the real publication time
    assert cpu["indexed_timestamp"] == cpu["timestamp"]
    assert "pytorch-mutex ==1.0 cpu" in cpu["depends"]  # rewritten by rattler's indexer
    assert cpu["constrains"] == ["cpuonly"]
    cuda = data["packages"]["pytorch-1.13.0-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2"]
    assert "pytorch-cuda >=11.7,<11.8" in cuda["depends"]
    path = demo_mirror.root / "pytorch" / "linux-64" / "pytorch-1.13.0-py3.8_cpu_0.tar.bz2"
    assert cuda["subdir"] == "linux-64"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == cpu["sha256"]
    for channel in demo_mirror.channels:
        for subdir in SUBDIRS:
            for key in ("packages", "packages.conda"):
                for record in repodata(demo_mirror, channel, subdir)[key].values():
                    assert record["indexed_timestamp"] == record["timestamp"]
                    assert record["timestamp"] < 1700000000000  # nothing dated "today"


def test_archives_carry_their_index_json(demo_mirror: Mirror) -> None:
    for name in ("pytorch/linux-64/pytorch-2.0.1-py3.10_cpu_0.tar.bz2",
                 "conda-forge/noarch/networkx-2.8.8-pyhd8ed1ab_0.conda"):  # fmt: skip
        index = read_index_json(demo_mirror.root / name)
        assert Path(name).name.startswith(f"{index['name']}-{index['version']}-{index['build']}")


def test_archives_and_repodata_are_byte_reproducible(demo_mirror: Mirror, tmp_path: Path) -> None:
    again = build_mirror(tmp_path / "again")
    assert again.rebuilt
    first = {p.relative_to(demo_mirror.root): p for p in demo_mirror.root.rglob("*") if p.is_file()}
    second = {p.relative_to(again.root): p for p in again.root.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    for relative, path in first.items():
        assert path.read_bytes() == second[relative].read_bytes(), relative


def test_a_second_build_of_the_same_catalog_is_skipped(demo_mirror: Mirror) -> None:
    again = build_mirror(demo_mirror.root)
    assert not again.rebuilt
    assert again.catalog_sha256 == demo_mirror.catalog_sha256
    assert again.counts == demo_mirror.counts


def test_unreadable_archive_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "pytorch-1.13.0-py3.8_cpu_0.tar.bz2"
    bad.write_bytes(b"not a package")
    with pytest.raises(ValueError, match=r"pytorch-1\.13\.0-py3\.8_cpu_0\.tar\.bz2: unreadable"):
        read_index_json(bad)


def test_duplicate_records_are_refused(tmp_path: Path) -> None:
    record = demo_catalog()[0]
    with pytest.raises(BadInputError) as caught:
        build_mirror(tmp_path, [record, record])
    assert str(caught.value) == (
        f"mirror catalog: {record.channel}/{record.subdir}/{record.filename} appears twice"
    )


def test_records_are_reproducible_bytes_in_both_formats() -> None:
    record = next(r for r in demo_catalog() if r.name == "networkx")
    as_tar = dataclasses.replace(record, fmt=".tar.bz2")
    assert package_bytes(record) == package_bytes(record)
    assert package_bytes(as_tar) == package_bytes(as_tar)
    assert package_bytes(record)[:2] == b"PK"  # .conda is a zip
    assert package_bytes(as_tar)[:3] == b"BZh"


# --- custom mirrors ------------------------------------------------------------------------


def test_custom_mirror_with_only_cpu_pytorch(tmp_path: Path) -> None:
    from rattler.exceptions import SolverError

    def is_cuda_torch(record: CatalogRecord) -> bool:
        return record.name == "pytorch" and "cuda" in record.build

    # linux-64 and noarch only: a custom mirror need not carry every platform
    records = [r for r in demo_catalog() if r.subdir in {"linux-64", "noarch"}]
    cpu_only = build_mirror(tmp_path / "cpu", [r for r in records if not is_cuda_torch(r)])
    with pytest.raises(SolverError, match="pytorch"):
        solve(cpu_only.root, ["python 3.8.*", "pytorch 1.13.* *cuda11.7*"], "linux-64", cuda="11.7")
    found = solve(cpu_only.root, ["python 3.8.*", "pytorch 1.13.*"], "linux-64", cuda="11.7")
    assert str(found["pytorch"].build) == "py3.8_cpu_0"


def test_a_replaced_record_changes_the_stamp_and_rebuilds(tmp_path: Path) -> None:
    records = [r for r in demo_catalog() if r.channel == "pytorch" and r.subdir == "noarch"]
    first = build_mirror(tmp_path, records)
    moved = [dataclasses.replace(r, timestamp=r.timestamp + 1) for r in records]
    second = build_mirror(tmp_path, moved)
    assert first.channels == second.channels == ("pytorch",)
    assert second.rebuilt and second.catalog_sha256 != first.catalog_sha256
    cpuonly = repodata(second, "pytorch", "noarch")["packages"]["cpuonly-2.0-0.tar.bz2"]
    assert cpuonly["timestamp"] == next(r.timestamp + 1 for r in records if r.name == "cpuonly")


# --- solving and installing with rattler ---------------------------------------------------


def test_m3net_solves_for_linux_with_cuda_11_7(demo_mirror: Mirror) -> None:
    found = solve(demo_mirror.root, M3NET_CUDA, "linux-64", cuda="11.7", exclude_newer=PAPER_DATE)
    assert str(found["pytorch"].build) == "py3.8_cuda11.7_cudnn8.5.0_0"
    assert str(found["pytorch"].version).startswith("1.13.")
    assert str(found["pytorch-mutex"].build) == "cuda"
    assert str(found["pytorch-cuda"].version) == "11.7"
    assert str(found["pytorch-cuda"].build) == "h778d358_3"  # _5 is from April 2023
    assert str(found["pyg"].build) == "py38_torch_1.13.0_cu117"
    assert str(found["torchvision"].build) == "py38_cu117"
    assert str(found["networkx"].version) == "3.0"  # 3.1 is from April 2023
    assert str(found["numpy"].version) == "1.23.5"
    assert found["cuda-runtime"].channel.endswith("/nvidia/")
    assert found["pyg"].channel.endswith("/pyg/")
    assert found["python"].channel.endswith("/conda-forge/")


@pytest.mark.parametrize(
    ("platform", "cuda", "pytorch_build", "pyg_build"),
    [
        ("osx-64", None, "py3.8_0", "py38_torch_1.13.0_cpu"),
        ("win-64", "11.7", "py3.8_cuda11.7_cudnn8_0", "py38_torch_1.13.0_cu117"),
    ],
)
def test_m3net_solves_for_osx_cpu_and_windows_cuda(
    demo_mirror: Mirror, platform: str, cuda: str | None, pytorch_build: str, pyg_build: str
) -> None:
    specs = M3NET_CUDA if cuda else ("python 3.8.*", "pytorch 1.13.*", "torchvision", "pyg",
                                     "numpy <1.24", "networkx", "matplotlib")  # fmt: skip
    found = solve(demo_mirror.root, specs, platform, cuda=cuda, exclude_newer=PAPER_DATE)
    assert str(found["pytorch"].build) == pytorch_build
    assert str(found["pyg"].build) == pyg_build


@pytest.mark.parametrize("platform", ["linux-64", "osx-64", "win-64"])
def test_a_cpu_stack_with_torch_2_solves(demo_mirror: Mirror, platform: str) -> None:
    specs = ["python 3.10.*", "pytorch 2.0.*", "cpuonly", "pyg", "torchvision", "torchaudio"]
    found = solve(demo_mirror.root, specs, platform)
    assert str(found["pytorch"].version) == "2.0.1"
    assert str(found["pyg"].build) == "py310_torch_2.0.0_cpu"
    assert str(found["pytorch-mutex"].build) == "cpu"
    assert "pytorch-cuda" not in found


def test_exclude_newer_hides_what_came_after_the_paper(demo_mirror: Mirror) -> None:
    from rattler.exceptions import SolverError

    with pytest.raises(SolverError, match=r"pytorch 2\.0"):
        solve(demo_mirror.root, ["python 3.8.*", "pytorch 2.0.*"], "linux-64",
              exclude_newer=PAPER_DATE)  # fmt: skip
    found = solve(demo_mirror.root, ["python 3.8.*", "pytorch 2.0.*"], "linux-64")
    assert str(found["pytorch"].version) == "2.0.1"


def test_install_links_noarch_python_into_site_packages(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    from rattler import install

    found = solve(demo_mirror.root, ["python 3.8.*", "networkx", "requests"], "linux-64")
    prefix = tmp_path / "env"
    asyncio.run(
        install(
            list(found.values()),
            target_prefix=prefix,
            cache_dir=tmp_path / "pkgs",
            show_progress=False,
        )
    )
    module = prefix / "lib" / "python3.8" / "site-packages" / "networkx" / "__init__.py"
    assert '__version__ = "3.1"' in module.read_text(encoding="utf-8")
    assert (prefix / "conda-meta" / "networkx-3.1-pyhd8ed1ab_0.json").is_file()
    assert (prefix / "share" / "envlock-demo" / "python.txt").is_file()


# --- the command and the HTTP tier ---------------------------------------------------------


def test_mirror_command_builds_and_reports(demo_mirror: Mirror) -> None:
    ran = invoke(["mirror", str(demo_mirror.root), "--json"])
    assert ran.exit_code == 0, ran.stderr
    document = ran.json()
    assert document["envlock_mirror"] == 1
    assert document["rebuilt"] is False
    assert document["channel_alias"] == demo_mirror.root.as_uri()
    names = [c["name"] for c in document["channels"]]
    assert names == ["pytorch", "nvidia", "pyg", "conda-forge"]
    pytorch = document["channels"][0]
    assert pytorch["subdirs"]["noarch"] == 3
    assert pytorch["packages"] == sum(pytorch["subdirs"].values())
    assert "--channel-alias" in ran.stderr


def test_mirror_command_human_output(demo_mirror: Mirror) -> None:
    ran = invoke(["mirror", str(demo_mirror.root)])
    assert ran.exit_code == 0, ran.stderr
    assert "conda-forge" in ran.stdout
    assert f"--channel-alias {demo_mirror.root.as_uri()}" in ran.stdout
    assert f"Mirror already up to date: {demo_mirror.root}" in ran.stdout


def test_mirror_command_refuses_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    ran = invoke(["mirror", str(tmp_path), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["envlock_error"] == 1
    assert "holds no envlock mirror" in ran.json()["message"]


@pytest.mark.http
def test_http_mirror_serves_repodata_and_solves(http_mirror: str, tmp_path: Path) -> None:
    with urllib.request.urlopen(f"{http_mirror}/pytorch/noarch/repodata.json") as response:
        data = json.load(response)
    assert "cpuonly-2.0-0.tar.bz2" in data["packages"]
    found = solve(http_mirror, ["python 3.8.*", "pytorch 1.13.* *cpu*", "cpuonly"], "linux-64",
                  cache=tmp_path / "cache")  # fmt: skip
    assert found["pytorch"].url.startswith(f"{http_mirror}/pytorch/linux-64/")


def test_a_foreign_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        build_mirror(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path.resolve()} is not empty and holds no envlock mirror "
        "(.envlock-mirror.json is missing); build the demo mirror into a new or empty folder"
    )
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_channels_left_out_of_a_new_catalog_are_removed(tmp_path: Path) -> None:
    nvidia = [r for r in demo_catalog() if r.channel == "nvidia" and r.name == "cuda-nvtx"]
    pytorch = [r for r in demo_catalog() if r.channel == "pytorch" and r.subdir == "noarch"]
    build_mirror(tmp_path, [*nvidia, *pytorch])
    assert (tmp_path / "nvidia" / "linux-64" / "repodata.json").is_file()
    rebuilt = build_mirror(tmp_path, pytorch)
    assert rebuilt.channels == ("pytorch",)
    assert not (tmp_path / "nvidia").exists()


@pytest.mark.parametrize(
    ("platform", "cuda", "specs", "expected"),
    [
        ("linux-64", "11.6", ["python 3.8.*", "pytorch 1.12.* *cuda11.6*", "cudatoolkit 11.6.*",
                              "torchvision", "torchaudio"],
         {"pytorch": "py3.8_cuda11.6_cudnn8.3.2_0", "cudatoolkit": "hecad31d_11",
          "torchvision": "py38_cu116", "torchaudio": "py38_cu116"}),
        ("win-64", "11.6", ["python 3.8.*", "pytorch 1.12.* *cuda11.6*", "cudatoolkit 11.6.*"],
         {"pytorch": "py3.8_cuda11.6_cudnn8_0"}),
        ("linux-64", "11.8", ["python 3.9.*", "pytorch 1.13.* *cuda11.6*", "pytorch-cuda 11.6.*",
                              "pyg * *cu116"],
         {"pytorch": "py3.9_cuda11.6_cudnn8.3.2_0", "pyg": "py39_torch_1.13.0_cu116"}),
        ("linux-64", "12.0", ["python 3.10.*", "pytorch 2.0.* *cuda11.8*", "pytorch-cuda 11.8.*",
                              "pyg * *cu118", "torchvision", "torchaudio"],
         {"pytorch": "py3.10_cuda11.8_cudnn8.7.0_0", "pyg": "py310_torch_2.0.0_cu118",
          "torchvision": "py310_cu118", "torchtriton": "py310"}),
        ("win-64", "11.8", ["python 3.10.*", "pytorch 2.0.* *cuda11.8*", "pytorch-cuda 11.8.*"],
         {"pytorch": "py3.10_cuda11.8_cudnn8_0", "pytorch-cuda": "h24eeafa_5"}),
    ],
)  # fmt: skip
def test_the_other_stack_rows_solve(
    demo_mirror: Mirror,
    platform: str,
    cuda: str,
    specs: list[str],
    expected: dict[str, str],
) -> None:
    found = solve(demo_mirror.root, specs, platform, cuda=cuda)
    assert {name: str(found[name].build) for name in expected} == expected


def test_mirror_help_gives_exit_codes() -> None:
    text = " ".join(invoke(["mirror", "--help"]).stdout.split())
    assert "Exit codes: 0 built (or already up to date) · 2 bad input" in text
    assert "· 4 the mirror could not be written" in text
