"""Recipes: reading what a paper's environment should hold, with errors at file:line.

Public names, each loaded from its module on first use (`from envlock.recipe import
load_recipe`), so that importing the package costs nothing. Modules: `model` (the frozen
`Recipe` and `Stack`), `reader` (`load_recipe`, `validate_specs`, `peek_name`), `schema`
(one check per key), `yamlparse` (YAML text to data, errors with hints), `envfile` (a
plain environment.yml through conda-lock's own parser).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envlock.recipe.model import Recipe, RecipeKind, Stack, StackSource
    from envlock.recipe.reader import load_recipe, peek_name, validate_specs
    from envlock.recipe.yamlparse import key_line, parse_yaml

_HOMES = {
    **dict.fromkeys(("Recipe", "RecipeKind", "Stack", "StackSource"), "model"),
    **dict.fromkeys(("load_recipe", "peek_name", "validate_specs"), "reader"),
    **dict.fromkeys(("key_line", "parse_yaml"), "yamlparse"),
}

__all__ = [
    "Recipe",
    "RecipeKind",
    "Stack",
    "StackSource",
    "key_line",
    "load_recipe",
    "parse_yaml",
    "peek_name",
    "validate_specs",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
