"""The result envelope contract: every command's `--json` is one versioned document.

For every command, on success and on bad input: stdout holds exactly one JSON document,
its first key is `envlock_<command>` (or `envlock_error`) with value 1, and the exit code
is the one the document states. Real recipes, locks, prefixes and the demo mirror.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from envlock.cli import COMMANDS
from envlock.errors import AnswerIsNoError, BadInputError, EnvlockError, WorldFailedError
from envlock.mirror import Mirror
from envlock.ui.result import Envelope, error_envelope, outcome_of, overall
from tests.helpers import REPO, Ran, invoke

SMALL = 'envlock: 1\nname: small\nplatforms: [linux-64]\npython: "3.10"\ndependencies: [numpy]\n'


@dataclass(frozen=True)
class World:
    """A resolved small recipe, the environment created from its lock, and bad inputs."""

    root: Path
    alias: str
    mirror: Path
    recipe: Path
    locks: Path
    prefix: Path

    @property
    def lock(self) -> Path:
        return self.locks / "small" / "conda-lock.yml"

    def file(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path


@pytest.fixture(scope="module")
def world(demo_mirror: Mirror, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("envelope")
    recipe = root / "small.yml"
    recipe.write_text(SMALL)
    made = World(
        root=root,
        alias=demo_mirror.channel_alias,
        mirror=demo_mirror.root,
        recipe=recipe,
        locks=root / "locks",
        prefix=root / "env",
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ENVLOCK_CACHE_DIR", str(root / "cache"))
        env.setenv("ENVLOCK_PKGS_DIR", str(root / "pkgs"))
        resolved = invoke(
            ["resolve", str(recipe), "-o", str(made.locks), "--channel-alias", made.alias]
        )
        assert resolved.exit_code == 0, resolved.stderr
        created = invoke(
            ["create", str(made.lock), "--platform", "linux-64", "-p", str(made.prefix)]
        )
        assert created.exit_code == 0, created.stderr
        yield made


def one_document(ran: Ran) -> dict[str, object]:
    """The one JSON document on stdout (json.loads refuses anything after it)."""
    document = json.loads(ran.stdout)
    assert isinstance(document, dict)
    return document


def first_key(document: dict[str, object]) -> str:
    return next(iter(document))


# the command, its arguments (made in the world), the exit code expected
Case = tuple[str, Callable[[World], list[str]], int]

SUCCESS: list[Case] = [
    ("check", lambda w: [str(w.recipe)], 0),
    (
        "resolve",
        lambda w: [str(w.recipe), "-o", str(w.root / "again"), "--channel-alias", w.alias],
        0,
    ),
    ("resolve", lambda w: [str(w.recipe), "-o", str(w.locks), "--check"], 0),
    (
        "resolve",  # the same name, another request: the lock is stale
        lambda w: [
            str(w.file("stale/small.yml", SMALL.replace("[numpy]", "[numpy, zlib]"))),
            "-o",
            str(w.locks),
            "--check",
        ],
        3,
    ),
    (
        "create",
        lambda w: [str(w.lock), "--platform", "linux-64", "-p", str(w.root / "x"), "--dry-run"],
        0,
    ),
    ("export", lambda w: [str(w.prefix)], 0),
    ("diff", lambda w: [str(w.lock), str(w.prefix), "--platform", "linux-64"], 0),
    (
        "diff",
        lambda w: [str(w.file("a.txt", "numpy==1.0\n")), str(w.file("b.txt", "numpy==2.0\n"))],
        1,
    ),
    ("mirror", lambda w: [str(w.mirror)], 0),
]


@pytest.mark.parametrize(("command", "args", "code"), SUCCESS)
def test_a_result_is_one_versioned_document_with_its_exit_code(
    world: World, command: str, args: Callable[[World], list[str]], code: int
) -> None:
    ran = invoke([command, *args(world), "--json"])
    assert ran.exit_code == code, ran.stderr
    document = one_document(ran)
    assert first_key(document) == f"envlock_{command}"
    assert document[f"envlock_{command}"] == 1
    if command == "resolve":
        assert document["exit_code"] == code
    if command == "diff":
        assert document["identical"] is (code == 0)


BAD: list[tuple[str, Callable[[World], list[str]]]] = [
    ("check", lambda w: [str(w.file("bad.yml", "name: bad\npython: 3.10\n"))]),
    ("resolve", lambda w: [str(w.file("bad.yml", "name: bad\npython: 3.10\n"))]),
    ("create", lambda w: [str(w.file("bad-lock.yml", "version: 1\nmetadata: [\n")), "--dry-run"]),
    ("export", lambda w: [str(w.root / "no-such-env")]),
    ("diff", lambda w: [str(w.root / "no-such-file"), str(w.recipe)]),
    ("mirror", lambda w: [str(w.recipe)]),  # DIR is a file: a usage error
]
WHERE = {
    "check": "bad.yml:2",
    "resolve": "bad.yml:2",
    "create": "bad-lock.yml:3",
    "export": "no-such-env",
    "diff": "no-such-file",
    "mirror": None,  # click's usage errors name the argument in the message
}


@pytest.mark.parametrize(("command", "args"), BAD)
def test_bad_input_is_one_error_document_with_code_2_and_where(
    world: World, command: str, args: Callable[[World], list[str]]
) -> None:
    ran = invoke([command, *args(world), "--json"])
    assert ran.exit_code == 2, ran.stdout
    document = one_document(ran)
    assert list(document) == ["envlock_error", "code", "message", "where"]
    assert document["envlock_error"] == 1
    assert document["code"] == 2
    assert document["message"]
    where = WHERE[command]
    if where is None:
        assert document["where"] is None
    else:
        assert str(document["where"]).endswith(where), document["where"]
    assert "Traceback" not in ran.stderr


def test_the_answer_no_is_an_error_document_with_code_1(world: World) -> None:
    recipe = world.file("no/small.yml", SMALL.replace("[numpy]", '["numpy >=99"]'))
    ran = invoke(
        [
            "resolve",
            str(recipe),
            "-o",
            str(world.root / "no-locks"),
            "--channel-alias",
            world.alias,
            "--json",
        ]
    )
    assert ran.exit_code == 1, ran.stderr
    document = one_document(ran)
    assert first_key(document) == "envlock_error"
    assert document["code"] == 1


def test_several_recipes_with_bad_input_exit_2_in_one_resolve_document(world: World) -> None:
    bad = world.file("several/bad.yml", "name: bad\npython: 3.10\n")
    ran = invoke(
        ["resolve", str(world.recipe), str(bad), "-o", str(world.locks), "--check", "--json"]
    )
    assert ran.exit_code == 2, ran.stderr
    document = one_document(ran)
    assert first_key(document) == "envlock_resolve"
    assert document["exit_code"] == 2
    statuses = [r["status"] for r in document["recipes"]]  # type: ignore[attr-defined]
    assert statuses == ["fresh", "failed"]


def test_a_real_process_exits_with_the_documents_code(world: World) -> None:
    bad = world.file("process/bad.yml", "name: bad\npython: 3.10\n")
    env = {**os.environ, "ENVLOCK_CACHE_DIR": str(world.root / "cache")}
    for args, code in (([str(world.recipe)], 0), ([str(bad)], 2)):
        command = ["resolve", *args, "-o", str(world.locks), "--check", "--json"]
        done = subprocess.run(
            [sys.executable, "-m", "envlock", *command],
            capture_output=True, text=True, check=False, cwd=REPO, env=env,
        )  # fmt: skip
        document = json.loads(done.stdout)
        assert done.returncode == code, done.stderr
        assert document.get("exit_code", document.get("code")) == code


def test_diff_json_does_not_load_rich(world: World) -> None:
    a, b = world.file("a.txt", "numpy==1.0\n"), world.file("b.txt", "numpy==2.0\n")
    code = (
        "import sys; from envlock.cli import run; "
        f"code = run(['diff', {str(a)!r}, {str(b)!r}, '--json']); "
        "print('RICH:', 'rich' in sys.modules, code, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["envlock_diff"] == 1
    assert done.stderr.strip().splitlines()[-1] == "RICH: False 1"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_help_states_its_exit_codes(name: str) -> None:
    ran = invoke([name, "--help"])
    assert ran.exit_code == 0, ran.stderr
    assert "Exit codes" in ran.stdout
    assert "--json" in ran.stdout


# ---------------------------------------------------------------- the mapping itself


def test_outcomes_map_to_exit_codes_and_bad_input_wins() -> None:
    assert Envelope("x", {}).exit_code == 0
    assert Envelope("x", {}, outcome="no").exit_code == 1
    assert Envelope("x", {}, outcome="stale").exit_code == 3
    assert overall([]) == "ok"
    assert overall(["ok", "no", "stale"]) == "stale"
    assert overall(["no", "world_failed", "stale"]) == "world_failed"
    assert overall(["world_failed", "bad_input", "no"]) == "bad_input"
    errors: list[EnvlockError] = [
        AnswerIsNoError("no"),
        BadInputError("bad"),
        WorldFailedError("down"),
        EnvlockError("base"),
    ]
    assert [outcome_of(e) for e in errors] == ["no", "bad_input", "world_failed", "world_failed"]


def test_the_error_document_and_the_version_key() -> None:
    document = error_envelope(BadInputError("quote it", where="r.yml:2")).document()
    assert document == {"envlock_error": 1, "code": 2, "message": "quote it", "where": "r.yml:2"}
    # the version key comes first, once: a payload that carries it is refused
    assert list(Envelope("diff", {"a": 1}).document()) == ["envlock_diff", "a"]
    with pytest.raises(ValueError, match="envlock_diff"):
        Envelope("diff", {"a": 1, "envlock_diff": 1}).document()


def test_the_ui_package_exports_its_names_without_loading_rich() -> None:
    code = (
        "import sys, envlock.ui as ui; "
        "assert all(getattr(ui, n) is not None for n in ui.__all__ if n not in "
        "('Output', 'make_console', 'LOG_WIDTH', 'rich_report', 'markdown_report', "
        "'describe', 'headline', 'summary', 'show_check', 'RichProgress', 'show_plan', "
        "'show_result')); "
        "print('rich' in sys.modules); ui.Output; print('rich' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_top_level_help_loads_no_rendering_or_yaml_library() -> None:
    code = (
        "import sys; from envlock.cli import run; run(['--help']); "
        "print('LOADED:' + ','.join(m for m in ('rich', 'ruamel', 'yaml', 'rattler', "
        "'conda_lock') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "LOADED:"
