"""Pairing, classification, ranking and the three renderings of `envlock diff`."""

from __future__ import annotations

from pathlib import Path

from envlock.diff.core import diff
from envlock.models import Package
from envlock.snapshot.model import Snapshot
from envlock.ui.result import Envelope
from tests.helpers import invoke


def snap(*packages: Package, builds: bool = True, channels: bool = True) -> Snapshot:
    return Snapshot(
        source="mem",
        kind="lock",
        platform="linux-64",
        name=None,
        channels=(),
        packages=packages,
        builds_known=builds,
        channels_known=channels,
    )


def conda(
    name: str, version: str, build: str | None = "h0", channel: str = "conda-forge"
) -> Package:
    return Package(name=name, version=version, build=build, channel=channel)


def pip(name: str, version: str) -> Package:
    return Package(name=name, version=version, manager="pip")


def test_identical_snapshots() -> None:
    a = snap(conda("numpy", "1.23.5"), pip("timm", "0.4.12"))
    drift = diff(a, a)
    assert drift.identical
    assert drift.paired == 2
    assert drift.to_dict()["changes"] == []


def test_each_change_kind_and_its_aspects() -> None:
    a = snap(
        conda("gone", "1"),
        conda("zlib", "1.2.13"),
        conda("libpng", "1.6.39", build="h0"),
        conda("tk", "8.6.12", channel="https://conda.anaconda.org/conda-forge/linux-64"),
        conda("xz", "5.2.6", channel="pkgs/main"),
        conda("scipy", "1.10.1"),
    )
    b = snap(
        conda("zlib", "1.2.14", build="h1"),
        conda("libpng", "1.6.39", build="h1"),
        conda("tk", "8.6.12", channel="conda-forge"),
        conda("xz", "5.2.6", channel="pytorch"),
        pip("scipy", "1.10.1"),
        conda("new", "2"),
    )
    kinds = {c.name: (c.change, c.aspects) for c in diff(a, b).changes}
    assert kinds == {
        "gone": ("removed", ()),
        "new": ("added", ()),
        "zlib": ("version", ("version", "build")),
        "libpng": ("build", ("build",)),
        "xz": ("channel", ("channel",)),
        "scipy": ("manager", ("manager",)),
    }


def test_defaults_and_its_mirrors_are_one_channel() -> None:
    a = snap(conda("xz", "5.2.6", channel="https://repo.anaconda.com/pkgs/main/linux-64"))
    b = snap(conda("xz", "5.2.6", channel="defaults"))
    assert diff(a, b).identical


def test_builds_are_not_compared_when_a_side_has_none() -> None:
    a = snap(conda("numpy", "1.23.5", build="py38h0"))
    b = snap(conda("numpy", "1.23.5", build=None), builds=False)
    drift = diff(a, b)
    assert drift.identical
    assert drift.to_dict()["builds_compared"] is False
    assert drift.compared == ("presence", "version", "channel", "manager")


def test_conda_and_pip_names_pair_only_without_own_partner() -> None:
    a = snap(conda("pytorch", "1.13.1", build="py3.8_cuda11.7_cudnn8.5.0_0"), conda("pyg", "2.2.0"))
    b = snap(pip("torch", "1.13.1+cu117"), pip("torch-geometric", "2.2.0"))
    changes = {c.name: c.change for c in diff(a, b).changes}
    assert changes == {"pytorch": "manager", "pyg": "manager"}
    # Both managers present on B: conda pairs with conda, the pip torch is an addition.
    b2 = snap(
        conda("pytorch", "1.13.1", build="py3.8_cuda11.7_cudnn8.5.0_0"), pip("torch", "2.3.1")
    )
    moved = {(c.name, c.change) for c in diff(a, b2).changes}
    assert moved == {("pyg", "removed"), ("torch", "added")}


def test_constraints_compare_by_satisfaction() -> None:
    spec = snap(conda("python", "3.9.*", build=None), conda("numpy", ">=1.2,<2", build=None))
    env = snap(conda("python", "3.9.16"), conda("numpy", "1.23.5"))
    assert diff(spec, env).identical
    newer = snap(conda("python", "3.10.9"), conda("numpy", "2.0.0"))
    assert {c.name for c in diff(spec, newer).changes} == {"python", "numpy"}


def test_critical_packages_rank_first() -> None:
    a = snap(conda("aaa", "1"), conda("zlib", "1"), conda("pytorch", "1.13.0"))
    b = snap(conda("aaa", "2"), conda("zlib", "2"), conda("pytorch", "1.13.1"))
    drift = diff(a, b)
    assert [c.name for c in drift.changes] == ["pytorch", "aaa", "zlib"]
    assert [c.name for c in drift.only_critical().changes] == ["pytorch"]


def test_json_document_shape() -> None:
    a = snap(conda("pytorch", "1.13.0", build="py3.8_cuda11.7_cudnn8.5.0_0", channel="pytorch"))
    b = snap(conda("pytorch", "1.13.0", build="py3.8_cpu_0", channel="pytorch"))
    doc = Envelope("diff", diff(a, b).to_dict()).document()
    assert list(doc) == [
        "envlock_diff",
        "a",
        "b",
        "platform",
        "identical",
        "builds_compared",
        "channels_compared",
        "paired",
        "resolved_dependencies",
        "changes",
        "findings",
        "critical_only",
        "not_shown",
    ]
    assert doc["a"] == {
        "source": "mem",
        "kind": "lock",
        "platform": "linux-64",
        "specs": False,
        "cuda_intent": None,
    }
    assert (doc["platform"], doc["paired"], doc["resolved_dependencies"]) == ("linux-64", 1, 0)
    assert doc["changes"] == [
        {
            "name": "pytorch",
            "change": "build",
            "aspects": ["build"],
            "critical": True,
            "a": {
                "manager": "conda",
                "version": "1.13.0",
                "build": "py3.8_cuda11.7_cudnn8.5.0_0",
                "channel": "pytorch",
            },
            "b": {
                "manager": "conda",
                "version": "1.13.0",
                "build": "py3.8_cpu_0",
                "channel": "pytorch",
            },
        }
    ]
    assert doc["findings"] == [
        {
            "severity": "error",
            "code": "cpu-build",
            "message": "pytorch: A has a CUDA 11.7 build (1.13.0 py3.8_cuda11.7_cudnn8.5.0_0), "
            "B a CPU build (1.13.0 py3.8_cpu_0): B will not use the GPU",
            "packages": ["pytorch"],
        }
    ]


EXPORT = """\
name: demo
channels:
  - pytorch
dependencies:
  - numpy=1.23.5=py38h14f4228_0
  - pytorch=1.13.1=py3.8_cuda11.7_cudnn8.5.0_0
  - pip:
      - timm==0.4.12
prefix: /envs/demo
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "a.yml"
    b = tmp_path / "b.yml"
    a.write_text(EXPORT, encoding="utf-8")
    b.write_text(EXPORT.replace("1.23.5", "1.24.0").replace("cuda11.7_cudnn8.5.0", "cpu"), "utf-8")
    return a, b


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    same = invoke(["diff", str(a), str(a), "--json"])
    assert same.exit_code == 0
    assert same.json()["identical"] is True
    differs = invoke(["diff", str(a), str(b), "--format", "json"])
    assert differs.exit_code == 1
    doc = differs.json()
    assert doc["envlock_diff"] == 1
    assert [c["name"] for c in doc["changes"]] == ["numpy", "pytorch"]
    assert doc["a"] == {
        "source": str(a),
        "kind": "export",
        "platform": None,
        "specs": False,
        "cuda_intent": None,
    }
    bad = invoke(["diff", str(a), str(tmp_path / "missing.yml"), "--json"])
    assert bad.exit_code == 2
    assert bad.json()["where"] == str(tmp_path / "missing.yml")


def test_cli_table_and_markdown(tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    table = invoke(["diff", str(a), str(b)])
    assert table.exit_code == 1
    assert "Findings" in table.stdout
    assert "cpu-build" in table.stdout
    assert "version changed (1)" in table.stdout
    assert "compared: presence, version, build, manager" in table.stdout
    md = invoke(["diff", str(a), str(b), "--format", "markdown", "--critical-only"])
    assert md.exit_code == 1
    assert "| package | change | A | B | critical |" in md.stdout
    assert (
        "| pytorch | build | 1.13.1 py3.8_cuda11.7_cudnn8.5.0_0 | 1.13.1 py3.8_cpu_0 | yes |"
        in (md.stdout)
    )


def test_cli_unknown_platform_is_bad_input(tmp_path: Path) -> None:
    a, _ = _files(tmp_path)
    ran = invoke(["diff", str(a), str(a), "--platform", "linux-65"])
    assert ran.exit_code == 2


def test_diff_json_does_not_import_the_engines(tmp_path: Path) -> None:
    import subprocess
    import sys

    a, b = _files(tmp_path)
    code = (
        "import sys; from envlock.cli import run; "
        f"run(['diff', {str(a)!r}, {str(b)!r}, '--json']); "
        "heavy = [m for m in ('rattler', 'conda_lock') if m in sys.modules]; "
        "sys.stderr.write('HEAVY:' + ','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "HEAVY:"


def spec_snap(*packages: Package) -> Snapshot:
    return Snapshot(
        source="spec",
        kind="export",
        platform=None,
        name=None,
        channels=(),
        packages=packages,
        builds_known=False,
        channels_known=False,
        specs=True,
    )


def test_specs_against_an_environment_count_its_dependencies() -> None:
    spec = spec_snap(conda("python", "3.8.*", build=None), conda("numpy", ">=1.20", build=None))
    env = snap(
        conda("python", "3.8.16"),
        conda("numpy", "1.23.5"),
        conda("libzlib", "1.2.13"),
        pip("timm", "0.4.12"),
    )
    drift = diff(spec, env)
    assert drift.identical
    assert (drift.paired, drift.resolved_dependencies, drift.specs_side) == (2, 2, "a")
    assert drift.to_dict()["resolved_dependencies"] == 2
    backwards = diff(env, spec)
    assert backwards.identical
    assert (backwards.resolved_dependencies, backwards.specs_side) == (2, "b")
    unmet = diff(spec_snap(conda("numpy", "<1.20", build=None), conda("scipy", "", None)), env)
    assert {(c.name, c.change) for c in unmet.changes} == {
        ("numpy", "version"),
        ("scipy", "removed"),
    }
    assert unmet.resolved_dependencies == 3
    pip_spec = diff(spec_snap(pip("numpy", ""), conda("timm", "", build=None)), env)
    assert [(c.name, c.change) for c in pip_spec.changes] == [("timm", "manager")]
    both = diff(spec, spec_snap(conda("python", "3.8.*", build=None)))
    assert ([c.name for c in both.changes], both.resolved_dependencies) == (["numpy"], 0)


def test_cli_refuses_two_output_formats(tmp_path: Path) -> None:
    a, _ = _files(tmp_path)
    for fmt in ("markdown", "table"):
        ran = invoke(["diff", str(a), str(a), "--format", fmt, "--json"])
        assert ran.exit_code == 2
        assert ran.json()["message"] == (
            f"--json and --format {fmt} ask for two outputs: pass one of them "
            "(--json is the same as --format json)"
        )
    assert invoke(["diff", str(a), str(a), "--format", "json", "--json"]).exit_code == 0


def test_cli_counts_in_words(tmp_path: Path) -> None:
    a, _ = _files(tmp_path)
    one = tmp_path / "one.yml"
    one.write_text(EXPORT.replace("1.23.5", "1.24.0"), encoding="utf-8")
    ran = invoke(["diff", str(a), str(one), "--format", "markdown"])
    assert ran.exit_code == 1
    assert "_1 package differs (1 critical); 3 paired_" in ran.stdout


def test_cli_specs_against_a_lock(tmp_path: Path) -> None:
    a, _ = _files(tmp_path)
    spec = tmp_path / "history.yml"
    spec.write_text("dependencies:\n  - pytorch=1.13\n  - numpy\n", encoding="utf-8")
    ran = invoke(["diff", str(spec), str(a)])
    assert ran.exit_code == 0
    assert "A states specs: 1 more package in B is a dependency the specs resolved to" in (
        ran.stdout.replace("\n", " ")
    )
    assert "identical: all 2 specs satisfied" in ran.stdout


def test_cli_says_when_platforms_differ(tmp_path: Path) -> None:
    linux = tmp_path / "linux.txt"
    osx = tmp_path / "osx.txt"
    url = "https://conda.anaconda.org/conda-forge/{}/zlib-1.2.13-{}.conda"
    linux.write_text("@EXPLICIT\n" + url.format("linux-64", "hd590300_5") + "\n", "utf-8")
    osx.write_text("@EXPLICIT\n" + url.format("osx-64", "h8a1eda9_5") + "\n", "utf-8")
    ran = invoke(["diff", str(linux), str(osx), "--format", "markdown"])
    assert ran.exit_code == 1
    assert "platforms differ: A is linux-64, B is osx-64" in ran.stdout
    assert "`platform-mismatch`" in ran.stdout
    doc = invoke(["diff", str(linux), str(osx), "--json"]).json()
    assert (doc["platform"], doc["a"]["platform"], doc["b"]["platform"]) == (
        None,
        "linux-64",
        "osx-64",
    )
    assert [f["code"] for f in doc["findings"]] == ["platform-mismatch"]


OSX_A = """\
name: gpu
channels:
  - pytorch
  - nvidia
dependencies:
  - pytorch=2.0.1=py3.10_cuda11.8_cudnn8.7.0_0
  - pytorch-cuda=11.8=h7e8668a_5
  - pytorch-mutex=1.0=cuda
"""


def test_cli_osx_pytorch_build_is_cpu(tmp_path: Path) -> None:
    a = tmp_path / "a.yml"
    b = tmp_path / "b.yml"
    a.write_text(OSX_A, encoding="utf-8")
    b.write_text(OSX_A.replace("py3.10_cuda11.8_cudnn8.7.0_0", "py3.10_0"), encoding="utf-8")
    ran = invoke(["diff", str(a), str(b), "--json"])
    assert ran.exit_code == 1
    (finding,) = ran.json()["findings"]
    assert (finding["code"], finding["packages"]) == (
        "cpu-build",
        ["pytorch", "pytorch-cuda", "pytorch-mutex"],
    )
    assert "B a CPU build (2.0.1 py3.10_0) although B's pytorch-cuda" in finding["message"]


CPU_ENV = """\
name: m3
channels:
  - pytorch
  - conda-forge
dependencies:
  - python=3.8.16=he550d4f_1_cpython
  - pytorch=1.13.1=py3.8_cpu_0
  - pytorch-mutex=1.0=cpu
  - numpy=1.23.5=py38h7042d01_0
  - networkx=3.0=pyhd8ed1ab_0
  - matplotlib=3.6.3=py38h578d9bd_0
  - libzlib=1.2.13=h166bdaf_4
prefix: /opt/envs/m3
"""

CUDA_ENV = """\
name: m3
channels:
  - pytorch
  - nvidia
  - pyg
  - conda-forge
dependencies:
  - python=3.8.16=he550d4f_1_cpython
  - pytorch=1.13.1=py3.8_cuda11.7_cudnn8.5.0_0
  - pytorch-cuda=11.7=h67b0de4_1
  - pytorch-mutex=1.0=cuda
  - torchvision=0.14.1=py38_cu117
  - pyg=2.2.0=py38_torch_1.13.0_cu117
  - numpy=1.23.5=py38h7042d01_0
  - networkx=3.0=pyhd8ed1ab_0
  - matplotlib=3.6.3=py38h578d9bd_0
  - libzlib=1.2.13=h166bdaf_4
prefix: /opt/envs/m3
"""


def test_recipe_side_is_its_expanded_stack(tmp_path: Path) -> None:
    from tests.helpers import REPO

    recipe = REPO / "recipes" / "m3net.yml"
    env = tmp_path / "cpu.yml"
    env.write_text(CPU_ENV, encoding="utf-8")
    ran = invoke(["diff", str(recipe), str(env), "--json"])
    assert ran.exit_code == 1
    doc = ran.json()
    assert (doc["a"]["kind"], doc["a"]["platform"], doc["a"]["cuda_intent"]) == (
        "recipe",
        "linux-64",
        "11.7",
    )
    changes = {c["name"]: c["change"] for c in doc["changes"]}
    assert changes == {
        "torchvision": "removed",
        "pyg": "removed",
        "pytorch-cuda": "removed",
        "pytorch": "build",  # *cuda11.7* asked, py3.8_cpu_0 installed
        "pytorch-mutex": "build",
    }
    (finding,) = doc["findings"]
    assert (finding["code"], finding["packages"]) == ("cpu-build", ["pytorch", "pytorch-mutex"])
    assert finding["message"] == (
        "pytorch: A asks for a CUDA 11.7 build (1.13.* *cuda11.7*), B has a CPU build "
        "(1.13.1 py3.8_cpu_0), and pytorch-mutex is `cuda` in A, `cpu` in B: B will not "
        "use the GPU"
    )
    # The other way round the CPU environment is A: still a cpu-build, not cuda-build.
    back = invoke(["diff", str(env), str(recipe), "--json"]).json()
    assert [(f["code"], f["message"].split(":")[0]) for f in back["findings"]] == [
        ("cpu-build", "pytorch")
    ]
    assert "A will not use the GPU" in back["findings"][0]["message"]
    table = invoke(["diff", str(recipe), str(env)])
    assert "missing (A asks for it, B lacks it) (3)" in table.stdout
    # The environment the recipe asks for matches it: build globs fit the builds.
    good = tmp_path / "cuda.yml"
    good.write_text(CUDA_ENV, encoding="utf-8")
    same = invoke(["diff", str(recipe), str(good), "--json"])
    assert same.exit_code == 0, same.stdout
    assert same.json()["findings"] == []


def test_recipe_is_expanded_for_the_other_sides_platform(tmp_path: Path) -> None:
    from tests.helpers import REPO

    osx = tmp_path / "osx.txt"
    osx.write_text(
        "@EXPLICIT\nhttps://conda.anaconda.org/pytorch/osx-64/pytorch-1.13.1-py3.8_0.tar.bz2\n",
        encoding="utf-8",
    )
    doc = invoke(["diff", str(REPO / "recipes" / "m3net.yml"), str(osx), "--json"]).json()
    assert (doc["a"]["platform"], doc["a"]["cuda_intent"], doc["platform"]) == (
        "osx-64",
        None,
        "osx-64",
    )
    assert "cpu-build" not in {f["code"] for f in doc["findings"]}
    win = invoke(
        ["diff", str(REPO / "recipes" / "m3net.yml"), str(osx), "--json", "--platform", "win-64"]
    ).json()
    assert win["a"]["cuda_intent"] == "11.7"


def test_critical_only_says_what_it_left_out(tmp_path: Path) -> None:
    a, _ = _files(tmp_path)
    b = tmp_path / "b.yml"
    b.write_text(EXPORT.replace("  - pip:\n", "  - zlib=1.2.13=h0\n  - pip:\n"), "utf-8")
    ran = invoke(["diff", str(a), str(b), "--critical-only"])
    assert ran.exit_code == 0
    assert (
        "identical in the 2 critical packages; 1 other difference not shown (--critical-only)"
        in (" ".join(ran.stdout.split()))
    )
    doc = invoke(["diff", str(a), str(b), "--critical-only", "--json"]).json()
    assert (doc["identical"], doc["critical_only"], doc["not_shown"]) == (True, True, 1)
    clean = invoke(["diff", str(a), str(a), "--critical-only", "--format", "markdown"])
    assert "_identical in the 2 critical packages; no other differences_" in clean.stdout


def test_diff_help_names_recipes_and_the_platform_metavar() -> None:
    text = " ".join(invoke(["diff", "--help"]).stdout.split())
    assert "an envlock recipe" in text
    assert "--platform PLATFORM" in text
    assert "--platform TEXT" not in text


def test_a_recipe_check_refuses_is_refused_by_diff_with_every_bad_line(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yml"
    recipe.write_text(
        'name: r\npython: "3.8"\ndependencies:\n  - numpy >>1\n  - "scipy=="\n', encoding="utf-8"
    )
    env = tmp_path / "cuda.yml"
    env.write_text(CUDA_ENV, encoding="utf-8")
    ran = invoke(["diff", str(recipe), str(env), "--json"])
    assert ran.exit_code == 2
    doc = ran.json()
    assert doc["where"] == f"{recipe}:4"
    assert '"numpy >>1"' in doc["message"]
    assert '"scipy=="' in doc["message"]


def test_a_spec_with_a_build_keeps_it(tmp_path: Path) -> None:
    from envlock.snapshot.specs import parse_conda_spec

    spec = parse_conda_spec("numpy >=1.2,<1.3 py38h7042d01_0")
    assert (spec.version, spec.build) == (">=1.2,<1.3", "py38h7042d01_0")
    apart = parse_conda_spec("numpy >= 1.2")
    assert (apart.version, apart.build) == (">=1.2", None)
