"""Every CUDA/CPU build-string form in CONTRACTS.md, read by one function."""

from __future__ import annotations

import pytest

from envlock.stacks.cuda import Variant, cuda_tag, variant_of


@pytest.mark.parametrize(
    ("name", "version", "build", "expected"),
    [
        (
            "pytorch",
            "1.13.0",
            "py3.8_cuda11.7_cudnn8.5.0_0",
            Variant(cuda="11.7", python="3.8", cudnn="8.5"),
        ),
        (
            "pytorch",
            "2.0.1",
            "py3.10_cuda11.8_cudnn8_0",
            Variant(cuda="11.8", python="3.10", cudnn="8"),
        ),
        ("pytorch", "1.13.0", "py3.8_cpu_0", Variant(cpu=True, python="3.8")),
        ("pytorch", "2.0.1", "py3.10_0", Variant(cpu=True, python="3.10")),
        ("pytorch", "1.13.1", "py3.8_0", Variant(cpu=True, python="3.8")),
        ("pytorch", "2.0.1", "py3.10_cpu_0", Variant(cpu=True, python="3.10")),
        (
            "pytorch",
            "1.7.1",
            "py3.8_cuda10.2.89_cudnn7.6.5_0",
            Variant(cuda="10.2", python="3.8", cudnn="7.6"),
        ),
        ("pytorch", "2.1.0", "cuda118_py310h2f8b1f3_300", Variant(cuda="11.8", python="3.10")),
        ("pytorch", "1.13.1", "cuda112py39hb0b7ed5_200", Variant(cuda="11.2", python="3.9")),
        ("pytorch", "2.7.1", "cpu_mkl_py310h1d2ba9c_101", Variant(cpu=True, python="3.10")),
        ("libtorch", "2.7.1", "cpu_generic_h3a4b5c6_1", Variant(cpu=True)),
        ("pytorch-mutex", "1.0", "cuda", Variant(gpu=True)),
        ("pytorch-mutex", "1.0", "cpu", Variant(cpu=True)),
        ("torchvision", "0.14.0", "py38_cu117", Variant(cuda="11.7", python="3.8")),
        ("torchvision", "0.14.0", "py38_cpu", Variant(cpu=True, python="3.8")),
        (
            "pyg",
            "2.2.0",
            "py38_torch_1.13.0_cu117",
            Variant(cuda="11.7", python="3.8", torch="1.13"),
        ),
        ("pyg", "2.3.0", "py310_torch_2.0.0_cpu", Variant(cpu=True, python="3.10", torch="2.0")),
        (
            "pytorch-scatter",
            "2.1.0",
            "py38_torch_1.13.0_cu116",
            Variant(cuda="11.6", python="3.8", torch="1.13"),
        ),
        ("torch", "1.13.1+cu117", None, Variant(cuda="11.7")),
        ("torch", "2.0.1+cpu", None, Variant(cpu=True)),
        ("torch-scatter", "2.1.0+pt113cu117", None, Variant(cuda="11.7", torch="1.13")),
        ("torch-sparse", "0.6.17+pt20cpu", None, Variant(cpu=True, torch="2.0")),
        ("nvidia-cublas-cu12", "12.1.3.1", None, Variant(cuda="12")),
        ("cudatoolkit", "11.3.1", "h2bc3f7f_2", Variant(cuda="11.3")),
        ("pytorch-cuda", "11.7", "h778d358_5", Variant(cuda="11.7")),
        ("cuda-version", "12.5", "hd4f0392_3", Variant(cuda="12.5")),
        ("cudnn", "8.9.2.26", "cuda11_0", Variant(cudnn="8.9")),
        ("numpy", "1.23.5", "py38h14f4228_0", Variant(python="3.8")),
        ("python", "3.8.16", "h7a1cb2a_3", Variant()),
        ("python", "3.10.0", "py3.10_0", Variant(python="3.10")),
        ("torchaudio", "0.7.2", "py39", Variant(python="3.9")),
        ("torchaudio", "0.13.0", "py38_cu116", Variant(cuda="11.6", python="3.8")),
        ("cupy", "12.0", "py311hd7b1a5a_0", Variant(python="3.11")),
    ],
)
def test_variant_of_reads_every_form(
    name: str, version: str, build: str | None, expected: Variant
) -> None:
    assert variant_of(name, version, build) == expected


def test_is_cuda_covers_a_cuda_marker_without_a_version() -> None:
    assert variant_of("pytorch-mutex", "1.0", "cuda").is_cuda
    assert not variant_of("pytorch-mutex", "1.0", "cpu").is_cuda
    assert variant_of("pytorch", "2.0.1", "py3.10_cuda11.8_cudnn8.7.0_0").is_cuda
    assert not variant_of("pytorch", "2.0.1", "py3.10_0").is_cuda


def test_cuda_tag() -> None:
    assert cuda_tag("11.7") == "cu117"
    assert cuda_tag("12.1") == "cu121"
