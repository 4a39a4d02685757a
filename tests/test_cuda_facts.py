"""The CUDA facts (envlock.stacks.cuda), one test per rule, with real build strings.

Where the corpus has them, the rules are checked against what the packages themselves
declare: a pytorch build's `pytorch-cuda >=11.7,<11.8` or conda-forge's
`cudatoolkit >=11.2,<12` dependency says which CUDA runtimes it runs on.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from envlock.diff.findings import side_findings
from envlock.lock.filenames import parse_package_filename
from envlock.models import CudaIntent, Package, SpecSet
from envlock.resolve import guard
from envlock.stacks import cuda
from envlock.stacks.table import table

PYTORCH_REPODATA = "repodata/conda__rattler__test-data__channels__pytorch__linux-64__repodata.json"
# CUDA versions the rules are tried on: every minor the corpus builds name, and more.
CUDAS = tuple(
    f"{major}.{minor}"
    for major, top in ((9, 2), (10, 2), (11, 8), (12, 9), (13, 0))
    for minor in range(top + 1)
)


@functools.cache
def _pytorch_records(corpus: Path) -> tuple[dict[str, Any], ...]:
    """The records of the pytorch channel's linux-64 repodata in the corpus (read once)."""
    data = json.loads((corpus / PYTORCH_REPODATA).read_text(encoding="utf-8"))
    return (*data.get("packages", {}).values(), *data.get("packages.conda", {}).values())


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


@functools.cache
def _lock_packages(path: Path) -> tuple[dict[str, Any], ...]:
    """The package records of a corpus conda-lock file that holds pytorch (read once)."""
    text = path.read_text(encoding="utf-8")
    if "pytorch" not in text:
        return ()
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    return tuple(data.get("package") or ())


def _cuda_range(spec: str) -> tuple[str, str] | None:
    """`>=11.7,<11.8` → (11.7, 11.8); `11.8.*` → (11.8, 11.9); `>=11.2,<12` → (11.2, 12.0)."""
    if m := re.fullmatch(r">=(\d+\.\d+),<(\d+)(?:\.(\d+))?", spec.replace(" ", "")):
        return m.group(1), f"{m.group(2)}.{m.group(3) or 0}"
    if m := re.fullmatch(r"(\d+)\.(\d+)\.\*", spec.strip()):
        return f"{m.group(1)}.{m.group(2)}", f"{m.group(1)}.{int(m.group(2)) + 1}"
    return None


def _in_range(version: str, low: str, high: str) -> bool:
    return _key(low) <= _key(version) < _key(high)


# --- runtime packages and their parts ---------------------------------------------------


def test_runtime_package_roles() -> None:
    assert cuda.CUDA_VERSION_CARRIERS == ("pytorch-cuda", "cudatoolkit", "cuda-version")
    assert cuda.CUDA_RUNTIMES == ("pytorch-cuda", "cudatoolkit", "cuda-runtime", "cuda-cudart")
    assert cuda.CARRIED_RUNTIMES == ("pytorch-cuda", "cudatoolkit")
    assert cuda.CUDA_INTENT_PACKAGES == ("pytorch-cuda",)
    assert set(cuda.CUDA_VERSION_CARRIERS) | set(cuda.CUDA_RUNTIMES) <= cuda.CUDA_RUNTIME_PACKAGES
    # Every runtime the stack table pairs a torch with is a version carrier.
    runtimes = {row.runtime for row in table().rows if row.runtime}
    assert runtimes == {"pytorch-cuda", "cudatoolkit"}
    assert runtimes <= set(cuda.CUDA_VERSION_CARRIERS)


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [  # versions as the corpus's environments record them
        ("pytorch-cuda", "11.8", "11.8"),
        ("cudatoolkit", "11.7.0", "11.7"),
        ("cudatoolkit", "10.2.89", "10.2"),
        ("cuda-version", "12.9", "12.9"),
        ("cuda-runtime", "11.6.1", "11.6"),
        ("cuda-cudart", "13.0.96", "13.0"),
        ("cuda-nvrtc", "11.6.124", "11.6"),
        ("cuda-nvtx", "11.6.124", "11.6"),
        ("cuda-cupti", "11.6.124", "11.6"),
        ("cuda-libraries", "11.6.1", "11.6"),
        ("cuda-toolkit", "13.0.2", "13.0"),
        ("cuda-nvcc", "13.0.88", "13.0"),
    ],
)
def test_a_runtime_package_version_is_its_cuda(name: str, version: str, expected: str) -> None:
    assert cuda.variant_of(name, version, "0").cuda == expected


def test_cuda_tools_are_not_runtime_packages() -> None:
    # guanjq/targetdiff: the nvidia channel put cuda-memcheck 11.8.86 into a CUDA 11.6
    # environment (cuda-runtime 11.6.1); it says nothing about the runtime.
    assert "cuda-memcheck" not in cuda.CUDA_RUNTIME_PACKAGES
    assert cuda.variant_of("cuda-memcheck", "11.8.86", "0").cuda is None


def test_pytorch_cuda_pins_the_runtime_packages_to_its_version(corpus: Path) -> None:
    """Every pytorch-cuda in the corpus locks depends on runtime packages from its X.Y."""
    seen = 0
    for path in sorted((corpus / "lockfiles").glob("*.y*ml")):
        for record in _lock_packages(path):
            if record["name"] != "pytorch-cuda":
                continue
            deps = record.get("dependencies") or {}
            pinned = {n: v for n, v in deps.items() if n in cuda.CUDA_RUNTIME_PACKAGES}
            assert {"cuda-runtime", "cuda-cudart"} <= pinned.keys(), path.name
            for spec in pinned.values():
                low, _ = _cuda_range(spec) or ("", "")
                assert low == cuda.runtime_cuda(record["version"]), (path.name, spec)
            seen += 1
    assert seen >= 3


# --- reading builds ----------------------------------------------------------------------

# Every CUDA/CPU build-string form in CONTRACTS.md, read by one function.


@pytest.mark.parametrize(
    ("name", "version", "build", "expected"),
    [
        (
            "pytorch",
            "1.13.0",
            "py3.8_cuda11.7_cudnn8.5.0_0",
            cuda.Variant(cuda="11.7", python="3.8", cudnn="8.5"),
        ),
        (
            "pytorch",
            "2.0.1",
            "py3.10_cuda11.8_cudnn8_0",
            cuda.Variant(cuda="11.8", python="3.10", cudnn="8"),
        ),
        ("pytorch", "1.13.0", "py3.8_cpu_0", cuda.Variant(cpu=True, python="3.8")),
        ("pytorch", "2.0.1", "py3.10_0", cuda.Variant(cpu=True, python="3.10")),
        ("pytorch", "1.13.1", "py3.8_0", cuda.Variant(cpu=True, python="3.8")),
        ("pytorch", "2.0.1", "py3.10_cpu_0", cuda.Variant(cpu=True, python="3.10")),
        (
            "pytorch",
            "1.7.1",
            "py3.8_cuda10.2.89_cudnn7.6.5_0",
            cuda.Variant(cuda="10.2", python="3.8", cudnn="7.6"),
        ),
        ("pytorch", "2.1.0", "cuda118_py310h2f8b1f3_300", cuda.Variant(cuda="11.8", python="3.10")),
        ("pytorch", "1.13.1", "cuda112py39hb0b7ed5_200", cuda.Variant(cuda="11.2", python="3.9")),
        ("pytorch", "2.7.1", "cpu_mkl_py310h1d2ba9c_101", cuda.Variant(cpu=True, python="3.10")),
        ("libtorch", "2.7.1", "cpu_generic_h3a4b5c6_1", cuda.Variant(cpu=True)),
        ("pytorch-mutex", "1.0", "cuda", cuda.Variant(gpu=True)),
        ("pytorch-mutex", "1.0", "cpu", cuda.Variant(cpu=True)),
        ("torchvision", "0.14.0", "py38_cu117", cuda.Variant(cuda="11.7", python="3.8")),
        ("torchvision", "0.14.0", "py38_cpu", cuda.Variant(cpu=True, python="3.8")),
        (
            "pyg",
            "2.2.0",
            "py38_torch_1.13.0_cu117",
            cuda.Variant(cuda="11.7", python="3.8", torch="1.13"),
        ),
        (
            "pyg",
            "2.3.0",
            "py310_torch_2.0.0_cpu",
            cuda.Variant(cpu=True, python="3.10", torch="2.0"),
        ),
        (
            "pytorch-scatter",
            "2.1.0",
            "py38_torch_1.13.0_cu116",
            cuda.Variant(cuda="11.6", python="3.8", torch="1.13"),
        ),
        ("torch", "1.13.1+cu117", None, cuda.Variant(cuda="11.7")),
        ("torch", "2.0.1+cpu", None, cuda.Variant(cpu=True)),
        ("torch-scatter", "2.1.0+pt113cu117", None, cuda.Variant(cuda="11.7", torch="1.13")),
        ("torch-sparse", "0.6.17+pt20cpu", None, cuda.Variant(cpu=True, torch="2.0")),
        ("nvidia-cublas-cu12", "12.1.3.1", None, cuda.Variant(cuda="12")),
        ("cudatoolkit", "11.3.1", "h2bc3f7f_2", cuda.Variant(cuda="11.3")),
        ("pytorch-cuda", "11.7", "h778d358_5", cuda.Variant(cuda="11.7")),
        ("cuda-version", "12.5", "hd4f0392_3", cuda.Variant(cuda="12.5")),
        ("cudnn", "8.9.2.26", "cuda11_0", cuda.Variant(cudnn="8.9")),
        ("numpy", "1.23.5", "py38h14f4228_0", cuda.Variant(python="3.8")),
        ("python", "3.8.16", "h7a1cb2a_3", cuda.Variant()),
        ("python", "3.10.0", "py3.10_0", cuda.Variant(python="3.10")),
        ("torchaudio", "0.7.2", "py39", cuda.Variant(python="3.9")),
        ("torchaudio", "0.13.0", "py38_cu116", cuda.Variant(cuda="11.6", python="3.8")),
        ("cupy", "12.0", "py311hd7b1a5a_0", cuda.Variant(python="3.11")),
    ],
)
def test_variant_of_reads_every_form(
    name: str, version: str, build: str | None, expected: cuda.Variant
) -> None:
    assert cuda.variant_of(name, version, build) == expected


def test_is_cuda_covers_a_cuda_marker_without_a_version() -> None:
    assert cuda.variant_of("pytorch-mutex", "1.0", "cuda").is_cuda
    assert not cuda.variant_of("pytorch-mutex", "1.0", "cpu").is_cuda
    assert cuda.variant_of("pytorch", "2.0.1", "py3.10_cuda11.8_cudnn8.7.0_0").is_cuda
    assert not cuda.variant_of("pytorch", "2.0.1", "py3.10_0").is_cuda


@pytest.mark.parametrize(
    ("name", "version", "build", "cuda_version", "cpu"),
    [
        ("pytorch", "2.1.0", "py3.10_cuda11.8_cudnn8.7.0_0", "11.8", False),
        ("pytorch", "2.1.0", "py3.10_cuda11.8_cudnn8_0", "11.8", False),  # win-64
        ("pytorch", "2.1.0", "py3.10_0", None, True),  # osx-arm64: no tag, no CUDA
        ("pytorch", "2.0.1", "py3.8_cpu_0", None, True),
        ("pytorch", "1.13.1", "cuda112py39hb0b7ed5_200", "11.2", False),
        ("pytorch", "2.6.0", "cuda126_mkl_py312_h30b5a27_304", "12.6", False),
        ("pytorch", "2.7.1", "cpu_mkl_py311_h7bde0a3_103", None, True),
        ("pytorch", "2.7.1", "cpu_generic_py311_h59b5628_4", None, True),
        ("libtorch", "2.7.1", "cpu_mkl_hf38bc2d_103", None, True),
        ("pytorch", "2.0.1", "cuda11.8_py310_1", "11.8", False),  # Open-CE, ppc64le
        ("torchvision", "0.11.2", "py37_cu113", "11.3", False),
        ("pyg", "2.0.3", "py37_torch_1.10.0_cu113", "11.3", False),
        ("torch", "1.13.1+cu117", None, "11.7", False),
        ("torch-scatter", "2.1.1+pt113cu117", None, "11.7", False),
        ("torch", "2.0.1+cpu", None, None, True),
    ],
)
def test_every_build_form_reads_as_its_variant(
    name: str, version: str, build: str | None, cuda_version: str | None, cpu: bool
) -> None:
    variant = cuda.variant_of(name, version, build)
    assert (variant.cuda, variant.cpu) == (cuda_version, cpu)


def test_pytorch_mutex_names_the_variant_but_no_version() -> None:
    assert cuda.variant_of("pytorch-mutex", "1.0", "cuda") == cuda.Variant(gpu=True)
    assert cuda.variant_of("pytorch-mutex", "1.0", "cuda").is_cuda
    assert cuda.variant_of("pytorch-mutex", "1.0", "cpu") == cuda.Variant(cpu=True)


def test_builds_read_as_the_cuda_their_dependencies_name(corpus: Path) -> None:
    """pytorch channel: each build's CUDA is the one its runtime dependency pins, and a
    build that depends on `pytorch-mutex 1.0 cpu` reads as CPU."""
    checked = 0
    for record in _pytorch_records(corpus):
        if record["name"] not in ("pytorch", "torchvision", "torchaudio"):
            continue
        variant = cuda.variant_of(record["name"], record["version"], record["build"])
        for dep in record.get("depends", []):
            name, _, spec = dep.partition(" ")
            if name in ("pytorch-cuda", "cudatoolkit") and (span := _cuda_range(spec)):
                assert variant.cuda == span[0], (record["build"], dep)
                checked += 1
            elif dep == "pytorch-mutex 1.0 cpu":
                assert variant.cpu and variant.cuda is None, record["build"]
                checked += 1
    assert checked > 150


# --- which CUDA a build runs on ----------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "runtime", "runs"),
    [
        ("py3.8_cuda11.7_cudnn8.5.0_0", "11.7", True),
        ("py3.8_cuda11.7_cudnn8.5.0_0", "11.8", False),  # pytorch channel: exactly 11.7
        ("py3.10_cuda11.8_cudnn8_0", "11.8.89", True),
        ("py38_cu117", "11.8", False),
        ("py38_torch_1.13.0_cu117", "11.6", False),
        ("cuda11.8_py310_1", "11.8", True),  # Open-CE: cudatoolkit 11.8.*
        ("cuda11.8_py310_1", "11.7", False),
        ("cuda112py39hb0b7ed5_200", "11.8", True),  # conda-forge: a later 11 minor
        ("cuda112py39hb0b7ed5_200", "11.2", True),
        ("cuda112py39hb0b7ed5_200", "11.1", False),  # an older minor
        ("cuda112py39hb0b7ed5_200", "12.0", False),  # another major
        ("cuda118_py310h1b9c1d1_201", "11.2", False),
        ("cuda126_mkl_py312_h30b5a27_304", "12.8", True),
        ("cuda126_mkl_py312_h30b5a27_304", "12.4", False),
        ("py3.8_cpu_0", "11.7", False),
        ("cpu_mkl_py311_h7bde0a3_103", "11.8", False),
    ],
)
def test_which_cuda_a_build_runs_on(build: str, runtime: str, runs: bool) -> None:
    built_for = cuda.variant_of("pytorch", "1.13.1", build).cuda
    assert cuda.runs_on(built_for, build, runtime) is runs


def test_the_minor_rule_is_what_the_builds_depend_on(corpus: Path) -> None:
    """For every CUDA build in the corpus that states its runtime range, `runs_on` holds
    exactly for the CUDA versions in that range: the pytorch channel's `>=11.7,<11.8`,
    Open-CE's `11.8.*`, conda-forge's `>=11.2,<12`."""
    records: list[tuple[str, str, str, str]] = []  # name, version, build, runtime spec
    for record in _pytorch_records(corpus):
        for dep in record.get("depends", []):
            name, _, spec = dep.partition(" ")
            if name in ("pytorch-cuda", "cudatoolkit") and record["name"] == "pytorch":
                records.append((record["name"], record["version"], record["build"], spec))
    for path in sorted((corpus / "lockfiles").glob("*.y*ml")):
        for record in _lock_packages(path):
            if record["name"] != "pytorch" or record.get("manager", "conda") != "conda":
                continue
            _, _, build = parse_package_filename(record["url"].rsplit("/", 1)[-1])
            for name, spec in (record.get("dependencies") or {}).items():
                if name in ("pytorch-cuda", "cudatoolkit"):
                    records.append(("pytorch", record["version"], build, spec))
    forms = {"conda-forge": 0, "exact": 0}
    for name, version, build, spec in records:
        span = _cuda_range(spec)
        if span is None:
            continue
        built_for = cuda.variant_of(name, version, build).cuda
        for runtime in CUDAS:
            assert cuda.runs_on(built_for, build, runtime) is _in_range(runtime, *span), (
                build,
                spec,
                runtime,
            )
        forms["conda-forge" if cuda.minor_compatible(build) else "exact"] += 1
    assert forms["conda-forge"] >= 1  # EthanMarx/ztf-lfi-demo: cuda112py39hb0b7ed5_200
    assert forms["exact"] > 50


# --- tags and versions ---------------------------------------------------------------------


def _tag_cuda(tag: str) -> str | None:
    """The CUDA a wheel's local label `+tag` names, as the build reader reads it."""
    return cuda.variant_of("torch", f"2.0.1+{tag}", None).cuda


def test_cu_tags_and_versions_convert_both_ways() -> None:
    assert cuda.cuda_tag("11.7") == "cu117"
    assert cuda.cuda_tag("10.2") == "cu102"
    assert cuda.cuda_tag("cpu") == "cpu"
    assert _tag_cuda("cu117") == "11.7"
    assert _tag_cuda("cu92") == "9.2"
    assert _tag_cuda("cpu") is None
    for bad in ("cuda117", "rocm5.2", "cu1"):  # not a CUDA tag: it names no CUDA
        assert _tag_cuda(bad) is None
    # Every tag and CUDA version the stack table knows survives the round trip.
    for row in table().rows:
        for tag in (*row.torch_wheels, *row.pyg_wheels):
            assert cuda.cuda_tag(_tag_cuda(tag) or "cpu") == tag
        for version in (*row.cuda, *row.conda_forge_cuda):
            assert _tag_cuda(cuda.cuda_tag(version)) == version


def test_cuda_tag() -> None:
    assert cuda.cuda_tag("11.7") == "cu117"
    assert cuda.cuda_tag("12.1") == "cu121"


def test_major_minor_helpers() -> None:
    assert cuda.major_minor("11.7.99") == "11.7"
    assert cuda.major_minor("1.13.1+cu117") == "1.13"
    assert cuda.major_minor("8") == "8"
    assert cuda.cuda_major("11.7") == "11"
    assert cuda.runtime_cuda("11.6.55") == "11.6"
    assert cuda.runtime_cuda("11.6.*") == "11.6"  # a --from-history pin reads as its X.Y
    assert cuda.runtime_cuda(">=11.6") is None
    assert cuda.runtime_cuda("") is None


@pytest.mark.parametrize(
    ("spec", "carried"),
    [
        ("pytorch-cuda 11.7.*", ("pytorch-cuda", "11.7")),
        ("pytorch::pytorch-cuda 11.8.*", ("pytorch-cuda", "11.8")),
        ("cudatoolkit 11.3.1", ("cudatoolkit", "11.3")),
        ("cuda-version >=12.1", ("cuda-version", "12.1")),
        ("cuda-cudart 11.7.99", None),  # a runtime library, not a carrier
        ("pytorch 1.13.* *cuda11.7*", None),
    ],
)
def test_a_carrier_spec_names_the_cuda(spec: str, carried: tuple[str, str] | None) -> None:
    assert cuda.carrier_cuda(spec) == carried


@pytest.mark.parametrize(
    ("name", "version", "build", "conda", "major"),
    [
        ("cuda-memcheck", "11.8.86", "0", True, "11"),
        ("cupy-cuda12x", "13.0.0", None, False, "12"),
        ("nvidia-cudnn-cu12", "8.9.2.26", None, False, "12"),
        ("torchvision", "0.20.1+cu121", None, False, "12"),
        ("torchvision", "0.11.2", "py37_cu113", True, "11"),
        ("numpy", "1.24.4", "py38h59b608b_0", True, None),
        ("cuda-python", ">=12", None, True, None),
    ],
)
def test_the_cuda_major_a_package_belongs_to(
    name: str, version: str, build: str | None, conda: bool, major: str | None
) -> None:
    assert cuda.package_cuda_major(name, version, build, conda=conda) == major


def test_cuda_packages_for_ranking() -> None:
    for name in ("cudatoolkit", "cuda-nvrtc", "cudnn", "nvidia-cublas-cu11", "NVIDIA-CUDNN-CU12"):
        assert cuda.is_cuda_package(name)
    for name in ("cuda", "nvidia-ml-py", "cupy"):
        assert not cuda.is_cuda_package(name)


# --- what asks for a CUDA torch --------------------------------------------------------------


def test_the_mutex_cuda_build_selects_cuda() -> None:
    assert cuda.mutex_is_cuda("cuda")
    assert not cuda.mutex_is_cuda("cpu")
    assert not cuda.mutex_is_cuda(None)
    assert cuda.mutex_is_cuda("cuda") is cuda.variant_of("pytorch-mutex", "1.0", "cuda").gpu


def test_what_asks_for_a_cuda_torch() -> None:
    """pytorch-cuda and the mutex's `cuda` build ask; cudatoolkit and cuda-version, which
    CPU stacks pull in too, and the mutex's `cpu` build do not."""
    toolkit = Package(name="cudatoolkit", version="11.3.1", build="h2bc3f7f_2")
    version = Package(name="cuda-version", version="12.5", build="hd4f0392_3")
    mutex_cuda = Package(name="pytorch-mutex", version="1.0", build="cuda")
    mutex_cpu = Package(name="pytorch-mutex", version="1.0", build="cpu")
    pairing = Package(name="pytorch-cuda", version="11.7", build="h778d358_5")
    assert cuda.cuda_intent([toolkit, version, mutex_cpu]) == ()
    # pytorch-cuda first, then the mutex, whatever order the environment lists them in
    assert cuda.cuda_intent([mutex_cuda, toolkit, pairing]) == (pairing, mutex_cuda)


@pytest.mark.parametrize("mutex", ["cuda", "cpu"])
def test_guard_and_findings_agree_on_the_mutex_alone(mutex: str) -> None:
    """A CPU pytorch beside only a pytorch-mutex: its `cuda` build is the intent findings
    read and the variant the guard demands."""
    packages = [
        Package(name="pytorch", version="1.13.1", build="py3.8_cpu_0"),
        Package(name="pytorch-mutex", version="1.0", build=mutex),
    ]
    findings = side_findings(packages)
    assert any(f.code == "cpu-build" for f in findings) is (mutex == "cuda")
    broken = guard.violations(
        SpecSet(
            platform="linux-64",
            specs=(),
            channels=(),
            intent=CudaIntent(cuda="11.7", runtime=None, guarded=("pytorch",)),
        ),
        packages,
    )
    assert any("selects the CPU variant" in b for b in broken) is (mutex == "cpu")


# --- guard and findings agree --------------------------------------------------------------

TORCH_BUILDS = [  # (version, build)
    ("1.13.1", "py3.8_cuda11.7_cudnn8.5.0_0"),
    ("2.1.0", "py3.10_cuda11.8_cudnn8_0"),  # win-64
    ("2.1.0", "py3.10_0"),  # osx
    ("2.0.1", "py3.8_cpu_0"),
    ("2.0.1", "cuda11.8_py310_1"),  # Open-CE
    ("1.13.1", "cuda112py39hb0b7ed5_200"),
    ("2.0.0", "cuda118_py310h1b9c1d1_201"),
    ("2.6.0", "cuda126_mkl_py312_h30b5a27_304"),
    ("2.7.1", "cpu_mkl_py311_h7bde0a3_103"),
    ("2.7.1", "cpu_generic_py311_h59b5628_4"),
]
RUNTIME_CUDAS = ("11.1", "11.2", "11.7", "11.8", "12.0", "12.4", "12.6", "12.8")


def _guard_refuses(cuda_version: str, runtime: str, packages: list[Package]) -> bool:
    guarded = tuple(p.name for p in packages if p.name not in ("pytorch", runtime))
    specset = SpecSet(
        platform="linux-64",
        specs=(),
        channels=(),
        intent=CudaIntent(cuda=cuda_version, runtime=runtime, guarded=("pytorch", *guarded)),
    )
    return bool(guard.violations(specset, packages))


def _findings_refuse(packages: list[Package]) -> bool:
    return any(f.severity == "error" for f in side_findings(packages))


@pytest.mark.parametrize(("version", "build"), TORCH_BUILDS)
@pytest.mark.parametrize("runtime_cuda", RUNTIME_CUDAS)
def test_guard_and_findings_agree_on_torch_builds_and_runtimes(
    version: str, build: str, runtime_cuda: str
) -> None:
    """pytorch-cuda X.Y both asks for CUDA X.Y and is the runtime: the guard refuses the
    environment exactly when findings report an error in it."""
    packages = [
        Package(name="pytorch", version=version, build=build),
        Package(name="pytorch-cuda", version=runtime_cuda, build="h778d358_5"),
    ]
    refused = _guard_refuses(runtime_cuda, "pytorch-cuda", packages)
    assert refused == _findings_refuse(packages)
    built_for = cuda.variant_of("pytorch", version, build).cuda
    assert refused is not cuda.runs_on(built_for, build, runtime_cuda)


@pytest.mark.parametrize(("version", "build"), [b for b in TORCH_BUILDS if "cpu" not in b[1]])
@pytest.mark.parametrize("runtime_cuda", RUNTIME_CUDAS)
def test_guard_and_findings_agree_with_cudatoolkit(
    version: str, build: str, runtime_cuda: str
) -> None:
    """cudatoolkit states no intent by itself (other packages pull it in), so the pairs
    are the builds that name a CUDA, and the osx build, which reads as CPU."""
    packages = [
        Package(name="pytorch", version=version, build=build),
        Package(name="cudatoolkit", version=f"{runtime_cuda}.0", build="h4ba93d1_13"),
    ]
    if build == "py3.10_0":  # a CPU build: findings need an intent to call it wrong
        packages.append(Package(name="pytorch-mutex", version="1.0", build="cuda"))
    assert _guard_refuses(runtime_cuda, "cudatoolkit", packages) == _findings_refuse(packages)


COMPANIONS = [  # (name, version, build) as the pytorch and pyg channels publish them
    ("torchvision", "0.14.1", "py38_cu117"),
    ("torchvision", "0.14.1", "py38_cu116"),
    ("torchvision", "0.14.1", "py38_cpu"),
    ("pyg", "2.2.0", "py38_torch_1.13.0_cu117"),
    ("pyg", "2.2.0", "py38_torch_1.13.0_cu116"),
    ("pyg", "2.2.0", "py38_torch_1.13.0_cpu"),
]


@pytest.mark.parametrize(("name", "version", "build"), COMPANIONS)
@pytest.mark.parametrize(
    ("torch_build", "mutex"),
    [
        ("py3.8_cuda11.7_cudnn8.5.0_0", "cuda"),
        ("py3.8_cuda11.6_cudnn8.3.2_0", "cuda"),
        ("py3.8_cpu_0", "cpu"),
    ],
)
def test_guard_and_findings_agree_on_companions_and_the_mutex(
    name: str, version: str, build: str, torch_build: str, mutex: str
) -> None:
    """A pytorch-channel environment: torch, the pytorch-mutex its build depends on, a
    companion, pytorch-cuda 11.7; refused by both or by neither."""
    packages = [
        Package(name="pytorch", version="1.13.1", build=torch_build),
        Package(name="pytorch-mutex", version="1.0", build=mutex),
        Package(name=name, version=version, build=build),
        Package(name="pytorch-cuda", version="11.7", build="h778d358_5"),
    ]
    refused = _guard_refuses("11.7", "pytorch-cuda", packages)
    assert refused == _findings_refuse(packages)
    assert refused is not (torch_build.startswith("py3.8_cuda11.7") and build.endswith("cu117"))
