"""conda-lock.yml (unified, version 1): round trip, determinism, conda-lock compatibility."""

from __future__ import annotations

import hashlib
import subprocess
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from envlock.errors import BadInputError
from envlock.lock.condalock import (
    Lock,
    LockChannel,
    depends_to_mapping,
    mapping_to_depends,
    read_lock,
    render_lock,
    write_lock,
)
from envlock.lock.explicit import render_explicit
from envlock.models import Package
from tests.conftest import REPO

SECRET_ALIAS = "https://alice:s3cret@mirror.example/t/tk-9f8e7d"
CONDA_LOCK = REPO / ".venv" / "bin" / "conda-lock"


def conda(
    name: str,
    version: str,
    build: str,
    *,
    channel: str = "conda-forge",
    subdir: str = "linux-64",
    depends: tuple[str, ...] = (),
    ext: str = ".conda",
    alias: str = "https://conda.anaconda.org",
) -> Package:
    """A conda Package as the solver stage hands it over (fields a lock keeps)."""
    digest = hashlib.md5(f"{name}-{version}-{build}-{subdir}".encode()).hexdigest()
    return Package(
        name=name,
        version=version,
        build=build,
        channel=channel,
        subdir=subdir,
        url=f"{alias}/{channel}/{subdir}/{name}-{version}-{build}{ext}",
        md5=digest,
        sha256=(digest * 2),
        depends=depends,
    )


def pip(name: str, version: str, depends: tuple[str, ...] = ()) -> Package:
    return Package(
        name=name,
        version=version,
        url=f"https://files.pythonhosted.org/packages/xx/{name}-{version}-py3-none-any.whl",
        sha256="ab" * 32,
        depends=depends,
        manager="pip",
    )


def platform_packages(subdir: str, alias: str) -> tuple[Package, ...]:
    cuda = subdir != "osx-64"
    torch_build = "py3.8_cuda11.7_cudnn8.5.0_0" if cuda else "py3.8_0"
    return (
        conda(
            "python",
            "3.8.16",
            "he550d4f_1_cpython",
            subdir=subdir,
            depends=("openssl >=3.0.7,<4.0a0", "zlib"),
        ),
        conda("openssl", "3.0.8", "h0b41bf4_0", subdir=subdir, depends=("ca-certificates",)),
        conda("ca-certificates", "2022.12.7", "ha878542_0", subdir=subdir, ext=".tar.bz2"),
        conda("zlib", "1.2.13", "h166bdaf_4", subdir=subdir),
        conda(
            "numpy",
            "1.10",
            "py38h1234567_0",
            subdir=subdir,
            depends=("python >=3.8,<3.9.0a0", "python_abi 3.8.* *_cp38"),
        ),
        conda("python_abi", "3.8", "3_cp38", subdir=subdir),
        conda(
            "pytorch-mutex",
            "1.0",
            "cuda" if cuda else "cpu",
            channel="pytorch",
            subdir="noarch",
            ext=".tar.bz2",
        ),
        conda(
            "pytorch",
            "1.13.0",
            torch_build,
            channel="pytorch",
            subdir=subdir,
            ext=".tar.bz2",
            depends=(
                "python >=3.8,<3.9.0a0",
                "pytorch-mutex 1.0 cuda" if cuda else "pytorch-mutex 1.0 cpu",
                "numpy >=1.19",
                "__cuda" if cuda else "__osx >=10.9",
            ),
        ),
        conda("tzdata", "2023c", "h71feb2d_0", subdir="noarch", alias=alias),
        pip("timm", "0.4.12", depends=("torch>=1.4", "torchvision")),
        pip("yes", "2023.7.22"),
    )


def sample_lock(alias: str = SECRET_ALIAS) -> Lock:
    """Two platforms, conda and pip packages; `alias` is the mirror of one channel."""
    platforms = ("linux-64", "osx-64")
    return Lock(
        platforms=platforms,
        channels=(
            LockChannel(url="pytorch"),
            LockChannel(url=f"{alias}/conda-forge", used_env_vars=("MIRROR_TOKEN",)),
        ),
        content_hash={p: f"{i:064x}" for i, p in enumerate(platforms)},
        sources=("recipes/m3net.yml",),
        packages={p: platform_packages(p, alias) for p in platforms},
        custom_metadata={"envlock-inputs-linux-64": '{"specs": ["python 3.8.*"], "yes": true}'},
    )


def parse_with_conda_lock(path: Path) -> Any:
    """conda-lock's own reader (its vendored conda warns about its own deprecations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from conda_lock.lockfile import parse_conda_lock_file

        return parse_conda_lock_file(path)


# ---------------------------------------------------------------- round trip


def test_round_trip(tmp_path: Path) -> None:
    lock = sample_lock("https://mirror.example")
    path = tmp_path / "conda-lock.yml"
    write_lock(path, lock)
    back = read_lock(path)
    assert back == lock
    assert back.path == path
    assert path.read_text() == render_lock(back)


def test_render_is_byte_deterministic() -> None:
    lock = sample_lock()
    shuffled = Lock(
        platforms=lock.platforms,
        channels=lock.channels,
        content_hash=dict(reversed(list(lock.content_hash.items()))),
        sources=lock.sources,
        packages={p: tuple(reversed(pkgs)) for p, pkgs in reversed(list(lock.packages.items()))},
        custom_metadata=dict(reversed(list(lock.custom_metadata.items()))),
    )
    assert render_lock(shuffled) == render_lock(lock)
    assert shuffled == lock


def test_entries_look_like_conda_lock() -> None:
    text = render_lock(sample_lock())
    assert text.startswith("# This lock file was generated by envlock")
    assert "#     envlock create conda-lock.yml -n YOURENV\n" in text
    assert "#     conda-lock install -n YOURENV conda-lock.yml\n" in text
    entry = text.split("- name: pytorch\n", 1)[1].split("\n- name:", 1)[0]
    assert entry == (
        "  version: 1.13.0\n"
        "  manager: conda\n"
        "  platform: linux-64\n"
        "  dependencies:\n"
        "    python: '>=3.8,<3.9.0a0'\n"
        "    pytorch-mutex: 1.0 cuda\n"
        "    numpy: '>=1.19'\n"
        "    __cuda: ''\n"
        "  url: https://conda.anaconda.org/pytorch/linux-64/pytorch-1.13.0-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2\n"
        f"  hash:\n    md5: {entry.split('md5: ')[1][:32]}\n"
        f"    sha256: {entry.split('sha256: ')[1][:64]}\n"
        "  category: main\n"
        "  optional: false\n"
        "  build: py3.8_cuda11.7_cudnn8.5.0_0"
    )
    # conda-lock's order: manager, then name, then platform
    names = [(line, text.count(line)) for line in text.splitlines() if line.startswith("- name:")]
    assert names[0] == ("- name: ca-certificates", 2)
    assert [n for n, _ in names][-2:] == [
        "- name: 'yes'",
        "- name: 'yes'",
    ]  # YAML 1.1 would read yes as true
    assert "  version: '1.10'\n" in text


def test_no_credentials_in_lock(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    write_lock(path, sample_lock())
    text = path.read_text()
    assert "s3cret" not in text
    assert "tk-9f8e7d" not in text
    assert "alice" not in text
    assert "- url: https://mirror.example/conda-forge\n" in text
    assert read_lock(path) == sample_lock("https://mirror.example")


def test_depends_mapping_round_trip() -> None:
    conda_deps = (
        "python >=3.8,<3.9.0a0",
        "pytorch-mutex 1.0 cuda",
        "psutil",
        "blas *",
        "_openmp_mutex * *_llvm",
    )
    assert mapping_to_depends(depends_to_mapping(conda_deps), "conda") == conda_deps
    pip_deps = ("torch>=2.0,<3.0", "six", "requests[socks]>=2")
    assert mapping_to_depends(depends_to_mapping(pip_deps), "pip") == pip_deps
    # the documented lossy bits
    assert depends_to_mapping(["numpy>=1.0", "numpy <2"]) == {"numpy": ">=1.0,<2"}
    assert depends_to_mapping(["conda-forge::numpy >=1"]) == {"numpy": ">=1"}
    assert mapping_to_depends({"six": "*"}, "pip") == ("six",)  # conda-lock 1.x wrote '*'


# ---------------------------------------------------------------- conda-lock compatibility


def test_conda_lock_parses_what_envlock_writes(tmp_path: Path) -> None:
    lock = sample_lock()
    path = tmp_path / "conda-lock.yml"
    write_lock(path, lock)
    theirs = parse_with_conda_lock(path)
    assert theirs.metadata.platforms == ["linux-64", "osx-64"]
    assert theirs.metadata.content_hash == dict(lock.content_hash)
    assert [c.url for c in theirs.metadata.channels] == [
        "pytorch",
        "https://mirror.example/conda-forge",
    ]
    assert theirs.metadata.sources == ["recipes/m3net.yml"]
    assert theirs.metadata.custom_metadata == dict(lock.custom_metadata)
    seen = {
        (d.platform, d.manager, d.name, d.version, d.build, d.hash.md5, d.hash.sha256, d.url)
        for d in theirs.package
    }
    ours = {
        (plat, p.manager, p.name, p.version, p.build, p.md5, p.sha256, p.url.replace(SECRET_ALIAS, "https://mirror.example"))
        for plat, pkgs in lock.packages.items()
        for p in pkgs
        if p.url
    }  # fmt: skip
    assert seen == ours
    torch = next(d for d in theirs.package if d.name == "pytorch" and d.platform == "linux-64")
    assert torch.dependencies["pytorch-mutex"] == "1.0 cuda"
    assert torch.categories == {"main"}


def test_conda_lock_render_explicit_matches(tmp_path: Path) -> None:
    lock = sample_lock()
    write_lock(tmp_path / "conda-lock.yml", lock)
    for plat in lock.platforms:
        subprocess.run(
            [str(CONDA_LOCK), "render", "--kind", "explicit", "-p", plat, "conda-lock.yml"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        )
        theirs = (tmp_path / f"conda-{plat}.lock").read_text()
        ours = render_explicit(plat, lock.for_platform(plat), input_hash=lock.content_hash[plat])
        urls = {line for line in theirs.splitlines() if not line.startswith(("#", "@"))}
        assert urls == {line for line in ours.splitlines() if not line.startswith(("#", "@"))}
        assert len(urls) == 9
        assert f"# input_hash: {lock.content_hash[plat]}" in theirs


# ---------------------------------------------------------------- forgiving reader and errors


def write(tmp_path: Path, text: str, name: str = "conda-lock.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


OLD_STYLE = """\
metadata:
  channels:
  - conda-forge
  content_hash:
    linux-64: abc
  platforms:
  - linux-64
  sources:
  - environment.yml
package:
- category: main
  dependencies:
    python: 3.10.* *_cp310
  hash:
    md5: 0123456789abcdef0123456789abcdef
  manager: conda
  name: numpy
  platform: linux-64
  url: https://conda.anaconda.org/conda-forge/linux-64/numpy-1.24.2-py310h8deb116_0.conda
  version: 1.24.2
- category: dev
  dependencies: {}
  hash:
    md5: 0123456789abcdef0123456789abcdef
  manager: conda
  name: numpy
  optional: true
  platform: linux-64
  url: https://conda.anaconda.org/conda-forge/linux-64/numpy-1.24.2-py310h8deb116_0.conda
  version: 1.24.2
- dependencies: {}
  hash: {md5: '', sha256: null}
  manager: conda
  name: __glibc
  platform: linux-64
  url: file:///tmp/x/linux-64/__glibc-2.17-0.tar.bz2
  version: '2.17'
version: 1
"""


def test_reads_old_style_lock(tmp_path: Path) -> None:
    lock = read_lock(write(tmp_path, OLD_STYLE))
    assert lock.channels == (LockChannel(url="conda-forge"),)
    (numpy,) = lock.for_platform("linux-64")  # listed twice (two categories), __glibc dropped
    assert (numpy.build, numpy.channel, numpy.subdir) == (
        "py310h8deb116_0",
        "conda-forge",
        "linux-64",
    )
    assert numpy.depends == ("python 3.10.* *_cp310",)
    assert numpy.sha256 is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 2\nmetadata: {}\npackage: []\n",
            "{p}:1: lock format version 2 is newer than this envlock reads (version 1): "
            "upgrade envlock",
        ),
        (
            "name: m3net\ndependencies: [numpy]\n",
            "{p}:1: not a conda-lock lockfile: expected the top-level keys version, metadata and "
            "package (as conda-lock and envlock resolve write them)",
        ),
        (
            "version: 6\nenvironments: {}\npackages: []\n",
            "{p}:1: this is a pixi.lock, not a conda-lock.yml: envlock reads conda-lock's unified "
            "format (top-level keys version, metadata, package)",
        ),
        (
            "version: 1\nmetadata: {platforms: [linux-64]}\npackage:\n- name: zlib\n  version: 1\n"
            "  manager: conda\n  platform: linux-64\n  hash: {md5: x}\n",
            "{p}:4: package zlib: url: expected a non-empty string",
        ),
        (
            "version: 1\nmetadata: {}\npackage:\n"
            "- {name: zlib, version: '1', manager: conda, platform: linux-64,\n"
            "   url: 'https://h/c/linux-64/zlib.zip', hash: {}}\n",
            "{p}:4: package zlib: url: 'zlib.zip' is not a conda package file name: expected "
            "<name>-<version>-<build>.conda or .tar.bz2",
        ),
        (
            "version: 1\nmetadata: {}\npackage: [\n",
            "{p}:4: not valid YAML (did not find expected node "
            "content): a conda-lock.yml is expected",
        ),
    ],
)
def test_read_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(BadInputError) as info:
        read_lock(path)
    assert str(info.value) == message.format(p=path)


def test_missing_platform_lists_those_present(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    write_lock(path, sample_lock())
    with pytest.raises(BadInputError) as info:
        read_lock(path).for_platform("win-64")
    assert str(info.value) == (
        f"{path}: the lock has no platform win-64; it has linux-64, osx-64: choose one of "
        "those with --platform, or re-resolve the recipe for win-64"
    )


def test_writer_refuses_conda_package_without_md5() -> None:
    bare = Package(
        name="zlib", version="1.2.13", build="0", url="https://h/c/linux-64/zlib-1.2.13-0.conda"
    )
    lock = Lock(
        platforms=("linux-64",),
        channels=(),
        content_hash={},
        sources=(),
        packages={"linux-64": (bare,)},
    )
    with pytest.raises(
        BadInputError, match=r"^zlib 1.2.13 \(linux-64\) has no md5: conda-lock requires one$"
    ):
        render_lock(lock)


# ---------------------------------------------------------------- real-world corpus


def independent_counts(path: Path) -> dict[str, int]:
    """Distinct (manager, name) per platform, not counting virtual packages."""
    data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    keys = {
        (p["platform"], p["manager"], p["name"])
        for p in data["package"]
        if not p["name"].startswith("__")
    }
    return dict(Counter(plat for plat, _, _ in keys))


@pytest.mark.corpus
def test_every_corpus_lock_reads_and_round_trips(corpus: Path, tmp_path: Path) -> None:
    files = sorted((corpus / "lockfiles").iterdir())
    assert len(files) >= 16
    for path in files:
        lock = read_lock(path)
        assert {p: len(v) for p, v in lock.packages.items()} == independent_counts(path), path.name
        for pkgs in lock.packages.values():
            assert all(p.build for p in pkgs if p.manager == "conda"), path.name
        again = tmp_path / "again.yml"
        write_lock(again, lock)
        assert read_lock(again) == lock, path.name


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name",
    [
        # conda pytorch 1.13.1 beside a pip torch; 4 categories and 6 platforms; a lock
        # conda-lock's own parser rejects (an entry without `optional`)
        "EthanMarx__ztf-lfi-demo__conda-lock.yml",
        "conda__conda-lock__tests__test-v2-to-v3-upgrade__conda-lock-v2.5.8.yml",
        "conda__conda-lock__example__pangeo__conda-lock.yml",
    ],
)
def test_conda_lock_reads_envlock_rewrite_of_corpus(
    corpus: Path, tmp_path: Path, name: str
) -> None:
    lock = read_lock(corpus / "lockfiles" / name)
    write_lock(tmp_path / "conda-lock.yml", lock)
    theirs = parse_with_conda_lock(tmp_path / "conda-lock.yml")
    seen = {(d.platform, d.manager, d.name, d.version, d.hash.md5, d.url) for d in theirs.package}
    ours = {
        (pl, p.manager, p.name, p.version, p.md5, p.url)
        for pl, ps in lock.packages.items()
        for p in ps
    }
    assert seen == ours


@pytest.mark.corpus
def test_corpus_pytorch_build_from_url(corpus: Path) -> None:
    lock = read_lock(corpus / "lockfiles" / "EthanMarx__ztf-lfi-demo__conda-lock.yml")
    by_key = {(p.manager, p.name): p for p in lock.for_platform("linux-64")}
    # no `build` keys in this lock: builds come from the URL file names
    torch = by_key[("conda", "pytorch")]
    assert (torch.version, torch.build, torch.channel) == (
        "1.13.1",
        "cuda112py39hb0b7ed5_200",
        "conda-forge",
    )
    runtime = by_key[("conda", "pytorch-cuda")]
    assert (runtime.version, runtime.build, runtime.channel) == ("11.7", "h778d358_5", "pytorch")
    assert by_key[("pip", "torch")].version == "2.3.1"


TRICKY = ["1.10", "0.1", "2023.7.22", "yes", "No", "on", "null", "~", "12345", "1e5", "0o17",
          "0x1F", "1_000", "2023-03-01", ".inf", "3.10.* *_cp310", "* *_llvm", ">=3.8,<3.9.0a0",
          "a: b", "x #y", "-e", "*", "", "a'b", "é", "tab\there", "line\nbreak", ":a", "a:",
          "[x]", "{y}", "!tag", "&anchor", "%pct", "@at", "`tick`", "https://h/c#frag"]  # fmt: skip


@pytest.mark.parametrize("value", TRICKY)
def test_scalars_read_back_as_written(value: str) -> None:
    from ruamel.yaml import YAML

    from envlock.lock.yamltext import safe_loader, scalar

    doc = f"k: {scalar(value)}\n"
    assert yaml.safe_load(doc)["k"] == value  # conda-lock's reader (PyYAML, YAML 1.1)
    assert yaml.load(doc, Loader=safe_loader())["k"] == value
    assert YAML(typ="safe", pure=True).load(doc)["k"] == value  # ruamel, YAML 1.2


def test_env_var_placeholders_survive_and_conda_lock_sees_them(tmp_path: Path) -> None:
    channel = LockChannel(
        url="https://h.example/t/${MIRROR_TOKEN}/c", used_env_vars=("MIRROR_TOKEN",)
    )
    base = sample_lock("https://mirror.example")
    lock = Lock(
        platforms=base.platforms,
        channels=(channel,),
        content_hash=base.content_hash,
        sources=base.sources,
        packages=base.packages,
    )
    path = tmp_path / "conda-lock.yml"
    write_lock(path, lock)
    assert read_lock(path) == lock
    theirs = parse_with_conda_lock(path)
    assert [(c.url, c.used_env_vars) for c in theirs.metadata.channels] == [
        ("https://h.example/t/${MIRROR_TOKEN}/c", ("MIRROR_TOKEN",))
    ]


def test_empty_lock_round_trips_and_conda_lock_reads_it(tmp_path: Path) -> None:
    empty = Lock(platforms=("linux-64",), channels=(), content_hash={}, sources=(), packages={})
    path = tmp_path / "conda-lock.yml"
    write_lock(path, empty)
    assert "  content_hash: {}\n  channels: []\n" in path.read_text()
    assert read_lock(path) == empty
    assert empty.packages == {"linux-64": ()}
    assert read_lock(path).for_platform("linux-64") == ()
    assert parse_with_conda_lock(path).package == []


def test_a_tag_that_cannot_be_built_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    path.write_text("version: !!int abc\nmetadata: {}\npackage: []\n")
    with pytest.raises(BadInputError, match="cannot construct") as caught:
        read_lock(path)
    assert caught.value.where == f"{path}:1"
