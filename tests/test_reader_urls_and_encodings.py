"""What fuzzing found in the readers, each as bad input (exit 2) or read as intended.

URLs Python or rattler cannot parse (a bracketed host left open, a port out of range or
not a number) in a lock, an explicit file, a recipe, an environment.yml or
`--channel-alias`; a pip line `--editable=` naming nothing; and every reader reads a
file with a byte-order mark or CRLF line ends exactly as the plain file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.lock.condalock import read_lock
from envlock.lock.explicit import read_explicit
from envlock.lock.freshness import read_lock_head
from envlock.models import Package
from envlock.recipe.reader import load_recipe
from envlock.snapshot import read_snapshot
from tests.helpers import invoke
from tests.helpers.environments import installed, locked

MD5 = "0123456789abcdef0123456789abcdef"
URL = "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.23.5-py38h14f4228_0.conda"
LOCK = f"""\
version: 1
metadata:
  content_hash:
    linux-64: abc
  channels:
  - url: conda-forge
    used_env_vars: []
  platforms:
  - linux-64
  sources:
  - recipe.yml
package:
- name: numpy
  version: 1.23.5
  manager: conda
  platform: linux-64
  dependencies: {{}}
  url: {URL}
  hash:
    md5: {MD5}
  category: main
  optional: false
"""
EXPLICIT = f"# platform: linux-64\n@EXPLICIT\n{URL}#{MD5}\n"
RECIPE = 'name: m3net\npython: "3.8"\nchannels: [conda-forge]\ndependencies: [numpy]\n'
ENVIRONMENT = "name: paper\nchannels: [conda-forge]\ndependencies:\n  - numpy=1.23.5\n"

BAD_HOSTS = ["http://[x", "http://h:99999", "http://h:abc", "http://h<1>"]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_lock_with_a_bad_package_url(tmp_path: Path, host: str) -> None:
    lock = tmp_path / "conda-lock.yml"
    lock.write_text(LOCK.replace("https://conda.anaconda.org", host), encoding="utf-8")
    with pytest.raises(BadInputError, match="not a valid URL") as caught:
        read_lock(lock)
    assert caught.value.where == f"{lock}:13"  # the package entry


def test_lock_with_a_bad_channel_url(tmp_path: Path) -> None:
    lock = tmp_path / "conda-lock.yml"
    lock.write_text(LOCK.replace("url: conda-forge", "url: http://[x/c"), encoding="utf-8")
    with pytest.raises(BadInputError, match=r"metadata.channels: channel 'http://\[x/c'"):
        read_lock(lock)


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_explicit_file_with_a_bad_url(tmp_path: Path, host: str) -> None:
    path = tmp_path / "linux-64.lock"
    path.write_text(EXPLICIT.replace("https://conda.anaconda.org", host), encoding="utf-8")
    with pytest.raises(BadInputError, match=r"package URL .* is not a valid URL") as caught:
        read_explicit(path)
    assert caught.value.where == f"{path}:3"


def test_a_bad_url_keeps_its_credentials_hidden(tmp_path: Path) -> None:
    path = tmp_path / "linux-64.lock"
    secret = "https://alice:s3cret@[mirror/t/tk-9f8e7d"
    path.write_text(EXPLICIT.replace("https://conda.anaconda.org", secret), encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        read_explicit(path)
    assert "s3cret" not in str(caught.value) and "tk-9f8e7d" not in str(caught.value)
    assert "<CREDENTIALS>@[mirror/t/<TOKEN>/" in str(caught.value)


@pytest.mark.parametrize("kind", ["recipe", "environment"])
def test_recipe_channel_with_a_bad_url(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.yml"
    text = RECIPE if kind == "recipe" else ENVIRONMENT
    path.write_text(text.replace("[conda-forge]", '["http://[x/c"]'), encoding="utf-8")
    ran = invoke(["check", str(path)])
    assert ran.exit_code == 2, ran.stderr
    assert (
        f"{path}:{3 if kind == 'recipe' else 2}: " in ran.stderr
        and "'http://[x/c' is not a valid URL" in ran.stderr
    )


@pytest.mark.parametrize(
    ("alias", "said"),
    [
        ("http://[x/", "Invalid IPv6 URL"),
        ("http://h:99999/", "Port out of range"),
        ("http://h:abc/", "Port could not be cast"),
        (" https://conda.anaconda.org", "no spaces or control characters"),
        ("file:///", "a file:// URL names a folder"),
        ("file://h:1/srv", "a file:// URL names a folder"),
    ],
)
@pytest.mark.parametrize("command", ["resolve", "create"])
def test_channel_alias_that_rattler_would_refuse(
    tmp_path: Path, alias: str, said: str, command: str
) -> None:
    recipe = tmp_path / "recipe.yml"
    recipe.write_text(RECIPE, encoding="utf-8")
    lock = tmp_path / "linux-64.lock"
    lock.write_text(EXPLICIT, encoding="utf-8")
    args = (
        ["resolve", str(recipe), "-o", str(tmp_path / "locks")]
        if command == "resolve"
        else ["create", str(lock), "-p", str(tmp_path / "env"), "--platform", "linux-64"]
    )
    ran = invoke([*args, "--channel-alias", alias])
    assert ran.exit_code == 2, ran.stderr
    assert "--channel-alias" in ran.stderr and said in ran.stderr
    assert not (tmp_path / "locks").exists() and not (tmp_path / "env").exists()


@pytest.mark.parametrize("line", ["--editable=", "-e", "--editable", "-e   # comment"])
def test_pip_editable_line_naming_nothing(tmp_path: Path, line: str) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(f"torch==1.13.1\n{line}\n", encoding="utf-8")
    ran = invoke(["diff", str(path), str(path)])
    assert ran.exit_code == 2, ran.stderr
    assert f"{path}:2: " in ran.stderr and "names nothing to install" in ran.stderr


# ---------------------------------------------------------------- BOM and CRLF

FORMS = ["bom", "crlf", "bom+crlf"]


def _written(path: Path, text: str, form: str) -> Path:
    if "crlf" in form:
        text = text.replace("\n", "\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if "bom" in form else b"") + text.encode())
    return path


SNAPSHOTS = {
    "export": "name: x\nchannels: [conda-forge]\ndependencies:\n"
    "  - numpy=1.23.5=py38h14f4228_0\n  - pip:\n    - timm==0.4.12\nprefix: /opt/x\n",
    "conda-list": "# Name Version Build Channel\nnumpy 1.23.5 py38h14f4228_0 conda-forge\n",
    "pip": "--extra-index-url https://download.pytorch.org/whl/cu117\ntorch==1.13.1+cu117\n",
    "explicit": EXPLICIT,
    "lock": LOCK,
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("kind", sorted(SNAPSHOTS))
def test_snapshots_read_the_same_in_any_form(tmp_path: Path, kind: str, form: str) -> None:
    plain = read_snapshot(_written(tmp_path / "plain.txt", SNAPSHOTS[kind], "plain"))
    other = read_snapshot(_written(tmp_path / "other.txt", SNAPSHOTS[kind], form))
    assert other.kind == plain.kind == ("export" if kind == "export" else kind)
    assert other.packages == plain.packages and other.platform == plain.platform


@pytest.mark.parametrize("form", FORMS)
def test_locks_and_explicit_files_read_the_same_in_any_form(tmp_path: Path, form: str) -> None:
    assert read_lock(_written(tmp_path / "a.yml", LOCK, form)) == read_lock(
        _written(tmp_path / "b.yml", LOCK, "plain")
    )
    assert read_lock_head(_written(tmp_path / "a.yml", LOCK, form)) == read_lock_head(
        _written(tmp_path / "b.yml", LOCK, "plain")
    )
    explicit = read_explicit(_written(tmp_path / "a.lock", EXPLICIT, form))
    assert (
        explicit.packages
        == read_explicit(_written(tmp_path / "b.lock", EXPLICIT, "plain")).packages
    )
    assert explicit.platform == "linux-64"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("text", [RECIPE, ENVIRONMENT], ids=["recipe", "environment"])
def test_recipes_read_the_same_in_any_form(tmp_path: Path, text: str, form: str) -> None:
    plain = load_recipe(_written(tmp_path / "plain.yml", text, "plain"))
    other = load_recipe(_written(tmp_path / "other.yml", text, form))
    assert (other.name, other.channels, other.dependencies, other.lines) == (
        plain.name,
        plain.channels,
        plain.dependencies,
        plain.lines,
    )


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("name", ["conda-lock.yml", "linux-64.lock"])
def test_create_installs_a_bom_crlf_lock(
    tmp_path: Path, lock_dir: Path, m3net: tuple[Package, ...], name: str
) -> None:
    """Issue 9, case 10: a CRLF lock was read by diff and resolve but refused by create."""
    text = (lock_dir / name).read_text(encoding="utf-8")
    lock = _written(tmp_path / name, text, "bom+crlf")
    ran = invoke(["create", str(lock), "-p", str(tmp_path / "env"), "--platform", "linux-64"])
    assert ran.exit_code == 0, ran.stderr
    assert installed(tmp_path / "env") == locked(m3net)
