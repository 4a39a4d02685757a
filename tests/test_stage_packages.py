"""Each stage package names its public API: every name in `__all__` is bound at import
or loaded on first use from the module `_HOMES` names, and `from envlock.lock import
read_lock` is the object its module defines; the recipe package carries its data."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGES = (
    "envlock.create",
    "envlock.engine",
    "envlock.lock",
    "envlock.net",
    "envlock.recipe",
    "envlock.resolve",
    "envlock.snapshot",
    "envlock.stacks",
    "envlock.ui",
)
HEAVY_HOMES = ("envlock.lock", "envlock.net", "envlock.recipe", "envlock.snapshot")


def _fresh_import(package: str) -> tuple[set[str], dict[str, str], list[str]]:
    """What a new interpreter sees right after `import package`: the public names already
    bound in its namespace, its lazy `_HOMES` (name -> module) and its `__all__`."""
    code = (
        f"import json, {package} as p\n"
        "print(json.dumps([sorted(n for n in vars(p) if n in p.__all__), p._HOMES, p.__all__]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    bound, homes, public = json.loads(done.stdout)
    return set(bound), dict(homes), list(public)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_eager_or_lazy_with_a_home(package: str) -> None:
    bound, homes, public = _fresh_import(package)
    assert len(public) == len(set(public)), "a name listed twice in __all__"
    # the lazy names are not loaded by the import; with the eager ones they make __all__
    assert bound & set(homes) == set()
    assert set(homes) | bound == set(public)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_its_modules_own(package: str) -> None:
    module = importlib.import_module(package)
    homes: dict[str, str] = module._HOMES
    for name in module.__all__:
        value = getattr(module, name)
        if name in homes:
            home_module = importlib.import_module(f"{package}.{homes[name]}")
            assert getattr(home_module, name) is value, name
        home = getattr(value, "__module__", None)
        if home is not None and home.startswith(package) and not isinstance(value, str):
            assert getattr(importlib.import_module(home), name) is value, name
        assert name in dir(module)
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        getattr(module, "nothing_here")  # noqa: B009 - the attribute is looked up on purpose


@pytest.mark.parametrize("package", HEAVY_HOMES)
def test_importing_a_package_loads_none_of_its_heavier_modules(package: str) -> None:
    code = (
        f"import json, sys, {package}\n"
        f"print(json.dumps([m for m in sys.modules if m.startswith('{package}.')]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    heavy = {
        "envlock.lock.condalock",
        "envlock.net.download",
        "envlock.snapshot.export",
        "envlock.recipe.envfile",
    }
    assert loaded & heavy == set()


def test_the_empty_pypi_mapping_ships_with_the_recipe_package() -> None:
    from envlock.recipe.envfile import _mapping_url

    path = Path(_mapping_url())
    assert path.is_file()
    assert path.is_relative_to(REPO / "envlock" / "recipe" / "data")
    assert json.loads(path.read_text()) == {}
