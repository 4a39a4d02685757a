"""Package names across conda and pip, and which packages decide whether a GPU stack works.

conda and PyPI name some packages differently (`pytorch` / `torch`, `pyg` /
`torch-geometric`); the diff pairs a conda package with a pip one through `pair_key`, and
only when neither has a partner under its own manager (CONTRACTS.md "Snapshot kinds").
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from envlock.models import Manager

# conda name → PyPI project name, where they differ.
CONDA_TO_PIP: dict[str, str] = {
    "pytorch": "torch",
    "pytorch-scatter": "torch-scatter",
    "pytorch-sparse": "torch-sparse",
    "pytorch-cluster": "torch-cluster",
    "pytorch-spline-conv": "torch-spline-conv",
    "pyg": "torch-geometric",
    "py-opencv": "opencv-python",
    "py-xgboost": "xgboost",
    "matplotlib-base": "matplotlib",
    "msgpack-python": "msgpack",
    "pytables": "tables",
    "tensorflow-base": "tensorflow",
}

# The packages whose drift most often breaks an ML stack; they are ranked first.
CRITICAL: frozenset[str] = frozenset(
    {
        "python",
        "pytorch",
        "torch",
        "libtorch",
        "pytorch-cuda",
        "pytorch-mutex",
        "cpuonly",
        "cudatoolkit",
        "cudnn",
        "nccl",
        "torchvision",
        "torchaudio",
        "pyg",
        "torch-geometric",
        "pyg-lib",
        "pytorch-scatter",
        "pytorch-sparse",
        "pytorch-cluster",
        "pytorch-spline-conv",
        "torch-scatter",
        "torch-sparse",
        "torch-cluster",
        "torch-spline-conv",
        "numpy",
        "mkl",
        "blas",
        "libblas",
        "libcblas",
        "liblapack",
        "openblas",
        "libopenblas",
    }
)


def pair_key(name: str, manager: Manager) -> str:
    """The name both managers agree on: the PEP 503 form of the PyPI project name."""
    if manager == "conda":
        name = CONDA_TO_PIP.get(name.lower(), name)
    return str(canonicalize_name(name))


def is_critical(name: str) -> bool:
    """Whether a package belongs to the GPU/numeric core (python, torch, CUDA, PyG, numpy, BLAS)."""
    name = name.lower()
    if name in CRITICAL:
        return True
    if name.startswith("cuda-"):  # nvidia runtime packages: cuda-cudart, cuda-nvrtc …
        return True
    # PyPI CUDA wheels: nvidia-cudnn-cu12, nvidia-cublas-cu11 …
    return name.startswith("nvidia-") and "-cu1" in name
