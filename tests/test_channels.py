"""Channel names, URLs, aliases and redaction."""

from __future__ import annotations

import pytest

from envlock.channels import channel_name, channel_url, redact, split_package_url


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("pytorch", "pytorch"),
        ("pytorch::", "pytorch"),
        ("https://conda.anaconda.org/pytorch", "pytorch"),
        ("https://conda.anaconda.org/pytorch/linux-64", "pytorch"),
        ("https://conda.anaconda.org/conda-forge/noarch/", "conda-forge"),
        ("file:///tmp/mirror/nvidia", "nvidia"),
        ("https://repo.anaconda.com/pkgs/main/linux-64", "pkgs/main"),
        ("https://user:secret@host.example/t/tk-123/pyg/win-64", "pyg"),
        ("https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud/pytorch/", "pytorch"),
    ],
)
def test_channel_name_reduces_every_spelling(written: str, name: str) -> None:
    assert channel_name(written) == name


def test_channel_url_applies_the_alias_to_names_only() -> None:
    assert channel_url("pytorch") == "https://conda.anaconda.org/pytorch"
    assert channel_url("pytorch", "file:///m/") == "file:///m/pytorch"
    assert channel_url("https://x.example/c/") == "https://x.example/c"


def test_redact_removes_passwords_and_tokens() -> None:
    url = "https://user:secret@host.example/t/tk-123/pyg/linux-64/a-1-0.conda"
    assert redact(url) == "https://host.example/pyg/linux-64/a-1-0.conda"
    assert "secret" not in redact(url)
    assert redact("pytorch") == "pytorch"


def test_split_package_url() -> None:
    url = "https://conda.anaconda.org/pytorch/linux-64/pytorch-1.13.0-py3.8_0.tar.bz2#abc"
    assert split_package_url(url) == (
        "https://conda.anaconda.org/pytorch",
        "linux-64",
        "pytorch-1.13.0-py3.8_0.tar.bz2",
    )
