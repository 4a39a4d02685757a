"""A prefix folder: conda-meta JSON records plus pip dist-info that no record owns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envlock.create.origin import Origin, write_origin
from envlock.errors import BadInputError
from envlock.snapshot import read_snapshot


def make_prefix(root: Path) -> Path:
    """A hand-made prefix: two conda records (numpy owns its dist-info), one pip package."""
    meta = root / "conda-meta"
    meta.mkdir(parents=True)
    site = root / "lib" / "python3.8" / "site-packages"
    numpy_info = "lib/python3.8/site-packages/numpy-1.23.5.dist-info"
    records: list[dict[str, object]] = [
        {
            "name": "numpy",
            "version": "1.23.5",
            "build": "py38h14f4228_0",
            "build_number": 0,
            "channel": "https://conda.anaconda.org/conda-forge/linux-64",
            "subdir": "linux-64",
            "url": "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.23.5-py38h14f4228_0.conda",
            "files": [f"{numpy_info}/METADATA", f"{numpy_info}/RECORD"],
        },
        {
            "name": "pytorch",
            "version": "1.13.1",
            "build": "py3.8_cuda11.7_cudnn8.5.0_0",
            "url": "https://conda.anaconda.org/pytorch/linux-64/pytorch-1.13.1-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2",
            "files": [],
        },
    ]
    for record in records:
        name = f"{record['name']}-{record['version']}-{record['build']}.json"
        (meta / name).write_text(json.dumps(record), encoding="utf-8")
    for info, name, version in (
        ("numpy-1.23.5.dist-info", "numpy", "1.23.5"),
        ("Torch_Scatter-2.1.1+pt113cu117.dist-info", "torch_scatter", "2.1.1+pt113cu117"),
    ):
        (site / info).mkdir(parents=True)
        (site / info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody: x\n",
            encoding="utf-8",
        )
    return root


def test_prefix_reads_conda_records_and_pip_dist_info(tmp_path: Path) -> None:
    prefix = make_prefix(tmp_path / "env")
    snap = read_snapshot(prefix)
    assert snap.kind == "prefix"
    assert snap.platform == "linux-64"
    assert snap.name == "env"
    assert snap.channels == ("conda-forge", "pytorch")  # first seen, records sorted by name
    assert [(p.name, p.manager, p.channel) for p in snap.packages] == [
        ("numpy", "conda", "conda-forge"),
        ("pytorch", "conda", "pytorch"),
        ("torch-scatter", "pip", None),
    ]


def test_prefix_channel_order_comes_from_origin(tmp_path: Path) -> None:
    prefix = make_prefix(tmp_path / "env")
    write_origin(
        prefix,
        Origin(lock="conda-lock.yml", platform="linux-64", channels=("pytorch", "conda-forge")),
    )
    assert read_snapshot(prefix).channels == ("pytorch", "conda-forge")


def test_folder_without_conda_meta_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as caught:
        read_snapshot(tmp_path)
    assert caught.value.message == (
        "this folder has no conda-meta/, so it is not an environment prefix"
    )


def test_damaged_record_is_bad_input(tmp_path: Path) -> None:
    prefix = make_prefix(tmp_path / "env")
    (prefix / "conda-meta" / "broken-1-0.json").write_text("{", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(prefix)
    assert caught.value.where == str(prefix / "conda-meta" / "broken-1-0.json")
