"""Stack knowledge applied: a recipe and a platform → the solver request (`SpecSet`).

The facts live in `envlock/stacks/data/stacks.yml`, read by `envlock.stacks.table`; this module
applies the channel conventions:

- CUDA on linux/win: `pytorch 1.13.* *cuda11.7*`, `pytorch-cuda 11.7.*` (or
  `cudatoolkit 11.1.*` up to 1.12), `pytorch-mutex * cuda`, companions pinned to their
  `cu117` builds (pyg to `*torch_1.13.0_cu117*`), so no solver can hand back a CPU build
  silently; the virtual package `__cuda` is the recipe's CUDA version.
- CPU: `pytorch V *cpu*`, `cpuonly`, `pytorch-mutex * cpu`. osx builds carry no `cpu` tag
  and osx has no CUDA at all: it gets plain versions and a note.
- `source: pip`: the conda part is python, pip and the recipe's own specs; torch,
  companions and PyG come from their wheel indexes as pip lines.
- Channels: pytorch > nvidia > pyg (those the stack needs) > the recipe's `channels` >
  conda-forge (the base, unless listed). An environment.yml keeps its own list.

Impossible requests (PyTorch 1.7 on CUDA 11.7) raise BadInputError before any solving.
"""

from __future__ import annotations

import dataclasses

from envlock.errors import BadInputError
from envlock.models import CudaIntent, SpecSet
from envlock.net.channels import channel_name
from envlock.net.credentials import mask
from envlock.platforms import check_platform, os_of
from envlock.recipe.model import Recipe, Stack
from envlock.specnames import dependency_name, spec_channel
from envlock.stacks.cuda import carrier_cuda, cuda_tag
from envlock.stacks.table import (
    PYG_WHEEL_PAGE,
    PYTORCH_WHEEL_INDEX,
    TorchRow,
    known_torch_minors,
    table,
    torch_minor,
    virtual_packages,
)

BASE_CHANNEL = "conda-forge"

__all__ = ["BASE_CHANNEL", "expand", "require_conda_source", "validate_stack"]


def expand(recipe: Recipe, platform: str) -> SpecSet:
    """The solver request for `recipe` on `platform` (a conda subdir such as linux-64).

    Raises BadInputError (exit 2) for an unknown platform or a stack the table rules out.
    """
    check_platform(platform)
    if recipe.kind == "environment":
        spec_set = _expand_environment(recipe, platform)
    elif recipe.stack is None:
        spec_set = _expand_plain(recipe, platform)
    else:
        row = validate_stack(recipe, recipe.stack)
        if recipe.stack.source == "pip":
            spec_set = _expand_pip_stack(recipe, recipe.stack, row, platform)
        else:
            spec_set = _expand_conda_stack(recipe, recipe.stack, row, platform)
    return _add_spec_channels(spec_set)


def require_conda_source(recipe: Recipe) -> None:
    """Refuse `stack.source: pip` where locking is asked for: nothing locks wheels yet.

    `check` still shows a pip stack's expansion; `resolve` calls this before solving.
    Raises BadInputError (exit 2) at the `stack.source` line.
    """
    if recipe.stack is not None and recipe.stack.source == "pip":
        raise BadInputError(
            "stack.source: pip: resolving PyTorch wheels arrives with the pip layer; "
            "use source: conda for now",
            where=recipe.where("stack.source"),
        )


def _add_spec_channels(spec_set: SpecSet) -> SpecSet:
    """Channels named by `channel::pkg` specs but not listed, added last, with a note.

    conda and conda-lock do the same: `pytorch::pytorch=2.0.1` with channels
    [conda-forge, nvidia] searches pytorch too, at the lowest priority.
    """
    listed = {channel_name(c) for c in spec_set.channels}
    added: dict[str, list[str]] = {}
    for spec in spec_set.specs:
        channel = spec_channel(spec)
        if channel and channel_name(channel) not in listed:
            added.setdefault(channel, []).append(spec)
    if not added:
        return spec_set
    listed_shown = " > ".join(mask(c) for c in spec_set.channels)  # never a password
    notes = [
        f"{', '.join(mask(s) for s in specs)} {'names' if len(specs) == 1 else 'name'} the "
        f"channel {mask(channel)}, which is not among {listed_shown or 'the listed channels'}: "
        "added it last (lowest priority), as conda and conda-lock do"
        for channel, specs in added.items()
    ]
    return dataclasses.replace(
        spec_set,
        channels=(*spec_set.channels, *added),
        notes=(*spec_set.notes, *notes),
    )


def validate_stack(recipe: Recipe, stack: Stack) -> TorchRow:
    """The table row for `stack`, or BadInputError naming the key, its line and what exists."""
    minors = known_torch_minors()
    row = table().row(stack.torch_minor)
    if row is None:
        raise BadInputError(
            f"stack.pytorch: envlock's stack table knows PyTorch {minors[0]} to {minors[-1]}, "
            f"not {stack.pytorch}",
            where=recipe.where("stack.pytorch"),
        )
    tag = cuda_tag(stack.cuda)
    if stack.source == "conda":
        _validate_conda(recipe, stack, row)
    else:
        if stack.wants_cuda and tag not in row.torch_wheels:
            raise BadInputError(
                f"stack.cuda: the PyTorch wheel index has PyTorch {row.minor} for "
                f"{', '.join(row.torch_wheels)} and cpu — not {tag}",
                where=recipe.where("stack.cuda"),
            )
        if stack.pyg and stack.wants_cuda and tag not in row.pyg_wheels:
            raise BadInputError(
                f"stack.pyg: the PyG wheel index has torch-{row.minor}.0 pages for "
                f"{', '.join(row.pyg_wheels)} and cpu — not {tag}",
                where=recipe.where("stack.pyg"),
            )
    for key, wanted, paired in (
        ("torchvision", stack.torchvision, row.torchvision),
        ("torchaudio", stack.torchaudio, row.torchaudio),
    ):
        if isinstance(wanted, str) and torch_minor(wanted) != paired:
            raise BadInputError(
                f"stack.{key}: PyTorch {row.minor} pairs with {key} {paired}, not {wanted}: "
                f"write {key}: true to take the companion version",
                where=recipe.where(f"stack.{key}"),
            )
    return row


def _validate_conda(recipe: Recipe, stack: Stack, row: TorchRow) -> None:
    if not row.cuda:
        last = [r.minor for r in table().rows if r.cuda][-1]
        raise BadInputError(
            f"stack.source: PyTorch {row.minor} has no conda builds on the pytorch channel "
            f"(the last is {last}): use source: pip (the PyTorch wheel index)",
            where=recipe.where("stack.source"),
        )
    if stack.wants_cuda and stack.cuda not in row.cuda:
        raise BadInputError(
            f"stack.cuda: PyTorch {row.minor} has conda builds for CUDA "
            f"{', '.join(row.cuda)} — not {stack.cuda}",
            where=recipe.where("stack.cuda"),
        )
    if stack.pyg and not row.pyg_conda:
        covered = [r.minor for r in table().rows if r.pyg_conda]
        raise BadInputError(
            f"stack.pyg: the pyg channel has conda builds for PyTorch "
            f"{covered[0]} to {covered[-1]}, not {row.minor}: use source: pip "
            "(the PyG wheel index) or another PyTorch",
            where=recipe.where("stack.pyg"),
        )


def _version_spec(version: str) -> str:
    """ "1.13" → "1.13.*" (any patch); "1.13.1" stays exact."""
    return f"{version}.*" if version.count(".") == 1 else version


def _companion(wanted: bool | str, paired: str) -> str:
    return _version_spec(wanted if isinstance(wanted, str) else paired)


def _channels(stack_channels: list[str], recipe: Recipe) -> tuple[str, ...]:
    """Stack channels, then the recipe's, then conda-forge unless listed; no repeats."""
    return tuple(dict.fromkeys([*stack_channels, *recipe.channels, BASE_CHANNEL]))


def _own_specs(recipe: Recipe, platform: str) -> list[str]:
    """The recipe's dependencies and pins, plus `pip` when a pip section needs it."""
    specs = [*recipe.dependencies_for(platform), *recipe.pins]
    if recipe.pip_for(platform) and "pip" not in {dependency_name(s) for s in specs}:
        specs.append("pip")
    return specs


def _python_specs(recipe: Recipe) -> list[str]:
    return [f"python {_version_spec(recipe.python)}"] if recipe.python else []


def _python_note(recipe: Recipe, row: TorchRow, what: str) -> list[str]:
    if not recipe.python:
        return []
    low, high = row.python
    key = tuple(int(p) for p in recipe.python.split(".")[:2])
    if tuple(int(p) for p in low.split(".")) <= key <= tuple(int(p) for p in high.split(".")):
        return []
    return [
        f"PyTorch {row.minor} {what} cover Python {low} to {high}: python {recipe.python} "
        "may not solve"
    ]


def _platform_cuda(
    recipe: Recipe, stack: Stack, row: TorchRow, platform: str, what: str
) -> tuple[str | None, list[str]]:
    """The CUDA version `platform` gets (None: a CPU variant) and the notes that start its
    expansion (python coverage of `what`; a CUDA stack on a platform without CUDA)."""
    cuda = stack.cuda if stack.wants_cuda and platform in table().cuda_platforms else None
    notes = _python_note(recipe, row, what)
    if stack.wants_cuda and cuda is None:
        notes.append(f"{platform} has no CUDA builds: CPU variant")
    return cuda, notes


def _expand_conda_stack(recipe: Recipe, stack: Stack, row: TorchRow, platform: str) -> SpecSet:
    os_name = os_of(platform)
    cuda, notes = _platform_cuda(recipe, stack, row, platform, "conda builds")
    version = _version_spec(stack.pytorch)
    tag = cuda_tag(cuda or "cpu")
    pyg_build = f"*torch_{row.minor}.0*" if os_name == "osx" else f"*torch_{row.minor}.0_{tag}*"
    specs = _python_specs(recipe)
    guarded: list[str] = ["pytorch"]
    if cuda is not None:
        assert row.runtime is not None  # rows with CUDA builds name their runtime
        specs += [f"pytorch {version} *cuda{cuda}*", f"{row.runtime} {cuda}.*"]
        if cuda in row.conda_forge_cuda:
            notes.append(f"cudatoolkit {cuda} for PyTorch {row.minor} comes from conda-forge")
    elif os_name == "osx":
        specs.append(f"pytorch {version}")  # osx builds read py3.10_0: no cpu tag to pin
    else:
        specs += [f"pytorch {version} *cpu*", "cpuonly"]
    if row.mutex and os_name != "osx":
        specs.append(f"pytorch-mutex * {'cuda' if cuda else 'cpu'}")
        guarded.append("pytorch-mutex")
    build = "" if os_name == "osx" else f" *{tag}*"
    if stack.torchvision:
        specs.append(f"torchvision {_companion(stack.torchvision, row.torchvision)}{build}")
        guarded.append("torchvision")
    if stack.torchaudio:
        audio_build = build if row.torchaudio_tags else ""
        specs.append(f"torchaudio {_companion(stack.torchaudio, row.torchaudio)}{audio_build}")
        if audio_build:
            guarded.append("torchaudio")
    if stack.pyg:
        pyg_version = _version_spec(stack.pyg) if isinstance(stack.pyg, str) else "*"
        specs.append(f"pyg {pyg_version} {pyg_build}")
        guarded.append("pyg")
    stack_channels = ["pytorch"]
    if cuda is not None and row.runtime == "pytorch-cuda":
        stack_channels.append("nvidia")
    if stack.pyg:
        stack_channels.append("pyg")
    return SpecSet(
        platform=platform,
        specs=tuple(dict.fromkeys([*specs, *_own_specs(recipe, platform)])),
        channels=_channels(stack_channels, recipe),
        virtual_packages=virtual_packages(platform, cuda=cuda, glibc=row.glibc),
        channel_priority=recipe.channel_priority,
        exclude_newer=recipe.exclude_newer,
        pip=recipe.pip_for(platform),
        intent=CudaIntent(
            cuda=cuda,
            runtime=row.runtime if cuda else None,
            guarded=tuple(guarded) if cuda else (),
        ),
        notes=tuple(notes),
    )


def _expand_pip_stack(recipe: Recipe, stack: Stack, row: TorchRow, platform: str) -> SpecSet:
    os_name = os_of(platform)
    cuda, notes = _platform_cuda(recipe, stack, row, platform, "wheels")
    notes.append(
        "stack.source: pip: the pip layer is not built yet, so these PyTorch wheel lines are "
        "shown but NOT locked (resolve refuses source: pip for now; use source: conda)"
    )
    tag = cuda_tag(cuda or "cpu")
    lines: list[str] = []
    if os_name != "osx":  # macOS wheels are the plain ones on PyPI
        lines.append(f"--extra-index-url {PYTORCH_WHEEL_INDEX.format(tag=tag)}")
    exact = stack.pytorch.count(".") == 2 and os_name != "osx"
    lines.append(
        f"torch=={stack.pytorch}+{tag}" if exact else f"torch=={_version_spec(stack.pytorch)}"
    )
    guarded = ["torch"]
    if stack.torchvision:
        lines.append(f"torchvision=={_companion(stack.torchvision, row.torchvision)}")
        guarded.append("torchvision")
    if stack.torchaudio:
        lines.append(f"torchaudio=={_companion(stack.torchaudio, row.torchaudio)}")
        guarded.append("torchaudio")
    if stack.pyg:
        lines.append(f"--find-links {PYG_WHEEL_PAGE.format(minor=row.minor, tag=tag)}")
        pyg = (
            f"torch_geometric=={_version_spec(stack.pyg)}"
            if isinstance(stack.pyg, str)
            else "torch_geometric"
        )
        lines += [pyg, "torch_scatter", "torch_sparse"]
        guarded += ["torch_scatter", "torch_sparse"]
    pip = (*lines, *recipe.pip_for(platform))
    own = [*recipe.dependencies_for(platform), *recipe.pins]
    specs = [
        *_python_specs(recipe),
        *(["pip"] if "pip" not in {dependency_name(s) for s in own} else []),
        *own,
    ]
    return SpecSet(
        platform=platform,
        specs=tuple(dict.fromkeys(specs)),
        channels=_channels([], recipe),
        virtual_packages=virtual_packages(platform, cuda=cuda, glibc=row.glibc),
        channel_priority=recipe.channel_priority,
        exclude_newer=recipe.exclude_newer,
        pip=pip,
        intent=CudaIntent(cuda=cuda, runtime=None, guarded=tuple(guarded) if cuda else ()),
        notes=tuple(notes),
    )


def _expand_plain(recipe: Recipe, platform: str) -> SpecSet:
    """A recipe without a stack: python, its own specs, its channels then conda-forge."""
    return SpecSet(
        platform=platform,
        specs=tuple(dict.fromkeys([*_python_specs(recipe), *_own_specs(recipe, platform)])),
        channels=_channels([], recipe),
        virtual_packages=virtual_packages(platform),
        channel_priority=recipe.channel_priority,
        exclude_newer=recipe.exclude_newer,
        pip=recipe.pip_for(platform),
    )


def _expand_environment(recipe: Recipe, platform: str) -> SpecSet:
    """An environment.yml: its own specs and channel list; CUDA read off its runtime spec."""
    specs = recipe.dependencies_for(platform)
    notes: list[str] = []
    channels = recipe.channels
    if not channels:
        channels = (BASE_CHANNEL,)
        notes.append("the file lists no channels: using conda-forge (envlock never adds defaults)")
    cuda = None
    runtime = None
    if platform in table().cuda_platforms:
        # The first CUDA version carrier (pytorch-cuda, cudatoolkit, cuda-version) says it.
        carried = next((c for c in map(carrier_cuda, specs) if c is not None), None)
        if carried is not None:
            runtime, cuda = carried
    names = {dependency_name(s) for s in specs}
    guarded = tuple(
        n for n in ("pytorch", "pytorch-mutex", "torchvision", "torchaudio", "pyg") if n in names
    )
    return SpecSet(
        platform=platform,
        specs=specs,
        channels=channels,
        virtual_packages=virtual_packages(platform, cuda=cuda),
        channel_priority=recipe.channel_priority,
        exclude_newer=recipe.exclude_newer,
        pip=recipe.pip_for(platform),
        intent=CudaIntent(cuda=cuda, runtime=runtime, guarded=guarded if cuda else ()),
        notes=tuple(notes),
    )
