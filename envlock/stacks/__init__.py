"""Stack knowledge: the CUDA facts, the stack table, and a recipe's expansion per platform.

- `envlock.stacks.cuda`: the one home of CUDA facts (runtime packages, build tags, which
  CUDA a build runs on, `cuXYZ` tags); re-exported here.
- `envlock.stacks.table`: the stack table (what exists per PyTorch minor); its lookups
  are re-exported here, loaded on first use.
- `envlock.stacks.expand.expand(recipe, platform)`: the solver request. Import it from
  its module: it reads recipes, and `expand` is also the submodule's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports
from envlock.stacks.cuda import (
    CARRIED_RUNTIMES,
    CUDA_INTENT_PACKAGES,
    CUDA_RUNTIME_PACKAGES,
    CUDA_RUNTIMES,
    CUDA_VERSION_CARRIERS,
    CUDNN_PACKAGES,
    MUTEX,
    RUNTIME_PACKAGES,
    TORCH_NAMES,
    TORCH_PACKAGES,
    RuntimePackage,
    Variant,
    carrier_cuda,
    cuda_intent,
    cuda_major,
    cuda_tag,
    is_cuda_package,
    major_minor,
    minor_compatible,
    mutex_is_cuda,
    package_cuda_major,
    runs_on,
    runtime_cuda,
    unpack,
    variant_of,
    variant_words,
)

if TYPE_CHECKING:
    from envlock.stacks.table import (
        PYG_WHEEL_PAGE,
        PYTORCH_WHEEL_INDEX,
        StackTable,
        TorchRow,
        known_torch_minors,
        torch_minor,
        virtual_packages,
    )

# The table's names load on first use: the CUDA facts are read on paths (diff, the
# guard) that never look at the table, and its module costs start-up time.
_HOMES = dict.fromkeys(
    (
        "PYG_WHEEL_PAGE",
        "PYTORCH_WHEEL_INDEX",
        "StackTable",
        "TorchRow",
        "known_torch_minors",
        "torch_minor",
        "virtual_packages",
    ),
    "table",
)


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "CARRIED_RUNTIMES",
    "CUDA_INTENT_PACKAGES",
    "CUDA_RUNTIMES",
    "CUDA_RUNTIME_PACKAGES",
    "CUDA_VERSION_CARRIERS",
    "CUDNN_PACKAGES",
    "MUTEX",
    "PYG_WHEEL_PAGE",
    "PYTORCH_WHEEL_INDEX",
    "RUNTIME_PACKAGES",
    "TORCH_NAMES",
    "TORCH_PACKAGES",
    "RuntimePackage",
    "StackTable",
    "TorchRow",
    "Variant",
    "carrier_cuda",
    "cuda_intent",
    "cuda_major",
    "cuda_tag",
    "is_cuda_package",
    "known_torch_minors",
    "major_minor",
    "minor_compatible",
    "mutex_is_cuda",
    "package_cuda_major",
    "runs_on",
    "runtime_cuda",
    "torch_minor",
    "unpack",
    "variant_of",
    "variant_words",
    "virtual_packages",
]
