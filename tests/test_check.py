"""`envlock check`: the expansion per platform, without solving; exit 2 before solving."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import REPO, invoke

M3NET = str(REPO / "recipes" / "m3net.yml")


def test_check_m3net_shows_the_cuda_stack_for_linux_and_cpu_for_osx() -> None:
    ran = invoke(["check", M3NET])
    assert ran.exit_code == 0, ran.stderr
    out = ran.stdout
    for expected in (
        "linux-64",
        "pytorch 1.13.* *cuda11.7*",
        "pytorch-cuda 11.7.*",
        "pyg * *torch_1.13.0_cu117*",
        "pytorch > nvidia > pyg > conda-forge",
        "__cuda 11.7",
        "osx-64 has no CUDA builds: CPU variant",
        "win-64",
    ):
        assert expected in out, expected


def test_check_json_document() -> None:
    ran = invoke(["check", M3NET, "--json"])
    assert ran.exit_code == 0, ran.stderr
    document = ran.json()
    assert document["envlock_check"] == 1
    assert document["recipe"] == M3NET
    assert document["name"] == "m3net"
    assert list(document["platforms"]) == ["linux-64", "osx-64", "win-64"]
    linux = document["platforms"]["linux-64"]
    assert "pytorch 1.13.* *cuda11.7*" in linux["specs"]
    assert "pytorch-cuda 11.7.*" in linux["specs"]
    assert any("cu117" in s for s in linux["specs"] if s.startswith("pyg "))
    assert linux["channels"] == ["pytorch", "nvidia", "pyg", "conda-forge"]
    assert {"name": "__cuda", "version": "11.7", "build": "0"} in linux["virtual_packages"]
    assert linux["intent"] == {
        "cuda": "11.7",
        "runtime": "pytorch-cuda",
        "guarded": ["pytorch", "pytorch-mutex", "torchvision", "pyg"],
    }
    osx = document["platforms"]["osx-64"]
    assert osx["notes"] == ["osx-64 has no CUDA builds: CPU variant"]
    assert osx["intent"]["cuda"] is None
    assert not [v for v in osx["virtual_packages"] if v["name"] == "__cuda"]
    assert "pytorch 1.13.*" in osx["specs"]


def test_check_platform_option_picks_platforms() -> None:
    ran = invoke(["check", M3NET, "-p", "osx-arm64", "--platform", "linux-64", "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert list(ran.json()["platforms"]) == ["osx-arm64", "linux-64"]


def test_check_unknown_platform_is_bad_input() -> None:
    ran = invoke(["check", M3NET, "-p", "linux64"])
    assert ran.exit_code == 2
    assert "unknown platform 'linux64'" in ran.stderr


def test_check_impossible_stack_exits_2_naming_the_cuda_versions_that_exist(
    tmp_path: Path,
) -> None:
    recipe = tmp_path / "old.yml"
    recipe.write_text(
        'name: old\npython: "3.8"\nstack:\n  pytorch: "1.7"\n  cuda: "11.7"\n', encoding="utf-8"
    )
    ran = invoke(["check", str(recipe)])
    assert ran.exit_code == 2
    assert (
        f"{recipe}:5: stack.cuda: PyTorch 1.7 has conda builds for CUDA 9.2, 10.1, 10.2, 11.0 "
        "— not 11.7"
    ) in " ".join(ran.stderr.split())
    ran = invoke(["check", str(recipe), "--json"])
    assert ran.exit_code == 2
    assert ran.json() == {
        "envlock_error": 1,
        "code": 2,
        "message": "stack.cuda: PyTorch 1.7 has conda builds for CUDA 9.2, 10.1, 10.2, 11.0 "
        "— not 11.7",
        "where": f"{recipe}:5",
    }


def test_check_invalid_recipe_exits_2_with_file_and_line(tmp_path: Path) -> None:
    recipe = tmp_path / "typo.yml"
    recipe.write_text('name: t\npython: "3.8"\nplatfroms: [linux-64]\n', encoding="utf-8")
    ran = invoke(["check", str(recipe), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["where"] == f"{recipe}:3"
    assert ran.json()["message"] == 'unknown key "platfroms": did you mean "platforms"?'


def test_check_missing_recipe_is_bad_input(tmp_path: Path) -> None:
    ran = invoke(["check", str(tmp_path / "absent.yml")])
    assert ran.exit_code == 2


def test_check_reads_an_environment_yml(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(
        "name: e\nchannels: [pytorch, conda-forge]\n"
        "dependencies:\n  - python=3.9\n  - pytorch=1.12\n  - cudatoolkit=11.3  # [linux]\n",
        encoding="utf-8",
    )
    ran = invoke(["check", str(path), "-p", "linux-64", "-p", "osx-64", "--json"])
    assert ran.exit_code == 0, ran.stderr
    document = ran.json()
    assert document["kind"] == "environment"
    assert document["platforms"]["linux-64"]["specs"] == [
        "python 3.9.*",
        "pytorch 1.12.*",
        "cudatoolkit 11.3.*",
    ]
    assert document["platforms"]["linux-64"]["intent"]["cuda"] == "11.3"
    assert document["platforms"]["osx-64"]["specs"] == ["python 3.9.*", "pytorch 1.12.*"]


def test_check_json_keeps_human_output_off_stdout() -> None:
    ran = invoke(["check", str(REPO / "recipes" / "cpu-demo.yml"), "--json"])
    assert ran.exit_code == 0
    assert ran.stdout.lstrip().startswith("{")
    assert "cpu-demo" in ran.stderr
    linux = ran.json()["platforms"]["linux-64"]
    assert "cpuonly" in linux["specs"]
    assert "pytorch-mutex * cpu" in linux["specs"]


def test_check_shows_square_brackets_as_written(tmp_path: Path) -> None:
    (tmp_path / "run[1]").mkdir()
    path = tmp_path / "run[1]" / "brackets.yml"
    path.write_text(
        'name: b\npython: "3.10"\ndependencies: ["numpy[build=py310*]"]\n'
        'pip: ["print-on-steroids[exceptions]>=1.0"]\n',
        encoding="utf-8",
    )
    ran = invoke(["check", str(path), "-p", "linux-64"])
    assert ran.exit_code == 0, ran.stderr
    for shown in ("print-on-steroids[exceptions]>=1.0", "numpy[build=py310*]", "run[1]"):
        assert shown in ran.stdout, ran.stdout


def test_check_lists_every_invalid_matchspec_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(
        'name: bad\npython: "3.10"\ndependencies:\n  - numpy >>1.2\n  - scipy==\n',
        encoding="utf-8",
    )
    ran = invoke(["check", str(path), "--json"])
    assert ran.exit_code == 2
    assert ran.json() == {
        "envlock_error": 1,
        "code": 2,
        "message": '2 specs are not conda matchspecs: line 4 dependencies[0] "numpy >>1.2" '
        '(unable to parse version spec: >>1.2); line 5 dependencies[1] "scipy==" (unable to '
        "parse version spec: ==). Write name, then optionally a version and a build, e.g. "
        "numpy <1.24 or numpy=1.23.5=py38h14f4228_0",
        "where": f"{path}:4",
    }


def test_check_a_date_that_does_not_exist_is_bad_input_without_a_traceback(
    tmp_path: Path,
) -> None:
    path = tmp_path / "date.yml"
    path.write_text('name: d\npython: "3.10"\nexclude_newer: 2023-02-30\n', encoding="utf-8")
    ran = invoke(["check", str(path)])
    assert ran.exit_code == 2
    assert "Traceback" not in ran.stderr
    assert (
        f"{path}:3: exclude_newer: 2023-02-30 is not a date (day is out of range for month)"
    ) in " ".join(ran.stderr.split())


def test_check_yaml_syntax_error_is_one_paragraph_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "indent.yml"
    path.write_text('name: i\npython: "3.10"\nstack:\n  pytorch: "1.13"\n cuda: "11.7"\n')
    ran = invoke(["check", str(path), "--json"])
    assert ran.exit_code == 2
    assert ran.json()["where"] == f"{path}:5"
    assert ran.json()["message"].startswith(
        "not valid YAML: this line does not line up with the mapping or list it belongs to"
    )


def test_check_shows_a_pip_stack_and_says_it_is_not_locked(tmp_path: Path) -> None:
    path = tmp_path / "wheels.yml"
    path.write_text(
        'name: w\npython: "3.10"\nstack:\n  pytorch: "2.1"\n  cuda: "12.1"\n  source: pip\n',
        encoding="utf-8",
    )
    ran = invoke(["check", str(path), "--json"])
    assert ran.exit_code == 0, ran.stderr
    linux = ran.json()["platforms"]["linux-64"]
    assert "torch==2.1.*" in linux["pip"]
    assert any("NOT locked" in note for note in linux["notes"])


CREDENTIALS = """\
name: cred
python: "3.8"
channels: [https://alice:S3cretPW@repo.example.com/private]
dependencies: [bioconda::samtools]
"""


def test_check_never_shows_a_channel_password(tmp_path: Path) -> None:
    path = tmp_path / "cred.yml"
    path.write_text(CREDENTIALS)
    for args in ([str(path)], [str(path), "--json"]):
        ran = invoke(["check", *args])
        assert ran.exit_code == 0, ran.stderr
        assert "S3cretPW" not in ran.stdout + ran.stderr
        assert "https://alice:<PASSWORD>@repo.example.com/private" in ran.stdout
    linux = invoke(["check", str(path), "--json"]).json()["platforms"]["linux-64"]
    assert linux["channels"] == [
        "https://alice:<PASSWORD>@repo.example.com/private",
        "conda-forge",
        "bioconda",
    ]
    (note,) = linux["notes"]
    assert "not among https://alice:<PASSWORD>@repo.example.com/private > conda-forge" in note
