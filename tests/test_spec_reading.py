"""Reading a match spec leniently: its package name, channel and version (envlock.specnames)."""

from __future__ import annotations

import pytest

from envlock.specnames import dependency_name, spec_channel, spec_version


@pytest.mark.parametrize(
    ("spec", "name", "channel", "version"),
    [
        ("python >=3.8,<3.9", "python", None, ">=3.8,<3.9"),
        ("conda-forge::numpy>=1.24", "numpy", "conda-forge", ">=1.24"),
        ("numpy[version='>=1.24',channel='a::b']", "numpy", None, ""),
        ("pytorch 1.13.* *cuda11.7*", "pytorch", None, "1.13.*"),
        ("pytorch::pytorch-cuda 11.8.*", "pytorch-cuda", "pytorch", "11.8.*"),
        ("conda-forge/linux-64::numpy", "numpy", "conda-forge/linux-64", ""),
        ("pytorch=1.13=*cuda*", "pytorch", None, "=1.13"),
        ("pytorch==1.5.1", "pytorch", None, "==1.5.1"),
        ("pytorch-mutex * cuda", "pytorch-mutex", None, "*"),
        ("conda-forge::PIP >=22", "pip", "conda-forge", ">=22"),
        ("psutil ; python_version<'3'", "psutil", None, ""),
        ("", "", None, ""),
    ],
)
def test_a_spec_reads_as_its_name_channel_and_version(
    spec: str, name: str, channel: str | None, version: str
) -> None:
    assert (dependency_name(spec), spec_channel(spec), spec_version(spec)) == (
        name,
        channel,
        version,
    )
