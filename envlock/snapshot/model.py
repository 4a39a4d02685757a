"""The Snapshot: one environment as some file or folder describes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from envlock.models import Package

SnapshotKind = Literal[
    "export",
    "micromamba-export",
    "lock",
    "explicit",
    "conda-list",
    "pip",
    "prefix",
    "recipe",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Snapshot:
    """A set of packages read from one source, with what that source does not record.

    `builds_known` is False when the source carries no build strings (a `--no-builds`
    export, a pip freeze, a spec file); `channels_known` is False when packages carry no
    channel (an export whose lines have no `channel::`). A package whose version is a
    constraint rather than an exact version (`--from-history` exports, specs) holds the
    constraint in `version` (`3.9.*`, `>=1.2`, or "" for none); see `versions.is_exact`.
    `specs` is True when the source states what was asked for rather than what was
    installed (a `--from-history` export, an environment.yml with loose specs or with
    hand-written `name=version` pins, a recipe, a requirements file with unpinned lines):
    the diff then treats the other side's extra packages as the dependencies those specs
    resolved to. `cuda_intent` is the CUDA version the source asks for (a recipe's stack
    on its platform: "11.7"), None for CPU or when the source does not say.
    """

    source: str
    kind: SnapshotKind
    platform: str | None
    name: str | None
    channels: tuple[str, ...]
    packages: tuple[Package, ...]
    builds_known: bool
    channels_known: bool
    prefix: str | None = None
    specs: bool = False
    cuda_intent: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The identity part shown in `diff --json` (`a` and `b`)."""
        return {
            "source": self.source,
            "kind": self.kind,
            "platform": self.platform,
            "specs": self.specs,
            "cuda_intent": self.cuda_intent,
        }
