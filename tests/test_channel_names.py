"""Channel names, URLs, aliases and redaction."""

from __future__ import annotations

import pytest

from envlock.errors import BadInputError
from envlock.net.channels import (
    channel_name,
    channel_url,
    check_channel_alias,
    merge_orders,
    split_package_url,
)
from envlock.net.credentials import redact


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


def test_mask_shows_where_secrets_went_without_them() -> None:
    from envlock.net.credentials import mask

    url = "https://user:secret@host.example/t/tk-123/pyg/linux-64/a-1-0.conda"
    assert mask(url) == "https://user:<PASSWORD>@host.example/t/<TOKEN>/pyg/linux-64/a-1-0.conda"
    assert mask("http://127.0.0.1:8765/t/WRONGTOKEN999/pytorch") == (
        "http://127.0.0.1:8765/t/<TOKEN>/pytorch"
    )
    assert mask("https://host.example/pytorch") == "https://host.example/pytorch"
    assert mask("pytorch") == "pytorch"


def test_split_credentials_moves_them_out_of_the_url() -> None:
    from envlock.net.credentials import Credentials, split_credentials

    assert split_credentials("http://alice:p%40ss@h.example:8080/pytorch") == (
        "http://h.example:8080/pytorch",
        Credentials(host="h.example", username="alice", password="p@ss"),
    )
    assert split_credentials("https://h.example/t/tk-1/conda-forge") == (
        "https://h.example/conda-forge",
        Credentials(host="h.example", token="tk-1"),
    )
    assert split_credentials("file:///m/pytorch") == ("file:///m/pytorch", None)
    assert Credentials(host="h", token="t").to_rattler() == {"CondaToken": "t"}
    assert Credentials(host="h", username="u", password="p").to_rattler() == {
        "BasicHTTP": {"username": "u", "password": "p"}
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://h.example/mirror/t/tk-1/pytorch",
            "https://h.example/mirror/t/<TOKEN>/pytorch: a /t/<TOKEN> is supported right "
            "after the host only (https://host/t/<TOKEN>/channel)",
        ),
        (
            "https://u:p@h.example/t/tk-1/pytorch",
            "https://u:<PASSWORD>@h.example/t/<TOKEN>/pytorch: give either user:password@ "
            "or /t/<TOKEN>, not both",
        ),
    ],
)
def test_split_credentials_refuses_what_it_cannot_put_back(url: str, message: str) -> None:
    from envlock.errors import BadInputError
    from envlock.net.credentials import split_credentials

    with pytest.raises(BadInputError) as caught:
        split_credentials(url)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "alias",
    ["https://conda.anaconda.org", "http://127.0.0.1:8000/m", "file:///srv/mirror",
     "https://bob:pw@host/ch", "https://host/t/tok"],
)  # fmt: skip
def test_check_channel_alias_takes_base_urls(alias: str) -> None:
    check_channel_alias(alias)


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("notaurl", "--channel-alias notaurl: expected a base URL (file://, http://, https://"),
        ("ftp://u:pw@x/ch", "--channel-alias ftp://u:<PASSWORD>@x/ch: expected a base URL"),
        ("https://", "--channel-alias https://: the URL names no host"),
        ("https://u:pw@host/t/tok/ch", "--channel-alias: https://u:<PASSWORD>@host/t/<TOKEN>/ch:"),
    ],
)
def test_check_channel_alias_refuses_with_the_secret_masked(alias: str, message: str) -> None:
    with pytest.raises(BadInputError) as caught:
        check_channel_alias(alias)
    assert caught.value.message.startswith(message)
    assert "pw" not in caught.value.message.replace("<PASSWORD>", "")
    assert "tok/" not in caught.value.message


def test_merge_orders_keeps_every_order() -> None:
    osx = ["pytorch", "pyg", "conda-forge"]
    linux = ["pytorch", "nvidia", "pyg", "conda-forge"]
    expected = ("pytorch", "nvidia", "pyg", "conda-forge")
    assert merge_orders([osx, linux]) == expected
    assert merge_orders([linux, osx]) == expected
    assert merge_orders([["a", "c"], ["b", "c"]]) == ("a", "b", "c")  # a tie: first seen
    assert merge_orders([["a", "c"], ["b", "c"]], prefer=["b"]) == ("b", "a", "c")
    assert merge_orders([["a", "b"], ["b", "a"]]) == ("a", "b")  # a contradiction: settled
    assert merge_orders([]) == ()
