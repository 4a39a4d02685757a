"""The CUDA guard over solved packages with real build strings (no solver needed).

Intents come from `stacks.expand` on real recipes/environment files, so the guard is
tested against what resolve actually hands it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import AnswerIsNoError
from envlock.models import Package, SpecSet
from envlock.recipe.reader import load_recipe
from envlock.resolve import guard
from envlock.stacks.expand import expand


def pkg(name: str, version: str, build: str, channel: str = "pytorch") -> Package:
    return Package(name=name, version=version, build=build, channel=channel)


def intent_of(tmp_path: Path, text: str, platform: str = "linux-64") -> SpecSet:
    path = tmp_path / "recipe.yml"
    path.write_text(text)
    return expand(load_recipe(path), platform)


STACK_113 = """\
name: t
python: "3.8"
stack: {pytorch: "1.13", cuda: "11.7", torchvision: true, pyg: true}
"""
STACK_112 = """\
name: t
python: "3.8"
stack: {pytorch: "1.12", cuda: "11.3", torchvision: true}
"""


def linux_113(**replace: Package) -> list[Package]:
    chosen = {
        "python": pkg("python", "3.8.16", "h7a1cb2a_3", "conda-forge"),
        "pytorch": pkg("pytorch", "1.13.1", "py3.8_cuda11.7_cudnn8.5.0_0"),
        "pytorch-cuda": pkg("pytorch-cuda", "11.7", "h778d358_3"),
        "pytorch-mutex": pkg("pytorch-mutex", "1.0", "cuda"),
        "torchvision": pkg("torchvision", "0.14.1", "py38_cu117"),
        "pyg": pkg("pyg", "2.2.0", "py38_torch_1.13.0_cu117", "pyg"),
    }
    chosen.update(replace)
    return list(chosen.values())


def test_the_right_linux_stack_passes(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113)
    assert specset.intent.runtime == "pytorch-cuda"
    assert guard.violations(specset, linux_113()) == []
    guard.check([specset], {"linux-64": linux_113()})  # no raise


def test_wrong_cuda_minor_on_pytorch(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113)
    wrong = pkg("pytorch", "1.13.1", "py3.8_cuda11.6_cudnn8.3.2_0")
    assert guard.violations(specset, linux_113(pytorch=wrong)) == [
        "pytorch 1.13.1 py3.8_cuda11.6_cudnn8.3.2_0 from pytorch is a CUDA 11.6 build, "
        "not a cuda11.7 build"
    ]


def test_wrong_runtime_pytorch_cuda(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113)
    runtime = pkg("pytorch-cuda", "11.6", "h867d48c_1")
    assert guard.violations(specset, linux_113(**{"pytorch-cuda": runtime})) == [
        "pytorch-cuda 11.6 h867d48c_1 from pytorch is CUDA 11.6, not 11.7"
    ]


def test_a_missing_runtime_is_named(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113)
    packages = [p for p in linux_113() if p.name != "pytorch-cuda"]
    assert guard.violations(specset, packages) == [
        "the CUDA runtime package pytorch-cuda 11.7 was not chosen"
    ]


def test_torch_112_pairs_with_cudatoolkit(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_112)
    assert (specset.intent.cuda, specset.intent.runtime) == ("11.3", "cudatoolkit")
    packages = [
        pkg("pytorch", "1.12.1", "py3.8_cuda11.3_cudnn8.3.2_0"),
        pkg("cudatoolkit", "11.3.1", "h2bc3f7f_2", "conda-forge"),
        pkg("pytorch-mutex", "1.0", "cuda"),
        pkg("torchvision", "0.13.1", "py38_cu113"),
    ]
    assert guard.violations(specset, packages) == []
    packages[1] = pkg("cudatoolkit", "11.6.0", "hecad31d_10", "conda-forge")
    assert guard.violations(specset, packages) == [
        "cudatoolkit 11.6.0 hecad31d_10 from conda-forge is CUDA 11.6, not 11.3"
    ]


def test_win64_builds(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113, "win-64")
    assert specset.intent.cuda == "11.7"
    packages = linux_113(
        pytorch=pkg("pytorch", "1.13.1", "py3.8_cuda11.7_cudnn8_0"),
        python=pkg("python", "3.8.16", "h6244533_3", "conda-forge"),
    )
    assert guard.violations(specset, packages) == []
    cpu = pkg("pytorch", "1.13.1", "py3.8_cpu_0")
    assert guard.violations(specset, linux_113(pytorch=cpu)) == [
        "pytorch 1.13.1 py3.8_cpu_0 from pytorch is a CPU build, not a cuda11.7 build"
    ]


def test_osx_has_no_intent_and_passes_anything(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113, "osx-64")
    assert specset.intent.cuda is None
    assert guard.violations(specset, [pkg("pytorch", "1.13.1", "py3.8_0")]) == []


CONDA_FORGE_TOOLKIT = """\
name: cf
channels: [conda-forge]
dependencies: [python=3.9, pytorch=1.13.*=cuda*, cudatoolkit=11.7, torchvision]
"""
CONDA_FORGE_VERSION = """\
name: cf
channels: [conda-forge]
dependencies: [python=3.10, "pytorch=2.0.*=cuda*", cuda-version=11.8]
"""


def test_conda_forge_cuda112_build_runs_on_a_later_11_minor(tmp_path: Path) -> None:
    # conda-forge's pytorch 1.13 cuda112 builds depend on cudatoolkit >=11.2,<12
    specset = intent_of(tmp_path, CONDA_FORGE_TOOLKIT)
    assert (specset.intent.cuda, specset.intent.runtime) == ("11.7", "cudatoolkit")
    packages = [
        pkg("pytorch", "1.13.1", "cuda112py39hb0b7ed5_200", "conda-forge"),
        pkg("cudatoolkit", "11.7.0", "hd8887f6_10", "conda-forge"),
        pkg("torchvision", "0.14.1", "cuda112py39h7a8c4e4_1", "conda-forge"),
    ]
    assert guard.violations(specset, packages) == []
    newer = pkg("pytorch", "1.13.1", "cuda118_py39h0f0a2a5_200", "conda-forge")
    assert guard.violations(specset, [newer, *packages[1:]]) == [
        "pytorch 1.13.1 cuda118_py39h0f0a2a5_200 from conda-forge is a CUDA 11.8 build, "
        "not a cuda11.7 build"
    ]
    cpu = pkg("pytorch", "1.13.1", "cpu_mkl_py39h2d9b42b_101", "conda-forge")
    assert guard.violations(specset, [cpu, *packages[1:]]) == [
        "pytorch 1.13.1 cpu_mkl_py39h2d9b42b_101 from conda-forge is a CPU build, "
        "not a cuda11.7 build"
    ]


def test_conda_forge_cuda_version_is_a_cuda_intent(tmp_path: Path) -> None:
    # Without the intent there was no __cuda: the solver silently chose a CPU build.
    specset = intent_of(tmp_path, CONDA_FORGE_VERSION)
    assert (specset.intent.cuda, specset.intent.runtime) == ("11.8", "cuda-version")
    assert any(v.name == "__cuda" and v.version == "11.8" for v in specset.virtual_packages)
    good = [
        pkg("pytorch", "2.0.0", "cuda118_py310h1b9c1d1_201", "conda-forge"),
        pkg("cuda-version", "11.8", "h70ddcb2_3", "conda-forge"),
    ]
    assert guard.violations(specset, good) == []
    other_major = pkg("pytorch", "2.0.0", "cuda120_py310h1b9c1d1_201", "conda-forge")
    assert guard.violations(specset, [other_major, good[1]]) == [
        "pytorch 2.0.0 cuda120_py310h1b9c1d1_201 from conda-forge is a CUDA 12.0 build, "
        "not a cuda11.8 build"
    ]


def test_the_minor_rule_is_for_conda_forge_builds_only(tmp_path: Path) -> None:
    """A pytorch-channel build names the exact CUDA it ships with: 11.6 ≠ 11.7."""
    specset = intent_of(tmp_path, STACK_113)
    older = pkg("torchvision", "0.14.1", "py38_cu116")
    assert guard.violations(specset, linux_113(torchvision=older)) == [
        "torchvision 0.14.1 py38_cu116 from pytorch is built for CUDA 11.6, not cu117"
    ]


@pytest.mark.parametrize(
    ("name", "build", "channel", "what"),
    [
        ("torchvision", "py38_cu116", "pytorch", "built for CUDA 11.6"),
        ("torchvision", "py38_cpu", "pytorch", "a CPU build"),
        ("pyg", "py38_torch_1.13.0_cu116", "pyg", "built for CUDA 11.6"),
        ("pyg", "py38_torch_1.13.0_cpu", "pyg", "a CPU build"),
    ],
)
def test_companions_with_the_wrong_tag(
    tmp_path: Path, name: str, build: str, channel: str, what: str
) -> None:
    specset = intent_of(tmp_path, STACK_113)
    version = {"torchvision": "0.14.1", "pyg": "2.2.0"}[name]
    wrong = pkg(name, version, build, channel)
    assert guard.violations(specset, linux_113(**{name: wrong})) == [
        f"{name} {version} {build} from {channel} is {what}, not cu117"
    ]


def test_no_pytorch_chosen(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113)
    packages = [p for p in linux_113() if p.name != "pytorch"]
    assert guard.violations(specset, packages) == [
        "no pytorch package was chosen, but the recipe asks for CUDA 11.7"
    ]


def test_pytorch_mutex_cpu(tmp_path: Path) -> None:
    specset = intent_of(tmp_path, STACK_113)
    mutex = pkg("pytorch-mutex", "1.0", "cpu")
    assert guard.violations(specset, linux_113(**{"pytorch-mutex": mutex})) == [
        "pytorch-mutex 1.0 cpu from pytorch selects the CPU variant"
    ]


def test_check_names_every_platform_and_refuses(tmp_path: Path) -> None:
    linux = intent_of(tmp_path, STACK_113)
    win = intent_of(tmp_path, STACK_113, "win-64")
    cpu = pkg("pytorch", "1.13.1", "py3.8_cpu_0")
    with pytest.raises(AnswerIsNoError) as caught:
        guard.check(
            [linux, win],
            {"linux-64": linux_113(pytorch=cpu), "win-64": linux_113()},
        )
    message = str(caught.value)
    assert caught.value.exit_code == 1
    assert "linux-64 (recipe asks for CUDA 11.7):\n  - pytorch 1.13.1 py3.8_cpu_0" in message
    assert "win-64" not in message
    assert message.endswith("Nothing was written.")
