"""Package names across conda and pip, and which packages decide whether a GPU stack works.

conda and PyPI name some packages differently (`pytorch` / `torch`, `pyg` /
`torch-geometric`); the diff pairs a conda package with a pip one through `pair_key`, and
only when neither has a partner under its own manager (CONTRACTS.md "Snapshot kinds").
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from envlock.models import Manager
from envlock.stacks.cuda import TORCH_PACKAGES, is_cuda_package

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

# Packages compiled against torch: their builds name the torch and CUDA they need.
EXTENSIONS = frozenset(
    {
        "pyg",
        "pyg-lib",
        "pytorch-scatter",
        "pytorch-sparse",
        "pytorch-cluster",
        "pytorch-spline-conv",
        "torch-scatter",
        "torch-sparse",
        "torch-cluster",
        "torch-spline-conv",
        "torchvision",
        "torchaudio",
    }
)

# The packages whose drift most often breaks an ML stack; they are ranked first, with
# every CUDA runtime package (`is_cuda_package`: pytorch-cuda, cudatoolkit, cudnn, …).
CRITICAL: frozenset[str] = (
    EXTENSIONS
    | TORCH_PACKAGES
    | frozenset(
        {
            "python",
            "pytorch-mutex",
            "cpuonly",
            "nccl",
            "torch-geometric",
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
)


# PyPI project (PEP 503 name) → the top-level module it installs, where it is not the
# name itself; a name with `-` not listed here is not guessed.
_IMPORT_NAMES: dict[str, str] = {
    "torch-geometric": "torch_geometric",
    "torch-scatter": "torch_scatter",
    "torch-sparse": "torch_sparse",
    "torch-cluster": "torch_cluster",
    "torch-spline-conv": "torch_spline_conv",
    "pyg-lib": "pyg_lib",
    "opencv-python": "cv2",
    "opencv-python-headless": "cv2",
    "opencv-contrib-python": "cv2",
    "pillow": "PIL",
    "pyyaml": "yaml",
    "scikit-learn": "sklearn",
    "scikit-image": "skimage",
    "pytorch-lightning": "pytorch_lightning",
    "protobuf": "google.protobuf",
    "beautifulsoup4": "bs4",
    "python-dateutil": "dateutil",
    "typing-extensions": "typing_extensions",
    "pyzmq": "zmq",
    "attrs": "attr",
}


def import_name(pip_name: str) -> str | None:
    """The module a PyPI project installs (`torch` → `torch`, `pillow` → `PIL`), or None
    when it cannot be told from the name (`python-foo` need not install `python_foo`)."""
    key = str(canonicalize_name(pip_name))
    if key in _IMPORT_NAMES:
        return _IMPORT_NAMES[key]
    return key if key.replace("_", "").isalnum() and "." not in key else None


def pair_key(name: str, manager: Manager) -> str:
    """The name both managers agree on: the PEP 503 form of the PyPI project name."""
    if manager == "conda":
        name = CONDA_TO_PIP.get(name.lower(), name)
    return str(canonicalize_name(name))


def is_critical(name: str) -> bool:
    """Whether a package belongs to the GPU/numeric core (python, torch, CUDA, PyG, numpy, BLAS)."""
    name = name.lower()
    # CUDA runtime packages: pytorch-cuda, cudatoolkit, cudnn, cuda-cudart, cuda-nvrtc …,
    # and the PyPI nvidia-*-cu12 wheels.
    return name in CRITICAL or is_cuda_package(name)
