"""Inputs are bounded: alias bombs, deep nesting, huge files and huge lines are refused
quickly with exit 2 and a short message, naming the file.

The CLI cases run envlock in a fresh process with a time limit: a reader that expands a
"billion laughs" or reads 50 MB for minutes fails the test by running out of time (the
limit is generous, for a busy machine; the refusals themselves take well under a
second), instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from envlock.errors import BadInputError
from envlock.limits import (
    EXCERPT_CHARS,
    MAX_LOCK_BYTES,
    MAX_NESTING,
    MAX_RECIPE_BYTES,
    MAX_SNAPSHOT_BYTES,
    excerpt,
    read_text,
)
from tests.helpers import REPO

SHORT = 2000  # what "a one-paragraph error" may weigh, in characters
TIME_LIMIT = 60  # seconds: a hang, not a slow machine, runs past it


def envlock(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`envlock ARGS` in a fresh process; TimeoutExpired (a test failure) past the limit."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "envlock", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        check=False,
    )


def refused(ran: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The error of a run that must have exited 2 with a short message holding `needles`."""
    assert ran.returncode == 2, ran.stderr[-3000:]
    assert len(ran.stderr) + len(ran.stdout) < SHORT, (len(ran.stderr), ran.stderr[:500])
    assert "Traceback" not in ran.stderr
    for needle in needles:
        assert needle in ran.stderr, ran.stderr
    return ran.stderr


# A billion laughs: nine levels of nine aliases, 9^9 (387 million) strings when expanded.
LAUGHS = "".join(
    f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9)
)
BOMBS = {
    "recipe.yml": 'name: bomb\npython: "3.8"\nlaughs:\n' + LAUGHS + "dependencies: *l8\n",
    "environment.yml": "name: bomb\nlaughs:\n" + LAUGHS + "dependencies: *l8\n",
    "export.yml": "name: bomb\nlaughs:\n"
    + LAUGHS
    + "dependencies:\n  - numpy=1.23.5=py38_0\n  - *l8\nprefix: /opt/bomb\n",
    "conda-lock.yml": "version: 1\nmetadata:\n  platforms: [linux-64]\n  laughs:\n"
    + LAUGHS.replace("  l", "    l")
    + "package:\n- *l8\n",
}
SMALL_EXPORT = "name: x\ndependencies:\n  - numpy=1.23.5=py38_0\nprefix: /opt/x\n"


@pytest.fixture
def bombs(tmp_path: Path) -> Path:
    for name, text in BOMBS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "small.yml").write_text(SMALL_EXPORT, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "recipe.yml"], "recipe.yml:"),
        (["check", "environment.yml"], "environment.yml:"),
        (["resolve", "--check", "environment.yml", "-o", "locks"], "environment.yml:"),
        (["diff", "export.yml", "small.yml"], "export.yml:"),
        (["diff", "small.yml", "conda-lock.yml"], "conda-lock.yml:"),
        (["create", "conda-lock.yml", "-p", "env", "--dry-run"], "conda-lock.yml:"),
    ],
    ids=["check-recipe", "check-envfile", "resolve-check", "diff-export", "diff-lock", "create"],
)
def test_billion_laughs_is_refused_quickly(bombs: Path, args: list[str], needle: str) -> None:
    message = refused(envlock(*args, cwd=bombs), needle, "alias")
    assert "lol" not in message
    assert not (bombs / "env").exists()


def test_billion_laughs_in_the_lock_resolve_checks(bombs: Path) -> None:
    """`resolve --check` reads the lock's metadata head: an alias there is refused too."""
    recipe = bombs / "fine.yml"
    recipe.write_text('name: fine\npython: "3.8"\n', encoding="utf-8")
    lock = bombs / "locks" / "fine" / "conda-lock.yml"
    lock.parent.mkdir(parents=True)
    lock.write_text(
        "version: 1\nmetadata:\n  laughs:\n"
        + LAUGHS.replace("  l", "    l")
        + "  content_hash: *l8\n  platforms: [linux-64]\npackage: []\n",
        encoding="utf-8",
    )
    refused(envlock("resolve", "--check", "fine.yml", "-o", "locks", cwd=bombs), "alias")


def test_lock_refuses_any_alias(tmp_path: Path) -> None:
    """conda-lock never writes an anchor: even one harmless alias marks an edited lock."""
    from envlock.lock.condalock import read_lock

    lock = tmp_path / "conda-lock.yml"
    lock.write_text(
        "version: 1\nmetadata:\n  platforms: &p [linux-64]\n  sources: *p\npackage: []\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInputError, match="aliases") as caught:
        read_lock(lock)
    assert caught.value.where == f"{lock}:3"


def test_recipe_keeps_small_aliases(tmp_path: Path) -> None:
    """A recipe may use anchors for what it repeats (`<<: *defaults`, a shared list)."""
    from envlock.recipe.reader import load_recipe

    recipe = tmp_path / "recipe.yml"
    recipe.write_text(
        'name: m3net\npython: "3.8"\nplatforms: &p [linux-64, osx-64]\n'
        "stack: &s {pytorch: '1.13', cuda: '11.7'}\ndependencies: [numpy]\n",
        encoding="utf-8",
    )
    assert load_recipe(recipe).platforms == ("linux-64", "osx-64")


def test_aliases_nesting_deep_are_refused(tmp_path: Path) -> None:
    """Each alias nests the one before: shallow text, 100 levels deep once built."""
    from envlock.recipe.reader import load_recipe

    chain = "".join(f"  c{i}: &c{i} [*c{i - 1}]\n" for i in range(1, 100))
    recipe = tmp_path / "recipe.yml"
    recipe.write_text(
        f'name: deep\npython: "3.8"\nchain:\n  c0: &c0 [x]\n{chain}dependencies: *c99\n',
        encoding="utf-8",
    )
    with pytest.raises(BadInputError, match=f"more than {MAX_NESTING} levels"):
        load_recipe(recipe)


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    from envlock.snapshot import read_snapshot

    export = tmp_path / "export.yml"
    export.write_text("name: x\ndependencies: &d [numpy=1.0=0, *d]\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="recursive alias"):
        read_snapshot(export)


@pytest.mark.parametrize("command", ["diff", "export"])
def test_conda_meta_record_nested_100000_deep(tmp_path: Path, command: str) -> None:
    meta = tmp_path / "env" / "conda-meta"
    meta.mkdir(parents=True)
    deep = "[" * 100_000 + "]" * 100_000
    (meta / "x-1.0-0.json").write_text(
        f'{{"name": "x", "version": "1.0", "depends": {deep}}}', encoding="utf-8"
    )
    args = ["diff", "env", "env"] if command == "diff" else ["export", "env"]
    refused(envlock(*args, cwd=tmp_path), "x-1.0-0.json", f"more than {MAX_NESTING} levels")


def test_yaml_nested_beyond_the_limit_names_its_line(tmp_path: Path) -> None:
    from envlock.snapshot import read_snapshot

    export = tmp_path / "export.yml"
    export.write_text("name: x\ndependencies: " + "[" * 70 + "]" * 70 + "\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="levels deep") as caught:
        read_snapshot(export)
    assert caught.value.where is not None and caught.value.where.startswith(f"{export}:2")


# ---------------------------------------------------------------- sizes


def _sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no room on disk (its size alone is refused)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(
    ("name", "args", "limit"),
    [
        ("recipe.yml", ["check", "recipe.yml"], MAX_RECIPE_BYTES),
        ("environment.yml", ["resolve", "--check", "environment.yml"], MAX_RECIPE_BYTES),
        ("export.yml", ["diff", "export.yml", "export.yml"], MAX_SNAPSHOT_BYTES),
        ("conda-lock.yml", ["create", "conda-lock.yml", "-p", "env"], MAX_LOCK_BYTES),
        ("linux-64.lock", ["create", "linux-64.lock", "-p", "env"], MAX_SNAPSHOT_BYTES),
    ],
)
def test_50_mb_inputs_are_refused_unread(
    tmp_path: Path, name: str, args: list[str], limit: int
) -> None:
    _sparse(tmp_path / name, 50 * 2**20)
    message = refused(
        envlock(*args, cwd=tmp_path), name, "holds 50 MiB", f"at most {limit // 2**20} MiB"
    )
    assert not (tmp_path / "env").exists(), message


def test_a_file_of_unknown_size_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    """/dev/zero says it is empty and never ends: envlock stops one byte past the limit."""
    if not Path("/dev/zero").exists():
        pytest.skip("this system has no /dev/zero")
    refused(envlock("diff", "/dev/zero", "/dev/zero", cwd=tmp_path), "/dev/zero", "holds more")


def test_read_text_drops_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"\xef\xbb\xbfname: x\r\n")
    assert read_text(path, limit=100, what="x") == "name: x\r\n"
    with pytest.raises(BadInputError, match="at most 5 bytes"):
        read_text(path, limit=5, what="x")


# ---------------------------------------------------------------- excerpts


def test_excerpt() -> None:
    assert excerpt("short") == "short"
    assert excerpt("x" * 10_000) == "x" * EXCERPT_CHARS + "…"


HUGE = "x" * 5_000_000  # a 5 MB line, under every snapshot limit
BAD_LINES = {
    "explicit": "@EXPLICIT\n" + HUGE + "\n",
    "explicit-url": "@EXPLICIT\nhttps://h/c/linux-64/" + HUGE + ".conda\n",
    "conda-list": "# Name Version Build Channel\nnumpy 1.0 0 " + HUGE + " extra\n",
    "pip": "torch==1.0\n((" + HUGE + "\n",
    "export": "name: x\ndependencies:\n  - =" + HUGE + "\n",
    "export-entry": "name: x\ndependencies:\n  - {" + HUGE + ": 1}\n",
    "yaml-error": "name: x\ndependencies: [" + HUGE + "\n",
    "lock-version": "version: " + HUGE + "\nmetadata: {}\npackage: []\n",
    "lock-tag": "version: 1\nmetadata: !!int " + HUGE + "\npackage: []\n",
}


@pytest.mark.parametrize("kind", sorted(BAD_LINES))
def test_errors_quote_an_excerpt_of_a_huge_line(tmp_path: Path, kind: str) -> None:
    from envlock.snapshot import read_snapshot

    path = tmp_path / "input.txt"
    path.write_text(BAD_LINES[kind], encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        read_snapshot(path, platform="linux-64")
    assert len(str(caught.value)) < SHORT, str(caught.value)[:300]


@pytest.mark.parametrize(
    "recipe",
    [
        'name: x\npython: "3.8"\ndependencies: ["numpy ' + "<" * 900_000 + '"]\n',
        'name: x\npython: "3.8"\nplatforms: [' + "y" * 900_000 + "]\n",
        'name: x\npython: "3.8"\n' + "k" * 900_000 + ": 1\n",
        'name: x\npython: "3.8"\nchannels: ["http://[' + "h" * 900_000 + '"]\n',
        "name: x\ndependencies: [" + "z" * 900_000 + "=1=2=3]\n",
    ],
    ids=["spec", "platform", "key", "channel", "envfile-spec"],
)
def test_recipe_errors_quote_an_excerpt(tmp_path: Path, recipe: str) -> None:
    from envlock.recipe.reader import load_recipe, validate_specs

    path = tmp_path / "recipe.yml"
    path.write_text(recipe, encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        validate_specs(load_recipe(path))
    assert len(str(caught.value)) < SHORT, str(caught.value)[:300]
