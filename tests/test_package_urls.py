"""Package file names and URLs → Packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.lock.filenames import (
    package_from_url,
    parse_package_filename,
    split_hash_fragment,
)
from envlock.net.credentials import scrub_url
from envlock.specnames import dependency_name
from tests.helpers import invoke

MD5 = "d7c89558ba9fa0495403155b64376d81"
SHA = "fe51de6107f9edc7aa4f786a70f4a883943bc9d39b3bb7307c04c41410990726"


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (
            "pytorch-1.13.0-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2",
            ("pytorch", "1.13.0", "py3.8_cuda11.7_cudnn8.5.0_0"),
        ),
        ("cuda-nvrtc-11.7.99-0.conda", ("cuda-nvrtc", "11.7.99", "0")),
        ("pytorch-mutex-1.0-cuda.tar.bz2", ("pytorch-mutex", "1.0", "cuda")),
        ("_libgcc_mutex-0.1-conda_forge.tar.bz2", ("_libgcc_mutex", "0.1", "conda_forge")),
        (
            "python-dateutil-2.9.0post0-pyhd8ed1ab_0.conda",
            ("python-dateutil", "2.9.0post0", "pyhd8ed1ab_0"),
        ),
        ("pyg-2.2.0-py38_torch_1.13.0_cu117.tar.bz2", ("pyg", "2.2.0", "py38_torch_1.13.0_cu117")),
    ],
)
def test_parse_package_filename(fn: str, expected: tuple[str, str, str]) -> None:
    assert parse_package_filename(fn) == expected


@pytest.mark.parametrize("fn", ["numpy-1.0.tar.bz2", "numpy-1.0-0.zip", "-1.0-0.conda", "x.conda"])
def test_parse_package_filename_refuses(fn: str) -> None:
    with pytest.raises(BadInputError) as info:
        parse_package_filename(fn, where="f.lock:3")
    assert str(info.value) == (
        f"f.lock:3: {fn!r} is not a conda package file name: expected "
        "<name>-<version>-<build>.conda or .tar.bz2"
    )


def test_hash_fragments() -> None:
    assert split_hash_fragment(MD5) == (MD5, None)
    assert split_hash_fragment(MD5.upper()) == (MD5, None)
    assert split_hash_fragment(f"md5={MD5}") == (MD5, None)
    assert split_hash_fragment(f"sha256:{SHA}") == (None, SHA)
    assert split_hash_fragment(SHA) == (None, SHA)
    assert split_hash_fragment("") == (None, None)
    with pytest.raises(ValueError, match="neither an md5"):
        split_hash_fragment("sha256:abc")


def test_package_from_url_with_md5() -> None:
    url = "https://conda.anaconda.org/pytorch/linux-64/pytorch-1.13.0-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2"
    pkg = package_from_url(f"{url}#{MD5}")
    assert (pkg.name, pkg.version, pkg.build) == (
        "pytorch",
        "1.13.0",
        "py3.8_cuda11.7_cudnn8.5.0_0",
    )
    assert (pkg.channel, pkg.subdir, pkg.url) == ("pytorch", "linux-64", url)
    assert (pkg.md5, pkg.sha256, pkg.manager) == (MD5, None, "conda")


def test_package_from_url_with_sha256_and_defaults_channel() -> None:
    url = "https://repo.anaconda.com/pkgs/main/noarch/tzdata-2023c-h04d1e81_0.conda"
    pkg = package_from_url(f"{url}#sha256:{SHA}")
    assert (pkg.channel, pkg.subdir, pkg.md5, pkg.sha256) == ("pkgs/main", "noarch", None, SHA)
    assert package_from_url(f"{url}#{SHA}").sha256 == SHA


def test_package_from_url_mirror_and_credentials() -> None:
    pkg = package_from_url("file:///srv/mirror/nvidia/linux-64/cuda-cudart-11.7.99-0.tar.bz2")
    assert (pkg.channel, pkg.subdir) == ("nvidia", "linux-64")
    secret = "https://u:pw@host.example/t/tk-1/pytorch/osx-64/pytorch-2.0.1-py3.10_0.tar.bz2"
    assert package_from_url(secret).channel == "pytorch"


def test_package_from_url_flat_layout_takes_platform() -> None:
    pkg = package_from_url(
        "https://host.example/pkgs/zlib-1.2.13-h166bdaf_4.tar.bz2", platform="linux-64"
    )
    assert (pkg.channel, pkg.subdir, pkg.name) == ("pkgs", "linux-64", "zlib")


def test_package_from_url_refuses_bad_fragment() -> None:
    with pytest.raises(BadInputError) as info:
        package_from_url("https://h/c/linux-64/zlib-1.2.13-0.conda#xyz", where="e.lock:7")
    assert str(info.value) == (
        "e.lock:7: https://h/c/linux-64/zlib-1.2.13-0.conda#xyz: "
        "#xyz is neither an md5 (32 hex digits) nor a sha256 (64)"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://alice:pw@h.example/t/tk-1/c/linux-64/x-1-0.conda", "https://h.example/c/linux-64/x-1-0.conda"),
        ("https://h.example/t/tk-1/c", "https://h.example/c"),
        ("https://h.example/t/${TOKEN}/c", "https://h.example/t/${TOKEN}/c"),
        ("https://${U}:${P}@h.example/c", "https://${U}:${P}@h.example/c"),
        ("https://${U}:hunter2@h.example/c", "https://h.example/c"),
        # a secret that merely starts with `$` is a secret, not a placeholder
        ("https://u:$ecret@h.example/c", "https://h.example/c"),
        ("https://$u:$ecret@h.example/c", "https://h.example/c"),
        ("https://h.example/t/$tk-1/c", "https://h.example/c"),
        ("https://h.example/t/${TOKEN}x/c", "https://h.example/c"),
        ("https://h.example/t/${1TOKEN}/c", "https://h.example/c"),
        ("https://${U}:${P}@h.example/t/$x/c", "https://h.example/c"),
        ("conda-forge", "conda-forge"),
        ("file:///srv/mirror/pytorch", "file:///srv/mirror/pytorch"),
    ],
)  # fmt: skip
def test_scrub_url_keeps_placeholders_drops_secrets(url: str, expected: str) -> None:
    assert scrub_url(url) == expected


SECRET = "s3cr3t-tok"
GOOD = "https://h.example/c/linux-64/zlib-1.2.13-0.conda"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            f"https://u:{SECRET}@h.example/c/linux-64/zlib-1.2.13-0.conda#xyz",
            "https://u:<PASSWORD>@h.example/c/linux-64/zlib-1.2.13-0.conda#xyz: "
            "#xyz is neither an md5 (32 hex digits) nor a sha256 (64)",
        ),
        (
            f"https://h.example/t/{SECRET}/c/linux-64/zlib-1.2.13-0.conda#xyz",
            "https://h.example/t/<TOKEN>/c/linux-64/zlib-1.2.13-0.conda#xyz: "
            "#xyz is neither an md5 (32 hex digits) nor a sha256 (64)",
        ),
        (
            f"https://u:{SECRET}@h.example",
            "'u:<PASSWORD>@h.example' is not a conda package file name: expected "
            "<name>-<version>-<build>.conda or .tar.bz2",
        ),
        (
            f"https://h.example/t/{SECRET}",
            "'<TOKEN>' is not a conda package file name: expected "
            "<name>-<version>-<build>.conda or .tar.bz2",
        ),
        (
            f"https://h.example/t/{SECRET}/c/linux-64/zlib.zip",
            "'zlib.zip' is not a conda package file name: expected "
            "<name>-<version>-<build>.conda or .tar.bz2",
        ),
    ],
)
def test_bad_package_urls_are_named_masked(url: str, message: str) -> None:
    with pytest.raises(BadInputError) as info:
        package_from_url(url, where="e.lock:3")
    assert str(info.value) == f"e.lock:3: {message}"


@pytest.mark.parametrize(
    "bad",
    [
        f"https://u:{SECRET}@h.example/c/linux-64/zlib-1.2.13-0.conda#xyz",
        f"https://h.example/t/{SECRET}/c/linux-64/zlib-1.2.13-0.conda#xyz",
        f"https://u:{SECRET}@h.example",
        f"https://h.example/t/{SECRET}",
    ],
)
@pytest.mark.parametrize("command", ["diff", "create"])
def test_no_secret_of_a_bad_lock_line_reaches_the_output(
    tmp_path: Path, bad: str, command: str
) -> None:
    head = "# platform: linux-64\n@EXPLICIT\n"
    good = tmp_path / "good.lock"
    good.write_text(f"{head}{GOOD}#{MD5}\n")
    broken = tmp_path / "bad.lock"
    broken.write_text(f"{head}{GOOD}#{MD5}\n{bad}\n")
    if command == "diff":
        ran = invoke(["diff", str(broken), str(good), "--json"])
    else:
        ran = invoke(["create", str(broken), "-p", str(tmp_path / "env"), "--dry-run", "--json"])
    assert ran.exit_code == 2, ran.stderr
    assert SECRET not in ran.stdout + ran.stderr
    error = ran.json()
    assert error["where"] == f"{broken}:4"
    assert "<PASSWORD>" in error["message"] or "<TOKEN>" in error["message"]


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("python >=3.8,<3.9.0a0", "python"),
        ("python_abi 3.8.* *_cp38", "python_abi"),
        ("libgcc-ng>=12", "libgcc-ng"),
        ("numpy", "numpy"),
        ("  numpy  ", "numpy"),
        ("conda-forge::numpy>=1.24", "numpy"),
        ("conda-forge/linux-64::numpy 1.24.*", "numpy"),
        ("numpy[version='>=1.24',channel='a::b']", "numpy"),
        ("PyYAML ==6.0", "pyyaml"),
        ("pytorch=1.13=*cuda*", "pytorch"),
        ("torch~=2.0", "torch"),
        ("pywin32; sys_platform == 'win32'", "pywin32"),
        ("__glibc >=2.17", "__glibc"),
        ("", ""),
    ],
)
def test_dependency_name(spec: str, name: str) -> None:
    assert dependency_name(spec) == name
