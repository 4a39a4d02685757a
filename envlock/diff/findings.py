"""Findings: what a diff's changes mean for a GPU stack, in words.

Codes (CONTRACTS.md "Finding codes"; severities error > warning > info):
- `cpu-build` (error): a CPU build of pytorch/torchvision/… where the other side has a
  CUDA build, or where its own side asks for CUDA (`pytorch-cuda`, `pytorch-mutex=*=cuda`).
- `cuda-build` (warning): the reverse, a CUDA build where the other side has a CPU one.
- `cuda-runtime-mismatch` (error; warning when torch is a pip wheel, which bundles its own
  runtime): a CUDA runtime package (`cudatoolkit`, `pytorch-cuda`, `cuda-runtime`,
  `cuda-cudart`) the torch build does not run on: not the `cudaX.Y` it was made for, or
  for a conda-forge build (`cuda112py39h…`) not a later minor of that major
  (`envlock.stacks.cuda.runs_on`, the rule the CUDA guard uses).
- `ext-abi-mismatch` (error): PyG / torch-* / torchvision built for another torch
  major.minor or CUDA than the torch beside it (`torch_1.13.0` serves every 1.13.x).
- `python-minor` (warning): python's major.minor differs between A and B.
- `mixed-cuda` (warning): packages for two CUDA majors in one environment.
- `newer-everywhere` (info): every version change is an upgrade in B, the mark of the same
  request solved at a later date; pin a date (`exclude_newer`) to reproduce A. Only when
  the sides are plausibly one environment: at least half of the larger side's packages pair.
- `duplicate-install` (error for torch, its extensions, or differing versions; else
  warning): one environment has the same project from conda and from pip (`pytorch` and
  `torch`, `numpy` and `numpy`); both write the same files, the last install wins.
- `platform-mismatch` (warning): the sides are for different platforms, so builds and
  platform-only packages differ for that reason alone.

A cross-side `cpu-build` on a torch whose B side also asks for CUDA (`pytorch-cuda`,
`pytorch-mutex=*=cuda`) is one finding that says both, not two rows.

The findings about one environment's GPU stack are decided in `envlock.diff.abi`.
Within-side findings say which side (`A`, `B`, or `A and B` when both have them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from envlock.diff import abi
from envlock.diff.abi import describe, index, intent_reasons, read_variant, torches
from envlock.diff.names import EXTENSIONS, import_name, pair_key
from envlock.diff.record import SEVERITY_ORDER, Finding, Severity
from envlock.models import Package
from envlock.snapshot.model import Snapshot
from envlock.snapshot.versions import newer, same_version
from envlock.specnames import is_exact
from envlock.stacks.cuda import MUTEX, TORCH_NAMES, TORCH_PACKAGES, Variant, major_minor

# The packages whose builds say CUDA or CPU: torch (and libtorch), its extensions, the mutex.
VARIANT_NAMES = TORCH_PACKAGES | EXTENSIONS | {MUTEX}

__all__ = [
    "SEVERITY_ORDER",
    "VARIANT_NAMES",
    "Finding",
    "Severity",
    "find",
    "side_findings",
]


def find(a: Snapshot, b: Snapshot, pairs: Sequence[tuple[Package, Package]]) -> tuple[Finding, ...]:
    """Every finding for A → B: within each side, then across the paired packages."""
    by_a, by_b = index(a.packages), index(b.packages)
    across, covered = _across(pairs, by_a, by_b, specs=(a.specs, b.specs))
    in_a, in_b = (
        [
            f
            for f in side_findings(side.packages)
            if not (f.code == "cpu-build" and f.packages[0] in covered)  # said by `across`
        ]
        for side in (a, b)
    )
    findings = _label_sides(in_a, in_b)
    findings += across
    if a.specs and not b.specs:
        findings += _intent_cpu(a, b, covered, "B")
    elif b.specs and not a.specs:
        findings += _intent_cpu(b, a, covered, "A")
    findings += _python_minor(pairs)
    if 2 * len(pairs) >= max(len(a.packages), len(b.packages)):
        findings += _newer_everywhere(pairs)
    findings += _platform_mismatch(a, b)
    findings.sort(key=lambda f: (SEVERITY_ORDER.index(f.severity), f.code, f.message))
    return tuple(findings)


def side_findings(packages: Iterable[Package]) -> list[Finding]:
    """Findings about one environment on its own (usable by `doctor` and `import` too)."""
    packages = tuple(packages)
    by_name = index(packages)
    found: list[Finding] = _duplicates(packages)
    for torch in torches(by_name):
        found += abi.cpu_despite_intent(torch, by_name)
        found += abi.runtime_mismatch(torch, by_name)
        found += abi.extension_mismatch(torch, by_name)
    if not any(read_variant(t).cuda for t in torches(by_name)):
        found += abi.runtime_disagreement(by_name)  # no torch build to read the CUDA from
    found += abi.mixed_cuda(by_name.values())
    return found


def _brief(package: Package) -> str:
    return " ".join(p for p in (package.version, package.build or "") if p)


def _label_sides(in_a: list[Finding], in_b: list[Finding]) -> list[Finding]:
    keys_b = {(f.code, f.message) for f in in_b}
    keys_a = {(f.code, f.message) for f in in_a}
    out = []
    for finding in in_a:
        label = "A and B" if (finding.code, finding.message) in keys_b else "A"
        out.append(_relabel(finding, label))
    out += [_relabel(f, "B") for f in in_b if (f.code, f.message) not in keys_a]
    return out


def _relabel(finding: Finding, label: str) -> Finding:
    return Finding(
        severity=finding.severity,
        code=finding.code,
        message=f"{label}: {finding.message}",
        packages=finding.packages,
    )


_Switch = tuple[Package, Package, Variant, Variant]


def _across(
    pairs: Sequence[tuple[Package, Package]],
    in_a: dict[str, Package],
    in_b: dict[str, Package],
    *,
    specs: tuple[bool, bool] = (False, False),
) -> tuple[list[Finding], set[str]]:
    """Findings on paired packages, and the environment-side torches a `cpu-build` covers.

    `specs` says which side only states specs (a recipe): its CUDA build is asked for, so
    an environment with the CPU build beside it is a `cpu-build` whichever side it is on.
    A pytorch-mutex that switched along with torch is folded into torch's finding.
    """
    to_cpu: list[_Switch] = []  # A CUDA, B CPU
    to_cuda: list[_Switch] = []  # A CPU, B CUDA
    for pa, pb in pairs:
        if pa.name.lower() not in VARIANT_NAMES and pb.name.lower() not in VARIANT_NAMES:
            continue
        va, vb = read_variant(pa), read_variant(pb)
        if va.is_cuda and vb.cpu:
            to_cpu.append((pa, pb, va, vb))
        elif va.cpu and vb.is_cuda:
            to_cuda.append((pa, pb, va, vb))
    found: list[Finding] = []
    covered: set[str] = set()
    for (pa, pb, va, _vb), mutex in _fold_mutex(to_cpu):
        found.append(_cpu_build(pa, pb, va, mutex, in_b, sides=("A", "B"), specs=specs))
        covered.add(pb.name)
    for (pa, pb, _va, vb), mutex in _fold_mutex(to_cuda):
        if specs[1] and not specs[0]:  # B asks for CUDA, the environment A is CPU
            found.append(_cpu_build(pb, pa, vb, mutex, in_a, sides=("B", "A"), specs=specs[::-1]))
            covered.add(pa.name)
            continue
        driver = f" for CUDA {vb.cuda}" if vb.cuda else ""
        found.append(
            Finding(
                severity="warning",
                code="cuda-build",
                message=f"{pa.name}: A {_has(specs[0])}a CPU build ({_brief(pa)}), B "
                f"{_has(specs[1], elide=specs[0] == specs[1])}a {_cuda_words(vb)} build "
                f"({_brief(pb)}){_mutex_note(mutex)}: B needs an NVIDIA driver{driver}",
                packages=(pa.name, *((MUTEX,) if mutex else ())),
            )
        )
    return found, covered


def _cpu_build(
    cuda_pkg: Package,
    cpu_pkg: Package,
    cuda_variant: Variant,
    mutex: tuple[Package, Package] | None,
    cpu_side: dict[str, Package],
    *,
    sides: tuple[str, str],
    specs: tuple[bool, bool],
) -> Finding:
    """`cpu-build`: side[0] has (or asks for) CUDA, side[1] has the CPU build."""
    cuda_side, cpu_name = sides
    # The CPU side's own CUDA intent for this very torch is said here, once.
    reasons = intent_reasons(cpu_side) if cpu_pkg.name.lower() in TORCH_NAMES else []
    although = f" although {cpu_name}'s " + " and ".join(r for r, _ in reasons) if reasons else ""
    fix = f"; reinstall {cpu_pkg.name} with a CUDA build" if reasons else ""
    cpu_verb = _has(specs[1], elide=specs[0] == specs[1] and cuda_side == "A")
    return Finding(
        severity="error",
        code="cpu-build",
        message=f"{cuda_pkg.name}: {cuda_side} {_has(specs[0])}a {_cuda_words(cuda_variant)} "
        f"build ({_brief(cuda_pkg)}), {cpu_name} {cpu_verb}a CPU build ({_brief(cpu_pkg)})"
        f"{_mutex_note(mutex, sides)}{although}: {cpu_name} will not use the GPU{fix}",
        packages=tuple(
            dict.fromkeys([cuda_pkg.name, *([MUTEX] if mutex else []), *(n for _, n in reasons)])
        ),
    )


def _has(asks: bool, *, elide: bool = False) -> str:
    """`has`/`asks for` (a spec side), or nothing in `A has X, B Y` (trailing space kept)."""
    if elide:
        return ""
    return "asks for " if asks else "has "


def _fold_mutex(
    switches: list[_Switch],
) -> list[tuple[_Switch, tuple[Package, Package] | None]]:
    """Each switch, with pytorch-mutex's own switch folded into the torch one beside it."""
    mutex = next((s for s in switches if s[0].name.lower() == MUTEX), None)
    has_torch = any(s[0].name.lower() in TORCH_NAMES for s in switches)
    if mutex is None or not has_torch:
        return [(s, None) for s in switches]
    return [
        (s, (mutex[0], mutex[1]) if s[0].name.lower() in TORCH_NAMES else None)
        for s in switches
        if s is not mutex
    ]


def _mutex_note(mutex: tuple[Package, Package] | None, sides: tuple[str, str] = ("A", "B")) -> str:
    if mutex is None:
        return ""
    first, second = mutex if sides == ("A", "B") else (mutex[1], mutex[0])
    return f", and pytorch-mutex is `{first.build}` in {sides[0]}, `{second.build}` in {sides[1]}"


def _intent_cpu(spec: Snapshot, env: Snapshot, covered: set[str], label: str) -> list[Finding]:
    """`cpu-build` from a recipe's CUDA intent: the environment's torch is a CPU build."""
    if spec.cuda_intent is None:
        return []
    found = []
    for torch in torches(index(env.packages)):
        if torch.name in covered or not read_variant(torch).cpu:
            continue
        found.append(
            Finding(
                severity="error",
                code="cpu-build",
                message=f"{label}: {describe(torch)} is a CPU build although the recipe asks "
                f"for CUDA {spec.cuda_intent}: the GPU will not be used; reinstall "
                f"{torch.name} with a CUDA build",
                packages=(torch.name,),
            )
        )
    return found


def _cuda_words(variant: Variant) -> str:
    """`CUDA 11.7`, or `CUDA` for a build that names no version (pytorch-mutex `cuda`)."""
    return f"CUDA {variant.cuda}" if variant.cuda else "CUDA"


def _python_minor(pairs: Sequence[tuple[Package, Package]]) -> list[Finding]:
    for pa, pb in pairs:
        if pa.name == "python" and pb.name == "python":
            mine = major_minor(pa.version.removesuffix(".*")) if pa.version else ""
            theirs = major_minor(pb.version.removesuffix(".*")) if pb.version else ""
            if mine and theirs and mine != theirs:
                return [
                    Finding(
                        severity="warning",
                        code="python-minor",
                        message=f"python {mine} in A, {theirs} in B: every compiled package "
                        "(py38/py310 builds, wheels) differs with it",
                        packages=("python",),
                    )
                ]
    return []


def _newer_everywhere(pairs: Sequence[tuple[Package, Package]]) -> list[Finding]:
    ups = downs = 0
    for pa, pb in pairs:
        if pa.manager != pb.manager or not (is_exact(pa.version) and is_exact(pb.version)):
            continue
        if pa.version == pb.version:
            continue
        if newer(pa.version, pb.version):
            ups += 1
        elif newer(pb.version, pa.version):
            downs += 1
    if ups < 3 or downs:
        return []
    return [
        Finding(
            severity="info",
            code="newer-everywhere",
            message=f"all {ups} version changes are upgrades in B: B looks like the same request "
            "solved later; to reproduce A, resolve with `exclude_newer` set to A's date",
            packages=(),
        )
    ]


def _duplicates(packages: Sequence[Package]) -> list[Finding]:
    """The same project installed by conda and by pip in one environment."""
    conda: dict[str, Package] = {}
    pip: dict[str, Package] = {}
    for package in packages:
        into = conda if package.manager == "conda" else pip
        into.setdefault(pair_key(package.name, package.manager), package)
    found = []
    for key in sorted(conda.keys() & pip.keys()):
        pc, pp = conda[key], pip[key]
        both_exact = is_exact(pc.version) and is_exact(pp.version)
        differ = both_exact and not same_version(pc.version, pp.version, across_managers=True)
        torchy = key == "torch" or key in _PIP_EXTENSIONS
        module = import_name(key)
        what = f"both install the module `{module}`" if module else "both install its files"
        found.append(
            Finding(
                severity="error" if torchy or differ else "warning",
                code="duplicate-install",
                message=f"{key} is installed twice: conda's {describe(pc)} and pip's "
                f"{pp.name} {pp.version or '(any version)'}; {what}, and whichever was "
                "installed last overwrote the other's files, so what Python imports need "
                f"not be what conda lists; keep one: `pip uninstall {pp.name}` then reinstall "
                f"conda's {pc.name}, or drop {pc.name} from the conda packages",
                packages=(pc.name, pp.name) if pc.name != pp.name else (pc.name,),
            )
        )
    return found


# The pip names of the packages compiled against torch (EXTENSIONS holds conda's).
_PIP_EXTENSIONS = frozenset(pair_key(name, "conda") for name in EXTENSIONS)


def _platform_mismatch(a: Snapshot, b: Snapshot) -> list[Finding]:
    if not (a.platform and b.platform and a.platform != b.platform):
        return []
    return [
        Finding(
            severity="warning",
            code="platform-mismatch",
            message=f"A is for {a.platform}, B for {b.platform}: builds, CUDA packages and "
            "platform-only dependencies differ for that reason alone; to find drift, "
            "compare snapshots of one platform (`--platform` picks a lock's)",
            packages=(),
        )
    ]
