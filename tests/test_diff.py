"""Pairing, classification, ranking and the three renderings of `envlock diff`."""

from __future__ import annotations

from pathlib import Path

from envlock.diff import diff
from envlock.models import Package
from envlock.snapshot.model import Snapshot
from tests.conftest import invoke


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
    doc = diff(a, b).to_dict()
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
    ]
    assert doc["a"] == {"source": "mem", "kind": "lock", "platform": "linux-64", "specs": False}
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
    assert doc["a"] == {"source": str(a), "kind": "export", "platform": None, "specs": False}
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
