"""The stack table: what exists for each PyTorch minor, read from envlock/stacks/data/stacks.yml.

One `TorchRow` per torch minor (its conda CUDA options, companion versions, PyG builds, wheel
tags), read once; plus the virtual packages of a platform. Turning a recipe into a solver
request is `envlock.stacks.expand.expand`, which reads the rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envlock.errors import BadInputError
from envlock.models import VirtualPackage
from envlock.platforms import os_of
from envlock.stacks.cuda import major_minor

PYTORCH_WHEEL_INDEX = "https://download.pytorch.org/whl/{tag}"
PYG_WHEEL_PAGE = "https://data.pyg.org/whl/torch-{minor}.0+{tag}.html"


@dataclass(frozen=True, kw_only=True, slots=True)
class TorchRow:
    """One row of the stack table (see the comments in stacks.yml)."""

    minor: str
    torchvision: str
    torchaudio: str
    python: tuple[str, str]
    runtime: str | None
    cuda: tuple[str, ...]
    conda_forge_cuda: tuple[str, ...]
    mutex: bool
    torchaudio_tags: bool
    pyg_conda: bool
    pyg_wheels: tuple[str, ...]
    torch_wheels: tuple[str, ...]
    glibc: str

    @classmethod
    def from_dict(cls, minor: str, data: dict[str, Any]) -> TorchRow:
        return cls(
            minor=minor,
            torchvision=str(data["torchvision"]),
            torchaudio=str(data["torchaudio"]),
            python=(str(data["python"][0]), str(data["python"][1])),
            runtime=data["runtime"],
            cuda=tuple(str(c) for c in data["cuda"]),
            conda_forge_cuda=tuple(str(c) for c in data["conda_forge_cuda"]),
            mutex=bool(data["mutex"]),
            torchaudio_tags=bool(data["torchaudio_tags"]),
            pyg_conda=bool(data["pyg_conda"]),
            pyg_wheels=tuple(str(t) for t in data["pyg_wheels"]),
            torch_wheels=tuple(str(t) for t in data["torch_wheels"]),
            glibc=str(data["glibc"]),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class StackTable:
    """The whole table: rows by minor, CUDA-capable platforms, virtual packages per OS."""

    rows: tuple[TorchRow, ...]
    cuda_platforms: tuple[str, ...]
    virtual_packages: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

    def row(self, minor: str) -> TorchRow | None:
        return next((r for r in self.rows if r.minor == minor), None)


@functools.cache
def table() -> StackTable:
    """The stack table shipped in the package (read once)."""
    import yaml  # loaded on the first lookup: importing stays cheap

    # Beside this module in every install (the wheel ships the package folder as it is);
    # a plain path, as importlib.resources would give here, without its ~4 ms of imports
    # (zipfile, lzma, bz2) on every resolve.
    text = (Path(__file__).parent / "data" / "stacks.yml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    if data.get("format") != 1:
        raise BadInputError("envlock's stack table has an unknown format: reinstall envlock")
    return StackTable(
        rows=tuple(TorchRow.from_dict(str(k), v) for k, v in data["torch"].items()),
        cuda_platforms=tuple(data["cuda_platforms"]),
        virtual_packages=tuple(
            (os_name, tuple((str(n), str(v)) for n, v in packages.items()))
            for os_name, packages in data["virtual_packages"].items()
        ),
    )


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def known_torch_minors() -> tuple[str, ...]:
    """Every PyTorch minor the table knows, oldest first."""
    return tuple(sorted((r.minor for r in table().rows), key=_key))


def torch_minor(version: str) -> str:
    """ "1.13" for "1.13", "1.13.1" or "1.13.1+cu117"."""
    return major_minor(version)


def virtual_packages(
    platform: str, *, cuda: str | None = None, glibc: str = "2.17"
) -> tuple[VirtualPackage, ...]:
    """The virtual packages a `platform` machine is assumed to have (`__cuda` when given)."""
    os_name = os_of(platform)
    entries = dict(table().virtual_packages)
    base = entries.get(platform) or entries.get(os_name) or ()
    found = [VirtualPackage(name=n, version=v) for n, v in base]
    if os_name == "linux":
        found.append(VirtualPackage(name="__glibc", version=glibc))
    if cuda is not None:
        found.append(VirtualPackage(name="__cuda", version=cuda))
    return tuple(found)
