"""What a package's build string (or pip local version) says about CUDA, CPU, Python, torch.

One reader for every form the PyTorch/PyG ecosystem uses, so that the CUDA guard, diff
findings, import and doctor agree:

    pytorch        py3.8_cuda11.7_cudnn8.5.0_0   py3.10_cuda11.8_cudnn8_0 (win)
                   py3.8_cpu_0                   py3.10_0 (osx: neither tag, always CPU)
                   py3.8_cuda10.2.89_cudnn7.6.5_0 (torch <= 1.7)
    conda-forge    cuda118_py310h...  cuda112py39h...  cpu_mkl_py310h...  cpu_generic_py310h...
    pytorch-mutex  cuda | cpu                    (the build is the variant; `cuda` says
                                                  no version: Variant.gpu)
    torchvision    py38_cu117  py38_cpu
    pyg, torch-*   py38_torch_1.13.0_cu117  py38_torch_1.13.0_cpu
    pip wheels     1.13.1+cu117  2.1.0+pt113cu117  2.0.1+cpu   nvidia-cudnn-cu12 (name)
    runtimes       cudatoolkit / pytorch-cuda / cuda-version / cuda-cudart ...: the version
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Packages whose *version* is a CUDA version.
CUDA_RUNTIME_PACKAGES: frozenset[str] = frozenset(
    {
        "cudatoolkit",
        "pytorch-cuda",
        "cuda-version",
        "cuda-runtime",
        "cuda-cudart",
        "cuda-toolkit",
        "cuda-libraries",
        "cuda-nvcc",
        "cuda-nvrtc",
    }
)
CUDNN_PACKAGES: frozenset[str] = frozenset(
    {"cudnn", "nvidia-cudnn", "nvidia-cudnn-cu11", "nvidia-cudnn-cu12"}
)

_CUDA_DOTTED = re.compile(r"(?:^|[_\-.])cuda(\d+)\.(\d+)")
_CUDA_PACKED = re.compile(r"(?:^|[_\-])cuda(\d{2,3})(?=py|_|$|h)")
_CU_TAG = re.compile(r"(?:^|[_\-+.]|pt\d{2,3})cu(\d{2,3})(?=$|[_\-.a-z])")
_CPU_TAG = re.compile(r"(?:^|[_\-+]|pt\d{2,3})cpu(?=$|[_\-.])")
_CUDNN = re.compile(r"cudnn(\d+)(?:\.(\d+))?")
_PYTHON = re.compile(r"(?:^|[_\d])py(\d)\.?(\d{1,2})(?=$|[_h.a-z])")
_TORCH = re.compile(r"torch_?(\d+)\.(\d+)")
_PT_TAG = re.compile(r"pt(\d)(\d{1,2})(?=cu|cpu|$|[_\-.])")
_NAME_CU_MAJOR = re.compile(r"-cu(\d{2})$")
# The pytorch channel's osx builds: `py3.10_0`, no cuda and no cpu tag (osx has no CUDA).
_PYTORCH_OSX = re.compile(r"^py\d\.\d{1,2}_\d+$")
_TORCH_PACKAGES = frozenset({"pytorch", "torch", "libtorch"})


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


def _packed(digits: str) -> str:
    """`117` → `11.7`, `92` → `9.2`, `102` → `10.2`, `120` → `12.0`."""
    return f"{digits[:-1]}.{digits[-1]}"


def major_minor(version: str) -> str:
    """`11.7.99` → `11.7`; `8` → `8`."""
    parts = version.split("+", 1)[0].split(".")
    return ".".join(parts[:2])


def variant_of(name: str, version: str, build: str | None) -> Variant:
    """Read CUDA/CPU/python/torch/cuDNN tags from a package's name, version and build."""
    name = name.lower()
    if name in CUDA_RUNTIME_PACKAGES:
        return Variant(cuda=major_minor(version))
    if name in CUDNN_PACKAGES:
        cu = _NAME_CU_MAJOR.search(name)
        return Variant(cudnn=major_minor(version), cuda=cu.group(1) if cu else None)
    if name == "pytorch-mutex" and build:
        return Variant(gpu=build.startswith("cuda"), cpu=build.startswith("cpu"))
    if name == "cpuonly":
        return Variant(cpu=True)

    local = version.split("+", 1)[1] if "+" in version else ""
    text = "_".join(t for t in (build or "", f"+{local}" if local else "") if t)

    cuda: str | None = None
    if m := _CUDA_DOTTED.search(text):
        cuda = f"{m.group(1)}.{m.group(2)}"
    elif (m := _CUDA_PACKED.search(text)) or (m := _CU_TAG.search(text)):
        cuda = _packed(m.group(1))
    elif m := _NAME_CU_MAJOR.search(name):
        cuda = m.group(1)
    cpu = cuda is None and bool(_CPU_TAG.search(text))
    if cuda is None and name in _TORCH_PACKAGES and _PYTORCH_OSX.match(build or ""):
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


def cuda_tag(cuda: str) -> str:
    """`11.7` → `cu117` (the tag torchvision, PyG and wheel indexes use)."""
    return "cu" + cuda.replace(".", "")
