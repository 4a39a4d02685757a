"""Findings about the GPU stack of one environment: what its torch build, CUDA runtime
packages and torch extensions say about each other (codes: envlock.diff.findings).

- `cpu-build`: a CPU torch although the environment asks for CUDA (`pytorch-cuda`,
  `pytorch-mutex` `cuda`);
- `cuda-runtime-mismatch`: a runtime package (`envlock.stacks.cuda.CUDA_RUNTIMES`) the
  torch build does not run on (`envlock.stacks.cuda.runs_on`: the build's X.Y, or for a
  conda-forge build a later minor of its major), or, without a torch build to read,
  `pytorch-cuda` and `cudatoolkit` (`CARRIED_RUNTIMES`) that disagree;
- `ext-abi-mismatch`: an extension built for another torch major.minor or CUDA;
- `mixed-cuda`: packages for two CUDA majors side by side.

The helpers that read packages (`index`, `read_variant`, `describe`, `torches`,
`intent_reasons`) serve the cross-side findings too. What asks for CUDA, which runtime a
build runs on and which packages are torch are `envlock.stacks.cuda`'s facts.
"""

from __future__ import annotations

from collections.abc import Iterable

from envlock.diff.names import EXTENSIONS
from envlock.diff.record import Finding
from envlock.models import Package
from envlock.snapshot.versions import public
from envlock.specnames import is_exact
from envlock.stacks.cuda import (
    CARRIED_RUNTIMES,
    CUDA_RUNTIMES,
    MUTEX,
    TORCH_NAMES,
    Variant,
    cuda_intent,
    major_minor,
    package_cuda_major,
    runs_on,
    runtime_cuda,
    variant_of,
)


def index(packages: Iterable[Package]) -> dict[str, Package]:
    """Packages by lower-cased name, the first of each name kept."""
    by_name: dict[str, Package] = {}
    for package in packages:
        by_name.setdefault(package.name.lower(), package)
    return by_name


def read_variant(package: Package) -> Variant:
    """What the package's name, version and build say (envlock.stacks.cuda.variant_of)."""
    # A spec's build glob (`*cuda11.7*`, `*torch_1.13.0_cu117*`) reads as the build it pins.
    build = package.build.replace("*", "_") if package.build else package.build
    return variant_of(package.name, package.version, build)


def describe(package: Package) -> str:
    """`pytorch 1.13.1 (py3.8_cuda11.7_cudnn8.5.0_0)`, as findings name a package."""
    tag = f" ({package.build})" if package.build else ""
    return f"{package.name} {package.version}{tag}"


def torches(by_name: dict[str, Package]) -> list[Package]:
    """The torch packages present: conda's `pytorch`, then pip's `torch`."""
    return [by_name[n] for n in TORCH_NAMES if n in by_name]


def intent_reasons(by_name: dict[str, Package]) -> list[tuple[str, str]]:
    """What in an environment asks for a CUDA torch (`envlock.stacks.cuda.cuda_intent`),
    in words: (reason, package name) pairs."""
    reasons = []
    for package in cuda_intent(by_name.values()):
        name = package.name.lower()
        if name == MUTEX:
            reasons.append((f"{name} is the `cuda` variant", name))
        else:
            reasons.append((f"{name} {package.version} asks for CUDA", name))
    return reasons


def cpu_despite_intent(torch: Package, by_name: dict[str, Package]) -> list[Finding]:
    """`cpu-build` when `torch` is a CPU build and the environment asks for CUDA."""
    if not read_variant(torch).cpu:
        return []
    reasons = intent_reasons(by_name)
    if not reasons:
        return []
    return [
        Finding(
            severity="error",
            code="cpu-build",
            message=f"{describe(torch)} is a CPU build although "
            + " and ".join(r for r, _ in reasons)
            + ": the GPU will not be used; reinstall pytorch with a CUDA build",
            packages=(torch.name, *(n for _, n in reasons)),
        )
    ]


def runtime_mismatch(torch: Package, by_name: dict[str, Package]) -> list[Finding]:
    """`cuda-runtime-mismatch` naming every runtime package `torch`'s build does not run on."""
    built_for = read_variant(torch).cuda
    if built_for is None or "." not in built_for:
        return []
    wrong = []
    for name in CUDA_RUNTIMES:
        runtime = by_name.get(name)
        have = runtime_cuda(runtime.version) if runtime is not None else None
        if runtime is None or have is None:
            continue
        if not runs_on(built_for, torch.build, have):  # conda-forge's: a later minor too
            wrong.append((runtime, have))
    if not wrong:
        return []
    wheel = torch.manager == "pip"
    first, have = wrong[0]
    hint = (
        "the wheel bundles its own runtime, so extensions compiled against the conda one may break"
        if wheel
        else f"install {first.name} {built_for} or a pytorch build for CUDA {have}"
    )
    listed = ", ".join(f"{r.name} is {r.version}" for r, _ in wrong)
    return [
        Finding(
            severity="warning" if wheel else "error",
            code="cuda-runtime-mismatch",
            message=f"{describe(torch)} is built for CUDA {built_for} but {listed}: {hint}",
            packages=(torch.name, *(r.name for r, _ in wrong)),
        )
    ]


def runtime_disagreement(by_name: dict[str, Package]) -> list[Finding]:
    """Without a torch build to read, two runtime packages that disagree still tell: the
    one pytorch pairs with (pytorch-cuda) against the others (cudatoolkit), beside a
    conda pytorch (`envlock.stacks.cuda.CARRIED_RUNTIMES`)."""
    pairing, *others = CARRIED_RUNTIMES
    paired = by_name.get(pairing)
    if paired is None or "pytorch" not in by_name:
        return []
    want = runtime_cuda(paired.version)
    found = []
    for name in others:
        other = by_name.get(name)
        if other is None:
            continue
        have = runtime_cuda(other.version)
        if want is None or have is None or want == have:
            continue
        found.append(
            Finding(
                severity="warning",
                code="cuda-runtime-mismatch",
                message=f"{pairing} {paired.version} pairs pytorch with CUDA {want} but "
                f"{name} {other.version} is also installed: code that loads {name} gets "
                "another CUDA than pytorch",
                packages=(pairing, name),
            )
        )
    return found


def extension_mismatch(torch: Package, by_name: dict[str, Package]) -> list[Finding]:
    """`ext-abi-mismatch` for each extension built for another torch or CUDA than `torch`."""
    torch_variant = read_variant(torch)
    torch_minor = major_minor(public(torch.version)) if is_exact(torch.version) else None
    found = []
    for name in sorted(EXTENSIONS & by_name.keys()):
        ext = by_name[name]
        if ext.manager != torch.manager and _has_same_manager_torch(ext, by_name):
            continue  # checked against the torch of its own manager
        variant = read_variant(ext)
        problems = []
        if variant.torch and torch_minor and variant.torch != torch_minor:
            problems.append(f"torch {variant.torch}, but torch is {torch.version}")
        if variant.cuda and torch_variant.cuda and variant.cuda != torch_variant.cuda:
            problems.append(
                f"CUDA {variant.cuda}, but torch is built for CUDA {torch_variant.cuda}"
            )
        elif variant.cpu and torch_variant.cuda:
            problems.append(f"CPU, but torch is built for CUDA {torch_variant.cuda}")
        elif variant.cuda and torch_variant.cpu:
            problems.append(f"CUDA {variant.cuda}, but torch is a CPU build")
        if problems:
            found.append(
                Finding(
                    severity="error",
                    code="ext-abi-mismatch",
                    message=f"{describe(ext)} is built for {' and '.join(problems)} "
                    f"({describe(torch)}): it will fail to load or crash; install the "
                    "build made for this torch",
                    packages=(ext.name, torch.name),
                )
            )
    return found


def _has_same_manager_torch(ext: Package, by_name: dict[str, Package]) -> bool:
    name = "pytorch" if ext.manager == "conda" else "torch"
    return name in by_name and by_name[name].manager == ext.manager


def mixed_cuda(packages: Iterable[Package]) -> list[Finding]:
    """`mixed-cuda` when the packages belong to two or more CUDA majors."""
    majors: dict[str, list[str]] = {}
    for package in packages:
        build = package.build.replace("*", "_") if package.build else package.build
        major = package_cuda_major(
            package.name, package.version, build, conda=package.manager == "conda"
        )
        if major is not None:
            majors.setdefault(major, []).append(package.name)
    if len(majors) < 2:
        return []
    parts = []
    for major in sorted(majors, key=int):
        names = sorted(majors[major])
        more = f" and {len(names) - 4} more" if len(names) > 4 else ""
        parts.append(f"CUDA {major}: {', '.join(names[:4])}{more}")
    return [
        Finding(
            severity="warning",
            code="mixed-cuda",
            message=f"packages for {len(majors)} CUDA majors side by side ({'; '.join(parts)}): "
            "whichever runtime loads first wins, and packages built for another may fail to load",
            packages=tuple(sorted(n for names in majors.values() for n in names)),
        )
    ]
