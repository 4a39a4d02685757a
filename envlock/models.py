"""The models every stage shares: one package model, the solver request, virtual packages.

Plain frozen dataclasses: no rattler, click or rich types cross these boundaries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Manager = Literal["conda", "pip"]
ChannelPriority = Literal["strict", "flexible"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Package:
    """One package as any stage knows it; fields a source does not record are None.

    `channel` is the channel's short name (`pytorch`, `conda-forge`), never a URL with
    credentials; `subdir` is the package's own subdir (`noarch` for noarch packages).
    """

    name: str
    version: str
    build: str | None = None
    build_number: int | None = None
    channel: str | None = None
    subdir: str | None = None
    url: str | None = None
    md5: str | None = None
    sha256: str | None = None
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    manager: Manager = "conda"
    size: int | None = None
    timestamp_ms: int | None = None

    @property
    def filename(self) -> str | None:
        """The archive file name from the URL (`pytorch-1.13.0-py3.8_..._0.tar.bz2`)."""
        if not self.url:
            return None
        return self.url.rsplit("/", 1)[-1].split("#", 1)[0]

    def spec(self) -> str:
        """`name=version=build` (or `name=version`), as `conda env export` writes it."""
        return (
            f"{self.name}={self.version}={self.build}"
            if self.build
            else (f"{self.name}={self.version}")
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class VirtualPackage:
    """A virtual package the target machine is assumed to have (`__cuda 11.7`)."""

    name: str
    version: str
    build: str = "0"

    def __str__(self) -> str:
        return f"{self.name}={self.version}={self.build}"


@dataclass(frozen=True, kw_only=True, slots=True)
class CudaIntent:
    """What the recipe promised about CUDA on one platform, checked after solving.

    `cuda` is "11.7" for a CUDA build, None for a CPU build. `runtime` names the package
    that must carry that version (`pytorch-cuda` or `cudatoolkit`); `guarded` lists the
    companion packages whose builds must carry the `cuXYZ` tag.
    """

    cuda: str | None
    runtime: str | None = None
    guarded: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class SpecSet:
    """A fully expanded solver request for one platform.

    `channels` are names or URLs in strict priority order (highest first), before any
    channel alias is applied; `specs` are conda matchspec strings (build globs may contain
    dots: pass them to rattler as MatchSpec objects).
    """

    platform: str
    specs: tuple[str, ...]
    channels: tuple[str, ...]
    virtual_packages: tuple[VirtualPackage, ...] = ()
    channel_priority: ChannelPriority = "strict"
    exclude_newer: dt.datetime | None = None
    pip: tuple[str, ...] = ()
    intent: CudaIntent = field(default_factory=lambda: CudaIntent(cuda=None))
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """One platform's request as plain data, in `envlock check --json`'s order.

        Keys: specs, channels (as given: a caller that shows them masks credentials),
        channel_priority, virtual_packages (name, version, build), pip, notes and intent
        (cuda, runtime, guarded). The platform and the cutoff are left to the caller, which
        keys the platforms and states the cutoff once.
        """
        return {
            "specs": list(self.specs),
            "channels": list(self.channels),
            "channel_priority": self.channel_priority,
            "virtual_packages": [
                {"name": v.name, "version": v.version, "build": v.build}
                for v in self.virtual_packages
            ],
            "pip": list(self.pip),
            "notes": list(self.notes),
            "intent": {
                "cuda": self.intent.cuda,
                "runtime": self.intent.runtime,
                "guarded": list(self.intent.guarded),
            },
        }
