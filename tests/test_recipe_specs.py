"""Specs in a recipe: what is not a conda matchspec, or not an exact pin, exits 2 before
solving, naming file, line and every bad spec; exact pins pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.helpers import REPO, copy_replacing, flat, invoke, line_of
from tests.helpers import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"


def test_bad_specs_exit_2_with_lines_and_all_listed(demo_mirror: Mirror, tmp_path: Path) -> None:
    recipe = copy_replacing(
        tmp_path, CPU_DEMO, "dependencies: [numpy, networkx]",
        "dependencies:\n  - numpy >=>1\n  - networkx\n  - pillow >=<3",
    )  # fmt: skip
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path), "--json")
    assert ran.exit_code == 2, ran.stderr
    doc = ran.json()
    assert doc["where"] == f"{recipe}:{line_of(recipe, 'numpy >=>1')}"
    assert doc["message"].startswith("2 specs are not conda matchspecs: ")
    assert f'line {line_of(recipe, "numpy >=>1")} dependencies[0] "numpy >=>1"' in doc["message"]
    assert f'line {line_of(recipe, "pillow")} dependencies[2] "pillow >=<3"' in (doc["message"])
    # --check stays light: it only compares hashes (no rattler, so no spec parsing)
    assert invoke(["resolve", str(recipe), "-o", str(tmp_path), "--check"]).exit_code == 3


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
    assert flat(ran.stderr).startswith(f"envlock error: {recipe}:4: {message}")


def test_exact_pins_pass(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yml"
    recipe.write_text(
        'envlock: 1\nname: r\npython: "3.8"\n'
        "pins: [numpy=1.23.5=py38h14f4228_0, scipy=1.10.1, networkx==3.0, "
        "conda-forge::pip=23.0=pyhd8ed1ab_0]\n"
    )
    ran = invoke(["check", str(recipe), "--json"])
    assert ran.exit_code == 0, ran.stderr
