"""Lock builders shared by the lock-format tests: conda and pip Packages as the solver
stage hands them over, a two-platform sample Lock, and conda-lock's own reader.

In: names, versions, builds (and a mirror alias). Out: envlock `Package`s and `Lock`s;
`parse_with_conda_lock` returns conda-lock's parsed lockfile object.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any

from envlock.lock.condalock import Lock, LockChannel
from envlock.models import Package

SECRET_ALIAS = "https://alice:s3cret@mirror.example/t/tk-9f8e7d"


def conda(
    name: str,
    version: str,
    build: str,
    *,
    channel: str = "conda-forge",
    subdir: str = "linux-64",
    depends: tuple[str, ...] = (),
    ext: str = ".conda",
    alias: str = "https://conda.anaconda.org",
) -> Package:
    """A conda Package as the solver stage hands it over (fields a lock keeps)."""
    digest = hashlib.md5(f"{name}-{version}-{build}-{subdir}".encode()).hexdigest()
    return Package(
        name=name,
        version=version,
        build=build,
        channel=channel,
        subdir=subdir,
        url=f"{alias}/{channel}/{subdir}/{name}-{version}-{build}{ext}",
        md5=digest,
        sha256=(digest * 2),
        depends=depends,
    )


def pip(name: str, version: str, depends: tuple[str, ...] = ()) -> Package:
    return Package(
        name=name,
        version=version,
        url=f"https://files.pythonhosted.org/packages/xx/{name}-{version}-py3-none-any.whl",
        sha256="ab" * 32,
        depends=depends,
        manager="pip",
    )


def platform_packages(subdir: str, alias: str) -> tuple[Package, ...]:
    cuda = subdir != "osx-64"
    torch_build = "py3.8_cuda11.7_cudnn8.5.0_0" if cuda else "py3.8_0"
    return (
        conda(
            "python",
            "3.8.16",
            "he550d4f_1_cpython",
            subdir=subdir,
            depends=("openssl >=3.0.7,<4.0a0", "zlib"),
        ),
        conda("openssl", "3.0.8", "h0b41bf4_0", subdir=subdir, depends=("ca-certificates",)),
        conda("ca-certificates", "2022.12.7", "ha878542_0", subdir=subdir, ext=".tar.bz2"),
        conda("zlib", "1.2.13", "h166bdaf_4", subdir=subdir),
        conda(
            "numpy",
            "1.10",
            "py38h1234567_0",
            subdir=subdir,
            depends=("python >=3.8,<3.9.0a0", "python_abi 3.8.* *_cp38"),
        ),
        conda("python_abi", "3.8", "3_cp38", subdir=subdir),
        conda(
            "pytorch-mutex",
            "1.0",
            "cuda" if cuda else "cpu",
            channel="pytorch",
            subdir="noarch",
            ext=".tar.bz2",
        ),
        conda(
            "pytorch",
            "1.13.0",
            torch_build,
            channel="pytorch",
            subdir=subdir,
            ext=".tar.bz2",
            depends=(
                "python >=3.8,<3.9.0a0",
                "pytorch-mutex 1.0 cuda" if cuda else "pytorch-mutex 1.0 cpu",
                "numpy >=1.19",
                "__cuda" if cuda else "__osx >=10.9",
            ),
        ),
        conda("tzdata", "2023c", "h71feb2d_0", subdir="noarch", alias=alias),
        pip("timm", "0.4.12", depends=("torch>=1.4", "torchvision")),
        pip("yes", "2023.7.22"),
    )


def sample_lock(alias: str = SECRET_ALIAS) -> Lock:
    """Two platforms, conda and pip packages; `alias` is the mirror of one channel."""
    platforms = ("linux-64", "osx-64")
    return Lock(
        platforms=platforms,
        channels=(
            LockChannel(url="pytorch"),
            LockChannel(url=f"{alias}/conda-forge", used_env_vars=("MIRROR_TOKEN",)),
        ),
        content_hash={p: f"{i:064x}" for i, p in enumerate(platforms)},
        sources=("recipes/m3net.yml",),
        packages={p: platform_packages(p, alias) for p in platforms},
        custom_metadata={"envlock-inputs-linux-64": '{"specs": ["python 3.8.*"], "yes": true}'},
    )


def parse_with_conda_lock(path: Path) -> Any:
    """conda-lock's own reader (its vendored conda warns about its own deprecations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from conda_lock.lockfile import parse_conda_lock_file

        return parse_conda_lock_file(path)


__all__ = [
    "SECRET_ALIAS",
    "conda",
    "parse_with_conda_lock",
    "pip",
    "platform_packages",
    "sample_lock",
]
