"""The stack table and its expansion: every row, every CUDA option, every wheel tag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.models import CudaIntent, VirtualPackage
from envlock.recipe.model import Recipe, Stack
from envlock.recipe.reader import load_recipe
from envlock.stacks import expand as stacks
from envlock.stacks.cuda import cuda_tag
from envlock.stacks.table import TorchRow, known_torch_minors, table, torch_minor
from tests.helpers import REPO

ROWS = table().rows
CONDA_CUDA = [(row, cuda) for row in ROWS for cuda in row.cuda]
TORCH_WHEELS = [(row, tag) for row in ROWS for tag in (*row.torch_wheels, "cpu")]
PYG_WHEELS = [(row, tag) for row in ROWS for tag in (*row.pyg_wheels, "cpu")]
PIP_NOTE = (
    "stack.source: pip: the pip layer is not built yet, so these PyTorch wheel lines are "
    "shown but NOT locked (resolve refuses source: pip for now; use source: conda)"
)


def recipe_for(stack: Stack, **fields: object) -> Recipe:
    return Recipe(name="t", python=fields.pop("python", "3.8"), stack=stack, **fields)  # type: ignore[arg-type]  # test helper passes Recipe fields through


def full_stack(row: TorchRow, cuda: str, source: str = "conda") -> Stack:
    pyg = row.pyg_conda if source == "conda" else cuda == "cpu" or bool(row.pyg_wheels)
    return Stack(
        pytorch=row.minor,
        cuda=cuda,
        source=source,  # type: ignore[arg-type]  # "conda" | "pip" from the parametrisation
        torchvision=True,
        torchaudio=True,
        pyg=pyg,
    )


def tag(cuda: str) -> str:
    return "cu" + cuda.replace(".", "")


def row_of(minor: str) -> TorchRow:
    """The table's row for a torch version's minor (it must exist)."""
    row = table().row(torch_minor(minor))
    assert row is not None, minor
    return row


# ---------------------------------------------------------------- the contract's facts


def test_table_carries_the_contracts_conda_cuda_options() -> None:
    contract = {
        "1.7": ("9.2", "10.1", "10.2", "11.0"),
        "1.13": ("11.6", "11.7"),
        "2.0": ("11.7", "11.8"),
        "2.1": ("11.8", "12.1"),
        "2.2": ("11.8", "12.1"),
        "2.3": ("11.8", "12.1"),
        "2.4": ("11.8", "12.1", "12.4"),
        "2.5": ("11.8", "12.1", "12.4"),
        "2.6": (),
        "2.7": (),
    }
    for minor, options in contract.items():
        assert row_of(minor).cuda == options, minor
    # the issue's summary for 1.8 to 1.12 is kept; real repodata adds more (stacks.yml header)
    for minor, required in {
        "1.8": ("10.2", "11.1"),
        "1.9": ("10.2", "11.3"),
        "1.10": ("10.2", "11.3"),
        "1.11": ("10.2", "11.3"),
        "1.12": ("10.2", "11.3", "11.6"),
    }.items():
        assert set(required) <= set(row_of(minor).cuda), minor
        assert row_of(minor).runtime == "cudatoolkit"
        newest = row_of(minor).cuda[-1]
        assert row_of(minor).conda_forge_cuda == (newest,)
    for minor in ("1.13", "2.0", "2.5"):
        assert row_of(minor).runtime == "pytorch-cuda"
    assert row_of("2.6").runtime is None
    assert table().row("9.9") is None  # an unknown minor has no row, so no CUDA options


def test_table_carries_the_contracts_wheel_tags() -> None:
    pyg = {
        "1.10": "cu102 cu111 cu113",
        "1.11": "cu102 cu113 cu115",
        "1.12": "cu102 cu113 cu116",
        "1.13": "cu116 cu117",
        "2.0": "cu117 cu118",
        "2.1": "cu118 cu121",
        "2.2": "cu118 cu121",
        "2.3": "cu118 cu121",
        "2.4": "cu118 cu121 cu124",
        "2.5": "cu118 cu121 cu124",
        "2.6": "cu118 cu124 cu126",
        "2.7": "cu118 cu126 cu128",
        "2.8": "cu126 cu128 cu129",
    }
    torch = {
        "1.13": "cu116 cu117",
        "2.0": "cu117 cu118",
        "2.1": "cu118 cu121",
        "2.3": "cu118 cu121",
        "2.4": "cu118 cu121 cu124",
        "2.5": "cu118 cu121 cu124",
        "2.6": "cu118 cu124 cu126",
        "2.7": "cu118 cu126 cu128",
    }
    # `cpu` is on every wheel index besides these CUDA tags (the expansion's `cpu` variant)
    for minor, tags in pyg.items():
        assert row_of(minor).pyg_wheels == tuple(tags.split()), minor
    for minor, tags in torch.items():
        assert row_of(minor).torch_wheels == tuple(tags.split()), minor
    assert table().row("0.4") is None


def test_lookups() -> None:
    assert (row_of("1.13.1").torchvision, row_of("1.13.1").torchaudio) == ("0.14", "0.13")
    assert (row_of("2.0").torchvision, row_of("2.0").torchaudio) == ("0.15", "2.0")
    assert table().row(torch_minor("0.4")) is None
    assert known_torch_minors()[0] == "1.7"
    assert known_torch_minors()[-1] == "2.8"
    assert row_of("1.13").pyg_conda
    assert not row_of("2.6").pyg_conda
    assert torch_minor("1.13.1+cu117") == "1.13"
    assert cuda_tag("11.7") == "cu117"
    assert cuda_tag("cpu") == "cpu"


# ---------------------------------------------------------------- conda expansion, every row


@pytest.mark.parametrize(
    ("row", "cuda"), CONDA_CUDA, ids=[f"torch{r.minor}-cuda{c}" for r, c in CONDA_CUDA]
)
@pytest.mark.parametrize("platform", ["linux-64", "win-64"])
def test_every_conda_cuda_row_expands_with_cuda_pins(
    row: TorchRow, cuda: str, platform: str
) -> None:
    spec_set = stacks.expand(recipe_for(full_stack(row, cuda), python=row.python[1]), platform)
    t = tag(cuda)
    expected = [
        f"python {row.python[1]}.*",
        f"pytorch {row.minor}.* *cuda{cuda}*",
        f"{row.runtime} {cuda}.*",
    ]
    if row.mutex:
        expected.append("pytorch-mutex * cuda")
    expected.append(f"torchvision {row.torchvision}.* *{t}*")
    expected.append(
        f"torchaudio {row.torchaudio}.* *{t}*"
        if row.torchaudio_tags
        else f"torchaudio {row.torchaudio}.*"
    )
    if row.pyg_conda:
        expected.append(f"pyg * *torch_{row.minor}.0_{t}*")
    assert spec_set.specs == tuple(expected)
    channels = ["pytorch"]
    if row.runtime == "pytorch-cuda":
        channels.append("nvidia")
    if row.pyg_conda:
        channels.append("pyg")
    assert spec_set.channels == (*channels, "conda-forge")
    assert VirtualPackage(name="__cuda", version=cuda) in spec_set.virtual_packages
    assert spec_set.intent.cuda == cuda
    assert spec_set.intent.runtime == row.runtime
    assert "pytorch" in spec_set.intent.guarded
    assert ("pyg" in spec_set.intent.guarded) == row.pyg_conda
    if platform == "linux-64":
        assert VirtualPackage(name="__glibc", version=row.glibc) in spec_set.virtual_packages
    else:
        assert VirtualPackage(name="__win", version="0") in spec_set.virtual_packages
    noted = any("conda-forge" in n for n in spec_set.notes)
    assert noted == (cuda in row.conda_forge_cuda)


@pytest.mark.parametrize("row", [r for r in ROWS if r.cuda], ids=lambda r: f"torch{r.minor}")
def test_every_conda_row_expands_to_cpu_on_linux_and_plain_on_osx(row: TorchRow) -> None:
    recipe = recipe_for(full_stack(row, "cpu"), python=row.python[1])
    linux = stacks.expand(recipe, "linux-64")
    assert f"pytorch {row.minor}.* *cpu*" in linux.specs
    assert "cpuonly" in linux.specs
    assert ("pytorch-mutex * cpu" in linux.specs) == row.mutex
    assert f"torchvision {row.torchvision}.* *cpu*" in linux.specs
    assert linux.intent == CudaIntent(cuda=None)
    assert not [v for v in linux.virtual_packages if v.name == "__cuda"]
    assert "nvidia" not in linux.channels
    osx = stacks.expand(recipe, "osx-64")
    assert f"pytorch {row.minor}.*" in osx.specs
    assert f"torchvision {row.torchvision}.*" in osx.specs
    assert "cpuonly" not in osx.specs
    assert osx.notes == ()  # a cpu recipe needs no "CPU variant" note


@pytest.mark.parametrize(
    ("row", "cuda"), CONDA_CUDA, ids=[f"torch{r.minor}-cuda{c}" for r, c in CONDA_CUDA]
)
@pytest.mark.parametrize("platform", ["osx-64", "osx-arm64"])
def test_osx_gets_the_cpu_variant_of_a_cuda_recipe_and_says_so(
    row: TorchRow, cuda: str, platform: str
) -> None:
    spec_set = stacks.expand(recipe_for(full_stack(row, cuda), python=row.python[0]), platform)
    assert spec_set.notes == (f"{platform} has no CUDA builds: CPU variant",)
    assert spec_set.intent == CudaIntent(cuda=None)
    assert not any("cuda" in s for s in spec_set.specs)
    assert "nvidia" not in spec_set.channels
    assert {v.name for v in spec_set.virtual_packages} == {"__unix", "__osx"}
    if row.pyg_conda:
        assert f"pyg * *torch_{row.minor}.0*" in spec_set.specs


@pytest.mark.parametrize("row", [r for r in ROWS if r.cuda], ids=lambda r: f"torch{r.minor}")
def test_a_cuda_version_a_row_lacks_is_bad_input_naming_those_it_has(row: TorchRow) -> None:
    recipe = recipe_for(Stack(pytorch=row.minor, cuda="9.0"))
    with pytest.raises(BadInputError) as raised:
        stacks.expand(recipe, "linux-64")
    assert raised.value.message == (
        f"stack.cuda: PyTorch {row.minor} has conda builds for CUDA {', '.join(row.cuda)} — not 9.0"
    )


@pytest.mark.parametrize("row", [r for r in ROWS if not r.cuda], ids=lambda r: f"torch{r.minor}")
def test_torch_without_conda_builds_suggests_pip(row: TorchRow) -> None:
    with pytest.raises(BadInputError, match="use source: pip"):
        stacks.expand(recipe_for(Stack(pytorch=row.minor, cuda="cpu")), "linux-64")


# ---------------------------------------------------------------- pip expansion, every tag


@pytest.mark.parametrize(
    ("row", "wheel_tag"), TORCH_WHEELS, ids=[f"torch{r.minor}-{t}" for r, t in TORCH_WHEELS]
)
def test_every_pytorch_wheel_tag_expands_to_pip_lines(row: TorchRow, wheel_tag: str) -> None:
    cuda = "cpu" if wheel_tag == "cpu" else f"{wheel_tag[2:-1]}.{wheel_tag[-1]}"
    stack = Stack(pytorch=row.minor, cuda=cuda, source="pip", torchvision=True)
    spec_set = stacks.expand(recipe_for(stack, python=row.python[1]), "linux-64")
    assert spec_set.specs == (f"python {row.python[1]}.*", "pip")
    assert spec_set.channels == ("conda-forge",)
    assert spec_set.pip == (
        f"--extra-index-url https://download.pytorch.org/whl/{wheel_tag}",
        f"torch=={row.minor}.*",
        f"torchvision=={row.torchvision}.*",
    )
    assert spec_set.intent.cuda == (None if cuda == "cpu" else cuda)
    assert spec_set.intent.runtime is None
    assert spec_set.notes == (PIP_NOTE,)
    assert VirtualPackage(name="__glibc", version=row.glibc) in spec_set.virtual_packages


@pytest.mark.parametrize(
    ("row", "wheel_tag"), PYG_WHEELS, ids=[f"torch{r.minor}-{t}" for r, t in PYG_WHEELS]
)
def test_every_pyg_wheel_tag_expands_to_its_find_links_page(row: TorchRow, wheel_tag: str) -> None:
    cuda = "cpu" if wheel_tag == "cpu" else f"{wheel_tag[2:-1]}.{wheel_tag[-1]}"
    if wheel_tag not in (*row.torch_wheels, "cpu"):
        pytest.skip(f"no PyTorch {row.minor} wheels for {wheel_tag}: nothing to pair PyG with")
    stack = Stack(pytorch=row.minor, cuda=cuda, source="pip", pyg="2.3")
    spec_set = stacks.expand(recipe_for(stack), "linux-64")
    assert spec_set.pip[-4:] == (
        f"--find-links https://data.pyg.org/whl/torch-{row.minor}.0+{wheel_tag}.html",
        "torch_geometric==2.3.*",
        "torch_scatter",
        "torch_sparse",
    )


def test_pip_exact_torch_pins_the_local_variant_and_osx_uses_pypi() -> None:
    recipe = recipe_for(Stack(pytorch="1.13.1", cuda="11.7", source="pip"), pip=("timm==0.4.12",))
    linux = stacks.expand(recipe, "linux-64")
    assert linux.pip == (
        "--extra-index-url https://download.pytorch.org/whl/cu117",
        "torch==1.13.1+cu117",
        "timm==0.4.12",
    )
    assert linux.intent == CudaIntent(cuda="11.7", runtime=None, guarded=("torch",))
    osx = stacks.expand(recipe, "osx-64")
    assert osx.pip == ("torch==1.13.1", "timm==0.4.12")
    assert osx.notes == ("osx-64 has no CUDA builds: CPU variant", PIP_NOTE)


def test_python_outside_a_rows_builds_is_a_note_not_an_error() -> None:
    spec_set = stacks.expand(recipe_for(Stack(pytorch="1.7"), python="3.11"), "linux-64")
    assert spec_set.notes == (
        "PyTorch 1.7 conda builds cover Python 3.6 to 3.9: python 3.11 may not solve",
    )


def test_pip_cuda_tag_missing_from_the_wheel_index_is_bad_input() -> None:
    with pytest.raises(BadInputError) as raised:
        stacks.expand(recipe_for(Stack(pytorch="2.0", cuda="12.1", source="pip")), "linux-64")
    assert raised.value.message == (
        "stack.cuda: the PyTorch wheel index has PyTorch 2.0 for cu117, cu118 and cpu — not cu121"
    )


# ---------------------------------------------------------------- recipes and channel order


def test_m3net_linux_expansion_is_the_issues() -> None:
    recipe = load_recipe(REPO / "recipes" / "m3net.yml")
    spec_set = stacks.expand(recipe, "linux-64")
    assert spec_set.specs == (
        "python 3.8.*",
        "pytorch 1.13.* *cuda11.7*",
        "pytorch-cuda 11.7.*",
        "pytorch-mutex * cuda",
        "torchvision 0.14.* *cu117*",
        "pyg * *torch_1.13.0_cu117*",
        "numpy <1.24",
        "networkx",
        "matplotlib",
    )
    assert spec_set.channels == ("pytorch", "nvidia", "pyg", "conda-forge")
    assert spec_set.virtual_packages == (
        VirtualPackage(name="__unix", version="0"),
        VirtualPackage(name="__linux", version="5.10"),
        VirtualPackage(name="__glibc", version="2.17"),
        VirtualPackage(name="__cuda", version="11.7"),
    )
    assert spec_set.intent == CudaIntent(
        cuda="11.7",
        runtime="pytorch-cuda",
        guarded=("pytorch", "pytorch-mutex", "torchvision", "pyg"),
    )
    assert spec_set.exclude_newer is not None
    assert spec_set.exclude_newer.isoformat() == "2023-03-01T00:00:00+00:00"


def test_mae_takes_cudatoolkit_from_conda_forge_and_timm_from_pip() -> None:
    spec_set = stacks.expand(load_recipe(REPO / "recipes" / "mae.yml"), "linux-64")
    assert "pytorch 1.8.1 *cuda11.1*" in spec_set.specs
    assert "cudatoolkit 11.1.*" in spec_set.specs
    assert "torchvision 0.9.* *cu111*" in spec_set.specs
    assert "pip" in spec_set.specs
    assert spec_set.channels == ("pytorch", "conda-forge")
    assert spec_set.pip == ("timm==0.4.12",)
    assert spec_set.notes == ("cudatoolkit 11.1 for PyTorch 1.8 comes from conda-forge",)


def test_recipe_channels_come_after_the_stacks_and_conda_forge_last() -> None:
    recipe = recipe_for(
        Stack(pytorch="2.0", cuda="11.8", pyg=True), channels=("bioconda", "pytorch")
    )
    assert stacks.expand(recipe, "linux-64").channels == (
        "pytorch",
        "nvidia",
        "pyg",
        "bioconda",
        "conda-forge",
    )


def test_recipe_without_a_stack_is_python_and_its_own_specs() -> None:
    recipe = Recipe(
        name="plain", python="3.10", dependencies=("numpy",), pins=("scipy=1.10.1=py310h_0",)
    )
    spec_set = stacks.expand(recipe, "osx-arm64")
    assert spec_set.specs == ("python 3.10.*", "numpy", "scipy=1.10.1=py310h_0")
    assert spec_set.channels == ("conda-forge",)
    assert spec_set.virtual_packages == (
        VirtualPackage(name="__unix", version="0"),
        VirtualPackage(name="__osx", version="11.0"),
    )


def test_companion_version_that_does_not_pair_is_bad_input() -> None:
    with pytest.raises(BadInputError) as raised:
        stacks.expand(recipe_for(Stack(pytorch="1.13", torchaudio="2.0")), "linux-64")
    assert raised.value.message == (
        "stack.torchaudio: PyTorch 1.13 pairs with torchaudio 0.13, not 2.0: "
        "write torchaudio: true to take the companion version"
    )


def test_unknown_platform_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="unknown platform 'amiga-68k'"):
        stacks.expand(recipe_for(Stack(pytorch="1.13")), "amiga-68k")


def test_environment_file_keeps_its_channels_and_cuda_from_its_runtime(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(
        "name: e\nchannels: [pytorch, nvidia, conda-forge]\n"
        "dependencies:\n  - python=3.8\n  - pytorch=1.13.1\n  - pytorch-cuda=11.7\n",
        encoding="utf-8",
    )
    recipe = load_recipe(path)
    linux = stacks.expand(recipe, "linux-64")
    assert linux.channels == ("pytorch", "nvidia", "conda-forge")
    assert linux.specs == ("python 3.8.*", "pytorch 1.13.1.*", "pytorch-cuda 11.7.*")
    assert VirtualPackage(name="__cuda", version="11.7") in linux.virtual_packages
    assert linux.intent == CudaIntent(cuda="11.7", runtime="pytorch-cuda", guarded=("pytorch",))
    osx = stacks.expand(recipe, "osx-64")
    assert osx.intent == CudaIntent(cuda=None)


# ---------------------------------------------------------------- every spec parses in rattler


def test_every_expanded_spec_is_a_valid_rattler_matchspec() -> None:
    from rattler import MatchSpec

    seen: set[str] = set()
    for row in ROWS:
        for cuda in (*row.cuda, "cpu"):
            if not row.cuda:
                continue
            for platform in ("linux-64", "win-64", "osx-64"):
                seen.update(stacks.expand(recipe_for(full_stack(row, cuda)), platform).specs)
    for spec in sorted(seen):
        MatchSpec(spec)  # raises InvalidMatchSpecError
    assert len(seen) > 100


# ---------------------------------------------------------------- against the real pytorch channel


@pytest.mark.corpus
def test_every_real_pytorch_channel_build_is_in_the_table(corpus: Path) -> None:
    """Real linux-64 repodata (1.5 → 2.1): each CUDA build and companion the table can see."""
    data = json.loads(
        (
            corpus
            / "repodata"
            / "conda__rattler__test-data__channels__pytorch__linux-64__repodata.json"
        ).read_text(encoding="utf-8")
    )
    records = {**data.get("packages", {}), **data.get("packages.conda", {})}
    checked = 0
    for record in records.values():
        row = table().row(torch_minor(record["version"]))
        if record["name"] == "pytorch" and row is not None:
            found = re.search(r"cuda(\d+\.\d+)", record["build"])
            if found:
                assert found.group(1) in row.cuda, (record["version"], record["build"])
                checked += 1
        if record["name"] in ("torchvision", "torchaudio"):
            torch = next((d for d in record["depends"] if d.startswith("pytorch ")), None)
            row = table().row(torch_minor(torch.split()[1])) if torch else None
            if row is not None:
                paired = row.torchvision if record["name"] == "torchvision" else row.torchaudio
                assert torch_minor(record["version"]) == paired, record["version"]
                checked += 1
    assert checked > 100


# ---------------------------------------------------------------- channel::pkg specs


def test_a_spec_naming_an_unlisted_channel_adds_it_last_with_a_note() -> None:
    recipe = Recipe(
        name="t",
        python="3.10",
        channels=("bioconda",),
        dependencies=("pytorch::pytorch=2.0.1", "conda-forge::numpy", "bioconda::samtools"),
        pins=("nvidia/label/cuda-11.8.0::cuda-nvcc",),
    )
    spec_set = stacks.expand(recipe, "linux-64")
    assert spec_set.channels == (
        "bioconda",
        "conda-forge",
        "pytorch",
        "nvidia/label/cuda-11.8.0",
    )
    assert spec_set.notes == (
        "pytorch::pytorch=2.0.1 names the channel pytorch, which is not among bioconda > "
        "conda-forge: added it last (lowest priority), as conda and conda-lock do",
        "nvidia/label/cuda-11.8.0::cuda-nvcc names the channel nvidia/label/cuda-11.8.0, which "
        "is not among bioconda > conda-forge: added it last (lowest priority), as conda and "
        "conda-lock do",
    )


def test_a_stack_spec_naming_a_stack_channel_adds_nothing() -> None:
    recipe = recipe_for(Stack(pytorch="1.13", cuda="11.7"), dependencies=("pytorch::torchdata",))
    spec_set = stacks.expand(recipe, "linux-64")
    assert spec_set.channels == ("pytorch", "nvidia", "conda-forge")
    assert spec_set.notes == ()


def test_an_environment_file_spec_naming_an_unlisted_channel_adds_it(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(
        "name: e\nchannels: [conda-forge, nvidia, nodefaults]\n"
        "dependencies:\n  - pytorch::pytorch=2.0.1\n  - pytorch::pytorch-cuda=11.8  # [linux]\n",
        encoding="utf-8",
    )
    spec_set = stacks.expand(load_recipe(path), "linux-64")
    assert spec_set.channels == ("conda-forge", "nvidia", "pytorch")
    assert spec_set.notes == (
        "pytorch::pytorch 2.0.1.*, pytorch::pytorch-cuda 11.8.* name the channel pytorch, "
        "which is not among conda-forge > nvidia: added it last (lowest priority), as conda "
        "and conda-lock do",
    )


@pytest.mark.corpus
def test_corpus_bertchen_environment_gets_the_pytorch_channel(corpus: Path) -> None:
    recipe = load_recipe(corpus / "env-exports" / "FSadrieh__BERTchen__environment.yml")
    tail = (
        "the channel pytorch, which is not among conda-forge > nvidia: added it last "
        "(lowest priority), as conda and conda-lock do"
    )
    linux = stacks.expand(recipe, "linux-64")
    assert linux.channels == ("conda-forge", "nvidia", "pytorch")
    assert linux.notes == (f"pytorch::pytorch 2.1.0.*, pytorch::pytorch-cuda 11.8.* name {tail}",)
    osx = stacks.expand(recipe, "osx-arm64")
    assert osx.channels == ("conda-forge", "nvidia", "pytorch")
    assert osx.notes == (f"pytorch::pytorch 2.1.0.* names {tail}",)


# ---------------------------------------------------------------- source: pip is not locked


def test_require_conda_source_refuses_a_pip_stack(tmp_path: Path) -> None:
    path = tmp_path / "wheels.yml"
    path.write_text(
        'name: w\npython: "3.10"\nstack:\n  pytorch: "2.1"\n  cuda: "12.1"\n  source: pip\n',
        encoding="utf-8",
    )
    recipe = load_recipe(path)
    assert stacks.expand(recipe, "linux-64").notes == (PIP_NOTE,)  # check still shows it
    with pytest.raises(BadInputError) as raised:
        stacks.require_conda_source(recipe)
    assert str(raised.value) == (
        f"{path}:6: stack.source: pip: resolving PyTorch wheels arrives with the pip layer; "
        "use source: conda for now"
    )
    assert raised.value.exit_code == 2


def test_require_conda_source_lets_conda_stacks_and_plain_recipes_through() -> None:
    stacks.require_conda_source(recipe_for(Stack(pytorch="1.13", cuda="11.7")))
    stacks.require_conda_source(Recipe(name="plain", python="3.10"))
    stacks.require_conda_source(load_recipe(REPO / "recipes" / "m3net.yml"))


def test_the_spec_channel_note_masks_credentials(tmp_path: Path) -> None:
    path = tmp_path / "cred.yml"
    path.write_text(
        'name: cred\npython: "3.8"\nchannels: [https://alice:S3cretPW@repo.example.com/t1]\n'
        "dependencies: [bioconda::samtools]\n"
    )
    spec_set = stacks.expand(load_recipe(path), "linux-64")
    assert spec_set.channels[-1] == "bioconda"
    (note,) = spec_set.notes
    assert "S3cretPW" not in note
    assert note == (
        "bioconda::samtools names the channel bioconda, which is not among "
        "https://alice:<PASSWORD>@repo.example.com/t1 > conda-forge: added it last "
        "(lowest priority), as conda and conda-lock do"
    )
    # the solver still gets the real URL; only what is shown is masked
    assert spec_set.channels[0] == "https://alice:S3cretPW@repo.example.com/t1"
