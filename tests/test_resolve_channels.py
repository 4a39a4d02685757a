"""Channels in `envlock resolve`: `defaults` expanded as conda does, a channel the mirror
lacks, a bad --channel-alias, the token pattern and spec names channel prefixes hide."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.mirror import Mirror
from envlock.models import SpecSet
from envlock.net.channels import DEFAULT_CHANNEL_ALIAS, channel_name
from tests.helpers import REPO, flat
from tests.helpers import resolve_on as resolve

M3NET = REPO / "recipes" / "m3net.yml"

# ---------------------------------------------------------------- defaults


def test_defaults_expands_as_conda_does_under_the_public_alias() -> None:
    """URL level only: the public servers are not reachable from the tests."""
    from envlock.net.channels import channel_urls, is_default_alias

    main, r = "https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"
    assert channel_urls("defaults", DEFAULT_CHANNEL_ALIAS, "linux-64") == (main, r)
    assert channel_urls("defaults", DEFAULT_CHANNEL_ALIAS + "/", "osx-64") == (main, r)
    assert channel_urls("defaults", DEFAULT_CHANNEL_ALIAS, "win-64") == (
        main,
        r,
        "https://repo.anaconda.com/pkgs/msys2",
    )
    assert [channel_name(u) for u in (main, r)] == ["pkgs/main", "pkgs/r"]
    # a mirror keeps the name: it carries a `defaults` channel or says it does not
    assert channel_urls("defaults", "file:///m", "linux-64") == ("file:///m/defaults",)
    assert channel_urls("pytorch", DEFAULT_CHANNEL_ALIAS, "linux-64") == (
        "https://conda.anaconda.org/pytorch",
    )
    assert is_default_alias("https://conda.anaconda.org/")
    assert not is_default_alias("https://mirror.example/conda")


def test_the_solver_gets_defaults_in_place_with_conda_names() -> None:
    from envlock.resolve.solver import _channel_urls, _with_channel_url, access_for

    specset = SpecSet(platform="linux-64", specs=("numpy",),
                      channels=("pytorch", "nvidia", "defaults", "conda-forge"))  # fmt: skip
    urls = _channel_urls(specset, DEFAULT_CHANNEL_ALIAS)
    assert list(urls.items()) == [
        ("https://conda.anaconda.org/pytorch", "pytorch"),
        ("https://conda.anaconda.org/nvidia", "nvidia"),
        ("https://repo.anaconda.com/pkgs/main", "pkgs/main"),
        ("https://repo.anaconda.com/pkgs/r", "pkgs/r"),
        ("https://conda.anaconda.org/conda-forge", "conda-forge"),
    ]
    assert _with_channel_url("defaults::numpy", urls) == (
        "https://repo.anaconda.com/pkgs/main::numpy"
    )
    assert access_for([specset], DEFAULT_CHANNEL_ALIAS).auth == {}


# ---------------------------------------------------------------- channels that cannot be used


def test_a_channel_the_mirror_lacks_is_bad_input(demo_mirror: Mirror, tmp_path: Path) -> None:
    env = tmp_path / "env.yml"
    env.write_text(
        "name: dflt\nchannels: [pytorch, nvidia, defaults]\ndependencies:\n  - python=3.8\n"
    )
    ran = resolve(demo_mirror.channel_alias, str(env), "-o", str(tmp_path), "-p", "linux-64")
    assert ran.exit_code == 2, ran.stderr
    assert flat(ran.stderr) == flat(
        f"envlock error: {env}: channel `defaults` is not served at "
        f"{demo_mirror.channel_alias}/defaults (it has no noarch/repodata.json, which every "
        "conda channel has): remove it from the channel list or point --channel-alias at a "
        "mirror that has it"
    )
    assert not (tmp_path / "dflt").exists()


@pytest.mark.parametrize(
    ("alias", "shown"),
    [
        ("notaurl", "notaurl"),
        ("ftp://x/ch", "ftp://x/ch"),
        ("ftp://bob:hunter2@x/ch", "ftp://bob:<PASSWORD>@x/ch"),
    ],
)
def test_a_bad_channel_alias_is_bad_input(tmp_path: Path, alias: str, shown: str) -> None:
    ran = resolve(alias, str(M3NET), "-o", str(tmp_path), "-p", "osx-64", "--json")
    assert ran.exit_code == 2
    doc = ran.json()
    assert doc["message"].startswith(f"--channel-alias {shown}: expected a base URL")
    assert "hunter2" not in ran.stdout + ran.stderr
    assert not (tmp_path / "m3net").exists()


# ---------------------------------------------------------------- names inside URLs and specs


def test_token_pattern_and_spec_names() -> None:
    from envlock.net.credentials import TOKEN_PATTERN
    from envlock.specnames import dependency_name

    assert TOKEN_PATTERN.findall("https://h/t/abc/pytorch") == ["/t/abc"]
    assert dependency_name("numpy[channel='a::b']") == "numpy"
    assert dependency_name("conda-forge::PIP >=22") == "pip"
