"""Findings: what a diff's changes mean for a GPU stack, in words.

Codes (CONTRACTS.md "Finding codes"; severities error > warning > info):
- `cpu-build` (error): a CPU build of pytorch/torchvision/… where the other side has a
  CUDA build, or where its own side asks for CUDA (`pytorch-cuda`, `pytorch-mutex=*=cuda`).
- `cuda-build` (warning): the reverse, a CUDA build where the other side has a CPU one.
- `cuda-runtime-mismatch` (error; warning when torch is a pip wheel, which bundles its own
  runtime): the CUDA runtime package (`cudatoolkit`, `pytorch-cuda`, `cuda-runtime`,
  `cuda-cudart`) is not the `cudaX.Y` the torch build was made for.
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

Within-side findings say which side (`A`, `B`, or `A and B` when both have them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from envlock.diff.names import EXTENSIONS, import_name, pair_key
from envlock.models import Package
from envlock.snapshot.model import Snapshot
from envlock.snapshot.versions import is_exact, newer, public, same_version
from envlock.stacks.buildtags import Variant, major_minor, variant_of

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("error", "warning", "info")

TORCH_NAMES = frozenset({"pytorch", "torch"})
VARIANT_NAMES = TORCH_NAMES | EXTENSIONS | {"pytorch-mutex", "libtorch"}
RUNTIMES = ("pytorch-cuda", "cudatoolkit", "cuda-runtime", "cuda-cudart")
_CUPY = re.compile(r"^cupy-cuda(\d{2})")
_CUDA_MAJORS = range(7, 14)


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One explained problem; `packages` names what it is about."""

    severity: Severity
    code: str
    message: str
    packages: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "packages": list(self.packages),
        }


def find(a: Snapshot, b: Snapshot, pairs: Sequence[tuple[Package, Package]]) -> tuple[Finding, ...]:
    """Every finding for A → B: within each side, then across the paired packages."""
    by_a, by_b = _by_name(a.packages), _by_name(b.packages)
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


def _by_name(packages: Iterable[Package]) -> dict[str, Package]:
    by_name: dict[str, Package] = {}
    for package in packages:
        by_name.setdefault(package.name.lower(), package)
    return by_name


def side_findings(packages: Iterable[Package]) -> list[Finding]:
    """Findings about one environment on its own (usable by `doctor` and `import` too)."""
    packages = tuple(packages)
    by_name = _by_name(packages)
    found: list[Finding] = _duplicates(packages)
    for torch in _torches(by_name):
        found += _cpu_despite_intent(torch, by_name)
        found += _runtime_mismatch(torch, by_name)
        found += _extension_mismatch(torch, by_name)
    if not any(_variant(t).cuda for t in _torches(by_name)):
        found += _runtime_disagreement(by_name)  # no torch build to read the CUDA from
    found += _mixed_cuda(by_name.values())
    return found


def _variant(package: Package) -> Variant:
    # A spec's build glob (`*cuda11.7*`, `*torch_1.13.0_cu117*`) reads as the build it pins.
    build = package.build.replace("*", "_") if package.build else package.build
    return variant_of(package.name, package.version, build)


def _describe(package: Package) -> str:
    tag = f" ({package.build})" if package.build else ""
    return f"{package.name} {package.version}{tag}"


def _brief(package: Package) -> str:
    return " ".join(p for p in (package.version, package.build or "") if p)


def _torches(by_name: dict[str, Package]) -> list[Package]:
    return [by_name[n] for n in ("pytorch", "torch") if n in by_name]


def _runtime_version(package: Package) -> str | None:
    """The CUDA X.Y a runtime package carries, when its version is known."""
    version = package.version.removesuffix(".*")
    return major_minor(version) if version and is_exact(version) else None


def _cuda_intent(by_name: dict[str, Package]) -> list[tuple[str, str]]:
    """What in an environment asks for a CUDA torch: (reason, package name) pairs."""
    reasons = []
    if "pytorch-cuda" in by_name:
        cuda = by_name["pytorch-cuda"]
        reasons.append((f"pytorch-cuda {cuda.version} asks for CUDA", "pytorch-cuda"))
    mutex = by_name.get("pytorch-mutex")
    if mutex is not None and mutex.build == "cuda":
        reasons.append(("pytorch-mutex is the `cuda` variant", "pytorch-mutex"))
    return reasons


def _cpu_despite_intent(torch: Package, by_name: dict[str, Package]) -> list[Finding]:
    if not _variant(torch).cpu:
        return []
    reasons = _cuda_intent(by_name)
    if not reasons:
        return []
    return [
        Finding(
            severity="error",
            code="cpu-build",
            message=f"{_describe(torch)} is a CPU build although "
            + " and ".join(r for r, _ in reasons)
            + ": the GPU will not be used; reinstall pytorch with a CUDA build",
            packages=(torch.name, *(n for _, n in reasons)),
        )
    ]


def _runtime_mismatch(torch: Package, by_name: dict[str, Package]) -> list[Finding]:
    built_for = _variant(torch).cuda
    if built_for is None or "." not in built_for:
        return []
    # conda-forge's `cuda112py39h…` builds run on any later 11.x runtime.
    packed = bool(torch.build and re.match(r"cuda\d{2,3}", torch.build))
    wrong = []
    for name in RUNTIMES:
        runtime = by_name.get(name)
        have = _runtime_version(runtime) if runtime is not None else None
        if runtime is None or have is None:
            continue
        if (have.split(".")[0] != built_for.split(".")[0]) if packed else (have != built_for):
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
            message=f"{_describe(torch)} is built for CUDA {built_for} but {listed}: {hint}",
            packages=(torch.name, *(r.name for r, _ in wrong)),
        )
    ]


def _runtime_disagreement(by_name: dict[str, Package]) -> list[Finding]:
    """Without a torch build to read, two runtime packages that disagree still tell."""
    cuda = by_name.get("pytorch-cuda")
    toolkit = by_name.get("cudatoolkit")
    if cuda is None or toolkit is None or "pytorch" not in by_name:
        return []
    want, have = _runtime_version(cuda), _runtime_version(toolkit)
    if want is None or have is None or want == have:
        return []
    return [
        Finding(
            severity="warning",
            code="cuda-runtime-mismatch",
            message=f"pytorch-cuda {cuda.version} pairs pytorch with CUDA {want} but "
            f"cudatoolkit {toolkit.version} is also installed: code that loads cudatoolkit "
            "gets another CUDA than pytorch",
            packages=("pytorch-cuda", "cudatoolkit"),
        )
    ]


def _extension_mismatch(torch: Package, by_name: dict[str, Package]) -> list[Finding]:
    torch_variant = _variant(torch)
    torch_minor = major_minor(public(torch.version)) if is_exact(torch.version) else None
    found = []
    for name in sorted(EXTENSIONS & by_name.keys()):
        ext = by_name[name]
        if ext.manager != torch.manager and _has_same_manager_torch(ext, by_name):
            continue  # checked against the torch of its own manager
        variant = _variant(ext)
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
                    message=f"{_describe(ext)} is built for {' and '.join(problems)} "
                    f"({_describe(torch)}): it will fail to load or crash; install the "
                    "build made for this torch",
                    packages=(ext.name, torch.name),
                )
            )
    return found


def _has_same_manager_torch(ext: Package, by_name: dict[str, Package]) -> bool:
    name = "pytorch" if ext.manager == "conda" else "torch"
    return name in by_name and by_name[name].manager == ext.manager


def _cuda_major(package: Package) -> str | None:
    name = package.name.lower()
    if name == "cuda" or (name.startswith("cuda-") and package.manager == "conda"):
        version = _runtime_version(package)
        major = version.split(".")[0] if version else None
    elif cupy := _CUPY.match(name):
        major = cupy.group(1)[:2]
    elif (
        "cu" in (package.build or "") or "+" in package.version or "cu" in name or name in RUNTIMES
    ):
        cuda = _variant(package).cuda
        major = cuda.split(".")[0] if cuda else None
    else:
        return None
    return major if major and major.isdigit() and int(major) in _CUDA_MAJORS else None


def _mixed_cuda(packages: Iterable[Package]) -> list[Finding]:
    majors: dict[str, list[str]] = {}
    for package in packages:
        major = _cuda_major(package)
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
        va, vb = _variant(pa), _variant(pb)
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
                packages=(pa.name, *(("pytorch-mutex",) if mutex else ())),
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
    reasons = _cuda_intent(cpu_side) if cpu_pkg.name.lower() in TORCH_NAMES else []
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
            dict.fromkeys(
                [cuda_pkg.name, *(["pytorch-mutex"] if mutex else []), *(n for _, n in reasons)]
            )
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
    mutex = next((s for s in switches if s[0].name.lower() == "pytorch-mutex"), None)
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
    for torch in _torches(_by_name(env.packages)):
        if torch.name in covered or not _variant(torch).cpu:
            continue
        found.append(
            Finding(
                severity="error",
                code="cpu-build",
                message=f"{label}: {_describe(torch)} is a CPU build although the recipe asks "
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
                message=f"{key} is installed twice: conda's {_describe(pc)} and pip's "
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
