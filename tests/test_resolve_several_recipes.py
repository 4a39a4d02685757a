"""`envlock resolve` of several recipes at once: successes kept beside failures, one exit
code for all, the error document of a single recipe, names shared or given twice, and a
failed recipe keeping the name it was read under."""

from __future__ import annotations

from pathlib import Path

from envlock.mirror import Mirror
from tests.helpers import REPO, flat, invoke
from tests.helpers import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"
MAE = REPO / "recipes" / "mae.yml"


def test_several_recipes_keep_the_successes(demo_mirror: Mirror, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("envlock: 1\nname: bad\npython: 3.10\n")
    args = ["-o", str(tmp_path / "locks"), "-p", "linux-64", "--json"]

    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), str(MAE), *args)
    assert ran.exit_code == 1, ran.stderr
    doc = ran.json()
    assert doc["envlock_resolve"] == 1
    assert doc["exit_code"] == 1
    ok, mae = doc["recipes"]
    assert (ok["name"], ok["status"], ok["error"]) == ("cpu-demo", "written", None)
    assert (tmp_path / "locks" / "cpu-demo" / "conda-lock.yml").is_file()
    assert (mae["name"], mae["status"], mae["source"]) == ("mae", "failed", str(MAE))
    assert mae["error"]["code"] == 1
    assert mae["error"]["where"] == str(MAE)
    assert mae["error"]["message"].startswith("no set of packages satisfies the request")
    assert mae["pip_not_locked"] == ["timm==0.4.12"]
    assert not (tmp_path / "locks" / "mae").exists()
    assert "failed mae (exit 1): recipes/mae.yml" in " ".join(ran.stderr.split()).replace(
        str(REPO) + "/", ""
    )

    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), str(bad), str(MAE), *args)
    assert ran.exit_code == 2  # bad input wins over "no"
    statuses = [(r["name"], r["status"]) for r in ran.json()["recipes"]]
    assert statuses == [("cpu-demo", "unchanged"), ("bad", "failed"), ("mae", "failed")]
    failed = ran.json()["recipes"][1]
    assert failed["error"]["code"] == 2
    assert failed["error"]["where"] == f"{bad}:3"


def test_exit_code_of_several_recipes() -> None:
    from envlock.errors import (
        AnswerIsNoError,
        BadInputError,
        EnvlockError,
        WorldFailedError,
    )
    from envlock.resolve.apply import RecipeResult
    from envlock.ui.resolve import recipe_outcome
    from envlock.ui.result import EXIT_CODES, overall

    def exit_code(results: list[RecipeResult]) -> int:
        return EXIT_CODES[overall(recipe_outcome(r) for r in results)]

    def failed(error: EnvlockError) -> RecipeResult:
        return RecipeResult(name="x", source="x.yml", lock_dir=None, status="failed", error=error)

    stale = RecipeResult(name="s", source="s.yml", lock_dir=None, status="stale")
    fresh = RecipeResult(name="f", source="f.yml", lock_dir=None, status="fresh")
    assert exit_code([fresh]) == 0
    assert exit_code([fresh, stale]) == 3
    assert exit_code([failed(AnswerIsNoError("no")), stale]) == 3
    assert exit_code([failed(WorldFailedError("down")), stale]) == 4
    assert exit_code([failed(WorldFailedError("down")), failed(BadInputError("bad"))]) == 2


def test_a_single_failing_recipe_keeps_the_error_document(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    ran = resolve(demo_mirror.channel_alias, str(MAE), "-o", str(tmp_path), "--json")
    assert ran.exit_code == 1
    doc = ran.json()
    assert (doc["envlock_error"], doc["code"], doc["where"]) == (1, 1, str(MAE))


def test_help_documents_several_recipes_and_the_demo_mirror() -> None:
    ran = invoke(["resolve", "--help"])
    text = " ".join(ran.stdout.split())
    assert "--channel-alias file://$PWD/demo/.work/mirror" in text
    assert "demo/mirror " not in text
    assert '`status: "failed"` with `error: {code, message, where}`' in text
    assert "exit code is then 2 if any recipe had bad input" in text
    assert "pip_not_locked" in text


def test_two_recipes_with_one_name_exit_2_before_solving(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    twin = tmp_path / "twin.yml"
    twin.write_text(CPU_DEMO.read_text().replace("dependencies: [numpy, networkx]", ""))
    out = tmp_path / "locks"
    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), str(twin), "-o", str(out))
    assert ran.exit_code == 2, ran.stderr
    assert flat(ran.stderr) == flat(
        f'envlock error: {twin}:3: two recipes are named "cpu-demo": {CPU_DEMO}:3 and '
        f"{twin}:3; both would write {out / 'cpu-demo'}, the second replacing the first. "
        "Give each recipe its own name, or resolve them one at a time into different -o "
        "folders"
    )
    assert not out.exists()  # nothing solved, nothing written


def test_one_file_given_twice_is_resolved_once(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), str(CPU_DEMO), "-o", str(tmp_path),
                  "-p", "linux-64", "--json")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert [r["name"] for r in ran.json()["recipes"]] == ["cpu-demo"]


def test_a_recipe_failing_after_its_name_was_read_keeps_it(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    bad_spec = tmp_path / "spec.yml"
    bad_spec.write_text('envlock: 1\nname: badspec\npython: "3.8"\ndependencies: ["numpy >>1"]\n')
    bad_key = tmp_path / "key.yml"
    bad_key.write_text('envlock: 1\nname: badkey\npython: "3.8"\nplatfroms: [linux-64]\n')
    no_name = tmp_path / "noname.yml"
    no_name.write_text("envlock: 1\nname: [x]\n")
    ran = resolve(demo_mirror.channel_alias, str(bad_spec), str(bad_key), str(no_name),
                  "-o", str(tmp_path), "--json")  # fmt: skip
    assert ran.exit_code == 2
    got = [(r["name"], r["status"], r["error"]["code"]) for r in ran.json()["recipes"]]
    assert got == [("badspec", "failed", 2), ("badkey", "failed", 2), (None, "failed", 2)]
