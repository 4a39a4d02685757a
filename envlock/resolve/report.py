"""What a resolve reports besides the lock: the summary rows and what `--update` moved.

`highlights` picks the key packages of a solution (python, pytorch, CUDA runtime, cuDNN,
torchvision, pyg); `moves` and `stays` compare an old lock with the new solution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from envlock.models import Package
from envlock.stacks.cuda import CUDA_VERSION_CARRIERS, CUDNN_PACKAGES, variant_of

HIGHLIGHTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python", ("python",)),
    ("pytorch", ("pytorch",)),
    ("CUDA runtime", CUDA_VERSION_CARRIERS),  # pytorch-cuda, cudatoolkit, cuda-version
    ("cuDNN", CUDNN_PACKAGES),  # conda's cudnn first
    ("torchvision", ("torchvision",)),
    ("pyg", ("pyg",)),
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Highlight:
    """One row of the summary: a key package as solved on one platform."""

    label: str
    name: str
    version: str
    build: str | None
    channel: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Move:
    """A package that `--update` changed (old/new are `version build`, None when absent)."""

    platform: str
    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Stay:
    """A package named in `--update` that did not move on one platform."""

    platform: str
    name: str
    current: str  # `version build`


def moves(
    old: Mapping[str, Sequence[Package]],
    new: Mapping[str, Sequence[Package]],
    platforms: Sequence[str],
) -> tuple[Move, ...]:
    out: list[Move] = []
    for platform in platforms:
        before = {p.name: f"{p.version} {p.build}" for p in old.get(platform, ())}
        after = {p.name: f"{p.version} {p.build}" for p in new.get(platform, ())}
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                out.append(
                    Move(platform=platform, name=name, old=before.get(name), new=after.get(name))
                )
    return tuple(out)


def highlights(packages: Sequence[Package]) -> tuple[Highlight, ...]:
    """The summary rows: python, pytorch, CUDA runtime, cuDNN, torchvision, pyg."""
    by_name = {p.name: p for p in packages}
    rows: list[Highlight] = []
    for label, names in HIGHLIGHTS:
        pkg = next((by_name[n] for n in names if n in by_name), None)
        if pkg is not None:
            rows.append(
                Highlight(
                    label=label,
                    name=pkg.name,
                    version=pkg.version,
                    build=pkg.build,
                    channel=pkg.channel,
                )
            )
        elif label == "cuDNN" and "pytorch" in by_name:
            torch = by_name["pytorch"]
            cudnn = variant_of(torch.name, torch.version, torch.build).cudnn
            if cudnn:
                rows.append(
                    Highlight(
                        label=label,
                        name="(in pytorch)",
                        version=cudnn,
                        build=None,
                        channel=torch.channel,
                    )
                )
    return tuple(rows)


def stays(
    new: Mapping[str, Sequence[Package]],
    platforms: Sequence[str],
    update: Sequence[str],
    moved: Sequence[Move],
) -> tuple[Stay, ...]:
    """The packages named in `--update` that kept their version and build, per platform."""
    went = {(m.platform, m.name) for m in moved}
    out: list[Stay] = []
    for name in update:
        for platform in platforms:
            pkg = next((p for p in new.get(platform, ()) if p.name == name), None)
            if pkg is not None and (platform, name) not in went:
                out.append(Stay(platform=platform, name=name, current=f"{pkg.version} {pkg.build}"))
    return tuple(out)
