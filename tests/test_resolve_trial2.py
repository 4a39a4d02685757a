"""What a second newcomer trial found in resolve / check / recipes: recipes sharing a
name, the `defaults` channel, exact pins, offers naming their torch, `--update` that moves
nothing, failed recipes keeping their name, conda-lock's bare `pip`, narrow terminals."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.mirror import Mirror
from envlock.models import SpecSet
from envlock.net.channels import DEFAULT_CHANNEL_ALIAS, channel_name
from tests.conftest import REPO, invoke
from tests.conftest import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"
M3NET = REPO / "recipes" / "m3net.yml"


def _flat(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- 1. one name, two recipes


def test_two_recipes_with_one_name_exit_2_before_solving(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    twin = tmp_path / "twin.yml"
    twin.write_text(CPU_DEMO.read_text().replace("dependencies: [numpy, networkx]", ""))
    out = tmp_path / "locks"
    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), str(twin), "-o", str(out))
    assert ran.exit_code == 2, ran.stderr
    assert _flat(ran.stderr) == _flat(
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


# ---------------------------------------------------------------- 2. defaults


def test_defaults_expands_as_conda_does_under_the_public_alias() -> None:
    """URL level only: the public servers are not reachable from the tests."""
    from envlock.net.channels import channel_urls, is_default_alias

    main, r = "https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"
    assert channel_urls("defaults", DEFAULT_CHANNEL_ALIAS, "linux-64") == (main, r)
    assert channel_urls("defaults", DEFAULT_CHANNEL_ALIAS + "/", "osx-64") == (main, r)
    assert channel_urls("defaults", DEFAULT_CHANNEL_ALIAS, "win-64") == (
        main,
        r,
        "https://repo.anaconda.com/pkgs/msys2",
    )
    assert [channel_name(u) for u in (main, r)] == ["pkgs/main", "pkgs/r"]
    # a mirror keeps the name: it carries a `defaults` channel or says it does not
    assert channel_urls("defaults", "file:///m", "linux-64") == ("file:///m/defaults",)
    assert channel_urls("pytorch", DEFAULT_CHANNEL_ALIAS, "linux-64") == (
        "https://conda.anaconda.org/pytorch",
    )
    assert is_default_alias("https://conda.anaconda.org/")
    assert not is_default_alias("https://mirror.example/conda")


def test_the_solver_gets_defaults_in_place_with_conda_names() -> None:
    from envlock.engine.access import access_for
    from envlock.resolve.solver import _channel_urls, _with_channel_url

    specset = SpecSet(platform="linux-64", specs=("numpy",),
                      channels=("pytorch", "nvidia", "defaults", "conda-forge"))  # fmt: skip
    urls = _channel_urls(specset, DEFAULT_CHANNEL_ALIAS)
    assert list(urls.items()) == [
        ("https://conda.anaconda.org/pytorch", "pytorch"),
        ("https://conda.anaconda.org/nvidia", "nvidia"),
        ("https://repo.anaconda.com/pkgs/main", "pkgs/main"),
        ("https://repo.anaconda.com/pkgs/r", "pkgs/r"),
        ("https://conda.anaconda.org/conda-forge", "conda-forge"),
    ]
    assert _with_channel_url("defaults::numpy", urls) == (
        "https://repo.anaconda.com/pkgs/main::numpy"
    )
    assert access_for([specset], DEFAULT_CHANNEL_ALIAS).auth == {}


def test_a_channel_the_mirror_lacks_is_bad_input(demo_mirror: Mirror, tmp_path: Path) -> None:
    env = tmp_path / "env.yml"
    env.write_text(
        "name: dflt\nchannels: [pytorch, nvidia, defaults]\ndependencies:\n  - python=3.8\n"
    )
    ran = resolve(demo_mirror.channel_alias, str(env), "-o", str(tmp_path), "-p", "linux-64")
    assert ran.exit_code == 2, ran.stderr
    assert _flat(ran.stderr) == _flat(
        f"envlock error: {env}: channel `defaults` is not served at "
        f"{demo_mirror.channel_alias}/defaults (it has no noarch/repodata.json, which every "
        "conda channel has): remove it from the channel list or point --channel-alias at a "
        "mirror that has it"
    )
    assert not (tmp_path / "dflt").exists()


# ---------------------------------------------------------------- 3. exact pins, specs


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "pins: [bad spec here ===]",
            'pins[0]: "bad spec here ===" is not a conda package spec ("here===" cannot be a '
            "build string: a build holds no = < > ! ~ , or |)",
        ),
        (
            "pins: [numpy <1.24]",
            'pins[0]: "numpy <1.24" is not an exact pin: write name=version=build, e.g. '
            "numpy=1.23.5=py38h14f4228_0 (or name=version); ranges and globs belong in "
            "dependencies",
        ),
        (
            'dependencies: ["foo=1=2=3"]',
            'dependencies[0]: "foo=1=2=3" is not a conda package spec ("2=3" cannot be a '
            "build string: a build holds no = < > ! ~ , or |)",
        ),
    ],
)
def test_check_refuses_inexact_pins_and_extra_builds(
    tmp_path: Path, line: str, message: str
) -> None:
    recipe = tmp_path / "r.yml"
    recipe.write_text(f'envlock: 1\nname: r\npython: "3.8"\n{line}\n')
    ran = invoke(["check", str(recipe)])
    assert ran.exit_code == 2, ran.stdout
    assert _flat(ran.stderr).startswith(f"envlock error: {recipe}:4: {message}")


def test_exact_pins_pass(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yml"
    recipe.write_text(
        'envlock: 1\nname: r\npython: "3.8"\n'
        "pins: [numpy=1.23.5=py38h14f4228_0, scipy=1.10.1, networkx==3.0, "
        "conda-forge::pip=23.0=pyhd8ed1ab_0]\n"
    )
    ran = invoke(["check", str(recipe), "--json"])
    assert ran.exit_code == 0, ran.stderr


# ---------------------------------------------------------------- 4. offers name their torch


def test_offers_of_torch_extensions_name_the_torch_they_are_built_for(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    recipe = tmp_path / "old.yml"
    recipe.write_text(
        'envlock: 1\nname: old\nplatforms: [linux-64]\npython: "3.8"\n'
        'stack:\n  pytorch: "1.12"\n  cuda: "11.6"\n  pyg: true\n'
    )
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path))
    assert ran.exit_code == 1, ran.stderr
    assert "  pyg 2.3.0: torch 1.13, 2.0; cuda 11.6, 11.7, 11.8, cpu; python 3.8, 3.10" in (
        ran.stderr.splitlines()
    )


# ---------------------------------------------------------------- 5. --update, nothing moves


def test_update_that_moves_nothing_says_so(demo_mirror: Mirror, tmp_path: Path) -> None:
    args = ("-o", str(tmp_path), "-p", "linux-64")
    assert resolve(demo_mirror.channel_alias, str(CPU_DEMO), *args).exit_code == 0
    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), *args, "--update", "numpy")
    assert ran.exit_code == 0, ran.stderr
    lock = (tmp_path / "cpu-demo" / "linux-64.lock").read_text()
    url = next(line for line in lock.splitlines() if "/numpy-" in line).split("#")[0]
    stem = url.rsplit("/", 1)[1].removesuffix(".conda").removesuffix(".tar.bz2")
    _, version, build = stem.rsplit("-", 2)
    assert (
        f"nothing moved: numpy stays at {version} {build} (linux-64): already what the "
        "solver picks for the recipe as it is"
    ) in _flat(ran.stdout)
    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), *args, "--update", "numpy", "--json")
    (recipe,) = ran.json()["recipes"]
    assert recipe["moved"] == []
    assert recipe["stayed"] == [
        {"platform": "linux-64", "name": "numpy", "current": f"{version} {build}"}
    ]


# ---------------------------------------------------------------- 6. failed recipes keep names


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


# ---------------------------------------------------------------- 7. conda-lock's bare pip


def test_check_drops_the_bare_pip_next_to_a_pinned_one(tmp_path: Path) -> None:
    env = tmp_path / "env.yml"
    env.write_text(
        "name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.8\n  - pip=22.3.1\n"
        "  - pip:\n    - timm==0.4.12\n"
    )
    ran = invoke(["check", str(env), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["platforms"]["linux-64"]["specs"] == ["python 3.8.*", "pip 22.3.1.*"]
    env.write_text(env.read_text().replace("  - pip=22.3.1\n", ""))
    ran = invoke(["check", str(env), "--json"])
    assert ran.json()["platforms"]["linux-64"]["specs"] == ["python 3.8.*", "pip"]


# ---------------------------------------------------------------- 8. narrow terminals


def _column(stdout: str, index: int) -> str:
    rows = [line.split("│")[1:-1] for line in stdout.splitlines() if line.startswith("│")]
    return "".join(r[index].strip() for r in rows if len(r) > index)


@pytest.mark.parametrize("columns", ["40", "200"])
def test_the_summary_never_cuts_the_build(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    ran = resolve(demo_mirror.channel_alias, str(M3NET), "-o", str(tmp_path), "-p", "linux-64")
    assert ran.exit_code == 0, ran.stderr
    assert "…" not in ran.stdout.split("wrote")[0]
    builds = _column(ran.stdout, 2 if columns == "40" else 3)
    assert "py3.8_cuda11.7_cudnn8.5.0_0" in builds
    assert "py38_torch_1.13.0_cu117" in builds
    widths = {len(line) for line in ran.stdout.splitlines() if line.startswith(("│", "┏"))}
    assert max(widths) <= int(columns)


# ---------------------------------------------------------------- 9. housekeeping


def test_token_pattern_and_spec_names() -> None:
    from envlock.net.channels import TOKEN_PATTERN
    from envlock.stacks.expand import _spec_name

    assert TOKEN_PATTERN.findall("https://h/t/abc/pytorch") == ["/t/abc"]
    assert _spec_name("numpy[channel='a::b']") == "numpy"
    assert _spec_name("conda-forge::PIP >=22") == "pip"
