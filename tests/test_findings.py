"""Every finding code, with build strings as the real channels write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.diff.core import diff
from envlock.diff.findings import Finding, side_findings
from envlock.models import Package
from envlock.snapshot import read_snapshot
from envlock.snapshot.model import Snapshot


def snap(*packages: Package) -> Snapshot:
    return Snapshot(
        source="mem",
        kind="export",
        platform=None,
        name=None,
        channels=(),
        packages=packages,
        builds_known=True,
        channels_known=False,
    )


def conda(name: str, version: str, build: str | None = None) -> Package:
    return Package(name=name, version=version, build=build)


def pip(name: str, version: str) -> Package:
    return Package(name=name, version=version, manager="pip")


def codes(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    return [f.code for f in findings]


PYTORCH_CUDA = conda("pytorch", "1.13.1", "py3.8_cuda11.7_cudnn8.5.0_0")
PYTORCH_CPU = conda("pytorch", "1.13.1", "py3.8_cpu_0")


def test_cpu_build_across_sides() -> None:
    (finding,) = diff(snap(PYTORCH_CUDA), snap(PYTORCH_CPU)).findings
    assert (finding.severity, finding.code, finding.packages) == (
        "error",
        "cpu-build",
        ("pytorch",),
    )


def test_cpu_build_against_its_own_intent() -> None:
    found = side_findings(
        [
            conda("pytorch", "2.0.1", "py3.8_cpu_0"),
            conda("pytorch-cuda", "11.6", "h867d48c_1"),
            conda("pytorch-mutex", "1.0", "cpu"),
        ]
    )
    assert codes(found) == ["cpu-build"]
    assert found[0].message == (
        "pytorch 2.0.1 (py3.8_cpu_0) is a CPU build although pytorch-cuda 11.6 asks for CUDA: "
        "the GPU will not be used; reinstall pytorch with a CUDA build"
    )


def test_osx_build_is_a_cpu_build() -> None:
    # The pytorch channel's osx builds carry neither tag (`py3.10_0`): always CPU.
    a = snap(PYTORCH_CUDA, conda("torchvision", "0.14.1", "py38_cu117"))
    b = snap(conda("pytorch", "2.1.0", "py3.10_0"), conda("torchvision", "0.16.0", "py310_cpu"))
    found = diff(a, b).findings
    assert [(f.code, f.packages) for f in found] == [
        ("cpu-build", ("pytorch",)),
        ("cpu-build", ("torchvision",)),
    ]
    assert found[0].message == (
        "pytorch: A has a CUDA 11.7 build (1.13.1 py3.8_cuda11.7_cudnn8.5.0_0), "
        "B a CPU build (2.1.0 py3.10_0): B will not use the GPU"
    )


def test_osx_build_against_its_own_intent() -> None:
    found = side_findings(
        [
            conda("pytorch", "2.0.1", "py3.10_0"),
            conda("pytorch-cuda", "11.8", "h8dd9ede_2"),
            conda("pytorch-mutex", "1.0", "cuda"),
        ]
    )
    assert [(f.code, f.packages) for f in found] == [
        ("cpu-build", ("pytorch", "pytorch-cuda", "pytorch-mutex"))
    ]


def test_mutex_cuda_to_cpu_across_sides() -> None:
    a = snap(conda("pytorch-mutex", "1.0", "cuda"))
    b = snap(conda("pytorch-mutex", "1.0", "cpu"))
    (finding,) = diff(a, b).findings
    assert (finding.severity, finding.code, finding.message) == (
        "error",
        "cpu-build",
        "pytorch-mutex: A has a CUDA build (1.0 cuda), B a CPU build (1.0 cpu): "
        "B will not use the GPU",
    )
    (back,) = diff(b, a).findings
    assert (back.severity, back.code, back.message) == (
        "warning",
        "cuda-build",
        "pytorch-mutex: A has a CPU build (1.0 cpu), B a CUDA build (1.0 cuda): "
        "B needs an NVIDIA driver",
    )


def test_mutex_switching_with_torch_is_one_finding() -> None:
    a = snap(
        conda("pytorch", "1.13.1", "py3.8_cuda11.7_cudnn8.5.0_0"),
        conda("pytorch-mutex", "1.0", "cuda"),
    )
    b = snap(conda("pytorch", "1.13.1", "py3.8_cpu_0"), conda("pytorch-mutex", "1.0", "cpu"))
    (finding,) = diff(a, b).findings
    assert (finding.code, finding.packages) == ("cpu-build", ("pytorch", "pytorch-mutex"))
    assert finding.message == (
        "pytorch: A has a CUDA 11.7 build (1.13.1 py3.8_cuda11.7_cudnn8.5.0_0), B a CPU build "
        "(1.13.1 py3.8_cpu_0), and pytorch-mutex is `cuda` in A, `cpu` in B: B will not use "
        "the GPU"
    )
    (back,) = diff(b, a).findings
    assert (back.code, back.packages) == ("cuda-build", ("pytorch", "pytorch-mutex"))
    assert "and pytorch-mutex is `cpu` in A, `cuda` in B" in back.message


def test_recipe_cuda_intent_meets_a_cpu_torch_it_cannot_pair_by_build() -> None:
    # A pip stack with a loose torch line carries no +cuXYZ tag: only the intent says CUDA.
    recipe = Snapshot(
        source="recipe.yml",
        kind="recipe",
        platform="linux-64",
        name="m",
        channels=(),
        packages=(pip("torch", "1.13.*"),),
        builds_known=False,
        channels_known=False,
        specs=True,
        cuda_intent="11.7",
    )
    env = snap(pip("torch", "1.13.1+cpu"))
    (finding,) = diff(recipe, env).findings
    assert (finding.severity, finding.code, finding.packages) == ("error", "cpu-build", ("torch",))
    assert finding.message == (
        "B: torch 1.13.1+cpu is a CPU build although the recipe asks for CUDA 11.7: the GPU "
        "will not be used; reinstall torch with a CUDA build"
    )
    assert codes(diff(env, recipe).findings) == ["cpu-build"]


def test_cuda_build_across_sides() -> None:
    a = snap(conda("torchvision", "0.14.1", "py38_cpu"))
    b = snap(conda("torchvision", "0.14.1", "py38_cu117"))
    (finding,) = diff(a, b).findings
    assert (finding.severity, finding.code) == ("warning", "cuda-build")


def test_cuda_runtime_mismatch_conda() -> None:
    found = side_findings([PYTORCH_CUDA, conda("pytorch-cuda", "11.6", "h867d48c_1")])
    assert [(f.severity, f.code) for f in found] == [("error", "cuda-runtime-mismatch")]
    assert found[0].message == (
        "pytorch 1.13.1 (py3.8_cuda11.7_cudnn8.5.0_0) is built for CUDA 11.7 but pytorch-cuda "
        "is 11.6: install pytorch-cuda 11.7 or a pytorch build for CUDA 11.6"
    )


def test_cuda_runtime_mismatch_pip_wheel_is_a_warning() -> None:
    found = side_findings(
        [pip("torch", "1.12.0+cu113"), conda("cudatoolkit", "11.1.1", "h6406543_8")]
    )
    assert [(f.severity, f.code) for f in found] == [("warning", "cuda-runtime-mismatch")]


def test_conda_forge_cuda_builds_run_on_later_minor_runtimes() -> None:
    torch = conda("pytorch", "1.13.1", "cuda112py39hb0b7ed5_200")
    assert side_findings([torch, conda("cudatoolkit", "11.8.0", "h37601d7_11")]) == []


def test_runtime_packages_that_disagree_without_a_torch_build() -> None:
    found = side_findings(
        [
            conda("pytorch", "1.13.1"),
            conda("pytorch-cuda", "11.6"),
            conda("cudatoolkit", "10.2.89"),
        ]
    )
    assert sorted(codes(found)) == ["cuda-runtime-mismatch", "mixed-cuda"]


def test_ext_abi_mismatch_for_another_torch() -> None:
    found = side_findings([pip("torch", "1.12.1+cu117"), pip("torch-scatter", "2.1.1+pt113cu117")])
    assert codes(found) == ["ext-abi-mismatch"]
    assert "built for torch 1.13, but torch is 1.12.1+cu117" in found[0].message


def test_ext_abi_mismatch_for_another_cuda() -> None:
    found = side_findings([PYTORCH_CUDA, conda("pyg", "2.2.0", "py38_torch_1.13.0_cu116")])
    assert codes(found) == ["ext-abi-mismatch"]
    assert "CUDA 11.6, but torch is built for CUDA 11.7" in found[0].message


def test_pyg_for_torch_1_13_0_serves_every_1_13_release() -> None:
    assert side_findings([PYTORCH_CUDA, conda("pyg", "2.2.0", "py38_torch_1.13.0_cu117")]) == []


def test_python_minor() -> None:
    a = snap(conda("python", "3.8.16", "he550d4f_1_cpython"))
    b = snap(conda("python", "3.10.9", "he550d4f_0_cpython"))
    (finding,) = diff(a, b).findings
    assert (finding.severity, finding.code) == ("warning", "python-minor")
    assert finding.message.startswith("python 3.8 in A, 3.10 in B")


def test_mixed_cuda() -> None:
    found = side_findings(
        [
            conda("cudatoolkit", "11.7.0", "hd8887f6_11"),
            pip("nvidia-cublas-cu12", "12.1.3.1"),
            pip("cupy-cuda12x", "13.0.0"),
        ]
    )
    assert codes(found) == ["mixed-cuda"]
    assert found[0].packages == ("cudatoolkit", "cupy-cuda12x", "nvidia-cublas-cu12")


def test_newer_everywhere_is_an_info_hint() -> None:
    a = snap(conda("numpy", "1.23.5"), conda("scipy", "1.10.0"), conda("zlib", "1.2.13"))
    b = snap(conda("numpy", "1.24.2"), conda("scipy", "1.10.1"), conda("zlib", "1.2.13.1"))
    (finding,) = diff(a, b).findings
    assert (finding.severity, finding.code) == ("info", "newer-everywhere")
    downgrade = snap(conda("numpy", "1.24.2"), conda("scipy", "1.9.3"), conda("zlib", "1.3"))
    assert diff(a, downgrade).findings == ()


def test_side_labels_merge_when_both_sides_agree() -> None:
    env = snap(PYTORCH_CUDA, conda("pytorch-cuda", "11.6"))
    (finding,) = diff(env, env).findings
    assert finding.message.startswith("A and B: ")


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("guanjq__targetdiff__environment.yaml", {"cpu-build", "mixed-cuda"}),
        ("jasonkyuyim__se3_diffusion__se3.yml", {"cuda-runtime-mismatch", "mixed-cuda"}),
        ("THUDM__GraphMAE__env.yml", {"cuda-runtime-mismatch"}),
        ("charliebtan__UniSim__env_cu117.yaml", {"mixed-cuda"}),
        ("wanLo__GNNRank__environment_cuda11.yml", set()),
    ],
)
def test_corpus_findings(corpus: Path, name: str, expected: set[str]) -> None:
    env = read_snapshot(corpus / "env-exports" / name)
    assert set(codes(side_findings(env.packages))) == expected


def test_duplicate_install_of_torch_names_both_versions() -> None:
    found = side_findings(
        [
            conda("pytorch", "1.13.1", "cuda112py39hb0b7ed5_200"),
            pip("torch", "2.3.1"),
            conda("numpy", "1.26.4", "py39h474f0d3_0"),
        ]
    )
    assert codes(found) == ["duplicate-install"]
    assert (found[0].severity, found[0].packages) == ("error", ("pytorch", "torch"))
    assert found[0].message == (
        "torch is installed twice: conda's pytorch 1.13.1 (cuda112py39hb0b7ed5_200) and "
        "pip's torch 2.3.1; both install the module `torch`, and whichever was installed "
        "last overwrote the other's files, so what Python imports need not be what conda "
        "lists; keep one: `pip uninstall torch` then reinstall conda's pytorch, or drop "
        "pytorch from the conda packages"
    )


@pytest.mark.parametrize(
    ("packages", "severity"),
    [
        ([conda("numpy", "1.23.5", "py38h0"), pip("numpy", "1.23.5")], "warning"),
        ([conda("numpy", "1.23.5", "py38h0"), pip("numpy", "1.24.4")], "error"),
        (
            [
                conda("pytorch-scatter", "2.1.1", "py38_torch_1.13.0_cu117"),
                pip("torch-scatter", "2.1.1+pt113cu117"),
            ],
            "error",
        ),
        ([conda("torchvision", "0.14.1", "py38_cu117"), pip("torchvision", "0.14.1")], "error"),
        ([conda("py-opencv", "4.6.0", "py38h0"), pip("opencv-python", "4.6.0.66")], "error"),
    ],
)
def test_duplicate_install_severity(packages: list[Package], severity: str) -> None:
    (finding,) = [f for f in side_findings(packages) if f.code == "duplicate-install"]
    assert finding.severity == severity


def test_duplicate_install_claims_a_module_only_when_the_name_tells() -> None:
    (cv2,) = side_findings([conda("py-opencv", "4.6.0"), pip("opencv-python", "4.6.0.66")])
    assert "both install the module `cv2`" in cv2.message
    (odd,) = side_findings([conda("python-foo", "1.0"), pip("python-foo", "1.0")])
    assert "both install its files" in odd.message


def test_cpu_build_across_and_against_intent_is_one_finding() -> None:
    a = snap(PYTORCH_CUDA, conda("pytorch-cuda", "11.7", "h778d358_5"))
    b = snap(PYTORCH_CPU, conda("pytorch-cuda", "11.7", "h778d358_5"))
    (finding,) = diff(a, b).findings
    assert (finding.code, finding.packages) == ("cpu-build", ("pytorch", "pytorch-cuda"))
    assert finding.message == (
        "pytorch: A has a CUDA 11.7 build (1.13.1 py3.8_cuda11.7_cudnn8.5.0_0), B a CPU "
        "build (1.13.1 py3.8_cpu_0) although B's pytorch-cuda 11.7 asks for CUDA: B will "
        "not use the GPU; reinstall pytorch with a CUDA build"
    )


def test_newer_everywhere_needs_plausibly_one_environment() -> None:
    shared_a = [conda("numpy", "1.23.5"), conda("scipy", "1.10.0"), conda("zlib", "1.2.13")]
    shared_b = [conda("numpy", "1.24.2"), conda("scipy", "1.10.1"), conda("zlib", "1.2.13.1")]
    only_a = [conda(f"a{i}", "1") for i in range(4)]
    only_b = [conda(f"b{i}", "1") for i in range(4)]
    unrelated = diff(snap(*shared_a, *only_a), snap(*shared_b, *only_b))
    assert unrelated.paired == 3
    assert "newer-everywhere" not in codes(unrelated.findings)
    grown = diff(snap(*shared_a), snap(*shared_b, *only_b[:3]))
    assert "newer-everywhere" in codes(grown.findings)


def test_platform_mismatch() -> None:
    a = Snapshot(
        source="a", kind="explicit", platform="linux-64", name=None, channels=(),
        packages=(conda("zlib", "1.2.13", "h0"),), builds_known=True, channels_known=False,
    )  # fmt: skip
    b = Snapshot(
        source="b", kind="explicit", platform="osx-64", name=None, channels=(),
        packages=(conda("zlib", "1.2.13", "h1"),), builds_known=True, channels_known=False,
    )  # fmt: skip
    drift = diff(a, b)
    (finding,) = drift.findings
    assert (finding.severity, finding.code) == ("warning", "platform-mismatch")
    assert finding.message.startswith("A is for linux-64, B for osx-64: ")
    assert drift.platform is None
    assert diff(a, a).platform == "linux-64"


@pytest.mark.corpus
def test_corpus_conda_pytorch_beside_pip_torch(corpus: Path) -> None:
    lock = read_snapshot(
        corpus / "lockfiles" / "EthanMarx__ztf-lfi-demo__conda-lock.yml", platform="linux-64"
    )
    found = side_findings(lock.packages)
    assert set(codes(found)) == {"duplicate-install", "mixed-cuda"}
    (duplicate,) = [f for f in found if f.code == "duplicate-install"]
    assert duplicate.severity == "error"
    assert "conda's pytorch 1.13.1 (cuda112" in duplicate.message
    assert "pip's torch 2.3.1" in duplicate.message
