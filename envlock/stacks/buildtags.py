"""Build-tag reading lives in `envlock.stacks.cuda`, the one home of CUDA facts.

This module keeps the reader's names importable from their old place for the modules
that still import them here; new code imports `envlock.stacks.cuda`.
"""

from __future__ import annotations

from envlock.stacks.cuda import (
    CUDA_RUNTIME_PACKAGES,
    CUDNN_PACKAGES,
    Variant,
    cuda_tag,
    major_minor,
    variant_of,
)

__all__ = [
    "CUDA_RUNTIME_PACKAGES",
    "CUDNN_PACKAGES",
    "Variant",
    "cuda_tag",
    "major_minor",
    "variant_of",
]
