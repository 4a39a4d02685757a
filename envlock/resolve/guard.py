"""The CUDA guard: a CUDA recipe never gets a CPU lock, silently or otherwise.

A solver asked for `pytorch=1.13=*cuda*` can still land on a CPU variant through a
companion package (a torchvision `cpu` build pulls `pytorch-mutex=*=cpu`), a mirror that
lacks the CUDA builds, or a channel the stack table does not know. So after solving,
every platform whose SpecSet promised CUDA is checked against what was chosen:

- pytorch's build carries `cudaX.Y` (`py3.8_cuda11.7_cudnn8.5.0_0`, `cuda118_py310h…`);
- `pytorch-mutex`, when present, is the `cuda` build;
- the runtime package the stack pairs with (`pytorch-cuda` or `cudatoolkit`) is X.Y;
- each guarded companion (torchvision, torchaudio, pyg, torch-*) carries `cuXYZ`.

Which CUDA a build runs on is `envlock.stacks.cuda.runs_on`, the rule `diff` findings use
too: the CUDA X.Y the build names, or for a conda-forge build (`cuda112py39h…`,
`cuda118_py310h…`) any later minor of that major. The runtime package then carries the
exact X.Y (`runtime_cuda`), and the mutex's variant is `mutex_is_cuda`, as in findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from envlock.errors import AnswerIsNoError
from envlock.models import Package, SpecSet
from envlock.stacks.cuda import MUTEX, cuda_tag, mutex_is_cuda, runs_on, runtime_cuda, variant_of


def _shown(pkg: Package) -> str:
    where = f" from {pkg.channel}" if pkg.channel else ""
    return f"{pkg.name} {pkg.version} {pkg.build}{where}"


def violations(specset: SpecSet, packages: Iterable[Package]) -> list[str]:
    """What breaks the SpecSet's CUDA intent in one platform's solution (empty: it holds)."""
    cuda = specset.intent.cuda
    if cuda is None:
        return []
    tag = cuda_tag(cuda)
    by_name = {p.name: p for p in packages if p.manager == "conda"}
    found: list[str] = []

    torch = by_name.get("pytorch")
    if torch is None:
        found.append(f"no pytorch package was chosen, but the recipe asks for CUDA {cuda}")
    else:
        variant = variant_of(torch.name, torch.version, torch.build)
        if not runs_on(variant.cuda, torch.build, cuda):
            what = f"a CUDA {variant.cuda} build" if variant.cuda else "a CPU build"
            found.append(f"{_shown(torch)} is {what}, not a cuda{cuda} build")

    mutex = by_name.get(MUTEX)
    if mutex is not None and not mutex_is_cuda(mutex.build):
        found.append(f"{_shown(mutex)} selects the CPU variant")

    runtime_name = specset.intent.runtime
    if runtime_name:
        runtime = by_name.get(runtime_name)
        if runtime is None:
            found.append(f"the CUDA runtime package {runtime_name} {cuda} was not chosen")
        elif (have := runtime_cuda(runtime.version)) != cuda:
            # A solved version is exact; a constraint (never solved) is shown as written.
            found.append(f"{_shown(runtime)} is CUDA {have or runtime.version}, not {cuda}")

    for name in specset.intent.guarded:
        pkg = by_name.get(name)
        if pkg is None or name in ("pytorch", MUTEX, runtime_name):
            continue  # checked above by their own rules
        variant = variant_of(pkg.name, pkg.version, pkg.build)
        if not runs_on(variant.cuda, pkg.build, cuda):
            what = (
                f"built for CUDA {variant.cuda}"
                if variant.cuda
                else ("a CPU build" if variant.cpu else "not tagged for any CUDA")
            )
            found.append(f"{_shown(pkg)} is {what}, not {tag}")
    return found


def check(specsets: Sequence[SpecSet], solved: Mapping[str, Sequence[Package]]) -> None:
    """Raise AnswerIsNoError (exit 1) naming every package that breaks a CUDA intent."""
    lines: list[str] = []
    for specset in specsets:
        broken = violations(specset, solved.get(specset.platform, ()))
        if broken:
            lines.append(f"{specset.platform} (recipe asks for CUDA {specset.intent.cuda}):")
            lines += [f"  - {text}" for text in broken]
    if lines:
        raise AnswerIsNoError(
            "the CUDA guard stopped the resolve: the solver's answer is not the CUDA build "
            "the recipe asks for, and envlock never writes a CPU lock for a CUDA recipe.\n"
            + "\n".join(lines)
            + "\nThe channels (or the mirror behind --channel-alias) do not offer a CUDA "
            "build that fits the rest of the request: check that they carry the pytorch/"
            "nvidia CUDA builds, relax the other pins, or set `stack.cuda: cpu` to ask for "
            "a CPU lock. Nothing was written."
        )
