"""Reading `conda env export` YAML in every form conda and micromamba write, and specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.models import Package
from envlock.snapshot import detect_kind, read_snapshot


def _write(tmp_path: Path, text: str, name: str = "env.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _by_name(packages: tuple[Package, ...]) -> dict[str, Package]:
    return {p.name: p for p in packages}


EXPORT = """\
name: m3net
channels:
  - pytorch
  - nvidia
  - conda-forge
dependencies:
  - _libgcc_mutex=0.1=conda_forge
  - python=3.8.16=he550d4f_1_cpython
  - pytorch=1.13.1=py3.8_cuda11.7_cudnn8.5.0_0
  - pytorch-mutex=1.0=cuda
  - pip:
      - Torch_Scatter==2.1.1+pt113cu117
      - timm==0.4.12
      - my-tool @ https://example.org/my_tool-1.2.0-py3-none-any.whl
      - -e git+https://github.com/org/Editable.git@abc123#egg=editable-pkg
      - --find-links https://data.pyg.org/whl/torch-1.13.0+cu117.html
      - --extra-index-url https://download.pytorch.org/whl/cu117
      - git+https://github.com/Valdes-Tresanco-MS/AutoDockTools_py3.git@aee55d50
variables:
  CUDA_HOME: /usr/local/cuda
prefix: /home/me/miniconda3/envs/m3net"""  # no final newline, as some published files


def test_export_with_builds_and_pip_section(tmp_path: Path) -> None:
    snap = read_snapshot(_write(tmp_path, EXPORT))
    assert snap.kind == "export"
    assert snap.name == "m3net"
    assert snap.channels == ("pytorch", "nvidia", "conda-forge")
    assert snap.prefix == "/home/me/miniconda3/envs/m3net"
    assert snap.builds_known is True
    assert snap.channels_known is False
    pkgs = _by_name(snap.packages)
    assert pkgs["pytorch"] == Package(
        name="pytorch", version="1.13.1", build="py3.8_cuda11.7_cudnn8.5.0_0"
    )
    assert pkgs["torch-scatter"].manager == "pip"
    assert pkgs["torch-scatter"].version == "2.1.1+pt113cu117"
    assert pkgs["my-tool"].version == "1.2.0"
    assert pkgs["my-tool"].url == "https://example.org/my_tool-1.2.0-py3-none-any.whl"
    assert pkgs["editable-pkg"].version == ""
    assert pkgs["autodocktools-py3"].url is not None
    assert len([p for p in snap.packages if p.manager == "pip"]) == 5


def test_no_builds_export_records_no_builds(tmp_path: Path) -> None:
    text = (
        "name: x\nchannels:\n- defaults\ndependencies:\n- python=3.8.16\n- numpy=1.23.5\n"
        "prefix: /envs/x\n"
    )
    snap = read_snapshot(_write(tmp_path, text))
    assert (snap.builds_known, snap.specs) == (False, False)
    assert _by_name(snap.packages)["python"].version == "3.8.16"  # exact, not 3.8.16.*


def test_hand_written_pins_without_prefix_or_builds_are_specs(tmp_path: Path) -> None:
    # `conda env export` always writes `prefix:`; a pin list without it (and without a
    # single build) was written by hand: what was asked for, not what was installed.
    text = "name: x\nchannels:\n- defaults\ndependencies:\n- python=3.8\n- numpy=1.23.5\n"
    snap = read_snapshot(_write(tmp_path, text))
    assert (snap.kind, snap.builds_known, snap.specs) == ("export", False, True)
    assert _by_name(snap.packages)["python"].version == "3.8.*"  # conda's `=3.8`
    with_build = text + "- zlib=1.2.13=h166bdaf_4\n"
    assert read_snapshot(_write(tmp_path, with_build, name="b.yml")).specs is False


def test_channel_prefixed_lines_record_channels(tmp_path: Path) -> None:
    text = (
        "dependencies:\n"
        "  - pytorch::pytorch=1.13.1=py3.8_cuda11.7_cudnn8.5.0_0\n"
        "  - https://conda.anaconda.org/conda-forge::numpy=1.23.5=py38h7042d01_0\n"
    )
    snap = read_snapshot(_write(tmp_path, text))
    assert snap.kind == "export"
    assert snap.channels_known is True
    assert {p.name: p.channel for p in snap.packages} == {
        "pytorch": "pytorch",
        "numpy": "conda-forge",
    }


def test_micromamba_export_with_subdir_and_md5(tmp_path: Path) -> None:
    text = (
        "name: base\nchannels:\n- conda-forge\ndependencies:\n"
        "- conda-forge/linux-64::python=3.11.0=he550d4f_1_cpython"
        "[md5=4ee7e6b6e2d3ba0c8d3b9b1e0c5d3c3a]\n"
        "- conda-forge/noarch::tzdata==2023c=h71feb2d_0\n"
    )
    snap = read_snapshot(_write(tmp_path, text))
    assert snap.kind == "micromamba-export"
    python, tzdata = snap.packages
    assert (python.channel, python.subdir, python.build) == (
        "conda-forge",
        "linux-64",
        "he550d4f_1_cpython",
    )
    assert python.md5 == "4ee7e6b6e2d3ba0c8d3b9b1e0c5d3c3a"
    assert (tzdata.version, tzdata.build, tzdata.subdir) == ("2023c", "h71feb2d_0", "noarch")


def test_from_history_specs_keep_their_constraints(tmp_path: Path) -> None:
    text = (
        "name: spec\nchannels: [pytorch, conda-forge]\ndependencies:\n"
        "  - python=3.9\n  - pytorch\n  - numpy>=1.2,<2\n  - scipy 1.10.*\n"
        "  - pip:\n    - einops\n    - 'numpy>=1.23,<2'\n"
    )
    snap = read_snapshot(_write(tmp_path, text))
    conda = {p.name: p.version for p in snap.packages if p.manager == "conda"}
    assert conda == {"python": "3.9.*", "pytorch": "", "numpy": ">=1.2,<2", "scipy": "1.10.*"}
    pip = {p.name: p.version for p in snap.packages if p.manager == "pip"}
    assert pip == {"einops": "", "numpy": "<2,>=1.23"}
    assert snap.builds_known is False


def test_recipe_is_read_through_the_stack_expansion(tmp_path: Path) -> None:
    text = (
        'envlock: 1\nname: m3net\nplatforms: [linux-64, osx-64]\npython: "3.8"\n'
        'stack:\n  pytorch: "1.13"\n  cuda: "11.7"\n  torchvision: true\n  pyg: true\n'
        "dependencies: [numpy <1.24]\npins: [scipy=1.10.1=py38h10c12cc_0]\n"
        "pip:\n  - timm==0.4.12\n"
    )
    path = _write(tmp_path, text)
    snap = read_snapshot(path)  # no other side: the recipe's first platform
    assert (snap.kind, snap.platform, snap.specs, snap.cuda_intent) == (
        "recipe",
        "linux-64",
        True,
        "11.7",
    )
    assert {p.name: (p.version, p.build) for p in snap.packages} == {
        "python": ("3.8.*", None),
        "pytorch": ("1.13.*", "*cuda11.7*"),
        "pytorch-cuda": ("11.7.*", None),
        "pytorch-mutex": ("", "cuda"),
        "torchvision": ("0.14.*", "*cu117*"),
        "pyg": ("", "*torch_1.13.0_cu117*"),
        "numpy": ("<1.24", None),
        "scipy": ("1.10.1", "py38h10c12cc_0"),
        "pip": ("", None),  # the expansion adds pip for the `pip:` lines
        "timm": ("0.4.12", None),
    }
    assert snap.builds_known is True
    osx = read_snapshot(path, platform="osx-64")
    assert (osx.platform, osx.cuda_intent) == ("osx-64", None)
    assert _by_name(osx.packages)["pytorch"].build is None


def test_kind_comes_from_content_not_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "numpy==1.23.5\ntorch==1.13.1+cu117\n", name="environment.yml")
    assert detect_kind(path) == "pip"
    snap = read_snapshot(path)
    assert [p.manager for p in snap.packages] == ["pip", "pip"]


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\ndependencies:\n  - numpy=1.0\n  - [broken\n")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.where == f"{path}:5"
    assert caught.value.exit_code == 2


def test_unreadable_dependency_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\ndependencies:\n  - numpy=1.0\n  - numpy=1.0=a=b\n")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.where == f"{path}:4"
    assert caught.value.message == (
        "cannot read 'numpy=1.0=a=b': expected name=version=build; a conda line reads "
        "`name=version=build` (or `name=version`)"
    )


def test_bad_pip_line_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "dependencies:\n  - pip:\n    - ok==1.0\n    - 'bad name ==='\n")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.where == f"{path}:4"


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as caught:
        read_snapshot(tmp_path / "nope.yml")
    assert caught.value.where == str(tmp_path / "nope.yml")


def test_scalars_stay_text_even_when_they_look_like_dates_or_numbers(tmp_path: Path) -> None:
    export = _write(tmp_path, "name: 2023-02-30\ndependencies:\n  - python=3.10\n  - x=1.10=0123\n")
    snap = read_snapshot(export)
    assert snap.name == "2023-02-30"
    assert [(p.version, p.build) for p in snap.packages] == [("3.10", None), ("1.10", "0123")]
    recipe = _write(tmp_path, 'envlock: 1\nname: 2023-02-30\npython: "3.10"\n', name="r.yml")
    assert {p.name: p.version for p in read_snapshot(recipe).packages} == {"python": "3.10.*"}
    # An unquoted 3.10 is refused as `envlock check` refuses it (YAML reads 3.1).
    recipe.write_text("envlock: 1\nname: x\npython: 3.10\n", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(recipe)
    assert caught.value.where == f"{recipe}:3"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: !!timestamp 2023-02-30\ndependencies: [python=3.8]\n", 1),
        ("name: x\ndependencies:\n  - python=3.8\n  - !!int abc\n", 4),
        ("name: x\nprefix: !!float nope\ndependencies: [python=3.8]\n", 2),
    ],
)
def test_a_value_a_tag_cannot_construct_names_its_line(
    tmp_path: Path, text: str, line: int
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.where == f"{path}:{line}"
    assert caught.value.exit_code == 2


def test_a_lock_with_a_value_a_tag_cannot_construct_names_its_line(tmp_path: Path) -> None:
    text = (
        "version: 1\nmetadata:\n  platforms: [linux-64]\n  channels: []\n"
        "  bogus: !!timestamp 2023-02-30\npackage:\n  - {}\n"
    )
    path = _write(tmp_path, text, name="conda-lock.yml")
    assert detect_kind(path) == "lock"
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path, platform="linux-64")
    assert caught.value.where == f"{path}:5"


def test_recipe_dependencies_must_be_a_list(tmp_path: Path) -> None:
    path = _write(tmp_path, 'envlock: 1\nname: x\npython: "3.8"\ndependencies: numpy\n')
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.where == f"{path}:4"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n   \n\t\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is not a text file"),
        (b"numpy==1.0\n\x00\x00\x00\x00", "this is not a text file"),
        (b"# only a comment\n--find-links https://example.org\n", "this file lists no packages"),
    ],
)
def test_empty_binary_or_packageless_files_are_bad_input(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "snapshot.txt"
    path.write_bytes(content)
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path)
    assert caught.value.message.startswith(message)
    assert caught.value.where == str(path)


def test_platform_from_platforms_key_or_micromamba_subdirs(tmp_path: Path) -> None:
    spec = _write(tmp_path, "platforms: [osx-64]\ndependencies: [python=3.9]\n")
    assert read_snapshot(spec).platform == "osx-64"
    micromamba = _write(
        tmp_path,
        "dependencies:\n  - conda-forge/linux-64::python==3.8.16=he550d4f_1_cpython\n"
        "  - conda-forge/noarch::tzdata==2023c=h71feb2d_0\n",
        name="mm.yml",
    )
    assert read_snapshot(micromamba).platform == "linux-64"
    assert read_snapshot(_write(tmp_path, EXPORT, name="plain.yml")).platform is None


def test_which_snapshots_only_state_specs(tmp_path: Path) -> None:
    assert read_snapshot(_write(tmp_path, EXPORT)).specs is False
    history = _write(tmp_path, "dependencies: [python=3.9, pytorch]\n", name="h.yml")
    assert read_snapshot(history).specs is True
    recipe = _write(tmp_path, 'envlock: 1\nname: x\npython: "3.8"\n', name="r.yml")
    assert read_snapshot(recipe).specs is True
    freeze = _write(tmp_path, "numpy==1.23.5\nx @ https://e.org/x-1.0.tar.gz\n", name="f.txt")
    assert read_snapshot(freeze).specs is False
    loose = _write(tmp_path, "numpy==1.23.5\ntimm\n", name="req.txt")
    assert read_snapshot(loose).specs is True
