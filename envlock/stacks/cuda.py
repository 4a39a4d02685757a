"""The CUDA facts every stage reads: runtime packages, build tags, the minor rule, `cuXYZ`.

Expansion, the CUDA guard, diff findings, the resolve report, `check` (and the coming
import and doctor) read these from here and nowhere else, so they cannot disagree.

Runtime packages: conda packages whose *version* is a CUDA version, each with its part:

    package          carrier  runtime  what it is
    pytorch-cuda     yes      yes      pytorch channel, torch 1.13-2.5: metapackage X.Y that
                                       pins the nvidia `cuda-*` runtime to X.Y (intent)
    cudatoolkit      yes      yes      torch <= 1.12 and conda-forge CUDA <= 11.8: the whole
                                       runtime in one package, X.Y.Z
    cuda-version     yes      no       conda-forge: constraint metapackage X.Y that selects
                                       CUDA builds (`__cuda`); ships no library
    cuda-runtime     no       yes      nvidia / conda-forge: the runtime libraries, X.Y.Z
    cuda-cudart      no       yes      libcudart itself, X.Y.Z
    cuda-libraries, cuda-toolkit,      metapackages and components, X.Y.Z: their version
    cuda-nvrtc, cuda-nvtx,             reads as CUDA's, nothing is checked against them
    cuda-cupti, cuda-nvcc

A *carrier* is what a stack pins to choose CUDA X.Y: the recipe's intent and an
environment.yml's CUDA are read from it, the resolve summary shows it. A *runtime* ships
or pins the libcudart torch loads: a torch build is checked against it. Tools such as
`cuda-memcheck` are not runtime packages: the nvidia channel ships 11.8.86 into 11.6
environments.

CUDA intent (`cuda_intent`): what in an environment asks for a CUDA torch. pytorch-cuda
(the *intent* package above) is installed only to pair the pytorch channel's torch with
CUDA, and pytorch-mutex's `cuda` build selects the CUDA variant (`mutex_is_cuda`).
cudatoolkit and cuda-version ask for nothing by themselves: CPU stacks pull them in too
(cupy, conda-forge's CPU builds beside a CUDA library).

Build tags, in every form the PyTorch/PyG ecosystem writes (`variant_of`):

    pytorch        py3.8_cuda11.7_cudnn8.5.0_0   py3.10_cuda11.8_cudnn8_0 (win)
                   py3.8_cpu_0                   py3.10_0 (osx: neither tag, always CPU)
                   py3.8_cuda10.2.89_cudnn7.6.5_0 (torch <= 1.7)
    conda-forge    cuda118_py310h...  cuda112py39h...  cuda126_mkl_py312_h30b5a27_304
                   cpu_mkl_py310h...  cpu_generic_py310h...
    Open-CE        cuda11.8_py310_1 (ppc64le)
    pytorch-mutex  cuda | cpu                    (`cuda` names no version: Variant.gpu)
    torchvision    py38_cu117  py38_cpu
    pyg, torch-*   py38_torch_1.13.0_cu117  py38_torch_1.13.0_cpu
    pip wheels     1.13.1+cu117  2.1.0+pt113cu117  2.0.1+cpu   nvidia-cudnn-cu12 (name)
    runtimes       the version (above)

Which CUDA a build runs on (`runs_on`): a build runs on the CUDA X.Y it names, and only
on it — the pytorch channel's `py3.8_cuda11.7_…` depends on `pytorch-cuda >=11.7,<11.8`,
Open-CE's `cuda11.8_py310_1` on `cudatoolkit 11.8.*`, torchvision `py38_cu117` on
`pytorch-cuda 11.7.*`. The one exception is conda-forge, whose build strings *start*
with the packed form (`cuda112py39h…`, `cuda118_py310h…`, `cuda126_mkl_…`): they name
the CUDA they were built with and run on any later minor of that major (CUDA's minor
version compatibility; their runtime dependency reads `cudatoolkit >=11.2,<12` or
`cuda-version >=12.6,<13`). So `cuda112py39h…` runs on 11.2 to 11.8, not on 11.1 or 12.x.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from envlock.models import Package
from envlock.specnames import dependency_name, is_exact, major_minor, spec_version


@dataclass(frozen=True, kw_only=True, slots=True)
class RuntimePackage:
    """A conda package whose version is a CUDA version, and the part it plays (see above):
    `intent` marks a package whose presence asks for a CUDA torch."""

    name: str
    carrier: bool
    runtime: bool
    intent: bool = False


RUNTIME_PACKAGES: tuple[RuntimePackage, ...] = (
    RuntimePackage(name="pytorch-cuda", carrier=True, runtime=True, intent=True),
    RuntimePackage(name="cudatoolkit", carrier=True, runtime=True),
    RuntimePackage(name="cuda-version", carrier=True, runtime=False),
    RuntimePackage(name="cuda-runtime", carrier=False, runtime=True),
    RuntimePackage(name="cuda-cudart", carrier=False, runtime=True),
    RuntimePackage(name="cuda-libraries", carrier=False, runtime=False),
    RuntimePackage(name="cuda-toolkit", carrier=False, runtime=False),
    RuntimePackage(name="cuda-nvrtc", carrier=False, runtime=False),
    RuntimePackage(name="cuda-nvtx", carrier=False, runtime=False),
    RuntimePackage(name="cuda-cupti", carrier=False, runtime=False),
    RuntimePackage(name="cuda-nvcc", carrier=False, runtime=False),
)

# Every package whose version is a CUDA version.
CUDA_RUNTIME_PACKAGES: frozenset[str] = frozenset(p.name for p in RUNTIME_PACKAGES)
# The packages that choose an environment's CUDA X.Y, in the order they are looked for.
CUDA_VERSION_CARRIERS: tuple[str, ...] = tuple(p.name for p in RUNTIME_PACKAGES if p.carrier)
# The packages a torch build's CUDA is checked against.
CUDA_RUNTIMES: tuple[str, ...] = tuple(p.name for p in RUNTIME_PACKAGES if p.runtime)
# The runtimes that also choose X.Y (pytorch-cuda, cudatoolkit): without a torch build to
# read, two of them that name different CUDA versions still tell of a mismatch.
CARRIED_RUNTIMES: tuple[str, ...] = tuple(
    p.name for p in RUNTIME_PACKAGES if p.carrier and p.runtime
)
# The runtime packages whose presence asks for a CUDA torch (pytorch-cuda).
CUDA_INTENT_PACKAGES: tuple[str, ...] = tuple(p.name for p in RUNTIME_PACKAGES if p.intent)
# cuDNN as conda (first: the one a conda summary shows) and PyPI name it.
CUDNN_PACKAGES: tuple[str, ...] = (
    "cudnn",
    "nvidia-cudnn",
    "nvidia-cudnn-cu11",
    "nvidia-cudnn-cu12",
)
# The torch a program imports, conda's then pip's: the builds findings read first.
TORCH_NAMES: tuple[str, ...] = ("pytorch", "torch")
# Every torch build, with the C++ library conda-forge's pytorch depends on.
TORCH_PACKAGES: frozenset[str] = frozenset({*TORCH_NAMES, "libtorch"})
MUTEX = "pytorch-mutex"

# CUDA majors that exist (7 to 13): a `cu` elsewhere in a name is not a CUDA tag.
_CUDA_MAJORS = range(7, 14)
_CUDA_DOTTED = re.compile(r"(?:^|[_\-.])cuda(\d+)\.(\d+)")
_CUDA_PACKED = re.compile(r"(?:^|[_\-])cuda(\d{2,3})(?=py|_|$|h)")
# conda-forge's form: the packed tag opens the build string (see `runs_on`).
_CONDA_FORGE_CUDA = re.compile(r"^cuda(\d{2,3})(?=py|_|h|$)")
_CU_TAG = re.compile(r"(?:^|[_\-+.]|pt\d{2,3})cu(\d{2,3})(?=$|[_\-.a-z])")
_CPU_TAG = re.compile(r"(?:^|[_\-+]|pt\d{2,3})cpu(?=$|[_\-.])")
_CUDNN = re.compile(r"cudnn(\d+)(?:\.(\d+))?")
_PYTHON = re.compile(r"(?:^|[_\d])py(\d)\.?(\d{1,2})(?=$|[_h.a-z])")
_TORCH = re.compile(r"torch_?(\d+)\.(\d+)")
_PT_TAG = re.compile(r"pt(\d)(\d{1,2})(?=cu|cpu|$|[_\-.])")
_NAME_CU_MAJOR = re.compile(r"-cu(\d{2})$")
_CARRIED = re.compile(r"[=<>~!]*(\d+\.\d+)")  # `11.7.*`, `>=12.1`, `=11.3`: the X.Y
_CUPY = re.compile(r"^cupy-cuda(\d{2})")
# The pytorch channel's osx builds: `py3.10_0`, no cuda and no cpu tag (osx has no CUDA).
_PYTORCH_OSX = re.compile(r"^py\d\.\d{1,2}_\d+$")


@dataclass(frozen=True, kw_only=True, slots=True)
class Variant:
    """What a build says.

    `cuda` is the CUDA version the build names: "11.7", or a bare major "12" for
    nvidia-*-cu12 wheels. `gpu` marks a CUDA build that names no version (`pytorch-mutex`
    `cuda`); `is_cuda` is true for either, so ask it, not `cuda`, whether a build is CUDA.
    """

    cuda: str | None = None
    gpu: bool = False
    cpu: bool = False
    python: str | None = None
    torch: str | None = None
    cudnn: str | None = None

    @property
    def is_cuda(self) -> bool:
        return self.cuda is not None or self.gpu


def cuda_major(cuda: str) -> str:
    """`11.7` → `11`; `12` → `12`."""
    return cuda.split(".", 1)[0]


def unpack(digits: str) -> str:
    """The packed digits of `cu117` / `cuda112` as X.Y: `117` → `11.7`, `92` → `9.2`."""
    return f"{digits[:-1]}.{digits[-1]}"


def cuda_tag(cuda: str) -> str:
    """`11.7` → `cu117` (the tag torchvision, PyG and wheel indexes use); `cpu` → `cpu`."""
    return "cpu" if cuda == "cpu" else "cu" + cuda.replace(".", "")


def runtime_cuda(version: str) -> str | None:
    """The CUDA X.Y a runtime package's recorded version names: `11.7.99` → `11.7`,
    `11.6.*` → `11.6`, `11.6` → `11.6`; None for a constraint (`>=11.6`) or no version."""
    version = version.removesuffix(".*")
    return major_minor(version) if is_exact(version) else None


def variant_of(name: str, version: str, build: str | None) -> Variant:
    """Read CUDA/CPU/python/torch/cuDNN tags from a package's name, version and build."""
    name = name.lower()
    if name in CUDA_RUNTIME_PACKAGES:
        return Variant(cuda=major_minor(version))
    if name in CUDNN_PACKAGES:
        cu = _NAME_CU_MAJOR.search(name)
        return Variant(cudnn=major_minor(version), cuda=cu.group(1) if cu else None)
    if name == MUTEX and build:
        return Variant(gpu=mutex_is_cuda(build), cpu=build.startswith("cpu"))
    if name == "cpuonly":
        return Variant(cpu=True)

    local = version.split("+", 1)[1] if "+" in version else ""
    text = "_".join(t for t in (build or "", f"+{local}" if local else "") if t)

    cuda: str | None = None
    if m := _CUDA_DOTTED.search(text):
        cuda = f"{m.group(1)}.{m.group(2)}"
    elif (m := _CUDA_PACKED.search(text)) or (m := _CU_TAG.search(text)):
        cuda = unpack(m.group(1))
    elif m := _NAME_CU_MAJOR.search(name):
        cuda = m.group(1)
    cpu = cuda is None and bool(_CPU_TAG.search(text))
    if cuda is None and name in TORCH_PACKAGES and _PYTORCH_OSX.match(build or ""):
        cpu = True  # the osx build: neither tag, and osx has no CUDA

    python = None
    if m := _PYTHON.search(build or ""):
        python = f"{m.group(1)}.{m.group(2)}"

    torch = None
    if (m := _TORCH.search(build or "")) or (m := _PT_TAG.search(local)):
        torch = f"{m.group(1)}.{m.group(2)}"

    cudnn = None
    if m := _CUDNN.search(build or ""):
        cudnn = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
    return Variant(cuda=cuda, cpu=cpu, python=python, torch=torch, cudnn=cudnn)


def mutex_is_cuda(build: str | None) -> bool:
    """Whether a pytorch-mutex build selects the CUDA variant: `cuda` does, `cpu` not."""
    return (build or "").startswith("cuda")


def cuda_intent(packages: Iterable[Package]) -> tuple[Package, ...]:
    """The packages of one environment that ask for a CUDA torch (see above): a
    pytorch-cuda of any version, then a pytorch-mutex `cuda` build (the first of each
    name); empty when nothing asks."""
    order = (*CUDA_INTENT_PACKAGES, MUTEX)
    asking: dict[str, Package] = {}
    for package in packages:
        name = package.name.lower()
        if name in CUDA_INTENT_PACKAGES or (name == MUTEX and mutex_is_cuda(package.build)):
            asking.setdefault(name, package)
    return tuple(asking[n] for n in order if n in asking)


def minor_compatible(build: str | None) -> bool:
    """Whether a build runs on later CUDA minors of its major: conda-forge's builds, whose
    build string opens with the packed tag (`cuda112py39h…`, `cuda126_mkl_py312_…`)."""
    return bool(_CONDA_FORGE_CUDA.match(build or ""))


def runs_on(built_for: str | None, build: str | None, runtime: str) -> bool:
    """Whether a build made for CUDA `built_for` (what `variant_of` reads from `build`)
    runs on the CUDA runtime `runtime` (X.Y or X.Y.Z).

    The same X.Y always does; a conda-forge build (`minor_compatible`) also runs on a
    later minor of its major; a bare major (`12`, from an nvidia-*-cu12 name) on any
    minor of it. A CPU build (`built_for` None) runs on no CUDA.
    """
    if built_for is None:
        return False
    have, want = major_minor(built_for), major_minor(runtime)
    if have == want:
        return True
    if cuda_major(have) != cuda_major(want):
        return False
    if "." not in have:
        return True
    have_minor, want_minor = have.partition(".")[2], want.partition(".")[2]
    return (
        minor_compatible(build)
        and have_minor.isdigit()
        and want_minor.isdigit()
        and int(have_minor) <= int(want_minor)
    )


def carrier_cuda(spec: str) -> tuple[str, str] | None:
    """The carrier and CUDA X.Y a spec pins: `pytorch-cuda 11.7.*` → (`pytorch-cuda`,
    `11.7`), `cuda-version >=12.1` → (`cuda-version`, `12.1`); None for other specs."""
    name = dependency_name(spec)
    found = _CARRIED.match(spec_version(spec))
    if name in CUDA_VERSION_CARRIERS and found:
        return name, found.group(1)
    return None


def package_cuda_major(name: str, version: str, build: str | None, *, conda: bool) -> str | None:
    """The CUDA major a package is built for or carries (`11`), None when it names none.

    Read from a conda `cuda-*` package's version, a `cupy-cuda11x` name, or the tags of a
    build or pip local version (`py38_cu117`, `+cu117`, `nvidia-cudnn-cu12`).
    """
    name = name.lower()
    major: str | None
    if name == "cuda" or (name.startswith("cuda-") and conda):
        cuda = runtime_cuda(version)
        major = cuda_major(cuda) if cuda else None
    elif cupy := _CUPY.match(name):
        major = cupy.group(1)[:2]
    elif "cu" in (build or "") or "+" in version or "cu" in name or name in CUDA_RUNTIMES:
        cuda = variant_of(name, version, build).cuda
        major = cuda_major(cuda) if cuda else None
    else:
        return None
    return major if major and major.isdigit() and int(major) in _CUDA_MAJORS else None


def is_cuda_package(name: str) -> bool:
    """Whether a package is part of a CUDA runtime: the runtime and cuDNN packages, any
    conda `cuda-*` package, the PyPI CUDA wheels (`nvidia-cublas-cu11`, `nvidia-cudnn-cu12`)."""
    name = name.lower()
    if name in CUDA_RUNTIME_PACKAGES or name in CUDNN_PACKAGES or name.startswith("cuda-"):
        return True
    return name.startswith("nvidia-") and "-cu1" in name


def variant_words(cuda: str | None, runtime: str | None) -> str:
    """How a platform's variant reads: `CUDA 11.7 (pytorch-cuda)`, `CUDA 12.1 (wheels)`
    (a pip stack, whose wheels bring their runtime), or `CPU`."""
    return f"CUDA {cuda} ({runtime or 'wheels'})" if cuda else "CPU"


__all__ = [
    "CARRIED_RUNTIMES",
    "CUDA_INTENT_PACKAGES",
    "CUDA_RUNTIMES",
    "CUDA_RUNTIME_PACKAGES",
    "CUDA_VERSION_CARRIERS",
    "CUDNN_PACKAGES",
    "MUTEX",
    "RUNTIME_PACKAGES",
    "TORCH_NAMES",
    "TORCH_PACKAGES",
    "RuntimePackage",
    "Variant",
    "carrier_cuda",
    "cuda_intent",
    "cuda_major",
    "cuda_tag",
    "is_cuda_package",
    "major_minor",
    "minor_compatible",
    "mutex_is_cuda",
    "package_cuda_major",
    "runs_on",
    "runtime_cuda",
    "unpack",
    "variant_of",
    "variant_words",
]
