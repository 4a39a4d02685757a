"""Each stage package names its public API: `from envlock.lock import read_lock` is the
object its module defines, loaded on first use; the recipe package carries its data."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGES = ("envlock.lock", "envlock.recipe", "envlock.snapshot")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_its_modules_own(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        home = getattr(value, "__module__", None)
        if home is not None and home.startswith(package) and not isinstance(value, str):
            assert getattr(importlib.import_module(home), name) is value, name
        assert name in dir(module)
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        getattr(module, "nothing_here")  # noqa: B009 - the attribute is looked up on purpose


@pytest.mark.parametrize("package", PACKAGES)
def test_importing_a_package_loads_none_of_its_heavier_modules(package: str) -> None:
    code = (
        f"import json, sys, {package}\n"
        f"print(json.dumps([m for m in sys.modules if m.startswith('{package}.')]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    heavy = {"envlock.lock.condalock", "envlock.snapshot.export", "envlock.recipe.envfile"}
    assert loaded & heavy == set()


def test_the_empty_pypi_mapping_ships_with_the_recipe_package() -> None:
    from envlock.recipe.envfile import _mapping_url

    path = Path(_mapping_url())
    assert path.is_file()
    assert path.is_relative_to(REPO / "envlock" / "recipe" / "data")
    assert json.loads(path.read_text()) == {}
